#!/usr/bin/env python3
"""One JSON result line for a `vigil train` (+ `vigil score`) run, as run.sh recorded it.

    python vigil_result.py DATA_DIR --dataset NAME --mode fixed|budget [--run K]
        --train-exit N --train-stdout FILE --train-stderr FILE --wall SECONDS
        [--score-exit N --score-stderr FILE --scores FILE]

Reads the JSON object `vigil train --json` printed (every field is kept under "train", and
load_seconds, fit_seconds and rows are lifted out), and the scores CSV `vigil score --keep label`
wrote: its `label` column must equal the test CSV's, row for row (input order), and the test
AUROC is computed from its `score` column with sklearn.metrics.roc_auc_score, as for the peers.
Never fails: whatever went wrong (an exit status, a timeout, unreadable output, a mismatch) is
recorded under "error", with the last lines of vigil's stderr.
"""
import argparse
import json
import os

os.environ.setdefault("DO_NOT_TRACK", "1")

from common import emit  # noqa: E402


def tail(path, lines=5):
    try:
        with open(path, errors="replace") as source:
            return "\n".join(source.read().strip().splitlines()[-lines:])
    except OSError:
        return ""


def exit_text(status):
    return {124: "timed out", 126: "not executable", 127: "not found"}.get(status, f"exit status {status}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--mode", choices=["fixed", "budget"], required=True)
    parser.add_argument("--run", type=int, default=1)
    parser.add_argument("--train-exit", type=int, required=True)
    parser.add_argument("--train-stdout", required=True)
    parser.add_argument("--train-stderr", required=True)
    parser.add_argument("--wall", type=float, required=True)
    parser.add_argument("--score-exit", type=int)
    parser.add_argument("--score-stderr")
    parser.add_argument("--scores")
    parser.add_argument("--note", help="an error from run.sh itself (e.g. the build failed)")
    args = parser.parse_args()

    result = {"tool": "vigil", "mode": args.mode, "dataset": args.dataset, "run": args.run,
              "wall_seconds": round(args.wall, 3), "ok": False, "error": None}
    if args.note:
        result["error"] = args.note
        emit(result)
        return
    if args.train_exit != 0:
        result["error"] = f"vigil train: {exit_text(args.train_exit)}: {tail(args.train_stderr)}"
        emit(result)
        return
    try:
        with open(args.train_stdout) as source:
            text = source.read().strip()
        try:
            train = json.loads(text)  # the whole output, pretty-printed or not
        except ValueError:
            train = json.loads(text.splitlines()[-1] if text else "")  # or its last line
        if not isinstance(train, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError, IndexError) as error:
        result["error"] = f"vigil train --json: no JSON object on stdout ({error}): {tail(args.train_stdout, 2)}"
        emit(result)
        return
    result["train"] = train
    for key in ("load_seconds", "fit_seconds", "rows", "chosen", "cv_auroc"):
        if key in train:
            result[key] = train[key]
    if args.score_exit is None:
        result["error"] = "vigil score was not run"
        emit(result)
        return
    if args.score_exit != 0:
        result["error"] = f"vigil score: {exit_text(args.score_exit)}: {tail(args.score_stderr)}"
        emit(result)
        return
    try:
        import pandas as pd
        from sklearn.metrics import roc_auc_score

        scores = pd.read_csv(args.scores)
        expected = pd.read_csv(os.path.join(args.data, f"{args.dataset}_test.csv"), usecols=["label"])["label"]
        missing = [name for name in ("score", "label") if name not in scores.columns]
        if missing:
            raise ValueError(f"the scores CSV has no column {', '.join(missing)} (header: {list(scores.columns)})")
        if len(scores) != len(expected):
            raise ValueError(f"{len(scores)} scored rows for {len(expected)} test rows")
        if not (scores["label"].astype(int).to_numpy() == expected.to_numpy()).all():
            raise ValueError("the kept label column differs from the test CSV's (rows out of order?)")
        if scores["score"].isna().any():
            raise ValueError(f"{int(scores['score'].isna().sum())} rows without a score")
        result["test_rows"] = len(scores)
        result["test_auroc"] = round(float(roc_auc_score(expected, scores["score"])), 6)
        result["ok"] = True
    except (OSError, ValueError, KeyError) as error:
        result["error"] = f"scores: {error}"
    emit(result)


if __name__ == "__main__":
    main()
