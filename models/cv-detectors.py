#!/usr/bin/python3
"""models/cv-detectors.py - end-to-end grouped cross-validation of the clause detectors.

The out-of-fold figures `fakejob train-signals` prints are those of the linear models alone. This
script measures what `fakejob signals` does: for each of K folds (clause kinds assigned to folds
as train-signals does: largest kind first, to the fold with the fewest clauses), it trains
detectors on the other folds' clauses plus the given background files (legitimate postings) and
runs the held-out clauses through the signals, scope rules and lexicon hits included
(`fakejob eval-signals --detectors`). Prints per language and signal precision, recall and the
false-positive rate on the held-out labelled negatives, summed over the folds, as JSON.

usage: models/cv-detectors.py FAKEJOB K CLAUSES.jsonl... [-- BACKGROUND.jsonl...]
"""
import collections
import json
import os
import subprocess
import sys
import tempfile


def main(argv):
    fakejob, k = argv[1], int(argv[2])
    rest = argv[3:]
    bg = []
    if '--' in rest:
        i = rest.index('--')
        rest, bg = rest[:i], rest[i + 1:]
    rows = [json.loads(line) for f in rest for line in open(f, encoding='utf-8') if line.strip()]
    folds = {}
    for lang in ('zh', 'en'):
        size = collections.Counter(r['kind'] for r in rows if r['lang'] == lang)
        load = [0] * k
        for kind, n in sorted(size.items(), key=lambda x: (-x[1], x[0])):
            f = min(range(k), key=lambda j: load[j])
            folds[(lang, kind)] = f
            load[f] += n
    total = collections.defaultdict(lambda: collections.Counter())
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(k):
            train = os.path.join(tmp, 'train.jsonl')
            test = os.path.join(tmp, 'test.jsonl')
            with open(train, 'w', encoding='utf-8') as tr, open(test, 'w', encoding='utf-8') as te:
                for r in rows:
                    (te if folds[(r['lang'], r['kind'])] == f else tr).write(
                        json.dumps(r, ensure_ascii=False) + '\n')
            det = os.path.join(tmp, 'fold.fjd')
            subprocess.run([fakejob, 'train-signals', '-o', det, train] + bg, check=True,
                           stdout=subprocess.DEVNULL)
            out = subprocess.run([fakejob, 'eval-signals', '--detectors', det, test], check=True,
                                 stdout=subprocess.PIPE).stdout
            for x in json.loads(out)['clause_figures']:
                c = total[(x['lang'], x['signal'])]
                c['tp'] += x['tp']
                c['fp'] += x['fp']
                c['pos'] += x['positives']
                c['neg'] += x['negatives']
            print('fold %d done' % f, file=sys.stderr)
    res = []
    for (lang, sig), c in sorted(total.items()):
        res.append({'lang': lang, 'signal': sig, 'positives': c['pos'], 'negatives': c['neg'],
                    'precision': round(c['tp'] / max(1, c['tp'] + c['fp']), 4),
                    'recall': round(c['tp'] / max(1, c['pos']), 4),
                    'fpr': round(c['fp'] / max(1, c['neg']), 4)})
    print(json.dumps(res, indent=1))


if __name__ == '__main__':
    main(sys.argv)
