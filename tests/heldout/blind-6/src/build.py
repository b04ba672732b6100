#!/usr/bin/env python3
"""Deterministic build of the blind6 evaluation set (no clock input, fixed seed)."""
import json, os, random, datetime

SEED = 20261207
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
TAGMAP = {"F": "upfront_fee", "P": "personal_data", "O": "offsite_contact"}
LABEL_ORDER = ["upfront_fee", "personal_data", "offsite_contact"]
FLAG_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
              "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]
KEYS = {"t": "title", "c": "company", "cp": "company_profile", "d": "description", "r": "requirements",
        "b": "benefits", "s": "salary", "l": "location", "e": "employment_type", "ct": "contact",
        "pa": "posted_at", "ua": "updated_at", "o": "openings", "sz": "company_size",
        "logo": "has_company_logo", "tc": "telecommuting"}
FIELD_ORDER = ["id", "lang", "title", "company", "company_profile", "description", "requirements", "benefits",
               "salary", "location", "employment_type", "contact", "posted_at", "updated_at", "openings",
               "company_size", "has_company_logo", "telecommuting", "label", "expect", "kind"]
APPENDABLE = {"description", "company_profile", "requirements", "benefits", "contact"}
PREFIX = {"zh": "b6z", "en": "b6e"}
GENERIC_ET = {"zh": ["全职", "兼职"], "en": ["Full-time", "Part-time", "Contract"]}
T0 = datetime.datetime(2026, 11, 1, 0, 0, 0)
T_END = datetime.datetime(2026, 12, 6, 23, 50, 0)
CAP = datetime.datetime(2026, 12, 7, 0, 0, 0)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def read_clauses(lang):
    rows = []
    for part in ("pos", "neg"):
        with open(os.path.join(HERE, f"clauses_{lang}_{part}.txt"), encoding="utf-8") as f:
            for ln in f:
                ln = ln.rstrip("\n")
                if not ln.strip() or ln.startswith("#"):
                    continue
                tag, text = ln.split("\t", 1)
                text = text.strip()
                labels = [] if tag == "N" else sorted({TAGMAP[ch] for ch in tag}, key=LABEL_ORDER.index)
                rows.append((text, labels))
    return rows


def build_clauses(lang, rng):
    rows = read_clauses(lang)
    seen = set()
    for text, _ in rows:
        assert text not in seen, f"duplicate clause: {text}"
        seen.add(text)
    rng.shuffle(rows)
    return [{"id": f"{PREFIX[lang]}-c-{i:04d}", "lang": lang, "text": t, "labels": l}
            for i, (t, l) in enumerate(rows, 1)]


def read_postings(lang):
    posts = []
    for part in ("fraud", "legit"):
        cur = None
        with open(os.path.join(HERE, f"postings_{lang}_{part}.txt"), encoding="utf-8") as f:
            for ln in f:
                ln = ln.rstrip("\n")
                if ln.startswith("@@"):
                    label, kind, expect = [x.strip() for x in ln[2:].split("|")]
                    cur = {"label": label, "kind": kind,
                           "expect": [x.strip() for x in expect.split(",") if x.strip()]}
                    posts.append(cur)
                    continue
                if not ln.strip() or ln.startswith("#"):
                    continue
                k, v = ln.split(":", 1)
                k = k.strip()
                v = v.strip().replace("\\n", "\n")
                if k not in KEYS:
                    raise ValueError(f"bad key {k!r} in {lang}/{part}: {ln}")
                if v == "":
                    continue
                name = KEYS[k]
                if name == "openings":
                    v = int(v)
                elif name in ("has_company_logo", "telecommuting"):
                    v = (v == "true")
                cur[name] = v
    return posts


def read_extras(lang, posts):
    """Merge hand-written extra fields (extras_<lang>_<part>.txt) into postings, keyed by exact title.
    'key: v' sets an absent field; 'key+: v' appends a new line to an existing field."""
    by_title = {}
    for p in posts:
        assert p["title"] not in by_title, f"duplicate title {p['title']}"
        by_title[p["title"]] = p
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith(f"extras_{lang}_") and fn.endswith(".txt")):
            continue
        path = os.path.join(HERE, fn)
        cur = None
        with open(path, encoding="utf-8") as f:
            for ln in f:
                ln = ln.rstrip("\n")
                if ln.startswith(">>"):
                    cur = by_title[ln[2:].strip()]
                    continue
                if ln.startswith("@@") or not ln.strip():
                    cur = None if ln.startswith("@@") else cur
                    continue
                k, v = ln.split(":", 1)
                k = k.strip()
                v = v.strip().replace("\\n", "\n")
                app = k.endswith("+")
                name = KEYS[k.rstrip("+")]
                if app:
                    cur[name] = cur[name] + "\n" + v if name in cur else v
                elif name in cur:
                    assert name in APPENDABLE, f"{cur['title']}: field {name} already set"
                    cur[name] = cur[name] + "\n" + v
                else:
                    cur[name] = v
    return posts


def build_postings(lang, rng):
    posts = read_extras(lang, read_postings(lang))
    rng.shuffle(posts)
    out = []
    for i, p in enumerate(posts, 1):
        p["id"] = f"{PREFIX[lang]}-p-{i:03d}"
        p["lang"] = lang
        ghost = p["kind"].startswith("ghost")
        if "posted_at" not in p:
            span = int((T_END - T0).total_seconds() // 600)
            p["posted_at"] = iso(T0 + datetime.timedelta(minutes=10 * rng.randrange(span)))
        # --- field-presence balancing (never touches red-flag text) ---
        r = rng.random()
        if p["label"] == "legit" and "employment_type" in p and r < 0.35:
            del p["employment_type"]
        elif p["label"] == "fraud" and "employment_type" not in p and r < 0.40:
            p["employment_type"] = rng.choice(GENERIC_ET[lang])
        if "telecommuting" not in p and rng.random() < 0.5:
            p["telecommuting"] = False
        if "has_company_logo" not in p and rng.random() < 0.45:
            p["has_company_logo"] = rng.random() < (0.55 if p["label"] == "legit" else 0.4)
        if not ghost and "updated_at" not in p and rng.random() < 0.18:
            up = parse_iso(p["posted_at"]) + datetime.timedelta(days=rng.randint(1, 9), minutes=10 * rng.randrange(60))
            p["updated_at"] = iso(min(up, CAP))
        # --- expect normalisation ---
        ex = set(p["expect"])
        if p.get("telecommuting") is True:
            ex.add("telecommuting")
        elif "telecommuting" in ex:
            p["telecommuting"] = True
        for e in ex:
            assert e in FLAG_ORDER, f"bad flag {e} in {p['title']}"
        p["expect"] = [f for f in FLAG_ORDER if f in ex]
        out.append({k: p[k] for k in FIELD_ORDER if k in p})
    return out


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    for lang in ("zh", "en"):
        rng = random.Random(f"{SEED}-{lang}-clauses")
        write_jsonl(os.path.join(OUT, f"clauses-{lang}.jsonl"), build_clauses(lang, rng))
        rng = random.Random(f"{SEED}-{lang}-postings")
        write_jsonl(os.path.join(OUT, f"postings-{lang}.jsonl"), build_postings(lang, rng))
    print("built clauses-{zh,en}.jsonl postings-{zh,en}.jsonl")


if __name__ == "__main__":
    main()
