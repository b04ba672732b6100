#!/usr/bin/python3
"""Print count tables (Markdown) for the blind5 files."""
import json
import os
import statistics
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly",
                "pressure_language", "vague_company", "title_duty_mismatch",
                "task_scam", "telecommuting"]
TEXT = ["title", "company", "company_profile", "description", "requirements",
        "benefits", "salary", "location", "employment_type", "contact"]


def rows(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def main():
    cz, ce = rows("clauses-zh.jsonl"), rows("clauses-en.jsonl")
    print("### Clauses\n")
    print("| label set | zh | en |\n|---|---:|---:|")
    sets = Counter(), Counter()
    for i, rs in enumerate((cz, ce)):
        for r in rs:
            sets[i]["+".join(r["labels"]) or "[] (negative)"] += 1
    for k in sorted(set(sets[0]) | set(sets[1])):
        print("| %s | %d | %d |" % (k, sets[0][k], sets[1][k]))
    print("| **total** | %d | %d |" % (len(cz), len(ce)))
    print("\n| label (any clause carrying it) | zh | en |\n|---|---:|---:|")
    for l in ("upfront_fee", "personal_data", "offsite_contact"):
        print("| %s | %d | %d |" % (l, sum(l in r["labels"] for r in cz),
                                    sum(l in r["labels"] for r in ce)))
    pz, pe = rows("postings-zh.jsonl"), rows("postings-en.jsonl")
    print("\n### Postings by label\n")
    print("| label | zh | en |\n|---|---:|---:|")
    for lab in ("fraud", "legit"):
        print("| %s | %d | %d |" % (lab, sum(r["label"] == lab for r in pz),
                                    sum(r["label"] == lab for r in pe)))
    print("| **total** | %d | %d |" % (len(pz), len(pe)))
    print("\n### Postings by kind category\n")
    print("| label | category | zh | en |\n|---|---|---:|---:|")
    kc = Counter(), Counter()
    for i, rs in enumerate((pz, pe)):
        for r in rs:
            kc[i][(r["label"], r["kind"].split(":")[0])] += 1
    for k in sorted(set(kc[0]) | set(kc[1])):
        print("| %s | %s | %d | %d |" % (k[0], k[1], kc[0][k], kc[1][k]))
    print("\n### Postings: expect flags (count of postings showing the flag)\n")
    print("| flag | zh fraud | zh legit | en fraud | en legit |\n|---|---:|---:|---:|---:|")
    for e in EXPECT_ORDER:
        vals = []
        for rs in (pz, pe):
            for lab in ("fraud", "legit"):
                vals.append(sum(r["label"] == lab and e in r["expect"] for r in rs))
        print("| %s | %d | %d | %d | %d |" % (e, *vals))
    print("\n### Postings: field presence and length\n")
    print("| field | zh fraud | zh legit | en fraud | en legit |\n|---|---:|---:|---:|---:|")
    fields = ["company", "company_profile", "requirements", "benefits", "salary",
              "location", "employment_type", "contact", "posted_at", "updated_at",
              "openings", "company_size", "has_company_logo", "telecommuting"]
    for f in fields:
        vals = []
        for rs in (pz, pe):
            for lab in ("fraud", "legit"):
                vals.append(sum(r["label"] == lab and f in r for r in rs))
        print("| %s | %d | %d | %d | %d |" % (f, *vals))
    meds = []
    for rs in (pz, pe):
        for lab in ("fraud", "legit"):
            meds.append(statistics.median(sum(len(r.get(f, "")) for f in TEXT)
                                          for r in rs if r["label"] == lab))
    print("| median text chars | %d | %d | %d | %d |" % tuple(meds))


if __name__ == "__main__":
    main()
