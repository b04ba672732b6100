#!/usr/bin/python3
"""models/fold-heldout.py - fold the clauses of used-up blind sets into the training corpus.

Reads tests/heldout/blind-N/clauses-zh.jsonl and clauses-en.jsonl for N = 1 … 5, the used-up
sets (a later set is blind until a session has used it: folding it needs USED_SETS in
tests/heldout/evaluate.py changed on purpose), after checking each set's SHA256SUMS (a set whose files changed is refused), and
writes corpus/clauses/heldout-1-5.jsonl (or OUT, e.g. a leave-one-writer-out experiment's copy
with --exclude N): every clause with its id, lang, text and labels
as the set holds them, plus
  - "writer": the set it came from ("blind-3"): each set was written by a different helper, so
    models/cv-detectors.py --by-writer can hold one writer out at a time;
  - "kind": the set and the clause's labels ("blind-3:upfront_fee", "blind-3:none"): the sets
    name no kinds, and train-signals groups its folds by kind, so that a writer's fee asks are
    scored out of fold by a model that never saw that writer's fee asks.
Only the clauses: the sets' postings are not read. Deterministic: written to a temporary name and
renamed, sets in the order given, lines in each file's order (zh first).

usage: models/fold-heldout.py [--out OUT] [--exclude N]
"""
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'heldout'))
from evaluate import USED_SETS, check_sums, die  # noqa: E402  (the used sets, their check)


USED = [int(s.split('-')[1]) for s in USED_SETS]  # as numbers, for --exclude N


def main(argv):
    out = os.path.join(ROOT, 'corpus', 'clauses', 'heldout-1-5.jsonl')
    args = argv[1:]
    exclude = None
    while args:
        if args[0] in ('--out', '--exclude') and len(args) < 2:
            die('%s needs a value' % args[0])
        if args[0] == '--out':
            out, args = args[1], args[2:]
        elif args[0] == '--exclude':
            if args[1] not in [str(n) for n in USED]:
                die('--exclude %s: not one of the used sets %s' % (args[1], USED))
            exclude, args = int(args[1]), args[2:]
        else:
            die('unknown argument %r (usage: fold-heldout.py [--out OUT] [--exclude N])' % args[0])
    if exclude is not None and out == os.path.join(ROOT, 'corpus', 'clauses', 'heldout-1-5.jsonl'):
        die('--exclude writes a subset: give --out FILE, not the corpus file')
    sets = [n for n in USED if n != exclude]
    rows, seen = [], set()
    for n in sets:
        folder = os.path.join(ROOT, 'tests', 'heldout', 'blind-%d' % n)
        sums = check_sums(folder)  # the set's file names, each checked
        for lang in ('zh', 'en'):
            if 'clauses-%s.jsonl' % lang not in sums:
                die('%s: clauses-%s.jsonl is not in SHA256SUMS' % (folder, lang))
            path = os.path.join(folder, 'clauses-%s.jsonl' % lang)
            for lineno, line in enumerate(open(path, encoding='utf-8'), 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                except ValueError as e:
                    die('%s:%d: not JSON: %s' % (path, lineno, e))
                if (not isinstance(r, dict) or r.get('lang') != lang or
                        not isinstance(r.get('labels'), list) or
                        not isinstance(r.get('id'), str) or not isinstance(r.get('text'), str)):
                    die('%s:%d: not a %s clause with id, text and labels' % (path, lineno, lang))
                if r['id'] in seen:
                    die('%s:%d: id %s seen before' % (path, lineno, r['id']))
                seen.add(r['id'])
                writer = 'blind-%d' % n
                rows.append({'id': r['id'], 'lang': lang, 'text': r['text'],
                             'labels': r['labels'],
                             'kind': '%s:%s' % (writer, '+'.join(sorted(r['labels'])) or 'none'),
                             'writer': writer})
    tmp = out + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + '\n')
    os.replace(tmp, out)
    print('%s: %d clauses from blind-%s' % (os.path.relpath(out, ROOT), len(rows),
                                            ', blind-'.join(map(str, sets))), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv)
