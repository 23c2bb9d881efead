#!/usr/bin/env python3
"""Writes cases.json: inputs for the tool-input parser with what jiter (the parser the official Python SDK
uses for tool input, `from_json(buf, partial_mode=True)`) returns for each. Run with the oracle's venv:

    bash tests/oracle/setup.sh                                            # once: makes target/oracle-venv
    target/oracle-venv/bin/python tests/partial_json/make_cases.py

Inputs whose jiter result JSON cannot hold (NaN, Infinity) or serde_json cannot hold exactly (integers
beyond 64 bits) are left out: those are documented differences of this crate.
"""
import json
import math
import os

import jiter

INPUTS = [
    '{"a": 1, "b": "hel', '{"a": 12', '{"a": [1, 2', '{"a": 1, "ke', '{"a": tr', '   ', '', '{"a": x}', '{"a": 1} trailing',
    '{"a": 1}{"b":2}', '{"a": 1.', '{"a": -', '{"a": 1e', '{"a": 1e5', '{"a": 1.5e', '{"a": {"b": "x', '{"a": {"b": 1',
    '{"a": [1, {"b": 2, "c', '[1, "ab', '"hel', '"hello"', '12', '1.', 'tr', 'true', 'nul', '{"key"', '{"key":', '{"key": ',
    '{', '[', '[1,', '{"a":1,', '{"a": "x\\', '{"a": "x\\u00', '{"a": 125.0}', '{"a": -0.0}', '{"a": 1, "a": 2}',
    '{"a": "\\ud800"}', '{"a": 01}', '{"a": [1 2]}', '{"a": 1,}', '[1,]', '{"a": 1 "b": 2}', '{"a": [1 2], "b": 3}',
    '[1 2]', '{"a": 1 x', '[1, 2 x', '{"a" 1}', '{"a": [1, x]}', '{"a": [1,, 2]}', '{"a": tru}', '{"a": true',
    '{"a": nul', '{"a": null', '{"a": "b"}x', '[1] 2', '{"a": [1}', '{"a": 1]', '{1: 2}', '{"a": 1, 2}',
    '[{"a": 1} {"b": 2}]', '{"a": {"b": 1} "c": 2}', '{"a": "x"  ', '{"a": 1 ,', '{"a": 1.5', '{"a": -1',
    '{"a": 1.5e3', '{"a": 1.5e+', '{"a": 1.5e+3', '{"a": 00', '{"a": 0', '{"a": "\\u00e9"}', '{"a": "\\x"}',
    '{"a": "tab\there"}', '{"a": "nl\nhere"}', '{"a": "\\uD83D\\uDE00"}', '{"a": "\\uDE00"}', '{"a": "\\uD83D',
    '{"a": 9007199254740993}', '{"a": 18446744073709551615}', '{"a": -9223372036854775808}', '{"a": 0.1}',
    '{"a":1e-7}', '{"a": 1.0e2}', '{"a": 2.5E-3}', ' {"a": 1}', '\n[1]', '{"a": "x"', '{"a": [', '{"a": []',
    '{"a": {}}', '{"a": {"b": [true, false, null], "c": "d"}, "e": [[], [[]], {}]}', '{"a": "\\/\\b\\f\\n\\r\\t\\"\\\\"}',
    '{"a": "é🦅"}', '{"city": "Lisbon", "days": 3, "unit": "cel', '[{"x": [1, [2, [3, "', '{"a": -', '{"a": -0',
    '{"a": 1E', '{"a": 1E+2}', '{"a": .5}', '{"a": +1}', '{"a": 1.}', '{"a": "\\u12"}', '{"a": "\\u12G4"}',
    '{"a"', '{"a":', '{ "a" : 1 , "b" : [ 1 , 2 ] }', '[1, 2, 3]   ', '{"a": "unterminated \\"quote',
    '[' * 60 + ']' * 60, '{"a": [1, 2, 3], "b": {"c": "d", "e": ', '{"a": false', '{"a": fals', '{"a": falsy}',
]

out = []
for text in INPUTS:
    try:
        value = jiter.from_json(text.encode(), partial_mode=True)
        encoded = json.dumps(value, allow_nan=False)
        out.append({"input": text, "ok": json.loads(encoded)})
    except ValueError as e:
        if "Out of range float values" in str(e):
            continue
        out.append({"input": text, "error": str(e)})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json"), "w") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(out), "cases")
