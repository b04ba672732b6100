#!/usr/bin/python3
"""Validate the four blind5 JSONL files. Exit code 1 on any problem."""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLAUSE_LABELS = {"upfront_fee", "personal_data", "offsite_contact"}
EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly",
                "pressure_language", "vague_company", "title_duty_mismatch",
                "task_scam", "telecommuting"]
FRAUD_CATS = {"bait_and_switch", "upfront_fee", "personal_data", "task_scam", "ghost",
              "vague_company", "money_mule"}
LEGIT_CATS = {"honest_customer_service", "honest_admin", "honest_reception",
              "honest_data_entry", "honest_sales", "honest_telesales",
              "honest_insurance_agent", "honest_loan_officer", "honest_finance_sales",
              "no_fee_statement", "employer_paid_training", "employer_paid_medical",
              "scam_warning", "hotline", "wechat_official_account", "wechat_duty",
              "whatsapp_duty", "honest_remote", "legit_agency", "honest_store_cash",
              "short_honest"}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STR_FIELDS = ["title", "company", "company_profile", "description", "requirements",
              "benefits", "salary", "location", "employment_type", "contact"]
errors = []


def err(msg):
    errors.append(msg)


def load(name):
    path = os.path.join(ROOT, name)
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err("%s: not UTF-8 (%s)" % (name, e))
        return []
    rows = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            err("%s:%d: bad JSON (%s)" % (name, n, e))
            continue
        if not isinstance(obj, dict):
            err("%s:%d: not an object" % (name, n))
            continue
        rows.append(obj)
    if not text.endswith("\n"):
        err("%s: missing final newline" % name)
    return rows


def check_clauses(name, lang, prefix, minimum):
    rows = load(name)
    ids, texts = set(), set()
    counts = {"upfront_fee": 0, "personal_data": 0, "offsite_contact": 0, "neg": 0}
    for r in rows:
        rid = r.get("id")
        if not isinstance(rid, str) or not re.match(r"^%s-c-\d{4}$" % prefix, rid):
            err("%s: bad id %r" % (name, rid))
        if rid in ids:
            err("%s: duplicate id %s" % (name, rid))
        ids.add(rid)
        if set(r) != {"id", "lang", "text", "labels"}:
            err("%s %s: fields %s" % (name, rid, sorted(r)))
        if r.get("lang") != lang:
            err("%s %s: lang %r" % (name, rid, r.get("lang")))
        t = r.get("text")
        if not isinstance(t, str) or not t.strip():
            err("%s %s: empty text" % (name, rid))
        elif t in texts:
            err("%s %s: duplicate text" % (name, rid))
        texts.add(t)
        labels = r.get("labels")
        if not isinstance(labels, list) or not set(labels) <= CLAUSE_LABELS \
                or len(set(labels)) != len(labels):
            err("%s %s: bad labels %r" % (name, rid, labels))
            continue
        for l in labels:
            counts[l] += 1
        if not labels:
            counts["neg"] += 1
    if len(rows) < minimum:
        err("%s: only %d clauses (< %d)" % (name, len(rows), minimum))
    for l in CLAUSE_LABELS:
        if counts[l] < 80:
            err("%s: only %d %s" % (name, counts[l], l))
    if counts["neg"] < 220:
        err("%s: only %d negatives" % (name, counts["neg"]))


def check_postings(name, lang, prefix):
    rows = load(name)
    ids = set()
    n = {"fraud": 0, "legit": 0}
    short_honest = 0
    for r in rows:
        rid = r.get("id")
        if not isinstance(rid, str) or not re.match(r"^%s-p-\d{3}$" % prefix, rid):
            err("%s: bad id %r" % (name, rid))
        if rid in ids:
            err("%s: duplicate id %s" % (name, rid))
        ids.add(rid)
        for f in ("id", "lang", "title", "description", "label", "expect", "kind"):
            if f not in r:
                err("%s %s: missing %s" % (name, rid, f))
        if r.get("lang") != lang:
            err("%s %s: lang" % (name, rid))
        for f in STR_FIELDS:
            if f in r and (not isinstance(r[f], str) or not r[f].strip()):
                err("%s %s: empty/non-string %s" % (name, rid, f))
        for f in ("posted_at", "updated_at"):
            if f in r and (not isinstance(r[f], str) or not TS.match(r[f])):
                err("%s %s: bad timestamp %s=%r" % (name, rid, f, r.get(f)))
        if "posted_at" in r and "updated_at" in r and r["updated_at"] <= r["posted_at"]:
            err("%s %s: updated_at not after posted_at" % (name, rid))
        for f in ("has_company_logo", "telecommuting"):
            if f in r and not isinstance(r[f], bool):
                err("%s %s: %s not bool" % (name, rid, f))
        if "openings" in r and (not isinstance(r["openings"], int) or r["openings"] < 1):
            err("%s %s: openings" % (name, rid))
        label, exp, kind = r.get("label"), r.get("expect"), r.get("kind", "")
        if label not in n:
            err("%s %s: bad label %r" % (name, rid, label))
            continue
        n[label] += 1
        if not isinstance(exp, list) or any(e not in EXPECT_ORDER for e in exp):
            err("%s %s: bad expect %r" % (name, rid, exp))
            continue
        if exp != [e for e in EXPECT_ORDER if e in exp]:
            err("%s %s: expect not in fixed order" % (name, rid))
        if bool(r.get("telecommuting")) != ("telecommuting" in exp):
            err("%s %s: telecommuting flag/expect mismatch" % (name, rid))
        cat = kind.split(":")[0]
        if label == "fraud":
            if cat not in FRAUD_CATS:
                err("%s %s: bad fraud kind %r" % (name, rid, kind))
            if cat == "bait_and_switch" and "title_duty_mismatch" not in exp:
                err("%s %s: bait_and_switch without title_duty_mismatch" % (name, rid))
            if cat == "ghost" and not r.get("posted_at", "9").startswith(("2024", "2025")):
                err("%s %s: ghost not old" % (name, rid))
        else:
            if cat not in LEGIT_CATS:
                err("%s %s: bad legit kind %r" % (name, rid, kind))
            if set(exp) - {"telecommuting"}:
                err("%s %s: legit with red flags %r" % (name, rid, exp))
            if kind == "short_honest":
                short_honest += 1
        if cat != "ghost" and r.get("posted_at", "2026").startswith(("2024", "2025")):
            err("%s %s: old posted_at on non-ghost" % (name, rid))
    if n["fraud"] < 60 or n["legit"] < 70:
        err("%s: counts %r below minimum (60 fraud / 70 legit)" % (name, n))
    if short_honest < 20:
        err("%s: only %d short_honest" % (name, short_honest))


check_clauses("clauses-zh.jsonl", "zh", "b5z", 450)
check_clauses("clauses-en.jsonl", "en", "b5e", 450)
check_postings("postings-zh.jsonl", "zh", "b5z")
check_postings("postings-en.jsonl", "en", "b5e")
if errors:
    print("\n".join(errors))
    print("FAILED: %d problem(s)" % len(errors))
    sys.exit(1)
print("OK: all four files valid")
