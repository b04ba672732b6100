#!/usr/bin/python3
"""The strong text-only baseline of issue 6, on libfakejob's own cross-validation folds.

A TF-IDF word (1-2 grams) + character (2-4 grams, within word boundaries) linear SVM from
scikit-learn (LinearSVC, class_weight="balanced"), one per language like fakejob's per-language
parts, C chosen by an inner grouped 3-fold CV on PR-AUC within each outer training fold. The
TF-IDF vocabulary and idf are fitted on each outer training fold's text and applied to its
held-out fold, as fakejob fits its feature space (the inner C search reuses the outer fold's
space).

Input: the per-posting JSONL written by
    fakejob eval --cv --group-by company --scores CV.jsonl CORPUS.jsonl...
(id, group key, language, label, held-out fold, fakejob's out-of-fold score). The baseline
joins each row with its posting in the corpus files, trains on the same outer folds and scores
the same held-out postings, then prints fraud-class F1 (fakejob at its 0.5 decision point, the
SVM at margin 0), PR-AUC, recall at 1 % FPR and ROC-AUC per language and per source, fakejob
and baseline side by side (Markdown table; --json for JSON).

Usage: /usr/bin/python3 models/baseline.py [--json] [--out BASELINE.jsonl] [--bootstrap N]
       CV.jsonl CORPUS.jsonl...
(the corpus files in the order given to fakejob eval). --out saves the baseline's out-of-fold
margins; --margins BASELINE.jsonl reuses them (checking the postings and folds are the same)
instead of training again, to compare another fakejob cross-validation on the same folds.
--lang en|zh trains and reports one language only (with --out, the other's margins are 0).
Per language, a paired bootstrap over the CV groups (N resamples, default 1000, 0 for none)
gives 95 % intervals of the differences fakejob - baseline.
When the rows carry "copy" (fakejob eval --cv writes it: a near-copy of the posting, word
3-shingle Jaccard >= 0.5, was in its outer fold's training part), each slice is followed by its
non-copy slice: the postings without such a copy, where a model cannot score by memory.
Needs Debian's python3-sklearn (numpy, scipy). Deterministic.
"""
import json
import os
import sys
from collections import OrderedDict

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

TEXT_FIELDS = ["title", "company", "company_profile", "description", "requirements", "benefits",
               "salary", "location", "employment_type", "contact"]
C_GRID = [0.1, 0.3, 1.0, 3.0]


def posting_text(p):
    return "\n".join(str(p[f]) for f in TEXT_FIELDS if isinstance(p.get(f), str) and p[f])


def hard_negative(row):
    """Whether a read_cv row is one of the project corpus's hard negatives: honest postings
    written to look like scams, whose extra.category starts with "hard_" (corpus/README.md)."""
    return row["src"] == "corpus" and str((row["posting"].get("extra") or {})
                                          .get("category", "")).startswith("hard_")


def source_of(file):
    """The source of a corpus file, by its name: an imported EMSCAD or ORFD file, the postings
    of the independent writers of the used held-out sets (corpus/*-w.jsonl,
    models/fold-writers.py), or the project's own corpus."""
    base = os.path.basename(file)
    return ("emscad" if base.startswith("emscad") else "orfd" if base.startswith("orfd") else
            "writers" if base.endswith("-w.jsonl") else "corpus")


def read_cv(path, corpus_files):
    """The rows of the --scores file joined with their postings: fakejob eval adds the labelled,
    readable postings of its files in order, so each row is the next posting (of the files, in
    the order given) with the same id; postings fakejob skipped are skipped here too."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))

    def postings():
        for file in corpus_files:
            base = os.path.basename(file)
            src = source_of(file)
            with open(file, encoding="utf-8") as g:
                for line in g:
                    if line.strip():
                        yield src, json.loads(line)

    it = postings()
    for r in rows:
        for src, p in it:
            if p.get("id") == r["id"] and p.get("label") in ("fraud", "legit"):
                r["posting"], r["src"], r["text"] = p, src, posting_text(p)
                break
        else:
            sys.exit(f"baseline: posting {r['id']} of {path} not found in the corpus files, "
                     "in order: give the files in the order fakejob eval read them")
        # fakejob eval --scores writes the label as "fraud"/"legit" (1/0 in older files)
        if isinstance(r["label"], str):
            r["label"] = 1 if r["label"] == "fraud" else 0
        if (r["posting"]["label"] == "fraud") != bool(r["label"]):
            sys.exit(f"baseline: posting {r['id']}: label differs from the corpus file")
    return rows


def read_margins(path, rows, prog):
    """The margins of an earlier --out file, checked to be of the same postings and folds."""
    with open(path, encoding="utf-8") as f:
        prev = [json.loads(line) for line in f if line.strip()]
    if len(prev) != len(rows) or any(
            p["id"] != r["id"] or p["fold"] != r["fold"] for p, r in zip(prev, rows)):
        sys.exit(f"{prog}: {path} was not computed on the same postings and folds")
    return np.array([p["margin"] for p in prev])


def vectorizers():
    return (TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                            max_features=200000, token_pattern=r"(?u)\b\w+\b"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
                            max_features=300000))


def vectorize(train_text, test_text):
    """TF-IDF fitted on the first texts, applied to both."""
    wv, cv = vectorizers()
    Xtr = hstack([wv.fit_transform(train_text), cv.fit_transform(train_text)]).tocsr()
    Xte = hstack([wv.transform(test_text), cv.transform(test_text)]).tocsr() if test_text else None
    return Xtr, Xte


def svm(X, y, C):
    return LinearSVC(C=C, class_weight="balanced", max_iter=20000, random_state=0).fit(X, y)


def choose_C(X, y, groups):
    """Inner grouped 3-fold CV over C_GRID on the outer training fold (its TF-IDF space),
    selection by PR-AUC of the out-of-fold margins."""
    k = min(3, len(set(groups)))
    best, best_ap = C_GRID[0], -1.0
    splits = list(GroupKFold(n_splits=k).split(X, y, groups))
    for C in C_GRID:
        oof = np.zeros(len(y))
        for tr, te in splits:
            if len(set(y[tr])) < 2:
                continue
            oof[te] = svm(X[tr], y[tr], C).decision_function(X[te])
        ap = average_precision_score(y, oof)
        if ap > best_ap:
            best, best_ap = C, ap
    return best


def recall_at_fpr(y, s):
    """Recall at 1 % false-positive rate, computed as libfakejob's metrics.c does: the best
    recall over thresholds at distinct scores (ties together) with fp * 100 <= negatives."""
    order = np.argsort(-np.asarray(s, dtype=float), kind="mergesort")
    s, y = np.asarray(s, dtype=float)[order], np.asarray(y)[order]
    P, N = int(y.sum()), int(len(y) - y.sum())
    if not P:
        return 0.0
    tp, fp = np.cumsum(y), np.cumsum(1 - y)
    ends = np.r_[s[1:] != s[:-1], True]  # the last posting of each run of tied scores
    ok = ends & (fp * 100 <= N)
    return float(tp[ok].max() / P) if ok.any() else 0.0


def metrics(y, s, decision):
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    pred = s >= decision if decision > 0 else s > decision
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    both = len(set(y.tolist())) == 2
    return OrderedDict(n=int(len(y)), fraud=int(y.sum()), f1=f1,
                       precision=tp / (tp + fp) if tp + fp else float("nan"),
                       recall=tp / (tp + fn) if tp + fn else float("nan"),
                       pr_auc=float(average_precision_score(y, s)) if both else float("nan"),
                       recall_1fpr=recall_at_fpr(y, s) if both else float("nan"),
                       roc_auc=float(roc_auc_score(y, s)) if both else float("nan"))


def paired_bootstrap(y, a, b, groups, reps, seed=0):
    """95 % intervals of fakejob - baseline for F1, PR-AUC and recall@1%FPR, resampling whole
    groups (a company's postings, copies of one posting) with replacement, both models on the
    same resamples; and the share of resamples in which fakejob is ahead."""
    y, a, b = np.asarray(y), np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    _, inv = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    members = [[] for _ in range(inv.max() + 1)]
    for i, g in enumerate(inv):
        members[g].append(i)
    members = [np.array(m) for m in members]
    rng = np.random.default_rng(seed)
    deltas = {k: [] for k in ("f1", "pr_auc", "recall_1fpr")}
    for _ in range(reps):
        idx = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
        if y[idx].min() == y[idx].max():
            continue
        ma, mb = metrics(y[idx], a[idx], 0.5), metrics(y[idx], b[idx], 0.0)
        for k in deltas:
            deltas[k].append(ma[k] - mb[k])
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5)),
                float(np.mean(np.array(v) > 0))) for k, v in deltas.items()}


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    out = margins = None
    if "--out" in args:
        out = args[args.index("--out") + 1]
        args.remove(out)
    reps = 1000
    if "--bootstrap" in args:
        raw = args[args.index("--bootstrap") + 1]
        reps = int(raw)
        args.remove(raw)
    langs = ("en", "zh")
    if "--lang" in args:  # train one language only (e.g. two processes, one per language)
        raw = args[args.index("--lang") + 1]
        langs = (raw,)
        args.remove(raw)
    if "--margins" in args:
        margins = args[args.index("--margins") + 1]
        args.remove(margins)
    args = [a for a in args if not a.startswith("--")]
    if len(args) < 2:
        sys.exit(__doc__)
    rows = read_cv(args[0], args[1:])
    folds = sorted({r["fold"] for r in rows})
    base = np.zeros(len(rows))
    chosen = {}
    if margins:  # the baseline's margins from an earlier --out on the same folds
        base = read_margins(margins, rows, "baseline")
    for lang in langs if not margins else ():
        idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
        if not idx:
            continue
        for k in folds:
            tr = [i for i in idx if rows[i]["fold"] != k]
            te = [i for i in idx if rows[i]["fold"] == k]
            if not te:
                continue
            Xtr, Xte = vectorize([rows[i]["text"] for i in tr], [rows[i]["text"] for i in te])
            y = np.array([rows[i]["label"] for i in tr])
            C = choose_C(Xtr, y, [rows[i]["group"] for i in tr])
            chosen[(lang, k)] = C
            base[te] = svm(Xtr, y, C).decision_function(Xte)
            print(f"baseline: {lang} fold {k}: C={C}", file=sys.stderr)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            for r, b in zip(rows, base):
                f.write(json.dumps({"id": r["id"], "fold": r["fold"], "lang": r["lang"],
                                    "label": r["label"], "margin": b}) + "\n")
    slices = [("English (all)", lambda r: r["lang"] == "en"),
              ("  EMSCAD", lambda r: r["src"] == "emscad"),
              ("  corpus en", lambda r: r["src"] == "corpus" and r["lang"] == "en"),
              ("  writers en", lambda r: r["src"] == "writers" and r["lang"] == "en"),
              ("Chinese (all)", lambda r: r["lang"] == "zh"),
              ("  ORFD", lambda r: r["src"] == "orfd"),
              ("  corpus zh", lambda r: r["src"] == "corpus" and r["lang"] == "zh"),
              ("  writers zh", lambda r: r["src"] == "writers" and r["lang"] == "zh")]
    slices = [(n, p) for n, p in slices
              if any(p(r) and r["lang"] in langs for r in rows)]
    if any("copy" in r for r in rows):  # the non-copy slice of each (see the docstring)
        slices = [x for name, pick in slices for x in (
            (name, pick),
            (name + ", non-copy",
             lambda r, pick=pick: pick(r) and not r.get("copy")))]
    table, boot = [], []
    for name, pick in slices:
        sel = [i for i, r in enumerate(rows) if pick(r)]
        if not sel:
            continue
        y = [rows[i]["label"] for i in sel]
        scores = [rows[i]["score"] for i in sel]
        table.append((name, metrics(y, scores, 0.5), metrics(y, base[sel], 0.0)))
        if reps and not name.startswith(" "):  # the language slices
            boot.append((name, paired_bootstrap(y, scores, base[sel],
                                                [rows[i]["group"] for i in sel], reps)))
    if as_json:
        print(json.dumps({"table": [{"slice": n.strip(), "fakejob": a, "baseline": b}
                                    for n, a, b in table],
                          "bootstrap": [{"slice": n, "reps": reps, "delta": d}
                                        for n, d in boot]}))
        return
    print("| slice | postings (fraud) | F1 fakejob / svm | PR-AUC fakejob / svm "
          "| recall@1%FPR fakejob / svm | ROC-AUC fakejob / svm |")
    print("|---|---|---|---|---|---|")
    for name, a, b in table:
        cell = lambda m: f"{a[m]:.3f} / {b[m]:.3f}"
        print(f"| {name.strip()} | {a['n']} ({a['fraud']}) | {cell('f1')} | {cell('pr_auc')} "
              f"| {cell('recall_1fpr')} | {cell('roc_auc')} |")
    if boot:
        print(f"\nfakejob - baseline, 95 % interval of a paired bootstrap over groups ({reps} "
              "resamples), and the share of resamples where fakejob is ahead:\n")
        print("| slice | F1 | PR-AUC | recall@1%FPR |")
        print("|---|---|---|---|")
        for name, d in boot:
            cell = lambda k: f"{d[k][0]:+.3f} … {d[k][1]:+.3f} ({d[k][2]:.0%})"
            print(f"| {name} | {cell('f1')} | {cell('pr_auc')} | {cell('recall_1fpr')} |")


if __name__ == "__main__":
    main()
