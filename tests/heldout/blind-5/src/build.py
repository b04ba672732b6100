#!/usr/bin/python3
"""Deterministic builder for the blind5 held-out set.

Reads the hand-written sources in this folder and writes
clauses-zh.jsonl, clauses-en.jsonl, postings-zh.jsonl, postings-en.jsonl
into the parent folder. Fixed seeds, no clock or environment input.
"""
import json
import os
import random
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
SEED = 20261207

LABEL_ORDER = ["upfront_fee", "personal_data", "offsite_contact"]
LETTER = {"U": "upfront_fee", "P": "personal_data", "O": "offsite_contact"}
EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly",
                "pressure_language", "vague_company", "title_duty_mismatch",
                "task_scam", "telecommuting"]
FIELD_ORDER = ["id", "lang", "title", "company", "company_profile", "description",
               "requirements", "benefits", "salary", "location", "employment_type",
               "contact", "posted_at", "updated_at", "openings", "company_size",
               "has_company_logo", "telecommuting", "label", "expect", "kind"]
KEYMAP = {"title": "title", "company": "company", "profile": "company_profile",
          "desc": "description", "req": "requirements", "ben": "benefits",
          "salary": "salary", "loc": "location", "etype": "employment_type",
          "contact": "contact", "openings": "openings", "size": "company_size",
          "logo": "has_company_logo", "has_logo": "has_company_logo",
          "remote": "telecommuting", "more": "description"}
GENERIC_ETYPE = {"en": ["Full-time", "Part-time", "Full-time", "Contract"],
                 "zh": ["全职", "兼职", "全职", "全职"]}


def read_lines(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read().split("\n")


def build_clauses(lang, src, prefix, rng):
    items = []
    for line in read_lines(src):
        if not line.strip() or line.startswith("#"):
            continue
        tag, text = line.split("|", 1)
        text = text.strip()
        if tag == "-":
            labels = []
        else:
            got = {LETTER[c] for c in tag}
            labels = [l for l in LABEL_ORDER if l in got]
        items.append({"lang": lang, "text": text, "labels": labels})
    seen = set()
    for it in items:
        if it["text"] in seen:
            raise SystemExit("duplicate clause text: %s" % it["text"])
        seen.add(it["text"])
    rng.shuffle(items)
    out = []
    for i, it in enumerate(items, 1):
        out.append({"id": "%s-c-%04d" % (prefix, i), "lang": it["lang"],
                    "text": it["text"], "labels": it["labels"]})
    return out


def parse_postings(src, lang):
    posts = []
    cur = None
    for line in read_lines(src):
        if line.startswith("#"):
            continue
        if line.startswith("@@"):
            kind, label, expect = [x.strip() for x in line[2:].split("|")]
            cur = {"lang": lang, "kind": kind, "label": label,
                   "expect": [e.strip() for e in expect.split(",") if e.strip()]}
            posts.append(cur)
            continue
        if not line.strip():
            continue
        key, val = line.split(":", 1)
        field = KEYMAP[key.strip()]
        val = val.strip()
        if field == "openings":
            val = int(val)
        elif field in ("has_company_logo", "telecommuting"):
            val = val == "1"
        cur[field] = val
    return posts


def apply_supplements(posts, src):
    """Attach hand-written extra fields (keyed by title, in order of occurrence)."""
    entries = {}
    cur = None
    for line in read_lines(src):
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("=="):
            cur = {}
            entries.setdefault(line[2:].strip(), []).append(cur)
            continue
        key, val = line.split(":", 1)
        cur[KEYMAP[key.strip()]] = val.strip()
    for p in posts:
        queue = entries.get(p["title"])
        if not queue:
            continue
        extra = queue.pop(0)
        for field, val in extra.items():
            if field not in p:
                p[field] = val
            elif field in ("requirements", "benefits", "company_profile", "description"):
                sep = "" if p["lang"] == "zh" else " "
                p[field] = p[field] + sep + val
            else:
                raise SystemExit("supplement would overwrite %s of %s" % (field, p["title"]))
    left = [t for t, q in entries.items() if q]
    if left:
        raise SystemExit("unused supplements: %s" % left)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def finish_postings(posts, lang, prefix, rng):
    base = datetime(2026, 10, 12, 0, 0, 0)
    for p in posts:
        is_ghost = p["kind"].startswith("ghost")
        if is_ghost:
            old = datetime(2024, 3, 1) + timedelta(days=rng.randint(0, 600),
                                                   minutes=rng.randint(0, 1439))
            p["posted_at"] = iso(old)
            p["updated_at"] = iso(datetime(2026, 11, 10) + timedelta(
                days=rng.randint(0, 25), minutes=rng.randint(0, 1439)))
        else:
            posted = base + timedelta(days=rng.randint(0, 53),
                                      minutes=rng.randint(0, 1439))
            p["posted_at"] = iso(posted)
            # near-term update on a few postings of both classes
            if rng.random() < 0.18:
                p["updated_at"] = iso(posted + timedelta(days=rng.randint(1, 9),
                                                         minutes=rng.randint(0, 600)))
        # field-presence balancing (metadata only; red-flag text untouched)
        # employment_type: the hand-written legit ads seldom carry one, so a generic
        # one is added to some legit ads as well; some legit ones are removed.
        if p["label"] == "legit" and "employment_type" in p and rng.random() < 0.25:
            del p["employment_type"]
        elif p["label"] == "legit" and "employment_type" not in p and rng.random() < 0.42:
            p["employment_type"] = rng.choice(GENERIC_ETYPE[lang])
        if p["label"] == "fraud" and "employment_type" not in p and rng.random() < 0.35:
            p["employment_type"] = rng.choice(GENERIC_ETYPE[lang])
        # openings: the fraud sources often state large numbers; give some legit ads a
        # small head-count so that presence alone is not a giveaway.
        if p["label"] == "legit" and "openings" not in p and rng.random() < 0.15:
            p["openings"] = rng.randint(1, 6)
        if "telecommuting" not in p and rng.random() < 0.5:
            p["telecommuting"] = False
        if "has_company_logo" not in p and rng.random() < 0.55:
            p["has_company_logo"] = rng.random() < 0.5
        # expect: fixed order, telecommuting added automatically
        exp = set(p["expect"])
        if p.get("telecommuting"):
            exp.add("telecommuting")
        unknown = exp - set(EXPECT_ORDER)
        if unknown:
            raise SystemExit("unknown expect flag %s" % unknown)
        p["expect"] = [e for e in EXPECT_ORDER if e in exp]
    rng.shuffle(posts)
    out = []
    for i, p in enumerate(posts, 1):
        p["id"] = "%s-p-%03d" % (prefix, i)
        out.append({k: p[k] for k in FIELD_ORDER if k in p})
    return out


def write_jsonl(name, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    rng = random.Random(SEED)
    write_jsonl("clauses-zh.jsonl", build_clauses("zh", "clauses_zh.txt", "b5z", rng))
    write_jsonl("clauses-en.jsonl", build_clauses("en", "clauses_en.txt", "b5e", rng))
    for lang, prefix in (("zh", "b5z"), ("en", "b5e")):
        posts = (parse_postings("postings_%s_fraud.txt" % lang, lang)
                 + parse_postings("postings_%s_legit.txt" % lang, lang))
        for stem in ("supp", "supp2", "supp3", "supp4", "supp5", "supp6"):
            name = "%s_%s.txt" % (stem, lang)
            if os.path.exists(os.path.join(HERE, name)):
                apply_supplements(posts, name)
        write_jsonl("postings-%s.jsonl" % lang, finish_postings(posts, lang, prefix, rng))


if __name__ == "__main__":
    main()
