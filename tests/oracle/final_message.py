#!/usr/bin/env python3
"""The SSE oracle: what the official Anthropic Python SDK's stream helper makes of a recorded body.

Run it with the Python of the environment that `setup.sh` makes (default `target/oracle-venv`):

    target/oracle-venv/bin/python tests/oracle/final_message.py FILE.sse --beta [--chunk N] [--betas a,b]
        [--request-id ID] [--status CODE] [--full] [--no-snapshot] [--iteration] [--keep-order]

The bytes of FILE are the body of a mocked HTTP response (status 200 unless --status, `content-type:
text/event-stream`, `request-id: ID`, default `req_oracle_0001`) served through httpx2's MockTransport, the
HTTP library of this SDK version; --chunk N hands the body over in N-byte pieces. The SDK's
`client.beta.messages.stream(...)` (with --beta; `client.messages.stream(...)` without) is iterated to its end,
then `get_final_message()` is called. --betas sends those `anthropic-beta` values (with
`fine-grained-tool-streaming-2025-05-14` the SDK parses tool input in its "trailing-strings" partial mode).

One JSON object is printed, keys sorted (--keep-order: in the SDK's own order, e.g. a tool input's keys as the
model wrote them):

    {"events": [raw event types], "derived": [helper event types], "ok": <final message>}
    {"events": [...], "derived": [...], "error": {class, type, api_message, message, status, request_id},
     "snapshot": <the SDK's snapshot when it raised, or null>}           (no "snapshot" with --no-snapshot)

With --iteration the object also holds "iteration": each item the stream yielded, in order, serialised when it
was yielded. A message or event is written with `to_dict(mode="json")` (only fields set on the wire or by the
accumulator), or with `model_dump(mode="json")` under --full. The exit status is 0 whenever the SDK ran: its
errors are outcomes, reported in the output.

`run()` and `_dump()` are also used from other scripts (tests/tool_input/make_cases.py replaces `_dump` to
record tool inputs exactly as held; bedrock.py shares the serialisation): keep their signatures.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterator, Optional

import httpx2
import anthropic

# The helper events the SDK derives from deltas; every other item it yields is a raw event.
DERIVED = {"text", "input_json", "citation", "thinking", "signature", "compaction"}


def _dump(model: Any, full: bool) -> Any:
    """The SDK's own serialisation of a message or an event (None stays None). warnings=False keeps pydantic
    from printing serializer warnings for block types this SDK build stores under another union member."""
    if model is None:
        return None
    if full:
        return model.model_dump(mode="json", warnings=False)
    return model.to_dict(mode="json", warnings=False)


def pieces(body: bytes, size: Optional[int]) -> Iterator[bytes]:
    """The body whole, or in `size`-byte pieces."""
    if size is None or size <= 0:
        yield body
        return
    for start in range(0, len(body), size):
        yield body[start : start + size]


def error_record(e: BaseException) -> dict[str, Any]:
    """What an SDK exception says, attribute by attribute (None where it has no such attribute)."""
    return {
        "class": type(e).__name__,
        "type": getattr(e, "type", None),
        "api_message": getattr(e, "api_message", None),
        "message": str(e),
        "status": getattr(e, "status_code", None),
        "request_id": getattr(e, "request_id", None),
    }


def consume(manager: Any, iteration: bool, full: bool, want_snapshot: bool) -> dict[str, Any]:
    """Iterates a stream manager to its end; returns the oracle's object (see the module doc)."""
    events: list[Any] = []
    derived: list[Any] = []
    out: dict[str, Any] = {"events": events, "derived": derived}
    if iteration:
        out["iteration"] = []
    stream = None
    try:
        with manager as stream:
            for item in stream:
                kind = getattr(item, "type", None)
                if kind in DERIVED:
                    derived.append(kind)
                else:
                    events.append(kind)
                if iteration:
                    out["iteration"].append(_dump(item, full))
            final = stream.get_final_message()
        out["ok"] = _dump(final, full)
    except Exception as e:  # noqa: BLE001 - an SDK failure is an outcome to report
        out["error"] = error_record(e)
        if want_snapshot:
            snapshot = None
            if stream is not None:
                try:
                    snapshot = _dump(stream._current_snapshot_or_none(), full)
                except Exception:  # noqa: BLE001
                    snapshot = None
            out["snapshot"] = snapshot
    return out


def run(path: str, chunk: Optional[int], beta: bool, betas: list[str], request_id: str, status: int,
        full: bool, want_snapshot: bool, iteration: bool = False) -> dict[str, Any]:
    """The oracle's object for the SSE body in `path`."""
    with open(path, "rb") as f:
        body = f.read()

    def respond(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "text/event-stream"}
        if request_id:
            headers["request-id"] = request_id
        return httpx2.Response(status, headers=headers, content=pieces(body, chunk))

    client = anthropic.Anthropic(
        api_key="oracle-test-key",
        base_url="http://localhost:9",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(respond)),
    )
    request: dict[str, Any] = {
        "model": "claude-oracle",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "oracle"}],
    }
    if beta:
        if betas:
            request["betas"] = betas
        manager = client.beta.messages.stream(**request)
    else:
        if betas:
            request["extra_headers"] = {"anthropic-beta": ",".join(betas)}
        manager = client.messages.stream(**request)
    return consume(manager, iteration, full, want_snapshot)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--chunk", type=int, default=None, help="serve the body in N-byte pieces")
    ap.add_argument("--beta", action="store_true", help="client.beta.messages.stream (the crate's reference)")
    ap.add_argument("--betas", default="", help="comma-separated anthropic-beta values")
    ap.add_argument("--request-id", default="req_oracle_0001", help="the response's request-id header")
    ap.add_argument("--status", type=int, default=200, help="the response's HTTP status")
    ap.add_argument("--full", action="store_true", help="model_dump() instead of to_dict()")
    ap.add_argument("--no-snapshot", action="store_true", help="leave the snapshot out on error")
    ap.add_argument("--iteration", action="store_true", help="also record every item the stream yields")
    ap.add_argument("--keep-order", action="store_true", help="keys in the SDK's order instead of sorted")
    a = ap.parse_args()
    betas = [b for b in a.betas.split(",") if b]
    out = run(a.file, a.chunk, a.beta, betas, a.request_id, a.status, a.full, not a.no_snapshot, a.iteration)
    sys.stdout.write(json.dumps(out, sort_keys=not a.keep_order, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
