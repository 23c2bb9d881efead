#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/<target>/) from this crate's own fixtures: tests/fixtures/*.sse,
the embedded sample (src/sample.sse) and the partial-JSON case table. Seeds for the chunking targets start
with 4 bytes that choose the chunking."""
import glob
import hashlib
import json
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
streams = sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/*.sse"))) + [os.path.join(ROOT, "src/sample.sse")]


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


rng = random.Random(7)
for path in streams:
    body = open(path, "rb").read()
    for seed in (0, 1, 2, 3):
        prefix = (seed + 4 * rng.randrange(1 << 20)).to_bytes(4, "little")
        put("sse_decoder", prefix + body)
        put("fold", prefix + body)
    for block in re.split(rb"\r\n\r\n|\n\n|\r\r", body):
        name, data = b"message", b""
        for line in re.split(rb"\r\n|\n|\r", block):
            if line.startswith(b"event: "):
                name = line[7:]
            elif line.startswith(b"data: "):
                data = line[6:]
        if data:
            put("events", bytes([len(name) % 32]) + name[:31] + data)
for case in json.load(open(os.path.join(ROOT, "tests/partial_json/cases.json"))):
    put("partial_json", case["input"].encode())
for i in range(16):
    put("structured", bytes(rng.randrange(256) for _ in range(64 + 32 * i)))
# fast_paths: a selector byte, then delta tails separated by U+0001, each what follows the opening quote of
# the delta's string: well-formed endings, escapes of every kind, padding, and near misses.
tails = [
    'Hello"}}',
    'Hi \\"there\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00"}       }',
    '{\\"a\\": [1, 2.5, \\"x\\"], \\"b\\": {\\"c\\": null}}"}}',
    'sig=="} }',
    '"} } ',
    'lone \\ud83d"}}',
    'bad \\x"}}',
    'unterminated',
    'extra"}},"more":1}',
    'tab\there"}}',
    'é ünïcödé 中文"}}',
    '"}}\n\ndata: {"type":"ping"}',
]
for selector in (0, 1, 2, 5, 6, 7, 0x80, 0x85):
    for k in range(len(tails)):
        body = "\x01".join(tails[k:] + tails[:k][:2])
        put("fast_paths", bytes([selector]) + body.encode())


# eventstream: our own streams as Bedrock bodies (each data frame a base64 chunk, some with padding), and
# eventstream_structured: random bytes that `arbitrary` turns into messages.
def es_message(headers, payload):
    import struct
    import zlib

    head = b""
    for name, value in headers:
        head += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + head + payload
    return body + struct.pack(">I", zlib.crc32(body))


def es_body(sse, pad):
    import base64

    out = b""
    for i, block in enumerate(re.split(rb"\r\n\r\n|\n\n|\r\r", sse)):
        data = b"\n".join(line[6:] for line in re.split(rb"\r\n|\n|\r", block) if line.startswith(b"data: "))
        if not data:
            continue
        payload = {"bytes": base64.b64encode(data).decode()}
        if pad:
            payload["p"] = "abcdefghijklmnopqrstuvwxyz"[: i % 26]
        headers = [(":event-type", "chunk"), (":content-type", "application/json"), (":message-type", "event")]
        out += es_message(headers, json.dumps(payload, separators=(",", ":")).encode())
    return out


for path in streams:
    body = es_body(open(path, "rb").read(), pad=path.endswith("sample.sse"))
    for seed in (0, 1, 2, 3):
        put("eventstream", (seed + 4 * rng.randrange(1 << 20)).to_bytes(4, "little") + body)
exc = es_message([(":exception-type", "throttlingException"), (":content-type", "application/json"),
                  (":message-type", "exception")], b'{"message":"Too many requests"}')
put("eventstream", b"\0\0\0\0" + exc)
for i in range(16):
    put("eventstream_structured", bytes(rng.randrange(256) for _ in range(64 + 64 * i)))
