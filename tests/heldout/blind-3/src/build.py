#!/usr/bin/python3
"""Build the frozen blind-3 evaluation JSONL files from the hand-written sources in src/.
Deterministic: fixed seed, sorted keys within a fixed field order, no timestamps."""
import json, os, random, re, sys

SRC = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(SRC)
SEED = 20261207
CODE = {"F": "upfront_fee", "P": "personal_data", "O": "offsite_contact"}
LABEL_ORDER = ["upfront_fee", "personal_data", "offsite_contact"]
FIELD_ORDER = ["id", "lang", "title", "company", "company_profile", "description", "requirements",
               "benefits", "salary", "location", "employment_type", "contact", "posted_at", "updated_at",
               "openings", "company_size", "has_company_logo", "telecommuting", "label", "expect", "kind"]
TEXT_FIELDS = {"title", "company", "company_profile", "description", "requirements", "benefits", "salary",
               "location", "employment_type", "contact", "posted_at", "updated_at", "company_size"}


def read_clauses(files):
    rows = []
    for fn in files:
        with open(os.path.join(SRC, fn), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                code, text = line.split("\t", 1)
                if code == "-":
                    labels = []
                else:
                    labels = [l for l in LABEL_ORDER if any(CODE[c] == l for c in code)]
                    assert all(c in CODE for c in code), (fn, n, code)
                rows.append((text.strip(), labels))
    return rows


def build_clauses(lang, prefix, files):
    rows = read_clauses(files)
    texts = [t for t, _ in rows]
    dup = {t for t in texts if texts.count(t) > 1}
    assert not dup, dup
    rnd = random.Random(SEED + (1 if lang == "zh" else 2))
    rnd.shuffle(rows)
    out = []
    for i, (t, labels) in enumerate(rows, 1):
        out.append({"id": f"{prefix}-c-{i:04d}", "lang": lang, "text": t, "labels": labels})
    return out


def parse_postings(fn):
    recs, cur = [], None
    with open(os.path.join(SRC, fn), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("@@"):
                parts = [p.strip() for p in line[2:].split("|")]
                label, kind, expect = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
                cur = {"label": label, "kind": kind,
                       "expect": [e.strip() for e in expect.split(",") if e.strip()]}
                recs.append(cur)
                continue
            if not line.strip():
                continue
            m = re.match(r"^([a-z_]+): ?(.*)$", line)
            assert m and cur is not None, (fn, n, line)
            k, v = m.group(1), m.group(2)
            assert k in FIELD_ORDER, (fn, n, k)
            assert k not in cur, (fn, n, "duplicate field", k)
            if k == "openings":
                v = int(v)
            elif k in ("has_company_logo", "telecommuting"):
                assert v in ("true", "false"), (fn, n, v)
                v = (v == "true")
            else:
                v = v.replace("\\n", "\n")
            cur[k] = v
    return recs


def balance_fields(recs, lang):
    """Make optional-field presence uninformative about the label (fixed seed, source order).
    Only touches metadata fields, never the text a red flag is written in."""
    import datetime
    rnd = random.Random(SEED + (10 if lang == "zh" else 20))
    cap = datetime.datetime(2026, 12, 6, 23, 0, 0)
    for r in recs:
        fraud = r["label"] == "fraud"
        x = rnd.random()
        if not fraud and "employment_type" in r and x < 0.40:
            del r["employment_type"]
        elif fraud and "employment_type" not in r and x < 0.30:
            remote = r.get("telecommuting") is True
            r["employment_type"] = ("兼职" if remote else "全职") if lang == "zh" else ("Part-time" if remote else "Full-time")
        if "telecommuting" not in r and rnd.random() < 0.45:
            r["telecommuting"] = False
        if "has_company_logo" not in r and rnd.random() < 0.35:
            r["has_company_logo"] = rnd.random() < (0.30 if fraud else 0.55)
        y = rnd.random()
        if "updated_at" not in r and "posted_at" in r and y < (0.08 if fraud else 0.15):
            p = datetime.datetime.strptime(r["posted_at"], "%Y-%m-%dT%H:%M:%SZ")
            u = min(p + datetime.timedelta(days=rnd.randint(1, 9), hours=rnd.randint(0, 8)), cap)
            if u > p:
                r["updated_at"] = u.strftime("%Y-%m-%dT%H:%M:%SZ")


EXPECT_ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
                "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]


def apply_extra(recs, fn, tag):
    """Supplement file: blocks '@@ <tag><n> <title>' (n = position in the source file, title checked)
    followed by 'field: value' / 'field+: value'. Sets the field if absent, otherwise appends
    (description with a newline, other fields directly or with a space)."""
    path = os.path.join(SRC, fn)
    if not os.path.exists(path):
        return
    cur = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("@@"):
                m = re.match(r"^@@ ([A-Z])(\d+) (.*)$", line)
                assert m and m.group(1) == tag, (fn, n, line)
                cur = recs[int(m.group(2)) - 1]
                assert cur["title"] == m.group(3).strip(), (fn, n, cur["title"], m.group(3))
                continue
            m = re.match(r"^([a-z_]+)(\+?): ?(.*)$", line)
            assert m and cur is not None, (fn, n, line)
            k, plus, v = m.group(1), m.group(2), m.group(3).replace("\\n", "\n")
            assert k in TEXT_FIELDS, (fn, n, k)
            if k in cur:
                if k == "description":
                    cur[k] = cur[k] + "\n" + v
                elif v[:1] == "；":
                    cur[k] = cur[k].rstrip("。；;，, ") + v
                else:
                    zh = re.search(r"[\u3000-\u9fff]", v) is not None
                    ended = cur[k][-1:] in "。；！？.!?;）)"
                    if zh:
                        cur[k] = cur[k] + ("" if ended else "；") + v
                    else:
                        cur[k] = cur[k] + (" " if ended else "; ") + v
            else:
                cur[k] = v.lstrip("；;，, ")


def build_postings(lang, prefix, files):
    recs = []
    for fn in files:
        part = parse_postings(fn)
        base = fn[:-4]
        for suffix in ("_extra.txt", "_extra2.txt"):
            apply_extra(part, base + suffix, "F" if "fraud" in fn else "L")
        recs.extend(part)
    balance_fields(recs, lang)
    for r in recs:
        # a posting that is marked remote always carries the telecommuting flag
        if r.get("telecommuting") is True and "telecommuting" not in r["expect"]:
            r["expect"].append("telecommuting")
        assert all(e in EXPECT_ORDER for e in r["expect"]), r["expect"]
        r["expect"] = [e for e in EXPECT_ORDER if e in r["expect"]]
    rnd = random.Random(SEED + (3 if lang == "zh" else 4))
    rnd.shuffle(recs)
    out = []
    for i, r in enumerate(recs, 1):
        r["id"] = f"{prefix}-p-{i:03d}"
        r["lang"] = lang
        out.append({k: r[k] for k in FIELD_ORDER if k in r})
    return out


def write(name, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {name}: {len(rows)}")


if __name__ == "__main__":
    write("clauses-zh.jsonl", build_clauses("zh", "b3z", ["clauses_zh_pos.txt", "clauses_zh_neg.txt"]))
    write("clauses-en.jsonl", build_clauses("en", "b3e", ["clauses_en_pos.txt", "clauses_en_neg.txt"]))
    write("postings-zh.jsonl", build_postings("zh", "b3z", ["postings_zh_fraud.txt", "postings_zh_legit.txt"]))
    write("postings-en.jsonl", build_postings("en", "b3e", ["postings_en_fraud.txt", "postings_en_legit.txt"]))
