#!/usr/bin/env python3
"""Writes tests/retry/table.json: for each case, what the official Python SDK (`anthropic`, the oracle's
environment) decides with its own functions, `_should_retry`, `_parse_retry_after_header` and
`_calculate_retry_timeout`, with `time.time` and `random` fixed so that the expected values are exact.

    bash tests/oracle/setup.sh                                   # once: makes target/oracle-venv
    target/oracle-venv/bin/python tests/retry/make_table.py
"""
import json
import os
from unittest import mock

import anthropic
import anthropic._base_client as base
import httpx2

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1_750_000_000.25  # the fixed clock: 2025-06-15T15:06:40.25Z
RANDOM = 0.375  # the fixed random number of the jitter

client = anthropic.Anthropic(api_key="test", max_retries=3)
options = base.FinalRequestOptions(method="post", url="/v1/messages", max_retries=3)

statuses = [200, 400, 401, 403, 404, 408, 409, 413, 422, 429, 499, 500, 502, 503, 504, 529, 599, 600]
header_sets = [
    [],
    [["x-should-retry", "true"]],
    [["x-should-retry", "false"]],
    [["x-should-retry", "True"]],
    [["X-Should-Retry", "false"]],
    [["x-should-retry", "yes"]],
    [["retry-after-ms", "1500"]],
    [["retry-after-ms", "250.5"]],
    [["retry-after-ms", "0"]],
    [["retry-after-ms", "-5"], ["retry-after", "7"]],
    [["retry-after-ms", "abc"], ["retry-after", "7"]],
    [["retry-after", "3"]],
    [["retry-after", "2.5"]],
    [["retry-after", " 4 "]],
    [["retry-after", "1_0"]],
    [["retry-after", "1e1"]],
    [["retry-after", "inf"]],
    [["retry-after", "nan"]],
    [["retry-after", "-1"]],
    [["retry-after", "0"]],
    [["retry-after", "10000000"]],
    [["retry-after", "soon"]],
    [["retry-after", ""]],
    [["retry-after", "Sun, 15 Jun 2025 15:07:00 GMT"]],
    [["retry-after", "Sun, 15 Jun 2025 15:06:00 GMT"]],
    [["retry-after", "15 Jun 2025 15:07:30 +0000"]],
    [["retry-after", "Sunday, 15-Jun-25 15:07:10 GMT"]],
    [["retry-after", "Sun Jun 15 15:07:20 2025"]],
    [["retry-after", "Sun, 15 Jun 2025 11:07:00 EDT"]],
    [["retry-after", "Sun, 15 Jun 2025 16:07:00 +0100"]],
    [["retry-after", "Sun, 15 Jun 2025 15:07:00 -0000"]],
    [["retry-after", "15 June 2025 15:07:05"]],
    [["retry-after", "Jun 15 2025 15:07:15 GMT"]],
    [["retry-after", "Sun, 15 Jun 2025 15.07.25 GMT"]],
    [["retry-after", "Sun, 32 Jun 2025 15:07:00 GMT"]],
    [["retry-after", "Sun, 15 Foo 2025 15:07:00 GMT"]],
    [["retry-after", "Sun, 15 Jun 2025"]],
    [["x-should-retry", "false"], ["retry-after", "2"]],
    [["retry-after", "1"], ["retry-after", "2"]],
]

rows = []
for status in statuses:
    for headers in header_sets:
        response = httpx2.Response(status, headers=headers, request=httpx2.Request("POST", "https://x/v1/messages"))
        with mock.patch("time.time", return_value=NOW), mock.patch.object(base, "random", return_value=RANDOM):
            should = client._should_retry(response)
            after = client._parse_retry_after_header(response.headers)
            timeouts = [client._calculate_retry_timeout(3 - n, options, response.headers) for n in range(3)]
        rows.append({
            "status": status,
            "headers": headers,
            "should_retry": should,
            "retry_after": None if after is None else (after if after == after and abs(after) != float("inf") else str(after)),
            "timeouts": timeouts,
        })

with open(os.path.join(HERE, "table.json"), "w") as f:
    json.dump({"sdk": anthropic.__version__, "now": NOW, "random": RANDOM, "rows": rows}, f, indent=0)
print(len(rows), "rows")
