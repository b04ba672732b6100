#!/usr/bin/python3
"""split.py - a deterministic grouped train/test split of a labelled JSONL corpus for the benchmark.

    split.py --group content|company [--test-percent 25] [--test-groups FILE] [--summary FILE]
             IN.jsonl... TRAIN.jsonl TEST.jsonl

Postings are grouped so that copies of one posting (EMSCAD: `--group content`, the normalized
description, or title and company profile when the description is short) or all postings of one
employer (ORFD: `--group company`, the `company` field; content when it is empty) land on the same
side; a group goes to the test side when the SHA-1 of its key falls in the first `test-percent` of
the hash space. The same input always gives the same split, whoever runs it. Postings without a
`label` of "fraud" or "legit" are dropped. Prints one line of counts to stderr; --summary writes
them as a JSON object (n_train, n_test, fraud counts, groups, groups holding fraud);
--test-groups writes the group of each test posting (a hash), one a line in TEST's order, for
the group bootstrap of the quality figures (bench/figures.py ci).
"""

import argparse
import hashlib
import json
import re
import sys

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def norm(s):
    return _NON_WORD.sub(" ", (s or "").lower()).strip()


def content_key(p):
    d = norm(p.get("description"))
    if len(d) >= 40:
        return "d:" + d[:2000]
    return "t:" + norm(p.get("title")) + "|" + norm(p.get("company_profile"))[:2000] + "|" + d


def group_key(p, group):
    if group == "company":
        c = norm(p.get("company"))
        if c:
            return "c:" + c
    return content_key(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--group", choices=("content", "company"), required=True)
    ap.add_argument("--test-percent", type=float, default=25.0)
    ap.add_argument("--test-groups")
    ap.add_argument("--summary")
    ap.add_argument("inputs", nargs="+")
    args = ap.parse_args()
    if len(args.inputs) < 3:
        ap.error("need at least one input and the TRAIN and TEST outputs")
    *ins, train_path, test_path = args.inputs
    cut = int(args.test_percent / 100.0 * 2**32)
    counts = {"train": [0, 0], "test": [0, 0]}
    groups = {"train": set(), "test": set()}
    fraud_groups = {"train": set(), "test": set()}
    tg = open(args.test_groups, "w", encoding="utf-8") if args.test_groups else None
    with open(train_path, "w", encoding="utf-8") as tr, open(test_path, "w", encoding="utf-8") as te:
        for path in ins:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    p = json.loads(line)
                    lab = p.get("label")
                    if lab not in ("fraud", "legit"):
                        continue
                    key = group_key(p, args.group)
                    h = int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:4], "big")
                    side = "test" if h < cut else "train"
                    (te if side == "test" else tr).write(line if line.endswith("\n") else line + "\n")
                    counts[side][lab == "fraud"] += 1
                    groups[side].add(key)
                    if lab == "fraud":
                        fraud_groups[side].add(key)
                    if side == "test" and tg:
                        tg.write("%08x\n" % h)
    if tg:
        tg.close()
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump({"n_train": sum(counts["train"]), "train_fraud": counts["train"][1],
                       "train_groups": len(groups["train"]), "n_test": sum(counts["test"]),
                       "test_fraud": counts["test"][1], "test_groups": len(groups["test"]),
                       "test_fraud_groups": len(fraud_groups["test"]),
                       "group_by": args.group}, f)
    print("split: train %d (%d fraud, %d groups), test %d (%d fraud, %d groups)" % (
        sum(counts["train"]), counts["train"][1], len(groups["train"]),
        sum(counts["test"]), counts["test"][1], len(groups["test"])), file=sys.stderr)
    if min(counts["test"]) == 0 or min(counts["train"]) == 0:
        print("split: a side lacks one of the classes; use a larger corpus", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
