#!/usr/bin/env python3
"""Claude on Amazon Bedrock: writing AWS event-stream bodies, and the official Python SDK's reading of them.

An `application/vnd.amazon.eventstream` body is a sequence of binary messages:

    total length (u32 BE) | headers length (u32 BE) | CRC32 of the 8 bytes before | headers | payload | CRC32 of all before

Headers here are all strings (type 7): `:message-type` (`event`, `exception` or `error`), `:event-type` (`chunk`)
or `:exception-type`, and `:content-type`. A chunk's payload is `{"bytes": "<base64 of one event's JSON>"}`,
optionally with Bedrock's padding member `"p"`; an exception's payload is `{"message": "..."}`.

    python bedrock.py encode FILE.sse OUT.bin [--pad] [--exception-type T]
        One chunk per dispatched SSE frame (ping included), in order, carrying the frame's data. An `event: error`
        frame becomes an exception message instead: its type is T, else the Bedrock exception standing for the
        frame's error.type (EXCEPTION_FOR below, `modelStreamErrorException` for any other), its message the
        frame's error.message. --pad gives the n-th frame's chunk a padding member of (7n mod 33) letters.

    python bedrock.py final FILE.bin [--chunk N] [--beta]     (with the oracle environment's Python)
        The SDK's `AnthropicBedrock` client reads FILE.bin as the body of a 200 response with the event-stream
        content type (httpx2 MockTransport, N-byte pieces with --chunk) and the same object as
        final_message.py is printed, keys sorted.

`message()`, `chunk()`, `exception()` and `sse_frames()` are also used by tests/fixtures/bedrock/make.sh.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import struct
import sys
import zlib
from typing import Any, Iterator, Optional

# The Bedrock exception that stands for each first-party error type.
EXCEPTION_FOR = {
    "overloaded_error": "serviceUnavailableException",
    "rate_limit_error": "throttlingException",
    "api_error": "internalServerException",
    "timeout_error": "modelTimeoutException",
    "invalid_request_error": "validationException",
}
PADDING = "abcdefghijklmnopqrstuvwxyzABCDEF"


def crc32(data: bytes) -> bytes:
    return struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)


def string_header(name: str, value: str) -> bytes:
    key, text = name.encode(), value.encode()
    return bytes([len(key)]) + key + bytes([7]) + struct.pack(">H", len(text)) + text


def message(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    """One event-stream message with string headers, in the order given."""
    encoded = b"".join(string_header(name, value) for name, value in headers)
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    before = prelude + crc32(prelude) + encoded + payload
    return before + crc32(before)


def chunk(event_json: bytes, pad: Optional[str] = None) -> bytes:
    """A `chunk` event carrying one event's JSON (with the padding member when `pad` is given)."""
    payload: dict[str, Any] = {"bytes": base64.b64encode(event_json).decode()}
    if pad is not None:
        payload["p"] = pad
    headers = [(":event-type", "chunk"), (":content-type", "application/json"), (":message-type", "event")]
    return message(headers, json.dumps(payload, separators=(",", ":")).encode())


def exception(kind: str, text: str) -> bytes:
    """An exception message of type `kind`."""
    headers = [(":exception-type", kind), (":content-type", "application/json"), (":message-type", "exception")]
    return message(headers, json.dumps({"message": text}).encode())


def sse_frames(body: bytes) -> Iterator[tuple[str, str]]:
    """(event name, data) of every dispatched SSE frame: a leading BOM dropped, CR LF / CR / LF line ends,
    comments skipped, one space after the colon dropped, `message` when a frame has no `event:` field."""
    text = body.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    name, data = "", []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if data:
                yield name or "message", "\n".join(data)
            name, data = "", []
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)


def encode(sse: bytes, pad: bool, exception_type: Optional[str]) -> bytes:
    messages = []
    for n, (name, data) in enumerate(sse_frames(sse)):
        if name != "error":
            padding = PADDING[: (n * 7) % 33] if pad else None
            messages.append(chunk(data.encode(), pad=padding))
            continue
        try:
            error = json.loads(data).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        kind = exception_type or EXCEPTION_FOR.get(error.get("type"), "modelStreamErrorException")
        messages.append(exception(kind, error.get("message", data)))
    return b"".join(messages)


def final(path: str, size: Optional[int], beta: bool) -> dict[str, Any]:
    import anthropic
    import httpx2

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import final_message  # the same serialisation and error record as the SSE oracle

    with open(path, "rb") as f:
        body = f.read()

    def respond(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "aws-req-oracle"}
        return httpx2.Response(200, headers=headers, content=final_message.pieces(body, size))

    client = anthropic.AnthropicBedrock(
        aws_access_key="oracle",
        aws_secret_key="oracle",
        aws_region="us-east-1",
        max_retries=0,
        base_url="http://localhost:9",
        http_client=httpx2.Client(transport=httpx2.MockTransport(respond)),
    )
    request: dict[str, Any] = {
        "model": "anthropic.claude-oracle",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "oracle"}],
    }
    manager = client.beta.messages.stream(**request) if beta else client.messages.stream(**request)
    return final_message.consume(manager, iteration=False, full=False, want_snapshot=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = ap.add_subparsers(dest="verb", required=True)
    enc = verbs.add_parser("encode")
    enc.add_argument("sse")
    enc.add_argument("out")
    enc.add_argument("--pad", action="store_true", help="give every chunk a padding member \"p\"")
    enc.add_argument("--exception-type", default=None)
    fin = verbs.add_parser("final")
    fin.add_argument("file")
    fin.add_argument("--chunk", type=int, default=None)
    fin.add_argument("--beta", action="store_true")
    a = ap.parse_args()
    if a.verb == "encode":
        with open(a.sse, "rb") as f:
            sse = f.read()
        with open(a.out, "wb") as f:
            f.write(encode(sse, a.pad, a.exception_type))
        return 0
    sys.stdout.write(json.dumps(final(a.file, a.chunk, a.beta), sort_keys=True, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
