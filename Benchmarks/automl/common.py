"""What the AutoML benchmark's Python scripts share: reading a data set as every peer sees it.

Column roles come from the generator's meta.json: numeric columns are read as float64 (an empty
cell is NaN), categorical ones (booleans included) as pandas `category`, with the test file's
categories set to the training file's so that codes agree; the group (patient_id) and time (ts)
columns are not features for the peers, which cannot use them as Vigil's --group and --time do.
"""
import json
import os
import platform
import time

os.environ.setdefault("DO_NOT_TRACK", "1")


def read_meta(data):
    with open(os.path.join(data, "meta.json")) as source:
        return json.load(source)


def roles(info):
    """(features, categorical, group, time) of one data set's meta.json entry."""
    columns = info["columns"]
    features = [name for name, kind in columns.items() if kind in ("numeric", "categorical")]
    categorical = [name for name, kind in columns.items() if kind == "categorical"]
    group = next((name for name, kind in columns.items() if kind == "group"), None)
    time_column = next((name for name, kind in columns.items() if kind == "time"), None)
    return features, categorical, group, time_column


def read(data, dataset, part, categories=None):
    """(X, y, frame, seconds): the features, the 0/1 label, the whole frame and the time spent
    reading and typing the CSV. categories: {column: Index} to impose (the training file's)."""
    import pandas as pd

    info = read_meta(data)["datasets"][dataset]
    features, categorical, group, time_column = roles(info)
    dtype = {name: ("category" if name in categorical else "float64") for name in features}
    for name in (group, time_column):
        if name:
            dtype[name] = "str"
    dtype[info["target"]] = "int64"
    started = time.perf_counter()
    frame = pd.read_csv(os.path.join(data, f"{dataset}_{part}.csv"), dtype=dtype)
    if categories:
        for name in categorical:
            frame[name] = frame[name].cat.set_categories(categories[name])
    seconds = time.perf_counter() - started
    return frame[features], frame[info["target"]].to_numpy(), frame, seconds


def categories_of(X):
    return {name: X[name].cat.categories for name in X.columns if str(X[name].dtype) == "category"}


def versions(*modules):
    found = {"python": platform.python_version()}
    for name in modules:
        module = __import__(name)
        found[name] = getattr(module, "__version__", "?")
    return found


def emit(result):
    """Prints the result line, with the 1-minute load average (the machine is shared)."""
    result.setdefault("load_average_1m", round(os.getloadavg()[0], 2))
    print(json.dumps(result), flush=True)
