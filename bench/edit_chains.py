#!/usr/bin/env python3
"""edit_chains.py - synthetic repost chains for measuring the history store's repost matching.

Reads postings (corpus JSONL, e.g. corpus/*.jsonl or the output of `fakejob import emscad|orfd`)
and writes, for a sample of them, a chain of edited reposts: each copy is made from the previous
one by a random mix of
  - word substitutions (English words, or Chinese characters, from other postings' texts),
  - word deletions,
  - sentence reordering (two sentences swapped),
  - changed numbers and dates (every digit run replaced by other digits),
  - a company renamed (another posting's company name),
  - a new contact (phone number), or the same one kept,
with an edit strength drawn per copy, so the chains cover Jaccard similarities from near-copies
to heavy rewrites. Output: JSONL, each line a posting whose id is "chainN-S" (chain N, copy S;
S = 0 is the original). bench/repost_eval compares every pair within a chain (reposts) and every
pair of originals (unrelated postings).

    edit_chains.py [--chains N] [--steps N] [--seed N] [--min-chars N] FILE... > chains.jsonl

The output holds text from its inputs: write it outside the project when the inputs are the
datasets of ../shared/data (they may not be copied into the project).
"""
import argparse
import json
import random
import re
import sys

HAN = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z]+")
SENT = re.compile(r"(?<=[.!?。！？；;\n])\s*")
DIGITS = re.compile(r"\d+")


def is_zh(text):
    return len(HAN.findall(text)) * 5 >= len(WORD.findall(text))


def substitute(text, rate, vocab, rng, zh):
    if zh:
        chars = list(text)
        for i, c in enumerate(chars):
            if HAN.match(c) and rng.random() < rate:
                chars[i] = rng.choice(vocab)
        return "".join(chars)
    return WORD.sub(lambda m: rng.choice(vocab) if rng.random() < rate else m.group(0), text)


def delete(text, rate, rng, zh):
    if zh:
        return "".join(c for c in text if not (HAN.match(c) and rng.random() < rate))
    return WORD.sub(lambda m: "" if rng.random() < rate else m.group(0), text)


def reorder(text, rng):
    parts = [p for p in SENT.split(text) if p]
    if len(parts) >= 3:
        i, j = rng.sample(range(len(parts)), 2)
        parts[i], parts[j] = parts[j], parts[i]
    return " ".join(parts)


def renumber(text, rng):
    return DIGITS.sub(lambda m: "".join(rng.choice("0123456789") for _ in m.group(0)), text)


def edit(p, strength, vocab, companies, rng):
    q = dict(p)
    for field in ("title", "description", "requirements"):
        text = q.get(field)
        if not text:
            continue
        zh = is_zh(text)
        v = vocab["zh" if zh else "en"]
        if field != "title":
            text = substitute(text, strength, v, rng, zh)
            text = delete(text, strength / 2, rng, zh)
            if rng.random() < 0.5:
                text = reorder(text, rng)
        elif rng.random() < strength:
            text = substitute(text, 0.3, v, rng, zh)
        q[field] = renumber(text, rng)
    if rng.random() < 0.3 and companies:
        q["company"] = rng.choice(companies)
    if rng.random() < 0.5:
        q["contact"] = "电话 1%010d" % rng.randrange(10**10) if is_zh(q.get("description", "")) \
            else "call 555-%04d" % rng.randrange(10**4)
    for key in ("posted_at", "updated_at", "observed_at"):
        q.pop(key, None)
    return q


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--chains", type=int, default=500, help="chains per input file")
    ap.add_argument("--steps", type=int, default=4, help="edited copies per chain")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--min-chars", type=int, default=150,
                    help="originals need a description of this many characters")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    chain = 0
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            postings = [json.loads(line) for line in f if line.strip()]
        vocab = {"en": [], "zh": []}
        for p in postings:
            text = p.get("description") or ""
            vocab["en"].extend(WORD.findall(text)[:50])
            vocab["zh"].extend(HAN.findall(text)[:50])
        vocab = {k: v or ["x"] for k, v in vocab.items()}
        companies = [p["company"] for p in postings if p.get("company")]
        eligible = [p for p in postings if len(p.get("description") or "") >= args.min_chars]
        rng.shuffle(eligible)
        for p in eligible[: args.chains]:
            base = {k: v for k, v in p.items() if k not in ("label", "extra")}
            base["id"] = "chain%d-0" % chain
            copies = [base]
            for step in range(1, args.steps + 1):
                strength = rng.choice([0.01, 0.03, 0.05, 0.08, 0.12, 0.16, 0.2, 0.25])
                q = edit(copies[-1], strength, vocab, companies, rng)
                q["id"] = "chain%d-%d" % (chain, step)
                copies.append(q)
            for q in copies:
                sys.stdout.write(json.dumps(q, ensure_ascii=False) + "\n")
            chain += 1


if __name__ == "__main__":
    main()
