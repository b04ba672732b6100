#!/usr/bin/python3
"""Print markdown count tables for README.md (per file / label / kind / expected flag)."""
import collections, json, os

OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rows(name):
    return [json.loads(l) for l in open(os.path.join(OUT, name), encoding="utf-8") if l.strip()]


print("### Clauses\n")
print("| file | lines | upfront_fee | personal_data | offsite_contact | two labels | none (`[]`) |")
print("|---|---|---|---|---|---|---|")
for lang in ("zh", "en"):
    rs = rows(f"clauses-{lang}.jsonl")
    c = collections.Counter(l for r in rs for l in r["labels"])
    print(f"| clauses-{lang}.jsonl | {len(rs)} | {c['upfront_fee']} | {c['personal_data']} | {c['offsite_contact']} | "
          f"{sum(len(r['labels']) > 1 for r in rs)} | {sum(not r['labels'] for r in rs)} |")
print("\n### Postings\n")
for lang in ("zh", "en"):
    rs = rows(f"postings-{lang}.jsonl")
    lab = collections.Counter(r["label"] for r in rs)
    print(f"**postings-{lang}.jsonl**: {len(rs)} lines — fraud {lab['fraud']}, legit {lab['legit']}\n")
    print("| label | kind (prefix before `:`) | count |")
    print("|---|---|---|")
    k = collections.Counter((r["label"], r["kind"].split(":")[0]) for r in rs)
    for (a, b), v in sorted(k.items()):
        print(f"| {a} | {b} | {v} |")
    print()
    sub = collections.Counter(r["kind"].split(":", 1)[1] for r in rs if r["kind"].startswith("bait_and_switch:"))
    print("bait_and_switch sub-kinds: " + ", ".join(f"{a} {v}" for a, v in sorted(sub.items())) + "\n")
    e = collections.Counter((r["label"], x) for r in rs for x in r["expect"])
    print("| expect flag | fraud | legit |")
    print("|---|---|---|")
    for f in ["upfront_fee", "personal_data", "offsite_contact", "pay_anomaly", "pressure_language",
              "vague_company", "title_duty_mismatch", "task_scam", "telecommuting"]:
        print(f"| {f} | {e[('fraud', f)]} | {e[('legit', f)]} |")
    print(f"\nlegit postings with `expect: []`: {sum(1 for r in rs if r['label']=='legit' and not r['expect'])}\n")
