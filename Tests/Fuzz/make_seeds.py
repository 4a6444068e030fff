#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into Corpus/<target>/.

Run from anywhere: python3 Tests/Fuzz/make_seeds.py. It rewrites only the seeds it names (files
it does not know of, such as committed crash inputs, are left alone). The model-file seeds are
not generated here: linear.json, gbdt.json and forest.json are `vigil train` output on a
300-row synthetic table (`--fixed logistic_l2`, `--fixed 'gbdt:rounds=3,leaves=4'`,
`--fixed 'random_forest:trees=3,leaves=4'`, `--threads 1 --folds 3`); ensemble-isotonic.json
(the linear and forest members, isotonic calibration) and gbdt-uncalibrated.json were derived
from them and re-checksummed; regression-*.json are inputs the fuzzer found.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "Corpus")
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


PRED = '{"id":"enc-88321","ts":"2026-11-28T10:15:02.123Z","model":"sepsis-risk","version":"3","score":0.81,"features":{"age":67,"lactate":2.4,"site":"ED-1","on_pressors":false,"wbc":null},"attrs":{"site":"ED-1","sex":"F","age_band":"65+"}}'
OUT = '{"id":"enc-88321","ts":"2026-11-30T08:00:00Z","model":"sepsis-risk","label":1}'


def pred(id='"id":"enc-1"', ts='"ts":"2026-11-28T10:15:02Z"', score='"score":0.5', features='"features":{"age":67}', extra=""):
    return "{" + ",".join(p for p in [id, ts, score, features, extra] if p) + "}"


records = {
    # Good lines.
    "pred-example": PRED,
    "out-example": OUT,
    "out-label-true": '{"id":"a","ts":0,"label":true}',
    "out-label-exponent": '{"id":"a","ts":1795860902.5,"label":0e5}',
    "out-label-float": '{"id":"a","ts":"2026-11-30T08:00:00+05:30","label":1.0}',
    "pred-unknown-keys": '{"note":{"x":[1,{"y":null}]},"features":{"a":1},"score":1,"extra":"z","ts":1795860902.5,"id":"e","label":7,"attrs":null,"model":null,"version":3.10}',
    "pred-minimal-ws": ' {"id" : "x",\t"ts":0, "score":0, "features":{}}\r',
    "pred-escapes": r'{"\u0069d":"enc-\u00e9\ud83d\ude00","t\u0073":"2026-11-28T10:15:02\u005A","score":0.5,"features":{"sit\u0065":"ED\/1","a\"b":true},"attrs":{"s\u0069te":"ED\n1"}}',
    "pred-surrogates": pred(id=r'"id":"\uD83D\uDE00\u00e9\u4e2d"', features=r'"features":{"\ud83d\ude00":"\ud834\udd1e","x":"\\\/\b\f\n\r\t"}'),
    "pred-raw-utf8": pred(id='"id":"énc-中文-😀"', features='"features":{"sité":"Zürich"}'),
    "pred-bom": "\ufeff" + pred(),
    "pred-exponents": pred(ts='"ts":1.7958609021E9', score='"score":5e-1', features='"features":{"a":-0,"b":1e-400,"c":2.5E+3,"d":-123.456e-7,"e":0.0000000000000000000000000000001,"f":17976931348623157e292}'),
    "pred-version-number": pred(extra='"version":12,"model":"m"'),
    "pred-ts-offset": pred(ts='"ts":"2026-11-28t10:15:02.123456789-08:00"'),
    "pred-ts-leap-day": pred(ts='"ts":"2024-02-29T23:59:60Z"'),
    "pred-attrs-types": pred(extra='"attrs":{"n":12.5,"b":true,"f":false,"z":null,"s":"x"}'),
    "pred-many-features": pred(features='"features":{' + ",".join('"f%d":%d' % (i, i) for i in range(40)) + "}"),
    # Each malformed kind.
    "bad-json-missing-comma": '{"id":"a" "ts":1}',
    "bad-json-two-values": '{"id":"a"}{}',
    "bad-json-trailing-comma": '{"id":"a","ts":0,"label":1,}',
    "bad-json-unterminated": '{"id":"a","ts":0,"score":0.5,"features":{"x":"abc',
    "bad-json-control-char": '{"id":"a\tb","ts":0,"label":1}',
    "bad-json-bad-escape": r'{"id":"a\x","ts":0,"label":1}',
    "bad-json-lone-surrogate": r'{"id":"\ud800","ts":0,"label":1}',
    "bad-json-low-surrogate-first": r'{"id":"\udc00\ud800","ts":0,"label":1}',
    "bad-json-number-leading-zero": pred(score='"score":01'),
    "bad-json-number-dot": pred(score='"score":1.'),
    "bad-json-number-exp": pred(score='"score":1e'),
    "bad-json-literal": '{"id":"a","ts":0,"label":tru}',
    "bad-json-empty": "",
    "bad-json-spaces": "   ",
    "bad-json-deep": "[" * 600 + "]" * 600,
    "bad-utf8-invalid": b'{"id":"\xc3\x28","ts":0,"label":1}',
    "bad-utf8-overlong": b'{"id":"\xc0\xaf","ts":0,"label":1}',
    "bad-utf8-surrogate": b'{"id":"\xed\xa0\x80","ts":0,"label":1}',
    "bad-utf8-too-big": b'{"id":"\xf4\x90\x80\x80","ts":0,"label":1}',
    "bad-utf8-truncated": b'{"id":"\xe2\x82","ts":0,"label":1}',
    "missing-id": '{"ts":0,"label":1}',
    "missing-ts": '{"id":"a","label":1}',
    "missing-empty-id": pred(id='"id":""'),
    "missing-features": pred(features=""),
    "wrong-type-array": "[1,2,3]",
    "wrong-type-id": pred(id='"id":7'),
    "wrong-type-score": pred(score='"score":"0.5"'),
    "wrong-type-null-score": pred(score='"score":null'),
    "wrong-type-huge-feature": pred(features='"features":{"a":1e400}'),
    "wrong-type-label-string": '{"id":"a","ts":0,"label":"1"}',
    "wrong-type-attrs": pred(extra='"attrs":{"x":[1]}'),
    "score-out-of-range": pred(score='"score":1.0000001'),
    "score-negative": pred(score='"score":-0.1'),
    "bad-timestamp-rfc3339": pred(ts='"ts":"2026-11-28 10:15:02"'),
    "bad-timestamp-no-zone": pred(ts='"ts":"2026-11-30T08:00:00"'),
    "bad-timestamp-millis": pred(ts='"ts":1795860902123'),
    "bad-timestamp-negative": pred(ts='"ts":-1'),
    "bad-timestamp-feb30": pred(ts='"ts":"2026-02-30T00:00:00Z"'),
    "label-not-binary": '{"id":"a","ts":0,"label":2}',
    "label-half": '{"id":"a","ts":0,"label":0.5}',
    "nested-feature": pred(features='"features":{"a":{"b":1},"c":[1]}'),
    "duplicate-top": '{"id":"a","ts":0,"label":1,"label":0}',
    "duplicate-feature": pred(features='"features":{"a":1,"b":2,"a":3}'),
    "duplicate-escaped-feature": pred(features=r'"features":{"a":1,"\u0061":2}'),
    "duplicate-attr-null": pred(extra='"attrs":{"x":null,"x":"1"}'),
    "mixed-problems": '{"id":"a","ts":0,"label":true,"score":"x","features":7}',
}
for name, line in records.items():
    write("FuzzRecords", name, line)

# JSONValue.parse: whole JSON texts, including the record lines that are JSON at all.
json_texts = {
    "scalars-null": "null", "scalars-true": " true ", "scalars-number": "-12.5e-3", "scalars-string": r'"a\u00e9\ud83d\ude00\n"',
    "array-mixed": '[1,"two",[3,{"four":4}],null,false,true,-0.0,1E+2]',
    "object-nested": '{"a":{"b":{"c":[[],{}]}},"a":1,"":""}',
    "object-ws": ' \t\r\n{ "k" : [ 1 , 2 ] }\n',
    "numbers-edge": "[0,-0,1e308,1e309,4.9e-324,2.2250738585072014e-308,123456789012345678901234567890,0.1e-999999]",
    "deep-600": "[" * 600 + "]" * 600,
    "deep-ok": "[" * 100 + "]" * 100,
    "bad-trailing": "[1,2]x",
    "bad-bom": "\ufeff[]",
    "example-prediction": PRED,
    "example-outcome": OUT,
}
for name, text in json_texts.items():
    write("FuzzJSONValue", name, text)
for name in ["pred-escapes", "pred-surrogates", "pred-exponents", "bad-json-lone-surrogate", "bad-utf8-overlong", "bad-json-number-exp"]:
    write("FuzzJSONValue", name, records[name])

# Control protocol: one request line per command, and some wrong ones.
control = {
    "status": '{"v":1,"cmd":"status"}',
    "status-model": '{"v":1,"cmd":"status","model":"sepsis-risk"}',
    "alerts-firing": '{"v":1,"cmd":"alerts","firing":true}',
    "history": '{"v":1,"cmd":"history","model":"sepsis-risk","limit":20}',
    "quarantine": '{"v":1,"cmd":"quarantine","model":"sepsis-risk","limit":5}',
    "audit-since": '{"v":1,"cmd":"audit","since":"2026-11-28T00:00:00Z","limit":100}',
    "pause": '{"v":1,"cmd":"pause","model":"sepsis-risk","reason":"new lactate assay"}',
    "resume": '{"v":1,"cmd":"resume","model":"sepsis-risk","reason":"assay validated"}',
    "approve": '{"v":1,"cmd":"approve","model":"sepsis-risk","version":"4"}',
    "reject": '{"v":1,"cmd":"reject","model":"sepsis-risk","version":"4","reason":"worse in ED-2"}',
    "rollback": '{"v":1,"cmd":"rollback","model":"sepsis-risk","to":"2","reason":"probation failed"}',
    "retrain": '{"v":1,"cmd":"retrain","model":"sepsis-risk"}',
    "reload": '{"v":1,"cmd":"reload"}',
    "register": '{"v":1,"cmd":"register","model":"sepsis-risk","reason":"import","model_file":"{\\"format\\":\\"vigil-model/1\\"}"}',
    "no-version": '{"cmd":"status"}',
    "null-args": '{"cmd":"history","model":"m","reason":null,"limit":1}',
    "escaped": r'{"cmd":"pause","model":"m\u00e9","reason":"\ud83d\ude00 why\n"}',
    "bad-version-string": '{"cmd":"status","v":"1"}',
    "bad-version-float": '{"cmd":"status","v":1.5}',
    "bad-cmd-number": '{"cmd":7}',
    "bad-unknown-cmd": '{"cmd":"shutdown"}',
    "bad-limit-zero": '{"cmd":"audit","limit":0}',
    "bad-limit-huge": '{"cmd":"audit","limit":1e300}',
    "bad-limit-float": '{"cmd":"audit","limit":2.5}',
    "bad-model-array": '{"cmd":"status","model":["m"]}',
    "bad-not-object": '"status"',
    "bad-truncated": '{"cmd":"pau',
    "bad-empty": "",
}
for name, line in control.items():
    write("FuzzControl", name, line)

# Configuration files: the two shipped ones, and smaller ones that each exercise a part.
for source, name in [("deploy/vigil.example.yaml", "example.yaml"), ("deploy/vigil.yaml", "installed.yaml")]:
    with open(os.path.join(ROOT, source), "rb") as f:
        write("FuzzConfig", name, f.read())
configs = {
    "minimal.yaml": "models:\n  - name: m\n    predictions: p.jsonl\n    outcomes: o.jsonl\n",
    "flow.yaml": "{models: [{name: m, predictions: /p, outcomes: /o, features: {a: numeric, b: categorical}, window: {duration: 24h, close_after: 6h}}]}\n",
    "rules.yaml": (
        "state_dir: /var/lib/vigil\ncontrol_socket: /run/vigil/control.sock\nmetrics_file: /tmp/vigil.prom\n"
        "alertmanager: {url: \"http://127.0.0.1:9093\", runbook_url: \"https://wiki/runbooks\"}\nalert_command: /usr/local/bin/page\n"
        "models:\n  - name: sepsis-risk\n    predictions: p.jsonl\n    outcomes: o.jsonl\n    label_horizon: 1h30m\n"
        "    features: {age: numeric, site: categorical}\n    subgroups: [site]\n    window: {predictions: 500}\n"
        "    drift: {psi: 0.25, moderate_psi: 0.1, p_value: 0.01, dataset_share: 0.5, bins: 10, for: 2, resolve_for: 2, cooldown: 1h}\n"
        "    ignore_drift: [age]\n"
        "    performance: {threshold: 0.5, window: 2000, min_outcomes: 100, alert_below: 0.7, max_drop: 0.05, max_ece: 0.1, validation_auroc: 0.8, min_sensitivity: 0.5, reevaluate_every: 100}\n"
        "    data_quality: {max_missing_increase: 0.1, max_unseen_share: 0.05}\n"
        "    pipeline: {silence_after: off, max_outcome_lag: 2d, max_quarantine_rate: 0.01}\n"),
    "lifecycle.yaml": (
        "models:\n  - name: m\n    predictions: p.jsonl\n    outcomes: o.jsonl\n    group: patient_id\n    initial_model: m.json\n"
        "    retrain: {on: [drift, performance], min_interval: 7d, min_examples: 1000, training_window: 90d, budget: 5m, isolation: systemd-run, memory_max: 2G, cpu_quota: 50%, base_data: base.csv}\n"
        "    gates: {margin: 0.0, subgroup_margin: 0.02, min_subgroup_outcomes: 100, max_ece: 0.05}\n"
        "    staging: {shadow_outcomes: 500}\n    promotion: auto\n    probation: {outcomes: 500, margin: 0.02}\n"),
    "anchors.yaml": "defaults: &d {predictions: /p, outcomes: /o}\nmodels:\n  - <<: *d\n    name: a\n  - {name: b, predictions: /p2, outcomes: /o2}\n",
    "bad-duplicate.yaml": "models: []\nmodels: []\n",
    "bad-types.yaml": "state_dir: [1, 2]\nalert_command: relative/path\nmodels: {name: m}\n",
    "bad-empty.yaml": "",
    "bad-tab.yaml": "models:\n\t- name: m\n",
    "bad-tags.yaml": "--- !!map\nmodels: !!seq [ !!str a, !custom b ]\n...\n",
    "multi-doc.yaml": "models: []\n---\nmodels: []\n",
    "block-scalars.yaml": "alert_command: |\n  /bin/true\nstate_dir: >-\n  /var/lib/\n  vigil\nmodels: []\n",
}
# Nested aliases ("billion laughs"): 9^9 nodes if expanded.
laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
for i in range(1, 9):
    laughs.append("a%d: &a%d [" % (i, i) + ", ".join(["*a%d" % (i - 1)] * 9) + "]")
configs["aliases-laughs.yaml"] = "\n".join(laughs + ["models: *a8"]) + "\n"
for name, text in configs.items():
    write("FuzzConfig", name, text)
