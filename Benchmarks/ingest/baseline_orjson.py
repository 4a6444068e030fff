#!/usr/bin/env python3
"""Python baseline: orjson.loads on every line of a JSON Lines file, and nothing else.

Prints lines/s, MB/s and peak RSS (VmHWM). Run with DO_NOT_TRACK=1.
Usage: baseline_orjson.py FILE
"""
import sys
import time

import orjson


def peak_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    size = sum(len(line) + 1 for line in lines)
    loads = orjson.loads
    started = time.perf_counter()
    for line in lines:
        loads(line)
    elapsed = time.perf_counter() - started
    print(f"orjson  file: {path}")
    print(f"lines: {len(lines)}  bytes: {size}  seconds: {elapsed:.3f}")
    print(f"lines/s: {int(len(lines) / elapsed)}  MB/s: {int(size / 1e6 / elapsed)}")
    print(f"peak RSS (VmHWM): {peak_rss_kib()} KiB")


if __name__ == "__main__":
    main()
