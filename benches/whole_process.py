#!/usr/bin/env python3
"""Whole-process times of the command-line tool against the crimson-crab program (issue 26), in alternating
runs: each round runs every command once, in turn, so that a noisy neighbour slows all of them alike; the
medians are reported. Output goes to /dev/null, the input file is read once first (page cache).

    cargo build --release --bin anthropic-sse -p anthropic-sse
    cargo build --release -p anthropic-sse-benches --bin crimson-final
    target/release/crimson-final --write-text-stream /tmp/text.sse
    python3 benches/whole_process.py /tmp/text.sse [--runs 31] [--tool target/release/anthropic-sse]
"""

import argparse
import os
import statistics
import subprocess
import time


def run(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--tool", default="target/release/anthropic-sse")
    parser.add_argument("--crimson", default="target/release/crimson-final")
    parser.add_argument("--no-crimson", action="store_true", help="time only the tool's two modes")
    args = parser.parse_args()
    size = os.path.getsize(args.file)
    commands = {
        "anthropic-sse --final": [args.tool, "--final", args.file],
        "anthropic-sse --events": [args.tool, "--events", args.file],
    }
    if not args.no_crimson:
        commands["crimson-final (16 KiB chunks, collect_final)"] = [args.crimson, args.file]
    for cmd in commands.values():  # warm up: the page cache, the binaries
        run(cmd)
    times = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(run(cmd))
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"{size} bytes of input, medians of {args.runs} alternating runs")
    for name, median in medians.items():
        low, high = min(times[name]), max(times[name])
        rate = size / median / 1e9
        print(f"  {name:48} {median * 1e3:8.2f} ms  ({low * 1e3:.2f}-{high * 1e3:.2f})  {rate:.3f} GB/s of input")
    crimson = [name for name in medians if name.startswith("crimson")]
    if crimson:
        print(f"  --final against crimson-crab: {medians[crimson[0]] / medians['anthropic-sse --final']:.1f}x")


if __name__ == "__main__":
    main()
