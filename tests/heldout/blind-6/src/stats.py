#!/usr/bin/env python3
"""Print count tables for the blind6 set (markdown)."""
import json, os, statistics
from collections import Counter

OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT_FIELDS = ["title", "company", "company_profile", "description", "requirements", "benefits", "salary",
               "location", "employment_type", "contact"]


def rows(name):
    with open(os.path.join(OUT, name), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def main():
    print("### Clauses\n")
    print("| lang | total | upfront_fee | personal_data | offsite_contact | multi-label | negatives [] |")
    print("|---|---|---|---|---|---|---|")
    for lang in ("zh", "en"):
        rs = rows(f"clauses-{lang}.jsonl")
        c = Counter(l for r in rs for l in r["labels"])
        multi = sum(len(r["labels"]) > 1 for r in rs)
        neg = sum(not r["labels"] for r in rs)
        print(f"| {lang} | {len(rs)} | {c['upfront_fee']} | {c['personal_data']} | {c['offsite_contact']} | {multi} | {neg} |")
    print("\n### Postings\n")
    print("| lang | total | fraud | legit | bait_and_switch | short_honest | median text chars (fraud / legit / all) |")
    print("|---|---|---|---|---|---|---|")
    per = {}
    for lang in ("zh", "en"):
        rs = rows(f"postings-{lang}.jsonl")
        per[lang] = rs
        ln = lambda r: sum(len(r.get(k, "")) for k in TEXT_FIELDS)
        fr = [r for r in rs if r["label"] == "fraud"]
        lg = [r for r in rs if r["label"] == "legit"]
        nb = sum(r["kind"].startswith("bait_and_switch") for r in fr)
        ns = sum(r["kind"] == "short_honest" for r in lg)
        med = lambda xs: int(statistics.median([ln(r) for r in xs]))
        print(f"| {lang} | {len(rs)} | {len(fr)} | {len(lg)} | {nb} | {ns} | {med(fr)} / {med(lg)} / {med(rs)} |")
    print("\n### Postings by kind category\n")
    print("| label | kind category | zh | en |")
    print("|---|---|---|---|")
    cats = Counter()
    for lang, rs in per.items():
        for r in rs:
            cats[(r["label"], r["kind"].split(":")[0], lang)] += 1
    keys = sorted({(l, k) for (l, k, _) in cats}, key=lambda x: (x[0] != "fraud", x[1]))
    for l, k in keys:
        print(f"| {l} | {k} | {cats[(l, k, 'zh')]} | {cats[(l, k, 'en')]} |")
    print("\n### Bait-and-switch subcategories\n")
    print("| subcategory | zh | en |")
    print("|---|---|---|")
    sub = Counter((r["kind"].split(":", 1)[1], lang) for lang, rs in per.items() for r in rs
                  if r["kind"].startswith("bait_and_switch"))
    for s in sorted({s for s, _ in sub}):
        print(f"| {s} | {sub[(s, 'zh')]} | {sub[(s, 'en')]} |")
    print("\n### Expected flags (fraud postings)\n")
    print("| flag | zh | en |")
    print("|---|---|---|")
    order = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
             "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]
    for f in order:
        a = sum(f in r["expect"] for r in per["zh"] if r["label"] == "fraud")
        b = sum(f in r["expect"] for r in per["en"] if r["label"] == "fraud")
        print(f"| {f} | {a} | {b} |")
    a = sum(r["expect"] == ["telecommuting"] for r in per["zh"] if r["label"] == "legit")
    b = sum(r["expect"] == ["telecommuting"] for r in per["en"] if r["label"] == "legit")
    print(f"| legit with [\"telecommuting\"] | {a} | {b} |")


if __name__ == "__main__":
    main()
