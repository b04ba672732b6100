#!/usr/bin/env python3
"""Validate postings-zh.jsonl / postings-en.jsonl against FORMAT.md posting rules."""
import json, os, re, sys
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
         "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]
FRAUD_CATS = {"bait_and_switch", "upfront_fee", "personal_data", "task_scam", "ghost", "vague_company", "money_mule"}
LEGIT_KINDS = {"honest_customer_service", "honest_admin", "honest_reception", "honest_data_entry", "honest_sales",
               "honest_telesales", "honest_insurance_agent", "honest_loan_officer", "honest_finance_sales",
               "no_fee_statement", "employer_paid_training", "employer_paid_medical", "scam_warning", "hotline",
               "wechat_official_account", "wechat_duty", "whatsapp_duty", "honest_remote", "legit_agency",
               "honest_store_cash", "short_honest"}
REQ = ["id", "lang", "title", "description", "label", "expect", "kind"]
STR_FIELDS = ["title", "company", "company_profile", "description", "requirements", "benefits", "salary",
              "location", "employment_type", "contact", "company_size"]
ALLOWED = set(REQ) | set(STR_FIELDS) | {"posted_at", "updated_at", "openings", "has_company_logo", "telecommuting"}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
errors = []
def err(m): errors.append(m)
seen = set()
for lang, fn, prefix in (("zh", "postings-zh.jsonl", "b7z-p-"), ("en", "postings-en.jsonl", "b7e-p-")):
    raw = open(os.path.join(ROOT, fn), "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err("%s: not UTF-8: %s" % (fn, e)); continue
    n = {"fraud": 0, "legit": 0, "bait": 0}
    for ln, line in enumerate(text.splitlines(), 1):
        where = "%s:%d" % (fn, ln)
        try:
            p = json.loads(line)
        except Exception as e:
            err("%s bad JSON %s" % (where, e)); continue
        for k in REQ:
            if k not in p: err("%s missing %s" % (where, k))
        for k in p:
            if k not in ALLOWED: err("%s unknown field %s" % (where, k))
        pid = p.get("id", "")
        if not re.fullmatch(re.escape(prefix) + r"\d{3}", pid): err("%s bad id %s" % (where, pid))
        if pid in seen: err("%s duplicate id %s" % (where, pid))
        seen.add(pid)
        if p.get("lang") != lang: err("%s wrong lang" % where)
        for k in STR_FIELDS:
            if k in p and (not isinstance(p[k], str) or not p[k].strip()): err("%s empty/non-str %s" % (where, k))
        for k in ("posted_at", "updated_at"):
            if k in p and not TS.match(p[k]): err("%s bad timestamp %s" % (where, k))
            if k in p and p[k] >= "2026-12-07T00:00:00Z": err("%s %s after writing date" % (where, k))
        if "posted_at" in p and "updated_at" in p and p["updated_at"] <= p["posted_at"]:
            err("%s updated_at not after posted_at" % where)
        if "openings" in p and (not isinstance(p["openings"], int) or p["openings"] < 1): err("%s bad openings" % where)
        for k in ("has_company_logo", "telecommuting"):
            if k in p and not isinstance(p[k], bool): err("%s %s not bool" % (where, k))
        exp = p.get("expect", [])
        if any(f not in ORDER for f in exp): err("%s unknown flag %s" % (where, exp))
        if exp != [f for f in ORDER if f in exp]: err("%s expect not in fixed order/dupes" % where)
        if p.get("telecommuting") is True and "telecommuting" not in exp: err("%s telecommuting flag missing" % where)
        if "telecommuting" in exp and p.get("telecommuting") is not True: err("%s telecommuting flag without field" % where)
        kind, label = p.get("kind", ""), p.get("label")
        if label == "fraud":
            n["fraud"] += 1
            if kind.split(":")[0] not in FRAUD_CATS: err("%s bad fraud kind %s" % (where, kind))
            if kind.startswith("bait_and_switch:"):
                n["bait"] += 1
                if "title_duty_mismatch" not in exp: err("%s bait without title_duty_mismatch" % where)
            elif "title_duty_mismatch" in exp: err("%s title_duty_mismatch on non-bait" % where)
            if not exp: err("%s fraud with empty expect" % where) if not kind.startswith("ghost:") else None
        elif label == "legit":
            n["legit"] += 1
            if kind not in LEGIT_KINDS: err("%s bad legit kind %s" % (where, kind))
            if exp not in ([], ["telecommuting"]): err("%s legit with flags %s" % (where, exp))
        else:
            err("%s bad label %s" % (where, label))
        if kind.startswith("ghost:"):
            if not p.get("posted_at", "").startswith(("2024", "2025")) or "updated_at" not in p:
                err("%s ghost dates" % where)
        elif p.get("posted_at", "2026").startswith(("2024", "2025")):
            err("%s non-ghost with old posted_at" % where)
    tot = n["fraud"] + n["legit"]
    print("%s: %d postings (fraud %d, of which bait_and_switch %d; legit %d)" % (fn, tot, n["fraud"], n["bait"], n["legit"]))
    if not 100 <= tot <= 120: err("%s total %d outside 100-120" % (fn, tot))
    if not 40 <= n["bait"] <= 50: err("%s bait count %d not ~45" % (fn, n["bait"]))
    if not 12 <= n["fraud"] - n["bait"] <= 18: err("%s other fraud %d not ~15" % (fn, n["fraud"] - n["bait"]))
    if not 44 <= n["legit"] <= 56: err("%s legit %d not ~50" % (fn, n["legit"]))
if errors:
    print("\n".join(errors)); print("FAIL: %d errors" % len(errors)); sys.exit(1)
print("OK")
