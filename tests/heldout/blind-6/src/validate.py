#!/usr/bin/env python3
"""Validate the four blind6 JSONL files against FORMAT.md. Exit code 1 on any error."""
import json, os, re, sys

OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = {"upfront_fee", "personal_data", "offsite_contact"}
FLAGS = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
         "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]
FRAUD_CATS = {"bait_and_switch", "upfront_fee", "personal_data", "task_scam", "ghost", "vague_company", "money_mule"}
BAIT_SUBS = {"loan_sales", "insurance", "wealth_product", "account_opening", "telemarketing_credit",
             "commission_only", "recruit_downline", "live_stream_quota"}
LEGIT_KINDS = {"honest_customer_service", "honest_admin", "honest_reception", "honest_data_entry", "honest_sales",
               "honest_telesales", "honest_insurance_agent", "honest_loan_officer", "honest_finance_sales",
               "no_fee_statement", "employer_paid_training", "employer_paid_medical", "scam_warning", "hotline",
               "wechat_official_account", "wechat_duty", "whatsapp_duty", "honest_remote", "legit_agency",
               "honest_store_cash", "short_honest"}
POST_FIELDS = {"id", "lang", "title", "company", "company_profile", "description", "requirements", "benefits", "salary",
               "location", "employment_type", "contact", "posted_at", "updated_at", "openings", "company_size",
               "has_company_logo", "telecommuting", "label", "expect", "kind"}
REQ_POST = ["id", "lang", "title", "description", "label", "expect", "kind"]
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PREFIX = {"zh": "b6z", "en": "b6e"}
errors = []


def err(msg):
    errors.append(msg)


def load(name):
    path = os.path.join(OUT, name)
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err(f"{name}: not UTF-8 ({e})")
        return []
    if text.startswith("\ufeff"):
        err(f"{name}: has BOM")
    rows = []
    for n, ln in enumerate(text.split("\n"), 1):
        if ln == "":
            continue
        try:
            rows.append(json.loads(ln))
        except json.JSONDecodeError as e:
            err(f"{name}:{n}: bad JSON {e}")
    return rows


def check_clauses(lang):
    name = f"clauses-{lang}.jsonl"
    rows = load(name)
    ids, texts = set(), set()
    cnt = {k: 0 for k in LABELS}
    neg = 0
    idre = re.compile(rf"^{PREFIX[lang]}-c-\d{{4}}$")
    for r in rows:
        if set(r) != {"id", "lang", "text", "labels"}:
            err(f"{name}: {r.get('id')} fields {sorted(r)}")
        if not idre.match(str(r.get("id"))):
            err(f"{name}: bad id {r.get('id')}")
        if r.get("id") in ids:
            err(f"{name}: dup id {r['id']}")
        ids.add(r.get("id"))
        if r.get("lang") != lang:
            err(f"{name}: {r['id']} lang")
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            err(f"{name}: {r['id']} empty text")
        if r.get("text") in texts:
            err(f"{name}: dup text {r['text']}")
        texts.add(r.get("text"))
        labs = r.get("labels")
        if not isinstance(labs, list) or not set(labs) <= LABELS or len(set(labs)) != len(labs):
            err(f"{name}: {r['id']} bad labels {labs}")
            continue
        for l in labs:
            cnt[l] += 1
        if not labs:
            neg += 1
    if len(rows) < 460:
        err(f"{name}: only {len(rows)} clauses (<460)")
    for l, c in cnt.items():
        if not 80 <= c <= 100:
            err(f"{name}: {l} count {c} outside 80-100")
    if neg < 230:
        err(f"{name}: only {neg} negatives (<230)")
    return rows


def check_postings(lang):
    name = f"postings-{lang}.jsonl"
    rows = load(name)
    ids = set()
    idre = re.compile(rf"^{PREFIX[lang]}-p-\d{{3}}$")
    nf = nb = ns = 0
    fraud_cats, legit_kinds = set(), set()
    for r in rows:
        pid = r.get("id")
        for k in REQ_POST:
            if k not in r:
                err(f"{name}: {pid} missing {k}")
        if set(r) - POST_FIELDS:
            err(f"{name}: {pid} unknown fields {set(r) - POST_FIELDS}")
        if not idre.match(str(pid)):
            err(f"{name}: bad id {pid}")
        if pid in ids:
            err(f"{name}: dup id {pid}")
        ids.add(pid)
        if r.get("lang") != lang:
            err(f"{name}: {pid} lang")
        for k in ("title", "description"):
            if not isinstance(r.get(k), str) or not r[k].strip():
                err(f"{name}: {pid} empty {k}")
        for k in ("posted_at", "updated_at"):
            if k in r and not TS.match(str(r[k])):
                err(f"{name}: {pid} bad {k} {r[k]}")
        if "posted_at" in r and "updated_at" in r and r["updated_at"] < r["posted_at"]:
            err(f"{name}: {pid} updated_at before posted_at")
        for k in ("has_company_logo", "telecommuting"):
            if k in r and not isinstance(r[k], bool):
                err(f"{name}: {pid} {k} not bool")
        if "openings" in r and not isinstance(r["openings"], int):
            err(f"{name}: {pid} openings not int")
        ex = r.get("expect", [])
        if not isinstance(ex, list) or any(e not in FLAGS for e in ex) or ex != [f for f in FLAGS if f in ex]:
            err(f"{name}: {pid} bad expect {ex}")
        if (r.get("telecommuting") is True) != ("telecommuting" in ex):
            err(f"{name}: {pid} telecommuting flag/field mismatch")
        kind = str(r.get("kind", ""))
        cat, _, sub = kind.partition(":")
        if r.get("label") == "fraud":
            nf += 1
            if cat not in FRAUD_CATS or not sub:
                err(f"{name}: {pid} bad fraud kind {kind}")
            fraud_cats.add(cat)
            if cat == "bait_and_switch":
                nb += 1
                if sub not in BAIT_SUBS:
                    err(f"{name}: {pid} bad bait sub {sub}")
                if "title_duty_mismatch" not in ex:
                    err(f"{name}: {pid} bait without title_duty_mismatch")
            if cat == "ghost" and not str(r.get("posted_at", "")).startswith(("2024", "2025")):
                err(f"{name}: {pid} ghost not old")
            if not ex:
                err(f"{name}: {pid} fraud with empty expect")
        elif r.get("label") == "legit":
            if kind not in LEGIT_KINDS:
                err(f"{name}: {pid} bad legit kind {kind}")
            legit_kinds.add(kind)
            if kind == "short_honest":
                ns += 1
            if set(ex) - {"telecommuting"}:
                err(f"{name}: {pid} legit with flags {ex}")
            if str(r.get("posted_at", "2026")).startswith(("2024", "2025")):
                err(f"{name}: {pid} legit with old posted_at")
        else:
            err(f"{name}: {pid} bad label {r.get('label')}")
    n = len(rows)
    if not 130 <= n <= 150:
        err(f"{name}: {n} postings outside 130-150")
    if n and not 0.40 <= nf / n <= 0.50:
        err(f"{name}: fraud share {nf / n:.2f}")
    if nf and not 0.25 <= nb / nf <= 0.35:
        err(f"{name}: bait share {nb / nf:.2f}")
    if FRAUD_CATS - fraud_cats:
        err(f"{name}: missing fraud categories {FRAUD_CATS - fraud_cats}")
    missing = LEGIT_KINDS - legit_kinds - ({"wechat_duty", "whatsapp_duty"} if (legit_kinds & {"wechat_duty", "whatsapp_duty"}) else set())
    if missing:
        err(f"{name}: missing legit kinds {missing}")
    if not 15 <= ns <= 25:
        err(f"{name}: short_honest count {ns}")
    return rows


def main():
    for lang in ("zh", "en"):
        check_clauses(lang)
        check_postings(lang)
    if errors:
        print("\n".join(errors))
        print(f"FAILED: {len(errors)} error(s)")
        sys.exit(1)
    print("OK: all four files valid")


if __name__ == "__main__":
    main()
