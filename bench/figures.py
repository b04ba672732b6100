#!/usr/bin/python3
"""figures.py - small tools the benchmark harness (bench/run.sh) uses to build figures files.

    figures.py merge FIGURES.json KEY=VALUE...        add values (numbers when they parse)
    figures.py merge-json FIGURES.json FILE|-         add the keys of a JSON object (a bench
                                                       program's output line; the last line that
                                                       is a JSON object is used)
    figures.py quality FIGURES.json SCORES.tsv
        quality figures from score_bench's --scores file (label, score, margin, verdict a line):
        decision at the calibrated score >= 0.5
    figures.py svm-quality FIGURES.json FEATURES.libsvm PREDICTIONS MARGINS
        quality of svm-predict's labels (+1 fraud) against the true labels of the libsvm file,
        and how often they agree with the sign of libfakejob's own margins (MARGINS, one a line,
        from svm_features --margins) on the same postings
    figures.py size FIGURES.json PATH                  model_bytes of a file or folder
    figures.py ci FIGURES.json SCORES GROUPS [THRESHOLD]
        95 % confidence intervals of PR-AUC and F1 by a bootstrap over the test postings' groups
        (GROUPS: split.py --test-groups). SCORES: label, score, decision a line (the peers'
        --scores-out), or with THRESHOLD score_bench's --scores file, decision = score >= it

A figures file is one JSON object per system and dataset (bench/out/figures/DATASET--SYSTEM.json);
bench/report.py reads them all.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import common  # noqa: E402


def parse_value(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    if v in ("true", "false"):
        return v == "true"
    return v


def read_scores(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                rows.append((int(parts[0]), float(parts[1]), float(parts[2]),
                             parts[3] if len(parts) > 3 else ""))
    return rows


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, fig = argv[1], argv[2]
    if cmd == "merge":
        rec = {}
        for kv in argv[3:]:
            k, _, v = kv.partition("=")
            rec[k] = parse_value(v)
        common.write_figures(fig, rec)
    elif cmd == "merge-json":
        src = sys.stdin if argv[3] == "-" else open(argv[3], encoding="utf-8")
        obj = None
        for line in src:
            line = line.strip()
            if line.startswith("{"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    pass
        if obj is None:
            print("figures.py: no JSON object in %s" % argv[3], file=sys.stderr)
            return 1
        common.write_figures(fig, obj)
    elif cmd == "quality":
        rows = [r for r in read_scores(argv[3]) if r[0] in (0, 1)]
        labels = [r[0] for r in rows]
        scores = [r[1] for r in rows]
        q = common.quality(labels, scores, [1 if s >= 0.5 else 0 for s in scores])
        q["flagged_fraud_verdict"] = sum(1 for r in rows if r[3] == "fraud")
        common.write_figures(fig, q)
    elif cmd == "svm-quality":
        with open(argv[3], encoding="utf-8") as f:
            labels = [1 if line.split()[0] in ("1", "+1") else 0 for line in f if line.strip()]
        with open(argv[4], encoding="utf-8") as f:
            preds = [1 if line.split()[0] in ("1", "+1") else 0 for line in f if line.strip()]
        with open(argv[5], encoding="utf-8") as f:
            ours = [float(line) for line in f if line.strip()]
        if len(preds) != len(labels) or len(ours) != len(labels):
            print("figures.py: %d labels, %d predictions, %d margins: not the same postings" % (
                len(labels), len(preds), len(ours)), file=sys.stderr)
            return 1
        q = common.quality(labels, [float(p) for p in preds], preds)
        for k in ("roc_auc", "pr_auc", "recall_at_1fpr"):
            q.pop(k, None)  # svm-predict prints labels only: no ranking to measure
        q["agree_with_libfakejob"] = sum(
            1 for p, m in zip(preds, ours) if p == (1 if m > 0 else 0)) / len(preds)
        common.write_figures(fig, q)
    elif cmd == "ci":
        with open(argv[4], encoding="utf-8") as f:
            groups = [line.strip() for line in f if line.strip()]
        labels, scores, decisions = [], [], []
        thr = float(argv[5]) if len(argv) > 5 else None
        with open(argv[3], encoding="utf-8") as f:
            for line in f:
                c = line.split("\t")
                if len(c) < 3:
                    continue
                labels.append(int(c[0]))
                scores.append(float(c[1]))
                decisions.append(int(float(c[1]) >= thr) if thr is not None else int(c[2]))
        if len(labels) != len(groups) or any(y not in (0, 1) for y in labels):
            print("figures.py: %d scores for %d groups: not the test postings" % (
                len(labels), len(groups)), file=sys.stderr)
            return 1
        common.write_figures(fig, common.bootstrap_ci(labels, scores, decisions, groups))
    elif cmd == "size":
        common.write_figures(fig, {"model_bytes": common.dir_or_file_bytes(argv[3])})
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
