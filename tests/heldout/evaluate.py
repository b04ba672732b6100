#!/usr/bin/env python3
"""Measure a build of fakejob on one blind held-out set (tests/heldout/blind-N).

usage: tests/heldout/evaluate.py FAKEJOB SET_DIR [--model DIR] [--json OUT] [--verdicts-only]
       tests/heldout/evaluate.py --mean OUT.json...

Checks the set's SHA256SUMS first (a set whose files changed is refused), then prints, per
language, as Markdown:
  - the clause detectors on the set's clauses and postings (`fakejob eval-signals`): precision,
    recall and false-positive rate on clauses; recall on the postings expecting a signal and the
    share of legitimate postings it fires on;
  - the verdicts on the set's postings (`fakejob eval --no-replay`, one language a run): precision, recall
    and F1 with "fraud" as the positive verdict and with "fraud or suspicious", the legitimate
    postings flagged (fraud / suspicious), and ROC-AUC of the score.
--verdicts-only skips the clause detectors. --mean reads the --json reports of several runs (e.g.
one per held-out set, models/writers-cv.sh) and prints their verdict figures per language, one
row a report, and the mean over the reports.
Nothing is written into the set. Run it once per claim: a set that has guided a decision is no
longer blind (tests/heldout/README.md).
"""
import hashlib
import json
import os
import subprocess
import sys

SIGNALS = ("upfront_fee", "personal_data", "offsite_contact", "title_duty_mismatch")
# The sets used up by earlier claims and folded into training (README.md here): the one list that
# models/fold-writers.py (their postings) and models/fold-heldout.py (their clauses) read, so a
# set still blind is folded by neither until it is added here on purpose.
USED_SETS = ("blind-1", "blind-2", "blind-3", "blind-4", "blind-5")


def die(msg):
    """Exit 2 with the message, named by the running script (models/fold-writers.py and
    models/fold-heldout.py use check_sums too)."""
    sys.stderr.write("%s: %s\n" % (os.path.basename(sys.argv[0]) or "evaluate.py", msg))
    sys.exit(2)


def check_sums(folder):
    """The names of the set's files, each checked against the set's SHA256SUMS (exit 2 when a
    file differs or cannot be read)."""
    path = os.path.join(folder, "SHA256SUMS")
    try:
        lines = open(path, encoding="utf-8").read().split("\n")
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    files = []
    for line in filter(None, lines):
        digest, name = line.split(None, 1)
        name = name.lstrip("*")
        try:
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
        except OSError as e:
            die("%s: %s" % (os.path.join(folder, name), e.strerror))
        if hashlib.sha256(data).hexdigest() != digest:
            die("%s: %s does not match SHA256SUMS: the set is not the frozen one" %
                (folder, name))
        files.append(name)
    return files


VERDICT_HEAD = ("| lang | fraud verdict: P / R / F1 | fraud or suspicious: P / R / F1 |"
                " legitimate flagged: fraud / suspicious (n) | ROC-AUC |")


def verdict_cells(m):
    """The figures of one language's verdicts (fakejob eval's metrics) as table cells."""
    a, b = m["flag_fraud"], m["flag_suspicious"]
    return [a["precision"], a["recall"], a["f1"], b["precision"], b["recall"], b["f1"],
            m["verdicts"]["fraud"]["legit"], m["verdicts"]["suspicious"]["legit"], m["legit"],
            m["roc_auc"]]


def verdict_row(label, c, counts="%d / %d (%d)"):
    return ("| %s | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f | " + counts + " | %.3f |") % (
        (label,) + tuple(c))


def mean_reports(paths):
    """One row a report and the mean of the reports, per language."""
    reports = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                reports.append(json.load(f)["verdicts"])
        except (OSError, ValueError, KeyError) as e:
            die("%s: not a report of evaluate.py --json (%s)" % (path, e))
    print(VERDICT_HEAD.replace("| lang |", "| lang: report |"))
    print("|---|---|---|---|---|")
    for lang in ("zh", "en"):
        rows = [(p, verdict_cells(r[lang])) for p, r in zip(paths, reports) if lang in r]
        for p, c in rows:
            print(verdict_row("%s: %s" % (lang, os.path.basename(p)), c))
        if rows:
            n = len(rows)
            mean = [sum(c[i] for _, c in rows) / n for i in range(len(rows[0][1]))]
            print(verdict_row("%s: **mean of %d**" % (lang, n), mean, "%.1f / %.1f (%.1f)"))
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--mean":
        if len(argv) < 3:
            die("--mean needs the --json reports to average")
        return mean_reports(argv[2:])
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    fakejob, folder = argv[1], argv[2]
    model, out, only_verdicts = [], None, False
    rest = argv[3:]
    while rest:
        if rest[0] == "--verdicts-only":
            only_verdicts = True
            rest = rest[1:]
        elif rest[0] == "--model" and len(rest) > 1:
            model = ["--model", rest[1]]
            rest = rest[2:]
        elif rest[0] == "--json" and len(rest) > 1:
            out = rest[1]
            rest = rest[2:]
        else:
            die("unknown option %r (see --help)" % rest[0])
    files = check_sums(folder)
    clauses = [os.path.join(folder, f) for f in files if f.startswith("clauses-")]
    postings = [os.path.join(folder, f) for f in files if f.startswith("postings-")]
    report = {"verdicts": {}}
    if not only_verdicts:
        report["signals"] = print_signals(fakejob, clauses, postings)
    print(VERDICT_HEAD)
    print("|---|---|---|---|---|")
    for lang in ("zh", "en"):
        # the verdicts' figures as fakejob eval computes them (train/metrics.c), one language a run
        files = [f for f in postings if os.path.basename(f) == "postings-%s.jsonl" % lang]
        if not files:
            continue
        m = json.loads(subprocess.run([fakejob, "eval", "-q", "--no-replay", "--json"] + model +
                                      files, check=True, capture_output=True,
                                      text=True).stdout)["metrics"]
        print(verdict_row(lang, verdict_cells(m)))
        report["verdicts"][lang] = m
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    return 0


def print_signals(fakejob, clauses, postings):
    """The clause detectors' figures on the set's clauses and postings (fakejob eval-signals)."""
    sig = json.loads(subprocess.run([fakejob, "eval-signals"] + clauses + postings,
                                    check=True, capture_output=True, text=True).stdout)
    print("| lang | signal | clauses: precision / recall / FPR | postings: recall (n) / on legit |")
    print("|---|---|---|---|")
    for lang in ("zh", "en"):
        for s in SIGNALS:
            c = [x for x in sig["clause_figures"] if x["lang"] == lang and x["signal"] == s]
            p = [x for x in sig["posting_figures"] if x["lang"] == lang and x["signal"] == s]
            ctext = ("%.3f / %.3f / %.3f" % (c[0]["precision"], c[0]["recall"], c[0]["fpr"])
                     if c else "—")
            ptext = ("%.2f (%d) / %.3f" % (p[0]["recall"], p[0]["expected"], p[0]["legit_rate"])
                     if p else "—")
            print("| %s | %s | %s | %s |" % (lang, s, ctext, ptext))
    print()
    return sig


if __name__ == "__main__":
    sys.exit(main(sys.argv))
