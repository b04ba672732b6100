#!/usr/bin/python3
"""Per-source figures of a fakejob cross-validation, at the verdicts the model gives.

Sources disagree on what "fraud" means (ORFD was labelled per company from a platform-metadata
checklist; the project's corpus by what a posting asks of the applicant), so a pooled figure
hides what matters: this prints, for each source and language, the out-of-fold figures of
`fakejob eval --cv --scores` at the verdict (fraud = verdict "fraud"; flagged = "fraud" or
"suspicious"), ROC-AUC and PR-AUC, and for the project's corpus the hard negatives flagged.

Hard negatives are the corpus's honest postings written to look like scams: those whose
extra.category starts with "hard_" (corpus/README.md lists the categories). A source is the file
a posting came from: corpus/*.jsonl (the project's), corpus/*-w.jsonl (the independent writers'
postings of the used held-out sets, "writers"), an imported EMSCAD or ORFD file (by its name).
Every source's row also counts its honest postings called fraud / suspicious. With fakejob eval --cv --group-by near, ORFD's postings are grouped by company, so its
figures are on held-out companies.

Usage: /usr/bin/python3 models/cv-sources.py [--json] [--by-route] [--route-from PLATFORM.jsonl]
       [--margins BASELINE.jsonl] CV.jsonl CORPUS.jsonl...
(the corpus files in the order given to fakejob eval). --by-route adds, for each source with
postings on both, a row for the postings that carry the platform metadata (both `applicants`
and `response_rate`: those `--source-mode route` scores with its platform route) and one for
the others. --route-from PLATFORM.jsonl (the --scores of another fakejob eval --cv on the same
postings and folds, e.g. the pooled recipe) gives the figures of a two-model route: the postings
carrying the platform metadata take their score and verdict from PLATFORM.jsonl, the others
from CV.jsonl (exact, since each outer fold trains both models on the same postings). --margins adds the TF-IDF baseline of
models/baseline.py (its --out file, computed on the same folds): its ROC-AUC, PR-AUC and F1 at
margin 0 beside fakejob's. Needs numpy and scikit-learn (Debian's python3-sklearn).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from baseline import hard_negative, metrics, read_cv, read_margins  # noqa: E402


def prf(y, pred):
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    nan = float("nan")
    return {"f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else nan,
            "precision": tp / (tp + fp) if tp + fp else nan,
            "recall": tp / (tp + fn) if tp + fn else nan}


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--by-route", action="store_true")
    ap.add_argument("--margins")
    ap.add_argument("--route-from")
    ap.add_argument("cv")
    ap.add_argument("corpus", nargs="+")
    a = ap.parse_args()
    as_json = a.json
    rows = read_cv(a.cv, a.corpus)
    base = read_margins(a.margins, rows, "cv-sources") if a.margins else None
    out = []

    def platform(r):
        return "applicants" in r["posting"] and "response_rate" in r["posting"]

    if a.route_from:
        other = read_cv(a.route_from, a.corpus)
        if [(r["id"], r["fold"]) for r in other] != [(r["id"], r["fold"]) for r in rows]:
            sys.exit(f"cv-sources: {a.route_from} is not of the same postings and folds as {a.cv}")
        for r, o in zip(rows, other):
            if platform(r):
                r["score"], r["verdict"] = o["score"], o["verdict"]

    groups = []
    for lang in ("zh", "en"):
        for src in ("corpus", "writers", "orfd", "emscad"):
            sel = [i for i, r in enumerate(rows) if r["lang"] == lang and r["src"] == src]
            if not sel:
                continue
            groups.append((lang, src, None, sel))
            on = [i for i in sel if platform(rows[i])]
            if a.by_route and on and len(on) < len(sel):
                groups.append((lang, src, "platform", on))
                groups.append((lang, src, "shared", [i for i in sel if not platform(rows[i])]))
    for lang, src, route, sel in groups:
        y = np.array([rows[i]["label"] for i in sel])
        score = np.array([rows[i]["score"] for i in sel])
        verdict = np.array([rows[i]["verdict"] for i in sel])
        rank = metrics(y, score, 0.5)
        s = {"source": src + (f" ({route} route)" if route else ""), "lang": lang,
             "postings": len(sel), "fraud": int(y.sum()),
             "at_fraud_verdict": prf(y, verdict == "fraud"),
             "flagged": prf(y, verdict != "legit"),
             "roc_auc": rank["roc_auc"], "pr_auc": rank["pr_auc"],
             "legit_fraud": int(np.sum((verdict == "fraud") & (y == 0))),
             "legit_suspicious": int(np.sum((verdict == "suspicious") & (y == 0)))}
        if src == "corpus" and y.sum() < len(sel):
            hard = [k for k, i in enumerate(sel) if hard_negative(rows[i])]
            s["hard_negatives"] = len(hard)
            s["hard_fraud"] = [rows[sel[k]]["id"] for k in hard if verdict[k] == "fraud"]
            s["hard_suspicious"] = [rows[sel[k]]["id"] for k in hard
                                    if verdict[k] == "suspicious"]
        if base is not None:
            b = metrics(y, base[sel], 0.0)
            s["baseline"] = {"f1": b["f1"], "roc_auc": b["roc_auc"], "pr_auc": b["pr_auc"]}
        out.append(s)
    if as_json:
        print(json.dumps(out))
        return
    print("| source | postings (fraud) | F1 / P / R at verdict fraud | F1 / P / R flagged "
          "(fraud or suspicious) | honest fraud / suspicious | hard negatives fraud / suspicious "
          "| ROC-AUC | PR-AUC |"
          + (" baseline F1 / ROC-AUC / PR-AUC |" if base is not None else ""))
    print("|---|---|---|---|---|---|---|---|" + ("---|" if base is not None else ""))
    for s in out:
        a, f = s["at_fraud_verdict"], s["flagged"]
        hard = (f"{len(s['hard_fraud'])} / {len(s['hard_suspicious'])} of {s['hard_negatives']}"
                if "hard_negatives" in s else "")
        line = (f"| {s['source']} {s['lang']} | {s['postings']} ({s['fraud']}) "
                f"| {a['f1']:.3f} / {a['precision']:.3f} / {a['recall']:.3f} "
                f"| {f['f1']:.3f} / {f['precision']:.3f} / {f['recall']:.3f} "
                f"| {s['legit_fraud']} / {s['legit_suspicious']} of {s['postings'] - s['fraud']} "
                f"| {hard} "
                f"| {s['roc_auc']:.3f} | {s['pr_auc']:.3f} |")
        if base is not None:
            b = s["baseline"]
            line += f" {b['f1']:.3f} / {b['roc_auc']:.3f} / {b['pr_auc']:.3f} |"
        print(line)
    for s in out:
        if s.get("hard_fraud") or s.get("hard_suspicious"):
            print(f"\n{s['source']} {s['lang']}: hard negatives called fraud: "
                  f"{', '.join(s['hard_fraud']) or 'none'}; suspicious: "
                  f"{', '.join(s['hard_suspicious']) or 'none'}")


if __name__ == "__main__":
    main()
