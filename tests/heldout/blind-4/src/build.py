#!/usr/bin/python3
"""Deterministic builder for the blind4 evaluation set.

Reads the hand-written sources in src/ and writes four JSONL files into the
parent folder:  clauses-zh.jsonl  clauses-en.jsonl  postings-zh.jsonl  postings-en.jsonl

No clock, environment or network input is used; all randomness comes from
random.Random(SEED) instances, so a rebuild is byte-for-byte identical.
"""
import json
import os
import random
from datetime import datetime, timedelta

SEED = 20261207
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)

LABEL_CODES = {"F": "upfront_fee", "P": "personal_data", "O": "offsite_contact"}
LABEL_ORDER = ["upfront_fee", "personal_data", "offsite_contact"]
EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly",
                "pressure_language", "vague_company", "title_duty_mismatch",
                "task_scam", "telecommuting"]
TEXT_FIELDS = ["title", "company", "company_profile", "description", "requirements",
               "benefits", "salary", "location", "employment_type", "contact"]
FIELD_ORDER = ["id", "lang"] + TEXT_FIELDS + [
    "posted_at", "updated_at", "openings", "company_size", "has_company_logo",
    "telecommuting", "label", "expect", "kind"]
GENERIC_EMPLOYMENT = {"en": ["Full-time", "Part-time", "Full-time", "Contract"],
                      "zh": ["全职", "兼职", "全职", "全职"]}
POST_START = datetime(2026, 10, 1, 0, 0, 0)
POST_SPAN_MIN = 57 * 24 * 60          # posted_at in 2026-10-01 .. 2026-11-26
LATEST = datetime(2026, 12, 6, 23, 59, 0)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- clauses
def read_clauses(path):
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            code, sep, text = line.partition("\t")
            if not sep or not text.strip():
                raise SystemExit("%s:%d: malformed clause line" % (path, n))
            if code == "-":
                labels = []
            else:
                if any(c not in LABEL_CODES for c in code):
                    raise SystemExit("%s:%d: bad label code %r" % (path, n, code))
                wanted = {LABEL_CODES[c] for c in code}
                labels = [l for l in LABEL_ORDER if l in wanted]
            items.append((text.strip(), labels))
    texts = [t for t, _ in items]
    if len(set(texts)) != len(texts):
        dup = sorted({t for t in texts if texts.count(t) > 1})
        raise SystemExit("%s: duplicate clause text: %r" % (path, dup[:3]))
    return items


def build_clauses(lang, prefix, rng):
    items = read_clauses(os.path.join(HERE, "clauses-%s.txt" % lang))
    rng.shuffle(items)
    rows = []
    for i, (text, labels) in enumerate(items, 1):
        rows.append({"id": "%s-c-%04d" % (prefix, i), "lang": lang,
                     "text": text, "labels": labels})
    return rows


# ---------------------------------------------------------------- postings
def read_postings(path):
    blocks = []
    cur = None
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("@@"):
                head = {}
                for tok in line[2:].split():
                    k, _, v = tok.partition("=")
                    head[k] = v
                cur = {"_head": head, "_where": "%s:%d" % (path, n)}
                blocks.append(cur)
                continue
            if cur is None:
                raise SystemExit("%s:%d: field before header" % (path, n))
            key, sep, val = line.partition(": ")
            if not sep:
                raise SystemExit("%s:%d: malformed field line" % (path, n))
            if key in cur:
                raise SystemExit("%s:%d: repeated field %s" % (path, n, key))
            cur[key] = val.strip()
    return blocks


def make_posting(block, lang):
    head = block["_head"]
    where = block["_where"]
    rec = {"lang": lang}
    for f in TEXT_FIELDS:
        if f in block:
            rec[f] = block[f]
    if "title" not in rec or "description" not in rec:
        raise SystemExit("%s: title/description missing" % where)
    if "openings" in block:
        rec["openings"] = int(block["openings"])
    if "company_size" in block:
        rec["company_size"] = block["company_size"]
    if "logo" in block:
        rec["has_company_logo"] = block["logo"] == "true"
    tele = block.get("tele") == "true"
    if tele:
        rec["telecommuting"] = True
    if "posted" in block:
        rec["posted_at"] = block["posted"]
    if "updated" in block:
        rec["updated_at"] = block["updated"]
    label = head.get("label")
    if label not in ("fraud", "legit"):
        raise SystemExit("%s: bad label %r" % (where, label))
    exp = head.get("expect", "-")
    expect = [] if exp in ("-", "") else exp.split(",")
    for e in expect:
        if e not in EXPECT_ORDER:
            raise SystemExit("%s: bad expect flag %r" % (where, e))
    if tele and "telecommuting" not in expect:
        expect.append("telecommuting")
    expect = [e for e in EXPECT_ORDER if e in set(expect)]
    rec["label"] = label
    rec["expect"] = expect
    rec["kind"] = head.get("kind", "")
    if not rec["kind"]:
        raise SystemExit("%s: kind missing" % where)
    return rec


def balance(recs, lang, rng):
    """Seeded metadata balancing; never touches red-flag text."""
    for rec in recs:
        ghost = rec["kind"].startswith("ghost")
        if "posted_at" not in rec:
            rec["posted_at"] = iso(POST_START + timedelta(minutes=rng.randrange(POST_SPAN_MIN)))
        # employment_type presence
        if rec["label"] == "legit" and "employment_type" in rec and rng.random() < 0.3:
            del rec["employment_type"]
        elif rec["label"] == "fraud" and "employment_type" not in rec and not ghost and rng.random() < 0.3:
            rec["employment_type"] = rng.choice(GENERIC_EMPLOYMENT[lang])
        elif rec["label"] == "legit" and "employment_type" not in rec and rng.random() < 0.25:
            rec["employment_type"] = rng.choice(GENERIC_EMPLOYMENT[lang])
        # telecommuting flag
        if "telecommuting" not in rec and rng.random() < 0.45:
            rec["telecommuting"] = False
        # logo flag, independent of label
        if "has_company_logo" not in rec and rng.random() < 0.6:
            rec["has_company_logo"] = rng.random() < 0.5
        # small openings counts on a random subset of both classes
        if "openings" not in rec and not ghost and rng.random() < 0.2:
            rec["openings"] = rng.randint(1, 5)
        # near-term updated_at on a few non-ghost postings of both classes
        if not ghost and "updated_at" not in rec and rng.random() < 0.18:
            p = parse_iso(rec["posted_at"])
            u = p + timedelta(days=rng.randint(1, 9), minutes=rng.randrange(600))
            if u > LATEST:
                u = LATEST
            rec["updated_at"] = iso(u)
    return recs


def build_postings(lang, prefix, rng):
    recs = []
    for part in ("fraud", "legit"):
        for b in read_postings(os.path.join(HERE, "postings-%s-%s.txt" % (lang, part))):
            recs.append(make_posting(b, lang))
    rng.shuffle(recs)
    balance(recs, lang, rng)
    rows = []
    for i, rec in enumerate(recs, 1):
        rec["id"] = "%s-p-%03d" % (prefix, i)
        rows.append({k: rec[k] for k in FIELD_ORDER if k in rec})
    return rows


def write_jsonl(name, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %s (%d rows)" % (name, len(rows)))


def main():
    write_jsonl("clauses-zh.jsonl", build_clauses("zh", "b4z", random.Random(SEED + 1)))
    write_jsonl("clauses-en.jsonl", build_clauses("en", "b4e", random.Random(SEED + 2)))
    write_jsonl("postings-zh.jsonl", build_postings("zh", "b4z", random.Random(SEED + 3)))
    write_jsonl("postings-en.jsonl", build_postings("en", "b4e", random.Random(SEED + 4)))


if __name__ == "__main__":
    main()
