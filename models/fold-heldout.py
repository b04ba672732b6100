#!/usr/bin/python3
"""models/fold-heldout.py - fold the clauses of used-up blind sets into the training corpus.

Reads tests/heldout/blind-N/clauses-zh.jsonl and clauses-en.jsonl for each N given (default
1 2 3 4 5), after checking each set's SHA256SUMS (a set whose files changed is refused), and
writes corpus/clauses/heldout-1-5.jsonl (or OUT): every clause with its id, lang, text and labels
as the set holds them, plus
  - "writer": the set it came from ("blind-3"): each set was written by a different helper, so
    models/cv-detectors.py --by-writer can hold one writer out at a time;
  - "kind": the set and the clause's labels ("blind-3:upfront_fee", "blind-3:none"): the sets
    name no kinds, and train-signals groups its folds by kind, so that a writer's fee asks are
    scored out of fold by a model that never saw that writer's fee asks.
Only the clauses: the sets' postings are not read. Deterministic: written to a temporary name and
renamed, sets in the order given, lines in each file's order (zh first).

usage: models/fold-heldout.py [--out OUT] [N...]
"""
import importlib.util
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))


def die(msg):
    sys.stderr.write('fold-heldout.py: %s\n' % msg)
    sys.exit(2)


def check_sums(folder):
    """The set's SHA256SUMS check of tests/heldout/evaluate.py (exits 2 naming a changed file)."""
    spec = importlib.util.spec_from_file_location(
        'evaluate', os.path.join(ROOT, 'tests', 'heldout', 'evaluate.py'))
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    evaluate.check_sums(folder)


def main(argv):
    out = os.path.join(ROOT, 'corpus', 'clauses', 'heldout-1-5.jsonl')
    args = argv[1:]
    if args[:1] == ['--out']:
        if len(args) < 2:
            die('--out needs a file name')
        out, args = args[1], args[2:]
    sets = [int(a) for a in args] if args else [1, 2, 3, 4, 5]
    rows, seen = [], set()
    for n in sets:
        folder = os.path.join(ROOT, 'tests', 'heldout', 'blind-%d' % n)
        check_sums(folder)
        for lang in ('zh', 'en'):
            path = os.path.join(folder, 'clauses-%s.jsonl' % lang)
            for lineno, line in enumerate(open(path, encoding='utf-8'), 1):
                if not line.strip():
                    continue
                r = json.loads(line)
                if r.get('lang') != lang or not isinstance(r.get('labels'), list):
                    die('%s:%d: not a %s clause with labels' % (path, lineno, lang))
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
