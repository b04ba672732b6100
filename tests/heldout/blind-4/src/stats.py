#!/usr/bin/python3
"""Count tables for the blind4 set (Markdown output)."""
import json
import os
import statistics
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TEXT_FIELDS = ["title", "company", "company_profile", "description", "requirements",
               "benefits", "salary", "location", "employment_type", "contact"]
EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly",
                "pressure_language", "vague_company", "title_duty_mismatch",
                "task_scam", "telecommuting"]
OPTIONAL = ["company", "company_profile", "requirements", "benefits", "salary", "location",
            "employment_type", "contact", "updated_at", "openings", "company_size",
            "has_company_logo", "telecommuting"]


def load(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as fh:
        return [json.loads(l) for l in fh if l.strip()]


def textlen(r):
    return sum(len(r[f]) for f in TEXT_FIELDS if f in r)


def main():
    out = []
    out.append("### Clauses\n")
    out.append("| file | total | upfront_fee | personal_data | offsite_contact | two labels | `[]` |")
    out.append("|---|---|---|---|---|---|---|")
    for lang in ("zh", "en"):
        rows = load("clauses-%s.jsonl" % lang)
        c = Counter()
        for r in rows:
            for l in r["labels"]:
                c[l] += 1
            if len(r["labels"]) >= 2:
                c["multi"] += 1
            if not r["labels"]:
                c["none"] += 1
        out.append("| clauses-%s | %d | %d | %d | %d | %d | %d |" % (
            lang, len(rows), c["upfront_fee"], c["personal_data"], c["offsite_contact"],
            c["multi"], c["none"]))
    out.append("")
    out.append("Label combinations:\n")
    out.append("| file | combination | n |")
    out.append("|---|---|---|")
    for lang in ("zh", "en"):
        rows = load("clauses-%s.jsonl" % lang)
        combos = Counter("+".join(r["labels"]) or "[]" for r in rows)
        for k, v in sorted(combos.items()):
            out.append("| clauses-%s | %s | %d |" % (lang, k, v))
    for lang in ("zh", "en"):
        rows = load("postings-%s.jsonl" % lang)
        out.append("\n### postings-%s (%d postings)\n" % (lang, len(rows)))
        lab = Counter(r["label"] for r in rows)
        out.append("| label | n | median text chars | min | max |")
        out.append("|---|---|---|---|---|")
        for l in ("fraud", "legit"):
            ls = [textlen(r) for r in rows if r["label"] == l]
            out.append("| %s | %d | %d | %d | %d |" % (l, lab[l], statistics.median(ls), min(ls), max(ls)))
        allm = statistics.median([textlen(r) for r in rows])
        out.append("| all | %d | %d | | |" % (len(rows), allm))
        out.append("\nKind categories:\n")
        out.append("| label | kind category | n |")
        out.append("|---|---|---|")
        cats = Counter((r["label"], r["kind"].split(":")[0]) for r in rows)
        for (l, k), v in sorted(cats.items()):
            out.append("| %s | %s | %d |" % (l, k, v))
        out.append("\nExpect flags (fraud postings):\n")
        out.append("| flag | n |")
        out.append("|---|---|")
        ef = Counter(e for r in rows if r["label"] == "fraud" for e in r["expect"])
        for e in EXPECT_ORDER:
            out.append("| %s | %d |" % (e, ef[e]))
        le = Counter(tuple(r["expect"]) for r in rows if r["label"] == "legit")
        out.append("\nLegit expect: " + ", ".join("%s: %d" % (list(k), v) for k, v in sorted(le.items())))
        short = Counter(r["label"] for r in rows if textlen(r) < (200 if lang == "en" else 80))
        out.append("\nShort postings (text < %d chars): fraud %d, legit %d" % (
            200 if lang == "en" else 80, short["fraud"], short["legit"]))
        out.append("\nOptional-field presence (fraud / legit):\n")
        out.append("| field | fraud | legit |")
        out.append("|---|---|---|")
        for f in OPTIONAL:
            fr = sum(1 for r in rows if r["label"] == "fraud" and f in r)
            lg = sum(1 for r in rows if r["label"] == "legit" and f in r)
            out.append("| %s | %d/%d | %d/%d |" % (f, fr, lab["fraud"], lg, lab["legit"]))
    print("\n".join(out))


if __name__ == "__main__":
    main()
