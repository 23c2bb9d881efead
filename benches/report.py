#!/usr/bin/env python3
"""Prints the criterion results under target/criterion as Markdown tables: per workload, each
implementation's median time and throughput, and the ratio of anthropic-sse's throughput to each baseline's.

    cargo bench -p anthropic-sse-benches && python3 benches/report.py
"""
import json
import os
import sys
from collections import defaultdict

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "criterion")
OURS = "anthropic-sse"

rows = defaultdict(dict)  # (group, workload) -> impl -> (seconds, bytes)
for dirpath, _, files in os.walk(ROOT):
    if "benchmark.json" not in files or os.path.basename(dirpath) != "new":
        continue
    with open(os.path.join(dirpath, "benchmark.json")) as f:
        bench = json.load(f)
    with open(os.path.join(dirpath, "estimates.json")) as f:
        est = json.load(f)
    group = bench["group_id"]
    impl = bench.get("function_id") or bench["value_str"]
    workload = (bench.get("value_str") if bench.get("function_id") else None) or "-"
    tp = bench.get("throughput") or {}
    rows[(group, workload)][impl] = (est["median"]["point_estimate"] / 1e9, tp.get("Bytes"))

def fmt_time(s):
    return f"{s * 1e3:.1f} ms" if s < 10 else f"{s:.1f} s"

groups = defaultdict(list)
for (group, workload), impls in sorted(rows.items()):
    groups[group].append((workload, impls))

for group, items in groups.items():
    print(f"\n### {group}\n")
    print("| workload | implementation | median time | throughput | anthropic-sse is |")
    print("|---|---|---|---|---|")
    for workload, impls in items:
        ours = impls.get(OURS)
        for impl in sorted(impls, key=lambda i: (i != OURS, i)):
            secs, nbytes = impls[impl]
            thr = f"{nbytes / secs / 1e9:.3f} GB/s" if nbytes else ""
            ratio = "" if impl == OURS or not ours else f"{secs / ours[0]:.1f}x faster"
            print(f"| {workload} | {impl} | {fmt_time(secs)} | {thr} | {ratio} |")
