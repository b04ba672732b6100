"""common.py - helpers shared by the benchmark's Python peers (bench/peers/*.py).

Reads postings in the corpus format of the project (one JSON object a line, `label` "fraud" or
"legit"), builds the text a text classifier sees (the posting's text fields in the order
libfakejob tokenizes them: title, company, company_profile, description, requirements, benefits,
salary, contact), computes the quality figures the README reports (fraud-class precision, recall,
F1, ROC-AUC, PR-AUC, recall at 1 % false-positive rate) and writes one figures record (JSON) per
system and dataset, which bench/report.py turns into the table and the chart.

Only the standard library and Debian's python3-sklearn / numpy are used (no PyPI).
"""

import argparse
import json
import os
import resource
import sys
import time

TEXT_FIELDS = ("title", "company", "company_profile", "description", "requirements", "benefits",
               "salary", "contact")


def read_lines(path):
    """The non-blank lines of a JSONL file, as str (undecoded JSON)."""
    with open(path, encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def posting_text(p):
    """The text a text-only classifier sees: the text fields joined by newlines."""
    return "\n".join(p[f] for f in TEXT_FIELDS if isinstance(p.get(f), str) and p[f])


def read_corpus(path):
    """(texts, labels) of a labelled JSONL file: label 1 = fraud, 0 = legit."""
    texts, labels = [], []
    for line in read_lines(path):
        p = json.loads(line)
        lab = p.get("label")
        if lab not in ("fraud", "legit"):
            continue
        texts.append(posting_text(p))
        labels.append(1 if lab == "fraud" else 0)
    return texts, labels


def quality(labels, scores, decisions):
    """Fraud-class quality figures from continuous scores (higher = more fraudulent) and the
    system's own 0/1 decisions."""
    from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve
    tp = sum(1 for y, d in zip(labels, decisions) if y == 1 and d == 1)
    fp = sum(1 for y, d in zip(labels, decisions) if y == 0 and d == 1)
    fn = sum(1 for y, d in zip(labels, decisions) if y == 1 and d == 0)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    out = {"precision": prec, "recall": rec, "f1": f1, "n_test": len(labels),
           "n_test_fraud": sum(labels)}
    if 0 < sum(labels) < len(labels):
        out["roc_auc"] = float(roc_auc_score(labels, scores))
        out["pr_auc"] = float(average_precision_score(labels, scores))
        fpr, tpr, _ = roc_curve(labels, scores)
        out["recall_at_1fpr"] = float(max(t for f, t in zip(fpr, tpr) if f <= 0.01))
    return out


def write_scores(path, labels, scores, decisions):
    """One line per test posting, in order: label (1 fraud, 0 legit), score, decision (0/1): the
    input of the group bootstrap (bench/figures.py ci)."""
    with open(path, "w", encoding="utf-8") as f:
        for y, s, d in zip(labels, scores, decisions):
            f.write("%d\t%.17g\t%d\n" % (y, s, d))


def bootstrap_ci(labels, scores, decisions, groups, rounds=1000, seed=1):
    """95 % confidence intervals of PR-AUC and F1 by resampling the test postings' groups
    (companies, or copies of one posting) with replacement: postings of a group rise and fall
    together, as they do between datasets."""
    import random
    from sklearn.metrics import average_precision_score
    by = {}
    for i, g in enumerate(groups):
        by.setdefault(g, []).append(i)
    keys = sorted(by)
    rnd = random.Random(seed)
    aps, f1s = [], []
    for _ in range(rounds):
        idx = [i for k in (rnd.choice(keys) for _ in keys) for i in by[k]]
        ys = [labels[i] for i in idx]
        if not 0 < sum(ys) < len(ys):
            continue
        aps.append(average_precision_score(ys, [scores[i] for i in idx]))
        tp = sum(1 for i in idx if labels[i] and decisions[i])
        fp = sum(1 for i in idx if not labels[i] and decisions[i])
        fn = sum(1 for i in idx if labels[i] and not decisions[i])
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    out = {"ci_rounds": len(aps)}
    if aps:
        aps.sort()
        f1s.sort()
        out["pr_auc_ci"] = [percentile(aps, 2.5), percentile(aps, 97.5)]
        out["f1_ci"] = [percentile(f1s, 2.5), percentile(f1s, 97.5)]
    return out


def percentile(sorted_values, q):
    """The q-th percentile (0..100) of an already sorted list, nearest-rank."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def peak_rss_mb():
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def dir_or_file_bytes(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    return os.path.getsize(path)


def write_figures(path, record):
    """Merge `record` into the figures file at `path` (a JSON object), creating it if needed."""
    old = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
    old.update(record)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(old, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def score_quality(labels, scores, decisions, scores_out):
    """quality() of the test postings; with `scores_out` (the peers' --scores-out), their
    write_scores() file too."""
    q = quality(labels, scores, decisions)
    if scores_out:
        write_scores(scores_out, labels, scores, decisions)
    return q


def write_score_figures(a, system, q, lat, log_load=False, **rec):
    """Merge the figures of a peer's `score` into its figures file (a.figures): its own figures
    `rec` (keyword arguments, under the names bench/README.md gives them), the median, 99th
    percentile and count of the latencies `lat` (sorted, us), the passes made (a.passes) and the
    quality figures `q`; then log their summary line (with the load time if `log_load`)."""
    rec.update(lat_p50_us=percentile(lat, 50), lat_p99_us=percentile(lat, 99), lat_n=len(lat),
               passes=a.passes)
    rec.update(q)
    write_figures(a.figures, rec)
    log("%s: %.0f postings/s one core, %.0f all cores, %sp99 %.0f us, F1 %.3f" % (
        system, rec["tput_1core"], rec["tput_allcores"],
        "load %.0f ms, " % rec["load_ms"] if log_load else "", rec["lat_p99_us"], q["f1"]))


def main(doc, cmd_train, cmd_score, model_out, score_lang, passes, score_name):
    """The command line of a peer: `train --lang en|zh TRAIN MODEL_OUT FIGURES` (`model_out`
    names the model argument) and `score [--lang en|zh] [--passes N] [--latency N]
    [--scores-out FILE] MODEL TEST FIGURES` (--lang with `score_lang`, --passes defaulting to
    `passes`, `score_name` naming the score column of --scores-out); runs the command and returns
    its exit status."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--lang", choices=("en", "zh"), required=True)
    t.add_argument("train")
    t.add_argument(model_out)
    t.add_argument("figures")
    s = sub.add_parser("score")
    if score_lang:
        s.add_argument("--lang", choices=("en", "zh"), required=True)
    s.add_argument("--passes", type=int, default=passes)
    s.add_argument("--latency", type=int, default=300)
    s.add_argument("--scores-out", help="write label, %s, decision per test posting" % score_name)
    s.add_argument("model")
    s.add_argument("test")
    s.add_argument("figures")
    a = ap.parse_args()
    return cmd_train(a) if a.cmd == "train" else cmd_score(a)


def now():
    return time.perf_counter()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def forked_throughput(work_fn, items, nproc):
    """Items per second when `nproc` forked workers (sharing whatever the parent has loaded) each
    run work_fn on an interleaved share of `items`, from a common start signal to the last one's
    end. work_fn returns the number of items it processed."""
    import multiprocessing as mp
    ctx = mp.get_context("fork")
    go = ctx.Event()
    ready = ctx.Semaphore(0)
    done = ctx.Queue()

    def child(share):
        ready.release()
        go.wait()
        done.put(work_fn(share))

    procs = [ctx.Process(target=child, args=(items[i::nproc],)) for i in range(nproc)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    t0 = time.perf_counter()
    go.set()
    n = sum(done.get() for _ in procs)
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    return n / elapsed
