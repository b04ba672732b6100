#!/usr/bin/env python3
"""Print count tables and length / field-presence stats for the blind-7 postings."""
import json, os, statistics
from collections import Counter
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = ["title", "company", "company_profile", "description", "requirements", "benefits", "salary", "location", "contact"]
META = ["company", "company_profile", "requirements", "benefits", "salary", "location", "employment_type", "contact",
        "updated_at", "openings", "company_size", "has_company_logo", "telecommuting"]
for fn in ("postings-zh.jsonl", "postings-en.jsonl"):
    rows = [json.loads(l) for l in open(os.path.join(ROOT, fn), encoding="utf-8")]
    print("== %s (%d)" % (fn, len(rows)))
    print("label:", dict(Counter(r["label"] for r in rows)))
    print("kind category:", dict(sorted(Counter((r["label"], r["kind"].split(":")[0]) for r in rows).items())))
    print("kinds:")
    for k, c in sorted(Counter((r["label"], r["kind"]) for r in rows).items()):
        print("  %-6s %-40s %d" % (k[0], k[1], c))
    print("expect flags:")
    for lab in ("fraud", "legit"):
        print("  %s:" % lab, dict(Counter(f for r in rows if r["label"] == lab for f in r["expect"])))
    for lab in ("fraud", "legit"):
        ls = [sum(len(r.get(k, "")) for k in TEXT) for r in rows if r["label"] == lab]
        print("  text length %s: median %d, min %d, max %d" % (lab, statistics.median(ls), min(ls), max(ls)))
    ls = [sum(len(r.get(k, "")) for k in TEXT) for r in rows]
    print("  text length all: median %d" % statistics.median(ls))
    print("field presence (fraud / legit share):")
    nf = sum(r["label"] == "fraud" for r in rows); nl = len(rows) - nf
    for k in META:
        f = sum(k in r for r in rows if r["label"] == "fraud"); l = sum(k in r for r in rows if r["label"] == "legit")
        print("  %-16s %.2f / %.2f" % (k, f / nf, l / nl))
