#!/usr/bin/env python3
"""The AutoML benchmark's summary: prints it and writes RESULTS_DIR/summary.md (run by run.sh).

    python summary.py DATA_DIR [--swift-version TEXT] [--commit TEXT] [--load-start TEXT]

Reads the result lines run.sh left in DATA_DIR/results/bench1/ (vigil-K.result.json,
lightgbm-K.result.json) and DATA_DIR/results/bench2/ (vigil|flaml|lightgbm-DATASET-K.result.json).
A Vigil run that failed is shown with its error; the peers' figures are shown regardless.
"""
import argparse
import glob
import json
import os
import platform
import statistics
import time

from common import read_meta

FIT_RATIO_TARGET = 1.0
FIXED_AUROC_TOLERANCE = 0.003
BUDGET_AUROC_TOLERANCE = 0.005
DATASETS = ["breast", "clinical", "temporal"]


def load(pattern):
    rows = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as source:
            text = source.read().strip()
        try:
            row = json.loads(text.splitlines()[-1])
        except (ValueError, IndexError):
            row = {"error": f"unreadable result {os.path.basename(path)}", "ok": False}
        row["_file"] = os.path.basename(path)
        row["_mtime"] = os.path.getmtime(path)
        rows.append(row)
    return rows


def machine(args):
    cpu = "?"
    with open("/proc/cpuinfo") as source:
        for line in source:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as source:
        kib = int(next(line for line in source if line.startswith("MemTotal")).split()[1])
    system = platform.platform()
    try:
        with open("/etc/os-release") as source:
            fields = dict(line.rstrip("\n").split("=", 1) for line in source if "=" in line)
        system = fields.get("PRETTY_NAME", system).strip('"') + f", kernel {platform.release()}"
    except OSError:
        pass
    with open("/proc/loadavg") as source:
        load_end = " ".join(source.read().split()[:3])
    return [
        f"nproc {os.cpu_count()}; CPU {cpu}; memory {kib / 1048576:.1f} GiB; {system}",
        f"{args.swift_version or 'swift: ?'}; vigil from commit {args.commit or '?'}",
        f"load average at start {args.load_start or '?'}, at end {load_end}",
    ]


def number(value, digits=4):
    return "-" if value is None else f"{value:.{digits}f}"


def spread(values):
    if not values:
        return None, None, None
    return min(values), statistics.median(values), max(values)


def met(condition):
    return "met" if condition else "NOT met"


def when(rows):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(min(r["_mtime"] for r in rows))) if rows else "-"


def benchmark1(results, lines):
    vigil = load(os.path.join(results, "bench1", "vigil-*.result.json"))
    lightgbm = load(os.path.join(results, "bench1", "lightgbm-*.result.json"))
    lines += ["## 1. Tree learner alone vs LightGBM, same parameters (clinical, 160,000 x 30 train, 40,000 test)", ""]
    if not vigil and not lightgbm:
        lines += ["not run", ""]
        return
    lines += [f"measured {when(vigil + lightgbm)}; 100 rounds, 31 leaves, learning rate 0.1, 255 bins, "
              "min_data_in_leaf 20, 2 threads, no early stopping; fit = binning + boosting "
              "(LightGBM: lgb.Dataset + lgb.train); load = reading the training CSV, timed apart", ""]
    vigil_ok = [r for r in vigil if r.get("ok")]
    vigil_fits = [float(r["fit_seconds"]) for r in vigil_ok if r.get("fit_seconds") is not None]
    lgb_fits = [float(s) for r in lightgbm for s in r.get("fit_seconds", [])]
    vigil_auc = [r["test_auroc"] for r in vigil_ok if "test_auroc" in r]
    lgb_auc = [r["test_auroc"] for r in lightgbm if "test_auroc" in r]
    lines += ["| tool | fits | fit s min | fit s median | fit s max | load s median | test AUROC |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, rows, fits, aucs in (("Vigil (`vigil train --fixed`)", vigil_ok, vigil_fits, vigil_auc),
                                   ("LightGBM", lightgbm, lgb_fits, lgb_auc)):
        low, mid, high = spread(fits)
        loads = [float(r["load_seconds"]) for r in rows if r.get("load_seconds") is not None]
        auc_text = number(aucs[0]) if aucs and len(set(aucs)) == 1 else (
            ", ".join(number(a) for a in aucs) if aucs else "-")
        lines.append(f"| {name} | {len(fits)} | {number(low, 3)} | {number(mid, 3)} | {number(high, 3)} | "
                     f"{number(statistics.median(loads) if loads else None, 3)} | {auc_text} |")
    lines.append("")
    if vigil_fits and lgb_fits:
        ratio = statistics.median(vigil_fits) / statistics.median(lgb_fits)
        lines.append(f"- fit time ratio Vigil / LightGBM (medians): {ratio:.3f} "
                     f"(target <= {FIT_RATIO_TARGET}: {met(ratio <= FIT_RATIO_TARGET)})")
    else:
        lines.append(f"- fit time ratio Vigil / LightGBM: - (target <= {FIT_RATIO_TARGET}: no Vigil figure)")
    if vigil_auc and lgb_auc:
        difference = statistics.median(vigil_auc) - statistics.median(lgb_auc)
        lines.append(f"- test AUROC Vigil - LightGBM: {difference:+.4f} (target: at most {FIXED_AUROC_TOLERANCE} "
                     f"below LightGBM's: {met(difference >= -FIXED_AUROC_TOLERANCE)}"
                     + ("; more than that above it: are the configurations the same?"
                        if difference > FIXED_AUROC_TOLERANCE else "") + ")")
    else:
        lines.append(f"- test AUROC Vigil - LightGBM: - (target: at most {FIXED_AUROC_TOLERANCE} below: no Vigil figure)")
    loads = [f"{r['_file'].split('.')[0]} {r['load_average_1m']}" for r in sorted(
        vigil + lightgbm, key=lambda r: r["_mtime"]) if "load_average_1m" in r]
    if loads:
        lines.append(f"- 1-minute load average as each run ended (the machine is shared): {', '.join(loads)}")
    for r in vigil:
        if not r.get("ok"):
            lines.append(f"- Vigil run {r.get('run', '?')} failed: {one_line(r.get('error'))}")
    if lightgbm:
        versions = lightgbm[0].get("versions", {})
        lines.append(f"- LightGBM {versions.get('lightgbm', '?')}, categorical columns as pandas category: "
                     f"{', '.join(lightgbm[0].get('categorical', []))}")
    lines.append("")


def one_line(text, limit=300):
    text = " | ".join(str(text or "").split("\n"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mean(values):
    return statistics.fmean(values) if values else None


def benchmark2(results, meta, lines):
    rows = load(os.path.join(results, "bench2", "*.result.json"))
    lines += ["## 2. `vigil train --budget` vs FLAML vs LightGBM defaults (test AUROC, same held-out rows)", ""]
    if not rows:
        lines += ["not run", ""]
        return
    budget = next((r.get("time_budget") for r in rows if r.get("tool") == "flaml"), None)
    lines += [f"measured {when(rows)}; FLAML time_budget={budget and int(budget)} s, metric roc_auc, n_jobs=2; "
              "Vigil --budget the same; LightGBM LGBMClassifier() defaults with n_jobs=2; "
              "mean over runs where more than one", ""]
    lines += ["| data set | train / test rows | Vigil | FLAML | LightGBM defaults | Vigil - FLAML | "
              f"target >= -{BUDGET_AUROC_TOLERANCE} |", "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    notes = []
    for dataset in DATASETS:
        mine = [r for r in rows if r.get("dataset") == dataset]
        if not mine:
            continue
        info = meta["datasets"].get(dataset, {})
        vigil = [r for r in mine if r.get("tool") == "vigil"]
        flaml = [r for r in mine if r.get("tool") == "flaml"]
        lightgbm = [r for r in mine if r.get("tool") == "lightgbm"]
        vigil_auc = mean([r["test_auroc"] for r in vigil if r.get("ok")])
        flaml_auc = mean([r["test_auroc"] for r in flaml])
        lgb_auc = mean([r["test_auroc"] for r in lightgbm])
        if vigil_auc is not None and flaml_auc is not None:
            difference = vigil_auc - flaml_auc
            verdict = f"{difference:+.4f}", met(difference >= -BUDGET_AUROC_TOLERANCE)
        else:
            verdict = "-", "no Vigil figure" if flaml_auc is not None else "no FLAML figure"
        lines.append(f"| {dataset} | {info.get('train_rows', '?')} / {info.get('test_rows', '?')} | "
                     f"{number(vigil_auc)} | {number(flaml_auc)} | {number(lgb_auc)} | {verdict[0]} | {verdict[1]} |")
        for r in flaml:
            notes.append(f"- {dataset}, FLAML (seed {r.get('seed')}, split {r.get('split_type')}): best "
                         f"{r.get('best_estimator')} of {r.get('trials')} trials, validation AUROC "
                         f"{number(r.get('validation_auroc'))}, fit() {number(r.get('fit_seconds'), 1)} s; "
                         f"config {json.dumps(r.get('best_config'))}")
        for r in lightgbm:
            notes.append(f"- {dataset}, LightGBM defaults: fit {number(r.get('fit_seconds_median'), 3)} s")
        for r in vigil:
            if r.get("ok"):
                extra = "".join(f", {key} {json.dumps(r[key])}" for key in ("chosen", "cv_auroc") if key in r)
                notes.append(f"- {dataset}, Vigil (run {r.get('run')}): wall {number(r.get('wall_seconds'), 1)} s, "
                             f"fit {r.get('fit_seconds', '-')} s{extra}")
            else:
                notes.append(f"- {dataset}, Vigil (run {r.get('run')}) failed: {one_line(r.get('error'))}")
    lines += [""] + notes + [""]
    versions = next((r.get("versions") for r in rows if r.get("tool") == "flaml"), None)
    if versions:
        lines += ["versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()), ""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--swift-version")
    parser.add_argument("--commit")
    parser.add_argument("--load-start")
    args = parser.parse_args()
    results = os.path.join(args.data, "results")
    meta = read_meta(args.data)
    lines = ["# AutoML benchmark (Benchmarks/automl/run.sh)", ""]
    lines += [f"- {line}" for line in machine(args)]
    sizes = "; ".join(f"{name} {info['train_rows']} / {info['test_rows']} rows, prevalence "
                      f"{info['train_prevalence']:.3f} / {info['test_prevalence']:.3f}"
                      for name, info in meta["datasets"].items())
    lines += [f"- data (train / test): {sizes}", ""]
    benchmark1(results, lines)
    benchmark2(results, meta, lines)
    text = "\n".join(lines).rstrip() + "\n"
    with open(os.path.join(results, "summary.md"), "w") as out:
        out.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
