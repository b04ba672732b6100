#!/usr/bin/python3
"""Validate the four blind4 JSONL files. Exit status 1 on any error."""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLAUSE_LABELS = ["upfront_fee", "personal_data", "offsite_contact"]
EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly",
                "pressure_language", "vague_company", "title_duty_mismatch",
                "task_scam", "telecommuting"]
FRAUD_CATS = {"bait_and_switch", "upfront_fee", "personal_data", "task_scam", "ghost",
              "vague_company", "money_mule"}
LEGIT_KINDS = {"honest_customer_service", "honest_admin", "honest_reception",
               "honest_data_entry", "honest_sales", "honest_telesales",
               "honest_insurance_agent", "honest_loan_officer", "honest_finance_sales",
               "no_fee_statement", "employer_paid_training", "employer_paid_medical",
               "scam_warning", "hotline", "wechat_official_account", "wechat_duty",
               "whatsapp_duty", "honest_remote", "legit_agency", "honest_store_cash",
               "short_honest"}
POSTING_KEYS = {"id", "lang", "title", "company", "company_profile", "description",
                "requirements", "benefits", "salary", "location", "employment_type",
                "contact", "posted_at", "updated_at", "openings", "company_size",
                "has_company_logo", "telecommuting", "label", "expect", "kind"}
REQUIRED_P = ["id", "lang", "title", "description", "label", "expect", "kind"]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MIN_FRAUD_KINDS = {"bait_and_switch": 25, "upfront_fee": 12, "personal_data": 8,
                   "task_scam": 8, "ghost": 5, "vague_company": 5, "money_mule": 4}

errors = []


def err(msg):
    errors.append(msg)


def load(name):
    path = os.path.join(ROOT, name)
    rows = []
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err("%s: not UTF-8 (%s)" % (name, e))
        return rows
    if not text.endswith("\n"):
        err("%s: missing final newline" % name)
    for n, line in enumerate(text.split("\n")[:-1], 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            err("%s:%d: bad JSON (%s)" % (name, n, e))
            continue
        if not isinstance(obj, dict):
            err("%s:%d: not an object" % (name, n))
            continue
        rows.append(obj)
    return rows


def check_clauses(name, lang, prefix):
    rows = load(name)
    ids = Counter(r.get("id") for r in rows)
    for i, c in ids.items():
        if c > 1:
            err("%s: duplicate id %s" % (name, i))
    texts = Counter(r.get("text") for r in rows)
    for t, c in texts.items():
        if c > 1:
            err("%s: duplicate text %r" % (name, t))
    pat = re.compile(r"^%s-c-\d{4}$" % prefix)
    counts = Counter()
    for r in rows:
        rid = r.get("id")
        if set(r) != {"id", "lang", "text", "labels"}:
            err("%s %s: keys %s" % (name, rid, sorted(r)))
        if not isinstance(rid, str) or not pat.match(rid):
            err("%s: bad id %r" % (name, rid))
        if r.get("lang") != lang:
            err("%s %s: lang %r" % (name, rid, r.get("lang")))
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            err("%s %s: empty text" % (name, rid))
        labels = r.get("labels")
        if not isinstance(labels, list) or any(l not in CLAUSE_LABELS for l in labels) \
                or len(set(labels)) != len(labels) \
                or labels != [l for l in CLAUSE_LABELS if l in labels]:
            err("%s %s: bad labels %r" % (name, rid, labels))
            continue
        for l in labels:
            counts[l] += 1
        if not labels:
            counts["none"] += 1
    if len(rows) < 450:
        err("%s: only %d clauses (<450)" % (name, len(rows)))
    for l in CLAUSE_LABELS:
        if counts[l] < 80:
            err("%s: only %d %s clauses (<80)" % (name, counts[l], l))
    if counts["none"] < 220:
        err("%s: only %d negative clauses (<220)" % (name, counts["none"]))
    return rows


def check_postings(name, lang, prefix):
    rows = load(name)
    ids = Counter(r.get("id") for r in rows)
    for i, c in ids.items():
        if c > 1:
            err("%s: duplicate id %s" % (name, i))
    pat = re.compile(r"^%s-p-\d{3}$" % prefix)
    by_label = Counter()
    cats = Counter()
    short_honest = 0
    for r in rows:
        rid = r.get("id")
        for k in REQUIRED_P:
            if k not in r:
                err("%s %s: missing %s" % (name, rid, k))
        extra = set(r) - POSTING_KEYS
        if extra:
            err("%s %s: unknown keys %s" % (name, rid, sorted(extra)))
        if not isinstance(rid, str) or not pat.match(rid):
            err("%s: bad id %r" % (name, rid))
        if r.get("lang") != lang:
            err("%s %s: lang %r" % (name, rid, r.get("lang")))
        for k in ("title", "company", "company_profile", "description", "requirements",
                  "benefits", "salary", "location", "employment_type", "contact",
                  "company_size", "kind"):
            if k in r and (not isinstance(r[k], str) or not r[k].strip()):
                err("%s %s: %s empty or not a string" % (name, rid, k))
        for k in ("posted_at", "updated_at"):
            if k in r and (not isinstance(r[k], str) or not ISO.match(r[k])):
                err("%s %s: %s not ISO-8601 UTC with Z: %r" % (name, rid, k, r.get(k)))
        if "posted_at" in r and "updated_at" in r and r["updated_at"] < r["posted_at"]:
            err("%s %s: updated_at before posted_at" % (name, rid))
        if "openings" in r and (not isinstance(r["openings"], int) or isinstance(r["openings"], bool) or r["openings"] < 1):
            err("%s %s: bad openings" % (name, rid))
        for k in ("has_company_logo", "telecommuting"):
            if k in r and not isinstance(r[k], bool):
                err("%s %s: %s not boolean" % (name, rid, k))
        label = r.get("label")
        expect = r.get("expect")
        kind = r.get("kind", "")
        if label not in ("fraud", "legit"):
            err("%s %s: bad label %r" % (name, rid, label))
            continue
        by_label[label] += 1
        if not isinstance(expect, list) or any(e not in EXPECT_ORDER for e in expect) \
                or expect != [e for e in EXPECT_ORDER if e in expect] or len(set(expect)) != len(expect):
            err("%s %s: bad expect %r" % (name, rid, expect))
            continue
        if (r.get("telecommuting") is True) != ("telecommuting" in expect):
            err("%s %s: telecommuting flag and expect disagree" % (name, rid))
        cat = kind.split(":")[0]
        if label == "fraud":
            if cat not in FRAUD_CATS:
                err("%s %s: bad fraud kind %r" % (name, rid, kind))
            cats[cat] += 1
            if cat == "bait_and_switch" and "title_duty_mismatch" not in expect:
                err("%s %s: bait_and_switch without title_duty_mismatch" % (name, rid))
            if cat == "ghost":
                if not r.get("posted_at", "").startswith(("2024", "2025")) or "updated_at" not in r:
                    err("%s %s: ghost posting needs old posted_at and recent updated_at" % (name, rid))
            elif r.get("posted_at", "2026").startswith(("2024", "2025")):
                err("%s %s: non-ghost posting with old posted_at" % (name, rid))
        else:
            if kind not in LEGIT_KINDS:
                err("%s %s: bad legit kind %r" % (name, rid, kind))
            if expect not in ([], ["telecommuting"]):
                err("%s %s: legit expect must be [] or [telecommuting]" % (name, rid))
            if kind == "short_honest":
                short_honest += 1
    if by_label["fraud"] < 70:
        err("%s: only %d fraud postings (<70)" % (name, by_label["fraud"]))
    if by_label["legit"] < 80:
        err("%s: only %d legit postings (<80)" % (name, by_label["legit"]))
    if short_honest < 25:
        err("%s: only %d short_honest postings (<25)" % (name, short_honest))
    for c, m in MIN_FRAUD_KINDS.items():
        if cats[c] < m:
            err("%s: only %d %s postings (<%d)" % (name, cats[c], c, m))
    return rows


def main():
    check_clauses("clauses-zh.jsonl", "zh", "b4z")
    check_clauses("clauses-en.jsonl", "en", "b4e")
    check_postings("postings-zh.jsonl", "zh", "b4z")
    check_postings("postings-en.jsonl", "en", "b4e")
    if errors:
        for e in errors:
            print("ERROR:", e)
        print("%d error(s)" % len(errors))
        sys.exit(1)
    print("OK: all four files valid")


if __name__ == "__main__":
    main()
