#!/usr/bin/env python3
"""Builds tests/tool_input/cases.json: oracle-made expected results for tool input (input_json_delta) folding.

Every tool input below is cut into pieces (whole, random 1..12-byte pieces at character boundaries, one
character per piece, or with empty pieces), sent as the `partial_json` of input_json_delta events in SSE
streams (several tool_use blocks per stream, each with its own index), and run through the official Python SDK
(tests/oracle/final_message.py, `--beta --iteration --keep-order`) in both of its partial modes:

  mode "on"                default:                    jiter.from_json(buf, partial_mode=True)
  mode "trailing-strings"  --betas fine-grained-tool-streaming-2025-05-14:  partial_mode="trailing-strings"

Nothing here is expected output written by hand: each entry's `final` and `snapshots` are what the SDK holds.

    python3 make_cases.py            # needs the oracle venv: bash tests/oracle/setup.sh (once)

Environment (same as tests/fixtures/regenerate.sh): ORACLE_DIR (default tests/oracle),
ORACLE_VENV (default target/oracle-venv).  The streams go to a temporary directory that is removed.

How values are stored.  The oracle script's own output serialises the SDK objects with `to_dict(mode="json")`,
which turns an infinite float (from `1e400`) into null.  To record the value the SDK actually holds, the oracle
is run through this file (`--oracle-run`, under the venv's Python): it imports final_message.py and calls its
`run()` unchanged, with a `_dump` that also writes each tool input exactly as held, as JSON text:
json.dumps(value, ensure_ascii=False, separators=(",", ":")) (key order kept, float repr = shortest
round-trip form, ints exact, inf as Infinity).

cases.json is an array with one entry per (tool input, split, mode):
  name, mode ("on" | "trailing-strings"), pieces (partial_json strings as sent), start_input (the JSON text of
  the content_block_start `input`), final (JSON text of the block's final input, or null if the SDK raised),
  error (the SDK's error text, or null), snapshots (per delta, the JSON text of the input_json event's
  snapshot; null at the delta where the SDK raised, after which nothing is recorded).
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_DIR = os.environ.get("ORACLE_DIR", os.path.join(HERE, "..", "oracle"))
PY = os.path.join(os.environ.get("ORACLE_VENV", os.path.join(HERE, "..", "..", "target", "oracle-venv")), "bin", "python")
FGTS = "fine-grained-tool-streaming-2025-05-14"
MODES = [("on", []), ("trailing-strings", ["--betas", FGTS])]
BLOCKS_PER_STREAM = 30
OUT = os.path.join(HERE, "cases.json")


def enc(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------------
# Oracle side (runs under the venv's Python).
# ---------------------------------------------------------------------------------------------------------

def oracle_run(argv):
    """`--oracle-run FILE [--betas B]`: final_message.run(FILE, beta=True, iteration=True) with tool inputs
    also written as held (see the module doc). Prints one JSON object, keys in the SDK's order."""
    path = argv[0]
    betas = argv[argv.index("--betas") + 1].split(",") if "--betas" in argv else []
    sys.path.insert(0, os.path.abspath(ORACLE_DIR))
    import final_message as fm  # noqa: E402 (the oracle script, unchanged)

    stock = fm._dump

    def dump(model, full):
        d = stock(model, full)
        if d is None:
            return d
        t = getattr(model, "type", None)
        if t == "input_json":
            d["snapshot_text"] = enc(model.snapshot)
        elif t == "content_block_stop":
            if hasattr(model.content_block, "input"):
                d["content_block"]["input_text"] = enc(model.content_block.input)
        elif t == "message":
            for blk, bd in zip(model.content, d["content"]):
                if hasattr(blk, "input"):
                    bd["input_text"] = enc(blk.input)
        return d

    fm._dump = dump
    out = fm.run(path, None, True, betas, "req_tool_input", 200, False, True, True)
    sys.stdout.buffer.write((json.dumps(out, ensure_ascii=False) + "\n").encode("utf-8"))
    return 0


# ---------------------------------------------------------------------------------------------------------
# SSE streams, in the format of tests/fixtures/make_fixtures.py.
# ---------------------------------------------------------------------------------------------------------

def frame(payload):
    return "event: %s\ndata: %s\n\n" % (payload["type"], json.dumps(payload, separators=(",", ":"), ensure_ascii=False))


def stream_text(blocks):
    """blocks: list of (pieces, start_input_text)."""
    out = [frame({"type": "message_start", "message": {
        "id": "msg_tool_input", "type": "message", "role": "assistant", "model": "claude-fixture", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}}})]
    for i, (pieces, start_input) in enumerate(blocks):
        out.append(frame({"type": "content_block_start", "index": i, "content_block": {
            "type": "tool_use", "id": "toolu_%03d" % i, "name": "tool", "input": json.loads(start_input)}}))
        for p in pieces:
            out.append(frame({"type": "content_block_delta", "index": i,
                              "delta": {"type": "input_json_delta", "partial_json": p}}))
        out.append(frame({"type": "content_block_stop", "index": i}))
    out.append(frame({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                      "usage": {"output_tokens": 20}}))
    out.append(frame({"type": "message_stop"}))
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# Cases.
# ---------------------------------------------------------------------------------------------------------

rng = random.Random(20250514)


def split_random(text, lo=1, hi=12, empties=False):
    """Pieces of lo..hi UTF-8 bytes (at least one character each), cut only at character boundaries; with
    empties, an empty first piece and a few empty pieces in between."""
    pieces = [""] if empties else []
    i = 0
    while i < len(text):
        want = rng.randint(lo, hi)
        j, n = i, 0
        while j < len(text) and (j == i or n + len(text[j].encode()) <= want):
            n += len(text[j].encode())
            j += 1
        pieces.append(text[i:j])
        i = j
        if empties and rng.random() < 0.2:
            pieces.append("")
    return pieces


def split_chars(text):
    return list(text)


CASES = []  # (name, start_input_text, [(split_name, pieces)])


def add(name, text, splits=("whole", "random", "chars"), start_input="{}"):
    out = []
    for s in splits:
        if s == "whole":
            out.append((s, [text]))
        elif s == "random":
            out.append((s, split_random(text)))
        elif s == "random2":
            out.append((s, split_random(text)))
        elif s == "chars":
            out.append((s, split_chars(text)))
        elif s == "empties":
            out.append((s, split_random(text, empties=True)))
        else:
            raise ValueError(s)
    CASES.append((name, start_input, out))


def add_pieces(name, pieces, start_input="{}"):
    CASES.append((name, start_input, [("given", list(pieces))]))


# ---- numbers ----------------------------------------------------------------------------------------------

SPECIAL_NUMBERS = [
    "0.09158478740507359", "5e-29", "1.25e+28", "9.999e-22", "123456789012345678901234567890",
    "18446744073709551616", "-18446744073709551617", "9223372036854775807", "9223372036854775808",
    "-9223372036854775808", "-9223372036854775809", "-0", "-0.0", "-0e1", "1.0", "1E5", "1e400", "-1e400",
    "1e-400", "5e-324", "2.2250738585072009e-308", "1.7976931348623157e308",
    "0", "0.0", "-1", "1e0", "1E-0", "0e+10", "2.5E+3", "0.1", "100", "1.5e300", "-4.9e-324", "2.2250738585072014e-308",
    "18446744073709551615", "4294967296", "9007199254740993", "0.30000000000000004", "1.7976931348623159e308",
]


def random_long_decimal():
    n = rng.randint(18, 40)
    digits = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))
    sign = "-" if rng.random() < 0.3 else ""
    form = rng.randrange(4)
    if form == 0:  # d.ddd
        p = rng.randint(1, n - 1)
        return sign + digits[:p] + "." + digits[p:]
    if form == 1:  # 0.000ddd
        return sign + "0." + "0" * rng.randint(0, 6) + digits
    if form == 2:  # d.ddde+-k
        return sign + digits[0] + "." + digits[1:] + rng.choice(["e", "E"]) + rng.choice(["", "+", "-"]) + str(rng.randint(0, 300))
    return sign + digits  # a long integer


def random_double():
    while True:
        kind = rng.randrange(3)
        if kind == 0:  # any bit pattern: all magnitudes, subnormals included
            x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        elif kind == 1:  # everyday magnitudes
            x = rng.uniform(1, 10) * 10.0 ** rng.randint(-25, 25) * rng.choice([1, -1])
        else:  # short decimals and integral floats
            x = round(rng.uniform(-1e6, 1e6), rng.randint(0, 6)) * 10.0 ** rng.randint(-5, 5)
        if math.isfinite(x):
            return repr(x)


numbers = list(SPECIAL_NUMBERS)
numbers += [random_long_decimal() for _ in range(30)]
numbers += [random_double() for _ in range(200)]
numbers += [str(rng.randint(-10 ** rng.randint(1, 40), 10 ** rng.randint(1, 40))) for _ in range(10)]
rng.shuffle(numbers)


def pack_numbers(group, k):
    colon, comma = rng.choice([(":", ","), (": ", ", "), (" : ", " ,")])
    parts, i = [], 0
    while i < len(group):
        r = rng.random()
        if r < 0.45:
            parts.append('"n%d"%s%s' % (i, colon, group[i]))
            i += 1
        elif r < 0.8:
            m = rng.randint(1, 3)
            parts.append('"a%d"%s[%s]' % (i, colon, comma.join(group[i:i + m])))
            i += m
        else:
            m = rng.randint(1, 2)
            inner = comma.join('"%s"%s%s' % (kk, colon, v) for kk, v in zip("xy", group[i:i + m]))
            parts.append('"o%d"%s{%s%s"l"%s[%s]}' % (i, colon, inner, comma, colon, group[i]))
            i += m
    if k % 5 == 4:  # a top-level array now and then
        return "[" + comma.join(p.split(colon, 1)[1] for p in parts) + "]"
    return "{" + comma.join(parts) + "}"


for k in range(0, len(numbers), 8):
    g = numbers[k:k + 8]
    add("numbers#%02d" % (k // 8), pack_numbers(g, k // 8), splits=("whole", "random", "random2") + (("empties",) if k == 0 else ()))
# Each special number alone at the end of an object, so cuts inside it are seen just before the "}".
for k, n in enumerate(SPECIAL_NUMBERS[:22]):
    add("number-alone#%02d %s" % (k, n), '{"v":%s}' % n, splits=("whole", "chars"))

# ---- key order -----------------------------------------------------------------------------------------------

KEY_POOL = ["é", "e\u0301", "日本語", "🙂", "ключ", "z", "a", "A", "10", "2", "1", "0", "-1", "01", "ß", "Ω", "ａ",
            "\\u00e9t\\u00e9", "\\ud83d\\ude80", "a\\nb", "\\/slash", "", " ", "key with space", "__proto__",
            "constructor", "\\u0000", "\u2028", "😀😀", "Ünïcödé", "ḱ", "\\u65e5"]


def rand_value(depth):
    r = rng.random()
    if depth < 2 and r < 0.25:
        return rand_object(depth + 1)
    if depth < 2 and r < 0.35:
        return "[" + ",".join(rand_value(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    return rng.choice(["1", "-2.5", "true", "false", "null", '"v"', '"\\u00e9"', '"日本"', "12345678901234567890", "1e-7"])


def rand_object(depth=0):
    keys = rng.sample(KEY_POOL, rng.randint(2, 8 if depth == 0 else 5))
    return "{" + ",".join('"%s":%s' % (kk, rand_value(depth)) for kk in keys) + "}"


for k in range(6):
    add("key-order#%d" % k, rand_object(), splits=("whole", "random", "chars") if k < 2 else ("whole", "random"))

# ---- repeated keys -----------------------------------------------------------------------------------------

add("repeated a,b,a", '{"a":1,"b":2,"a":3}', splits=("whole", "random", "chars", "empties"))
add("repeated with object/array values", '{"a":{"x":1,"y":[1,2]},"b":0,"a":[3,{"z":4}]}')
add("repeated, both values swapped in kind", '{"a":[1,2],"b":{"c":1},"a":{"q":[]},"b":"s"}')
add("repeated escaped then plain", r'{"\u0061":1,"b":2,"a":3}')
add("repeated plain then escaped", r'{"a":1,"\u0061":"two"}')
add("repeated in nested objects", '{"o":{"k":1,"j":2,"k":3},"p":[{"x":1,"y":2,"x":{"deep":true}}],"o2":{"m":{"n":1},"m":{"o":2}}}')
add("repeated many times", '{"a":1,"a":2,"a":3,"b":1,"a":null}')
add("repeated raw/escaped e-acute, and a decomposed e", '{"é":1,"\\u00e9":2,"e\u0301":3}')
add("repeated objects are not merged", '{"a":{"x":1,"y":2},"a":{"y":3}}')
add("repeated with a long string value", '{"k":"first","n":1,"k":"second value, rather long"}')
add("repeated escaped emoji key", r'{"😀":1,"x":0,"\ud83d\ude00":2}')

# ---- strings with escapes ------------------------------------------------------------------------------------

add("escapes basic", r'{"s":"line1\nline2","q":"say \"hi\"","b":"back\\slash","sl":"a\/b"}', splits=("whole", "random", "chars", "empties"))
add("escapes unicode", r'{"e":"caf\u00e9","E":"caf\u00E9","emoji":"\ud83d\ude00","EMOJI":"\uD83D\uDE00","two":"\ud83d\ude00\ud83d\ude01"}')
add("escapes control", r'{"ctl":"\t\r\b\f\u0000\u001f\u007f","ls":"\u2028\u2029","bs_end":"\\","q_end":"\"","uq":"\u0022\u005c"}')
add("raw multibyte", '{"raw":"héllo 😀 日本 e\u0301 \u2028","mix":"\\u00e9é\\ud83d\\ude00😀","\x7f":"del"}')
add("escapes in an array", r'["\n","\\","\"","\/","\u00e9","\ud83d\ude00","",""]')
add("escape runs", r'{"a":"\\\"\\n\\\\u0041\"\\","b":"\\\\\\\\","c":"\u005c\u0022"}')
add("escapes in keys", r'{"k\"q":1,"k\\b":2,"\u00e9\ud83d\ude00":3,"\n":4}')

# ---- truncated inputs (the block is still stopped) ----------------------------------------------------------

for t in [r'{"a": 1, "b": "hel', r'{"a": [1, 2', r'{"a": 12', r'{"a": 1.', r'{"a":{"b": tr', r'{"k":"v","k":"w',
          r'["a","b', r'{"a": "x\u00', r'{"a": "\ud83d', '{"a":"hel\\',
          r'{"a": "\ud83d\ude', r'{"a": "\ud83d\ude00', r'{"a":"\ud800', r'{"a":-', r'{"a":1e', r'{"a":1e+', r'{"a": nul',
          r'{"a": fals', r'{"a":"b"', r'{"a"', r'{"a":', r'{"a":{"b":[{"c":"d', r'{"n":-0.', r'{"abc', r'{"a":1,"b',
          r'{"big":123456789012345678901234567890', r'{"x":"a","y":"b\"c', r'[1,[2,[3,"', r'{"a":1,"a":"repl']:
    add("truncated %s" % t, t)

# ---- trailing text, whitespace ---------------------------------------------------------------------------------

add("trailing text after object", '{"a":1} xyz')
add("missing comma in array", "[1 2]")
add("whitespace and newlines between tokens", '{\n  "a" : [ 1 ,\n    2.5 ] ,\r\n\t"b" : { "c" : null , "d" : "x y" }\n}\n')
add("two objects back to back", '{"a":1}{"b":2}')
add("trailing whitespace", '{"a":1}\n\n  ')
add("leading whitespace", '  \n{"a": 1}')
add("extra closing brackets", '{"a":[1,2]]}}')
add("missing comma in object", '{"a":1 "b":2}')

# ---- invalid inputs (the SDK raises) ---------------------------------------------------------------------------

for t in [r'{"a": x}', r'{"a": 1,}', r'{"a":01}', r'{"a":"\ud800"}', r'{"a":"\udc00"}', r'{"a":"\ud800\u0041"}',
          '{"a" 1}', '{"a":1,"b":tru}', '{"a":"x\ty"}', '{"a":-}', '{"a":1.e5}', '{"a":.5}', '{"a":+1}',
          r'{"a":"\x"}', '[1,]']:
    add("invalid %s" % t, t, splits=("whole", "chars"))

# ---- start input and empty pieces --------------------------------------------------------------------------------

add_pieces("start input kept by an empty piece", [""], start_input='{"kept":true}')
add_pieces("start input replaced after an empty piece", ["", '{"new":', "2}"], start_input='{"old":1}')
add_pieces("empty pieces around a value", ["", "", '{"a":1}', "", ""])
add_pieces("no deltas at all", [], start_input='{"old":1}')
add_pieces("whitespace-only first piece", [" ", '{"a":1}'])
add_pieces("start input with exact numbers", [""], start_input='{"f":0.1,"big":18446744073709551616,"neg":-0.0}')
add_pieces("empty piece after a cut number", ['{"a":1', "", "2", "", "}"])


# ---------------------------------------------------------------------------------------------------------
# Running the oracle.
# ---------------------------------------------------------------------------------------------------------

STATS = {"runs": 0, "seconds": 0.0, "json_mode_differs": 0}


def run_oracle(tmp, blocks, mode_args):
    path = os.path.join(tmp, "s%03d.sse" % STATS["runs"])
    with open(path, "wb") as f:
        f.write(stream_text(blocks).encode("utf-8"))
    t0 = time.time()
    res = subprocess.run([PY, os.path.abspath(__file__), "--oracle-run", path] + mode_args,
                         capture_output=True, check=True)
    STATS["runs"] += 1
    STATS["seconds"] += time.time() - t0
    return json.loads(res.stdout.decode("utf-8"))


def run_blocks(tmp, blocks, mode_args):
    """blocks: list of (pieces, start_input). Returns, per block, dict(final, error, snapshots)."""
    results = [None] * len(blocks)
    pending = list(range(len(blocks)))
    while pending:
        batch = pending[:BLOCKS_PER_STREAM]
        out = run_oracle(tmp, [blocks[b] for b in batch], mode_args)
        snaps, finals, current, last_delta = {}, {}, None, None
        for it in out["iteration"]:
            t = it.get("type")
            if t == "content_block_start":
                current = it["index"]
                snaps[current] = []
            elif t == "content_block_delta":
                last_delta = it
            elif t == "input_json":
                assert last_delta["index"] == current
                assert it["partial_json"] == last_delta["delta"]["partial_json"]
                assert it["partial_json"] == blocks[batch[current]][0][len(snaps[current])]
                snaps[current].append(it["snapshot_text"])
                if json.loads(it["snapshot_text"]) != it["snapshot"]:
                    STATS["json_mode_differs"] += 1
            elif t == "content_block_stop":
                finals[it["index"]] = it["content_block"]["input_text"]
        done = 0
        for i, b in enumerate(batch):
            if i in finals:
                assert len(snaps[i]) == len(blocks[b][0])
                results[b] = {"final": finals[i], "error": None, "snapshots": snaps[i]}
                if "ok" in out:
                    assert out["ok"]["content"][i]["input_text"] == finals[i]
                done = i + 1
            else:
                break
        if "error" in out:
            assert current == done and current not in finals, (current, done)
            results[batch[current]] = {"final": None, "error": out["error"]["message"],
                                       "snapshots": snaps[current] + [None]}
            done += 1
        else:
            assert done == len(batch)
        pending = pending[done:]
    return results


def main():
    if sys.argv[1:2] == ["--oracle-run"]:
        return oracle_run(sys.argv[2:])
    blocks = []
    for name, start_input, splits in CASES:
        for split_name, pieces in splits:
            blocks.append((pieces, start_input))
    per_mode = {}
    with tempfile.TemporaryDirectory(prefix="tool_input_") as tmp:
        for mode, args in MODES:
            per_mode[mode] = run_blocks(tmp, blocks, args)
    entries, b = [], 0
    for name, start_input, splits in CASES:
        for split_name, pieces in splits:
            for mode, _ in MODES:
                r = per_mode[mode][b]
                entries.append({"name": "%s [%s]" % (name, split_name), "mode": mode, "pieces": pieces,
                                "start_input": start_input, "final": r["final"], "error": r["error"],
                                "snapshots": r["snapshots"]})
            b += 1
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n]\n")
    errors = sum(1 for e in entries if e["error"])
    print("%d cases (%d raised), %d blocks, %d oracle runs in %.1f s; %d snapshots where to_dict(mode=json) differs"
          % (len(entries), errors, len(blocks), STATS["runs"], STATS["seconds"], STATS["json_mode_differs"]),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
