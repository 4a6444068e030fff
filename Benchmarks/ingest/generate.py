#!/usr/bin/env python3
"""Writes a synthetic prediction log (JSON Lines) for the ingest benchmarks.

Each line is one prediction in Vigil's record format: id, RFC 3339 ts, model, version,
score, 20 features (14 numeric with some nulls, 3 categorical, 3 boolean) and 3 subgroup
attributes, about 430 bytes. The seed is fixed, so every run writes the same file.

--precision rounded (default) writes values as clinical systems log them (integers, one or
two decimals, scores to 4 places); --precision full writes scores and lab values with all
17 significant digits, as repr(random float) gives, which defeats the parser's fast path.

Usage: generate.py OUTPUT [--lines N] [--seed S] [--precision rounded|full]
"""
import argparse
import json
import random

SITES = ["ED-1", "ED-2", "ICU-A", "WARD-3", "WARD-7"]
ARRIVAL = ["ambulance", "walk-in", "transfer", "referral"]
TRIAGE = ["1", "2", "3", "4", "5"]
SEXES = ["F", "M"]


def age_band(age):
    if age < 18:
        return "<18"
    if age < 40:
        return "18-39"
    if age < 65:
        return "40-64"
    return "65+"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--precision", choices=["rounded", "full"], default="rounded")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    full = args.precision == "full"

    def lab(low, high, digits, null_rate=0.0):
        if rng.random() < null_rate:
            return None
        value = rng.uniform(low, high)
        return value if full else round(value, digits)

    start = 1_795_860_000  # 2026-11-28T10:00:00Z
    with open(args.output, "w", encoding="utf-8") as out:
        for n in range(args.lines):
            age = rng.randint(18, 99)
            site = rng.choice(SITES)
            millis = start * 1000 + n * 250 + rng.randint(0, 249)
            seconds, ms = divmod(millis, 1000)
            days, rest = divmod(seconds, 86400)
            # 2026-11-28 is day 20785 since the epoch; stay within a short span of days.
            day_of_month = 28 + (days - 20785)
            month, day = (11, day_of_month) if day_of_month <= 30 else (12, day_of_month - 30)
            hour, rest = divmod(rest, 3600)
            minute, second = divmod(rest, 60)
            score = rng.random()
            record = {
                "id": f"enc-{1_000_000 + n}",
                "ts": f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{ms:03d}Z",
                "model": "sepsis-risk",
                "version": "3",
                "score": score if full else round(score, 4),
                "features": {
                    "age": age,
                    "hr": rng.randint(45, 160),
                    "rr": rng.randint(10, 40),
                    "temp_c": lab(35.0, 41.0, 1),
                    "sbp": rng.randint(70, 190),
                    "dbp": rng.randint(40, 110),
                    "spo2": rng.randint(82, 100),
                    "lactate": lab(0.5, 8.0, 1, null_rate=0.15),
                    "wbc": lab(1.0, 30.0, 1, null_rate=0.10),
                    "creat": lab(0.4, 6.0, 2, null_rate=0.05),
                    "plt": rng.randint(20, 600),
                    "bili": lab(0.1, 12.0, 1, null_rate=0.25),
                    "glucose": rng.randint(50, 400),
                    "sodium": rng.randint(120, 160),
                    "site": site,
                    "arrival": rng.choice(ARRIVAL),
                    "triage": rng.choice(TRIAGE),
                    "on_pressors": rng.random() < 0.08,
                    "on_abx": rng.random() < 0.3,
                    "immunosupp": rng.random() < 0.1,
                },
                "attrs": {"site": site, "sex": rng.choice(SEXES), "age_band": age_band(age)},
            }
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")


if __name__ == "__main__":
    main()
