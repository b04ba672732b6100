#!/usr/bin/python3
"""Write corpus/zh-w.jsonl and corpus/en-w.jsonl from the postings of the used held-out sets.

The held-out sets tests/heldout/blind-1 ... blind-5 were each written by an independent writer
and have all been used for claims (tests/heldout/README.md): they are no longer blind, so their
postings (not their clauses) are folded into the training corpus. This script is the only way
those two files are made: it checks each set's SHA256SUMS (a set whose files changed is
refused), reads postings-zh.jsonl and postings-en.jsonl of each set in order, and writes every
posting unchanged except that the set's own annotations move into `extra` (the posting spec's
place for source-specific fields): `extra.set` (the folder, e.g. "blind-3"), `extra.kind` and
`extra.expect` (the writer's scam or honest kind and the red flags the writer expected). Ids are
kept. Deterministic: the output depends only on the sets.

usage: /usr/bin/python3 models/fold-writers.py [--check] [--exclude SET]... [--out DIR]
  --out DIR      write DIR/zh-w.jsonl and DIR/en-w.jsonl (default: corpus/ of the source tree);
                 each is written to a temporary name and renamed
  --exclude SET  leave set SET (e.g. blind-3) out: the leave-one-writer-out measurement
                 (models/writers-cv.sh) trains on the others
  --check        write nothing; exit 1 when the files in DIR differ from what would be written
Exit status: 0 done (or up to date), 1 --check found a difference, 2 bad usage or a set that
does not match its SHA256SUMS or cannot be read.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "heldout"))
from evaluate import USED_SETS as SETS, check_sums  # noqa: E402  (the used sets, their check)
LANGS = ["zh", "en"]


def die(msg):
    sys.stderr.write("fold-writers.py: %s\n" % msg)
    sys.exit(2)


def fold(posting, setname, where):
    """The posting in the corpus format: the set's annotations moved into extra."""
    if posting.get("label") not in ("fraud", "legit"):
        die("%s: posting without a fraud/legit label" % where)
    out = {}
    extra = dict(posting.get("extra") or {})
    extra["set"] = setname
    for k, v in posting.items():
        if k in ("kind", "expect"):
            extra[k] = v
        elif k != "extra":
            out[k] = v
    out["extra"] = extra
    return out


def build(root, exclude):
    files = {lang: [] for lang in LANGS}
    ids = set()
    for s in SETS:
        if s in exclude:
            continue
        folder = os.path.join(root, "tests", "heldout", s)
        sums = check_sums(folder)  # the set's file names, each checked
        for lang in LANGS:
            name = "postings-%s.jsonl" % lang
            if name not in sums:
                die("%s: %s is not in SHA256SUMS" % (folder, name))
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    where = "%s:%d" % (path, n)
                    try:
                        p = json.loads(line)
                    except ValueError as e:
                        die("%s: %s" % (where, e))
                    if p.get("lang", lang) != lang:
                        die("%s: lang %r in the %s file" % (where, p.get("lang"), lang))
                    if p.get("id") in ids:
                        die("%s: id %r seen before" % (where, p.get("id")))
                    ids.add(p.get("id"))
                    files[lang].append(json.dumps(fold(p, s, where), ensure_ascii=False) + "\n")
    return {"%s-w.jsonl" % lang: "".join(lines) for lang, lines in files.items()}


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out, exclude, check = os.path.join(root, "corpus"), set(), False
    rest = argv[1:]
    while rest:
        if rest[0] in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        if rest[0] == "--check":
            check, rest = True, rest[1:]
        elif rest[0] in ("--out", "--exclude") and len(rest) > 1:
            if rest[0] == "--out":
                out = rest[1]
            elif rest[1] not in SETS:
                die("--exclude %r: not one of %s" % (rest[1], ", ".join(SETS)))
            else:
                exclude.add(rest[1])
            rest = rest[2:]
        else:
            die("bad argument %r (see --help)" % rest[0])
    texts = build(root, exclude)
    status = 0
    for name, text in texts.items():
        path = os.path.join(out, name)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                sys.stderr.write("fold-writers.py: %s is not what the held-out sets give "
                                 "(run models/fold-writers.py)\n" % path)
                status = 1
            continue
        tmp = path + ".tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except OSError as e:
            die("%s: %s" % (path, e.strerror))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
