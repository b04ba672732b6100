#!/usr/bin/env python3
"""Deterministic build for blind set 7 postings. Fixed seed, no clock input."""
import json, os, random, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pools
OUT = os.path.dirname(HERE)
SEED = 20261207
ORDER = ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
         "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]
FIELD_ORDER = ["id", "lang", "title", "company", "company_profile", "description", "requirements", "benefits",
               "salary", "location", "employment_type", "contact", "posted_at", "updated_at", "openings",
               "company_size", "has_company_logo", "telecommuting", "label", "expect", "kind"]
EMP = {"zh": ["全职", "全职", "兼职", "实习", "全职/兼职"], "en": ["Full-time", "Full-time", "Part-time", "Contract", "Full-time"]}
SIZES = {"zh": ["1-19人", "20-99人", "100-499人", "500-999人", "1000人以上"],
         "en": ["1-10", "11-50", "51-200", "201-500", "1001-5000"]}
PROFILES = {
 "zh": ["公司成立于2016年，总部位于华东，业务覆盖多个城市，团队氛围年轻。",
        "我们是一家注重服务品质的企业，坚持以客户为中心，重视员工培养与晋升。",
        "公司现有员工数百人，设有多个业务部门，提供完善的培训体系。",
        "本公司为区域内知名企业，多年来稳健经营，诚邀有志之士加入。",
        "我们致力于为客户提供专业、贴心的服务，欢迎认同公司文化的你加入。"],
 "en": ["We are a growing company founded in 2014 with offices in several states and a friendly, team-first culture.",
        "Our team is committed to service quality and invests in training and career growth for every employee.",
        "Family-owned and locally operated, we have served our community for more than twenty years.",
        "We are an equal opportunity employer and value diverse backgrounds and perspectives.",
        "Join a fast-paced, supportive workplace where your contributions are recognized."]}

def iso(dt_tuple):
    y, mo, d, h, mi = dt_tuple
    return "%04d-%02d-%02dT%02d:%02d:00Z" % (y, mo, d, h, mi)

DAYS = {10: 31, 11: 30, 12: 31}
def rand_date(rng, year, months, lastday=None):
    mo = rng.choice(months)
    dmax = DAYS.get(mo, 28)
    if lastday and mo == 12:
        dmax = lastday
    return [year, mo, rng.randint(1, dmax), rng.randint(0, 23), rng.choice([0, 10, 15, 20, 30, 40, 45, 50])]

def add_days(t, n):
    y, mo, d, h, mi = t
    d += n
    while True:
        dm = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}[mo]
        if d <= dm:
            break
        d -= dm; mo += 1
        if mo > 12:
            mo = 1; y += 1
    return [y, mo, d, h, mi]

def zjoin(a, b, lang, sep_zh="；", sep_en=" "):
    """Join two text pieces without doubled punctuation."""
    if lang == "zh":
        return a.rstrip("。；;，, ") + sep_zh + b
    return a.rstrip() + sep_en + b

def build(lang, rng):
    if lang == "zh":
        import zh_bait as b, zh_other as o, zh_extra as e
        ext = tuple(([a + c for a, c in zip(d1, d2)], r) for d1, d2, r in
                    ((e.BAIT, e.DESC2_BAIT, e.REQ_BAIT), (e.FRAUD, e.DESC2_FRAUD, e.REQ_FRAUD), (e.LEGIT, e.DESC2_LEGIT, e.REQ_LEGIT)))
    else:
        import en_bait as b, en_other as o
        ext = tuple(([""] * len(l), [""] * len(l)) for l in (b.POSTINGS, o.FRAUD, o.LEGIT))
    def with_extra(lst, extras):
        dx, rx = extras
        assert len(lst) == len(dx) == len(rx)
        res = []
        for p, x, r in zip(lst, dx, rx):
            p = dict(p)
            if x:
                p["description"] = p["description"] + x
            if r:
                p["requirements"] = zjoin(p["requirements"], r, "zh") if "requirements" in p else r
            res.append(p)
        return res
    items = ([(p, "fraud") for p in with_extra(b.POSTINGS, ext[0])] + [(p, "fraud") for p in with_extra(o.FRAUD, ext[1])]
             + [(p, "legit") for p in with_extra(o.LEGIT, ext[2])])
    rng.shuffle(items)
    out = []
    for i, (src, label) in enumerate(items, 1):
        p = dict(src)
        p["id"] = "b7%s-p-%03d" % ("z" if lang == "zh" else "e", i)
        p["lang"] = lang
        p["label"] = label
        kind = p["kind"]
        exp = set(p["expect"])
        if kind.startswith("bait_and_switch:"):
            exp.add("title_duty_mismatch")
        # metadata balancing (independent of label except where noted)
        if "employment_type" in p:
            if label == "legit" and rng.random() < 0.3:
                del p["employment_type"]
        elif rng.random() < 0.45:
            p["employment_type"] = rng.choice(EMP[lang])
        pool = pools.ZH if lang == "zh" else pools.EN
        sep = "" if lang == "zh" else " "
        remote = bool(p.get("telecommuting"))
        short = kind in ("short_honest",) or kind.startswith("ghost:stale")
        # company / location / contact presence balancing (label-neutral text from pools)
        vague = "vague_company" in p["expect"]
        if "company" not in p and label == "fraud" and not vague and rng.random() < 0.6:
            p["company"] = rng.choice(pool["company_f"])
        elif "company" in p and label == "legit" and not short and rng.random() < 0.12:
            del p["company"]
        if "location" not in p and not remote and rng.random() < 0.75:
            p["location"] = rng.choice(pool["location"])
        elif "location" in p and label == "legit" and rng.random() < 0.15:
            del p["location"]
        if "contact" not in p and label == "legit" and rng.random() < 0.22:
            p["contact"] = rng.choice(pool["contact_l"])
        if not short:
            if "company_profile" not in p and "company" in p and not vague and rng.random() < (0.85 if lang == "zh" else 0.6):
                p["company_profile"] = rng.choice(pool["profile"])
            if rng.random() < (0.85 if lang == "zh" else 0.6):
                p["description"] = p["description"] + sep + rng.choice(pool["desc_remote" if remote else "desc_onsite"])
            if rng.random() < 0.55:
                extra = sep.join(rng.sample(pool["req"], rng.randint(1, 2)))
                p["requirements"] = zjoin(p["requirements"], extra, lang) if "requirements" in p else extra
            if rng.random() < (0.6 if lang == "zh" else 0.35):
                extra = ("、" if lang == "zh" else ", ").join(rng.sample(pool["ben"], 2))
                p["benefits"] = zjoin(p["benefits"], extra, lang, "；", "; ") if "benefits" in p else extra
        if "company_size" not in p and rng.random() < 0.5:
            p["company_size"] = rng.choice(SIZES[lang])
        if "openings" not in p and rng.random() < 0.55:
            p["openings"] = rng.choice([1, 1, 2, 3, 5, 8, 10, 20])
        r = rng.random()
        if r < 0.55:
            p["has_company_logo"] = True
        elif r < 0.8:
            p["has_company_logo"] = False
        if not p.get("telecommuting") and rng.random() < 0.5:
            p["telecommuting"] = False
        if p.get("telecommuting"):
            exp.add("telecommuting")
        p["expect"] = [f for f in ORDER if f in exp]
        if kind.startswith("ghost:"):
            t = rand_date(rng, rng.choice([2024, 2025]), list(range(1, 13)))
            t[2] = min(t[2], 28)
            p["posted_at"] = iso(t)
            p["updated_at"] = iso(rand_date(rng, 2026, [11, 12], lastday=6))
        else:
            t = rand_date(rng, 2026, [10, 11, 11, 12], lastday=5)
            p["posted_at"] = iso(t)
            p["_t"] = t
        out.append(p)
    # updated_at on exactly ~15 % of the non-ghost postings of each label (balanced presence)
    for lab in ("fraud", "legit"):
        idx = [i for i, p in enumerate(out) if p["label"] == lab and "_t" in p]
        for i in sorted(rng.sample(idx, round(0.15 * len(idx)))):
            p, t = out[i], out[i]["_t"]
            nd = rng.randint(1, 9)
            while nd > 1 and add_days(t, nd) > [2026, 12, 6, 23, 59]:
                nd -= 1
            u = add_days(t, nd)
            if u <= [2026, 12, 6, 23, 59]:
                p["updated_at"] = iso(u)
    return [{k: p[k] for k in FIELD_ORDER if k in p} for p in out]

def main():
    for lang, fn in (("zh", "postings-zh.jsonl"), ("en", "postings-en.jsonl")):
        rng = random.Random("%d-%s" % (SEED, lang))
        rows = build(lang, rng)
        with open(os.path.join(OUT, fn), "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print("wrote %s (%d postings)" % (fn, len(rows)))

if __name__ == "__main__":
    main()
