#!/usr/bin/python3
"""Validate the four frozen JSONL files: UTF-8, well-formed JSON, unique ids, valid label sets,
required fields, timestamp format, minimum counts. Prints count tables. Exit 1 on any error."""
import collections, json, os, re, sys

OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CL_LABELS = {"upfront_fee", "personal_data", "offsite_contact"}
EXPECT = {"upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
          "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STR_FIELDS = ["title", "company", "company_profile", "description", "requirements", "benefits", "salary",
              "location", "employment_type", "contact", "company_size", "kind"]
errors = []


def err(msg):
    errors.append(msg)


def load(name):
    raw = open(os.path.join(OUT, name), "rb").read()
    try:
        txt = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err(f"{name}: not UTF-8: {e}")
        return []
    if txt.startswith("\ufeff"):
        err(f"{name}: BOM")
    rows = []
    for n, line in enumerate(txt.split("\n"), 1):
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            err(f"{name}:{n}: bad JSON {e}")
    return rows


def check_ids(name, rows, pattern):
    ids = [r.get("id") for r in rows]
    if len(set(ids)) != len(ids):
        err(f"{name}: duplicate ids")
    for i in ids:
        if not isinstance(i, str) or not re.match(pattern, i):
            err(f"{name}: bad id {i!r}")


all_ids = set()
for lang, pre in (("zh", "b3z"), ("en", "b3e")):
    name = f"clauses-{lang}.jsonl"
    rows = load(name)
    check_ids(name, rows, rf"^{pre}-c-\d{{4}}$")
    cnt = collections.Counter()
    texts = set()
    for r in rows:
        if set(r) != {"id", "lang", "text", "labels"}:
            err(f"{name}: {r.get('id')} keys {sorted(r)}")
        if r.get("lang") != lang:
            err(f"{name}: {r['id']} lang")
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            err(f"{name}: {r['id']} empty text")
        if r["text"] in texts:
            err(f"{name}: duplicate text {r['text']}")
        texts.add(r["text"])
        labs = r.get("labels")
        if not isinstance(labs, list) or not set(labs) <= CL_LABELS or len(set(labs)) != len(labs):
            err(f"{name}: {r['id']} bad labels {labs}")
            continue
        for l in labs:
            cnt[l] += 1
        cnt["(none)" if not labs else ("(multi)" if len(labs) > 1 else "(single)")] += 1
        all_ids.add(r["id"])
    print(f"{name}: {len(rows)} rows; " + ", ".join(f"{k}={v}" for k, v in sorted(cnt.items())))
    if len(rows) < 420:
        err(f"{name}: fewer than 420 rows")
    for l in CL_LABELS:
        if cnt[l] < 70:
            err(f"{name}: fewer than 70 {l}")
    if cnt["(none)"] < 200:
        err(f"{name}: fewer than 200 negatives")

for lang, pre in (("zh", "b3z"), ("en", "b3e")):
    name = f"postings-{lang}.jsonl"
    rows = load(name)
    check_ids(name, rows, rf"^{pre}-p-\d{{3}}$")
    lab = collections.Counter()
    kinds = collections.Counter()
    exp = collections.Counter()
    lens = []
    for r in rows:
        i = r.get("id")
        for k in ("title", "description", "label", "expect", "kind", "lang"):
            if k not in r:
                err(f"{name}: {i} missing {k}")
        if r.get("lang") != lang:
            err(f"{name}: {i} lang")
        for k in STR_FIELDS:
            if k in r and (not isinstance(r[k], str) or not r[k].strip()):
                err(f"{name}: {i} bad {k}")
        for k in ("posted_at", "updated_at"):
            if k in r and not (isinstance(r[k], str) and TS.match(r[k])):
                err(f"{name}: {i} bad {k} {r[k]!r}")
        if "posted_at" in r and "updated_at" in r and r["updated_at"] < r["posted_at"]:
            err(f"{name}: {i} updated before posted")
        if "openings" in r and (not isinstance(r["openings"], int) or isinstance(r["openings"], bool) or r["openings"] < 1):
            err(f"{name}: {i} bad openings")
        for k in ("has_company_logo", "telecommuting"):
            if k in r and not isinstance(r[k], bool):
                err(f"{name}: {i} bad {k}")
        if r.get("label") not in ("fraud", "legit"):
            err(f"{name}: {i} bad label")
        e = r.get("expect", [])
        if not isinstance(e, list) or not set(e) <= EXPECT:
            err(f"{name}: {i} bad expect {e}")
        if r.get("label") == "fraud" and not e:
            err(f"{name}: {i} fraud with empty expect")
        if r.get("label") == "legit" and set(e) - {"telecommuting"}:
            err(f"{name}: {i} legit with red flags {e}")
        if r.get("kind", "").startswith("bait_and_switch") and "title_duty_mismatch" not in e:
            err(f"{name}: {i} bait_and_switch without title_duty_mismatch")
        if r.get("telecommuting") is True and "telecommuting" not in e:
            err(f"{name}: {i} remote without telecommuting flag")
        lab[r.get("label")] += 1
        kinds[(r.get("label"), r.get("kind", "").split(":")[0])] += 1
        for x in e:
            exp[(r.get("label"), x)] += 1
        lens.append(sum(len(v) for k, v in r.items() if isinstance(v, str) and k in STR_FIELDS and k != "kind"))
    lens.sort()
    print(f"{name}: {len(rows)} rows; " + ", ".join(f"{k}={v}" for k, v in sorted(lab.items())))
    print(f"  text length min/median/max: {lens[0]}/{lens[len(lens)//2]}/{lens[-1]}")
    print("  kinds: " + ", ".join(f"{a}/{b}={v}" for (a, b), v in sorted(kinds.items())))
    print("  expect: " + ", ".join(f"{a}/{b}={v}" for (a, b), v in sorted(exp.items())))
    if len(rows) < 110:
        err(f"{name}: fewer than 110 rows")
    if kinds[("fraud", "bait_and_switch")] < 20:
        err(f"{name}: fewer than 20 bait_and_switch")

if errors:
    print("\nERRORS:")
    for e in errors:
        print(" ", e)
    sys.exit(1)
print("\nOK: all checks passed")
