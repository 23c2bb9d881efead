#!/usr/bin/env python3
"""Runs the built `anthropic-sse` binary over the repository's corpus of real recordings and checks it against
the official Python SDK's results stored beside each recording.

    cargo build --release --bin anthropic-sse
    python3 tests/corpus_check.py [BINARY]          # BINARY defaults to target/release/anthropic-sse

Streams: every `X.sse` of tests/corpus/real and every `X.bin` (Amazon Bedrock event-stream body) of
tests/corpus/bedrock, each with its `X.final.json` (see tests/corpus/README.md).

For each stream, `BINARY --final --chunk N FILE` for N in 65536 and 7 must give what `X.final.json` says:
- it has `ok` and the body dispatches a `message_stop`: exit 0, and stdout is that message;
- it has `ok` but no `message_stop` is dispatched (the stream was cut; the SDK returns the message anyway, our
  policy is an incomplete-stream error): exit 1, first stderr line starting `error[incomplete]`, and stdout is
  that message, the partial message the error carries;
- it has `error`: exit 1, first stderr line starting `error[<error.type>]`, and stdout is `snapshot` unless that
  is null.
Messages compare as the corpus README says: keys in any order, a member whose value is null equal to an absent
one, numbers by value (125 == 125.0), booleans only equal to booleans.

Then, once per stream, the output of the JSON Lines modes in JSON_MODES must be JSON Lines: each stdout line
one whole JSON value (and, for `--final`, exactly one line).

One line per failure, then `N passed, M failed` as the last line. Exits 1 when anything failed or when nothing
was checked (a missing or empty corpus directory is a failure). Python standard library only.
"""
from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
from typing import Any, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "corpus")
# (directory under tests/corpus, the extension of its streams)
SETS = [("real", ".sse"), ("bedrock", ".bin")]
CHUNKS = [65536, 7]
# The modes whose every stdout line must be one JSON value (the tool writes JSON kept as it arrived, such as
# tool input with the model's own line breaks, without the whitespace between its tokens).
JSON_MODES = ["--events", "--frames", "--sdk-events", "--final"]
TIMEOUT = 120


# ----- what a body dispatches (enough to know whether a message_stop arrives) -----

def sse_payloads(body: bytes) -> list[Any]:
    """The JSON value of every dispatched SSE frame (frames whose data is not JSON are skipped)."""
    text = body.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    payloads, data = [], None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data is not None:
                try:
                    payloads.append(json.loads("\n".join(data)))
                except ValueError:
                    pass
            data = None
        elif line.startswith("data:"):
            value = line[5:]
            if value.startswith(" "):
                value = value[1:]
            data = (data or []) + [value]
    # A frame not closed by a blank line is never dispatched.
    return payloads


def eventstream_payloads(body: bytes) -> list[Any]:
    """The event JSON inside every whole message of an AWS event-stream body (a cut last message is dropped)."""
    payloads, at = [], 0
    while at + 12 <= len(body):
        total, headers = struct.unpack(">II", body[at : at + 8])
        if total < 16 or at + total > len(body):
            break
        payload = body[at + 12 + headers : at + total - 4]
        try:
            payloads.append(json.loads(base64.b64decode(json.loads(payload)["bytes"])))
        except (ValueError, KeyError, TypeError):
            pass
        at += total
    return payloads


def dispatches_message_stop(path: str) -> bool:
    with open(path, "rb") as f:
        body = f.read()
    payloads = eventstream_payloads(body) if path.endswith(".bin") else sse_payloads(body)
    return any(isinstance(p, dict) and p.get("type") == "message_stop" for p in payloads)


# ----- comparison -----

def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def first_difference(expected: Any, actual: Any, path: str = "$") -> Optional[str]:
    if isinstance(expected, bool) or isinstance(actual, bool):
        same = isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
        return None if same else f"{path}: expected {expected!r}, got {actual!r}"
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        return None if expected == actual else f"{path}: expected {expected!r}, got {actual!r}"
    if type(expected) is not type(actual):
        return f"{path}: expected {type(expected).__name__} {expected!r}, got {type(actual).__name__} {actual!r}"
    if isinstance(expected, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                return f"{path}.{key}: missing (expected {expected[key]!r})"
            if key not in expected:
                return f"{path}.{key}: not expected (got {actual[key]!r})"
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = first_difference(e, a, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if expected == actual else f"{path}: expected {expected!r}, got {actual!r}"


# ----- checks -----

def run(binary: str, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([binary] + args, capture_output=True, timeout=TIMEOUT)


def check_final(binary: str, path: str, chunk: int, expected: dict, complete: bool) -> Optional[str]:
    p = run(binary, ["--final", "--chunk", str(chunk), path])
    first = (p.stderr.decode("utf-8", "replace").splitlines() or [""])[0]
    said = f"exit {p.returncode}, stderr {first[:120]!r}"
    if "ok" in expected:
        want = expected["ok"]
        if complete and p.returncode != 0:
            return f"{said}; expected exit 0"
        if not complete and (p.returncode != 1 or not first.startswith("error[incomplete]")):
            return f"{said}; expected exit 1 and error[incomplete] (no message_stop is dispatched)"
    elif "error" in expected:
        kind = expected["error"].get("type")
        if p.returncode != 1 or not first.startswith(f"error[{kind}]"):
            return f"{said}; expected exit 1 and error[{kind}]"
        want = expected.get("snapshot")
        if want is None:
            return None
    else:
        return "final.json has neither `ok` nor `error`"
    try:
        got = json.loads(p.stdout)
    except ValueError as e:
        return f"stdout is not one JSON value ({e})"
    found = first_difference(without_nulls(want), without_nulls(got))
    return f"differs from the SDK: {found[:300]}" if found else None


def check_json_lines(binary: str, path: str) -> Optional[str]:
    for mode in JSON_MODES:
        p = run(binary, [mode, path])
        lines = p.stdout.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        if mode == "--final" and len(lines) != 1:
            return f"{mode}: {len(lines)} lines on stdout, expected one"
        for n, line in enumerate(lines, 1):
            try:
                json.loads(line)
            except ValueError as e:
                return f"{mode}: stdout line {n} is not one JSON value ({e}): {line[:80]!r}"
    return None


def main() -> int:
    args = sys.argv[1:]
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(__doc__)
        return 2
    binary = args[0] if args else os.path.join(ROOT, "target", "release", "anthropic-sse")
    passed = failed = 0

    def outcome(label: str, problem: Optional[str]) -> None:
        nonlocal passed, failed
        if problem:
            failed += 1
            print(f"{label}: {problem}")
        else:
            passed += 1

    if not os.access(binary, os.X_OK):
        outcome(binary, "no such executable (cargo build --release --bin anthropic-sse)")
    else:
        for name, extension in SETS:
            folder = os.path.join(CORPUS, name)
            if not os.path.isdir(folder):
                outcome(f"tests/corpus/{name}", "directory missing")
                continue
            streams = sorted(f for f in os.listdir(folder) if f.endswith(extension))
            if not streams:
                outcome(f"tests/corpus/{name}", f"no {extension} stream to check")
            for stream in streams:
                path = os.path.join(folder, stream)
                label = f"{name}/{stream}"
                try:
                    with open(path[: -len(extension)] + ".final.json", encoding="utf-8") as f:
                        expected = json.load(f)
                except (OSError, ValueError) as e:
                    outcome(label, f"its .final.json: {e}")
                    continue
                complete = dispatches_message_stop(path)
                for chunk in CHUNKS:
                    outcome(f"{label} --chunk {chunk}", check_final(binary, path, chunk, expected, complete))
                outcome(f"{label} JSON lines", check_json_lines(binary, path))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
