#!/usr/bin/python3
"""models/cv-detectors.py - end-to-end grouped cross-validation of the clause detectors.

The out-of-fold figures `fakejob train-signals` prints are those of the linear models alone. This
script measures what `fakejob signals` does: for each of K folds (clause kinds assigned to folds
as train-signals does: largest kind first, to the fold with the fewest clauses), it trains
detectors on the other folds' clauses plus the given background files (legitimate postings) and
runs the held-out clauses through the signals, scope rules and lexicon hits included
(`fakejob eval-signals --detectors`). Prints per language and signal precision, recall and the
false-positive rate on the held-out labelled negatives, summed over the folds, as JSON.

With --lexicon-only (no training, no folds): the baseline of the lexicon hits and scope rules
alone, every clause run through the signals with detectors whose linear models never fire on
their own (a constant probability of 0.5 against a threshold of 1; a window holding a live
lexicon phrase of a signal still fires at the lexicon threshold, 0.3).

With --subset IDS (a file of clause ids, one a line), the held-out clauses among IDS are also
measured on their own (as "subset" rows): the figures on an older version of the corpus with the
newer clauses in training, comparable with that version's own cross-validation.

With --target-fpr X and --target-fpr-by SPEC, the folds' detectors are trained with those target
false-positive rates (`fakejob train-signals`; default: train-signals' own).

With --sweep P1,P2,... each fold's detectors are also run with every threshold of the three
signals' classes set to P1, then P2... (the file's thresholds rewritten, checksum and all: the
probability a window needs to fire; the lexicon threshold, 0.3, stays), and the rows say which
("threshold": P): out-of-fold recall / false-positive curves, to choose operating points from.

With --by-writer instead of K: leave one writer out. The clauses carrying a "writer" member
(corpus/clauses/heldout-1-5.jsonl, title-duty-3.jsonl: each blind set folded into training is one
writer's) are the
folds, one a writer; the clauses without one are always trained on. For each writer k it trains
detectors on the clauses without a writer plus the other writers' ("others" rows) and, once, on
the clauses without a writer alone ("base" rows: what the corpus gave before any writer was
added), and scores writer k's clauses with both: per writer, condition, language and signal,
recall and the false-positive rate on k's negatives, and their mean over the writers
("writer": "mean"). --sweep applies to both conditions. With --postings FILE,FILE... (posting files,
e.g. corpus/zh-w.jsonl,corpus/en-w.jsonl, whose rows name their writer in extra.set), writer k's
postings are also dropped from every background file when k is held out, and scored as postings
(extra.expect read as "expect"): "postings" rows give per writer, condition and language each
clause signal's and title_duty_mismatch's recall on the postings expecting it and its share of
k's legitimate postings firing, and "shipped" rows the same for the compiled-in detectors (or
--detectors FILE). --no-base skips the "base" condition.

usage: models/cv-detectors.py [--subset IDS] [--target-fpr X] [--target-fpr-by SPEC]
                              [--sweep P1,P2,...] [--postings F,F... [--no-base] [--detectors FILE]]
                              FAKEJOB K|--by-writer
                              CLAUSES.jsonl...
                              [-- BACKGROUND.jsonl...]
       models/cv-detectors.py --lexicon-only FAKEJOB CLAUSES.jsonl...
"""
import hashlib
import struct
import collections
import json
import os
import subprocess
import sys
import tempfile


def lexicon_only_detectors(path):
    """A detector file (the format of signals/clauses.c) with no features: bias 0, Platt A = B = 0
    (probability 0.5), threshold 1, for both languages and the five classes (format 2)."""
    payload = b''
    for _ in range(2):
        payload += struct.pack('<I', 0)
        for _ in range(5):
            payload += struct.pack('<5f', 0.0, 0.0, 0.0, 1.0, 0.0)
    report = b'{"lexicon_only":true}'
    payload += struct.pack('<I', len(report)) + report
    with open(path, 'wb') as f:
        f.write(b'FJCLSDET' + struct.pack('<IIQ', 2, 20, len(payload)) +
                hashlib.sha256(payload).digest() + payload)


def set_thresholds(src, dst, prob, classes=(0, 1, 2)):
    """Copy detector file src to dst with the threshold of the given classes (indices in the
    format's class order) set to prob in both languages, and the payload's SHA-256 redone."""
    data = open(src, 'rb').read()
    head, payload = data[:24], bytearray(data[56:])
    p = 0
    for _ in range(2):
        nfeat = struct.unpack_from('<I', payload, p)[0]
        for c in classes:
            struct.pack_into('<f', payload, p + 4 + c * 20 + 12, prob)
        p += 4 + 5 * 20 + nfeat * 4 + nfeat * 5 * 4
    with open(dst, 'wb') as f:
        f.write(head + hashlib.sha256(payload).digest() + bytes(payload))


def lexicon_only(fakejob, files):
    with tempfile.TemporaryDirectory() as tmp:
        det = os.path.join(tmp, 'lexicon.fjd')
        lexicon_only_detectors(det)
        out = subprocess.run([fakejob, 'eval-signals', '--detectors', det] + files, check=True,
                             stdout=subprocess.PIPE).stdout
    res = []
    for x in sorted(json.loads(out)['clause_figures'], key=lambda x: (x['lang'], x['signal'])):
        tp, fp, pos, neg = x['tp'], x['fp'], x['positives'], x['negatives']
        res.append({'lang': x['lang'], 'signal': x['signal'], 'positives': pos, 'negatives': neg,
                    'precision': round(tp / max(1, tp + fp), 4), 'recall': round(tp / max(1, pos), 4),
                    'fpr': round(fp / max(1, neg), 4)})
    print(json.dumps(res, indent=1))


def score(fakejob, det, path, sweep, tmp):
    """eval-signals of path with detectors det, and with det's thresholds set to each of sweep:
    [(tag, clause_figures)]."""
    runs = [(det, '')]
    for prob in sweep:
        swept = os.path.join(tmp, 'swept-%g.fjd' % prob)
        set_thresholds(det, swept, prob)
        runs.append((swept, 'threshold %g' % prob))
    res = []
    for d, tag in runs:
        out = subprocess.run([fakejob, 'eval-signals', '--detectors', d, path], check=True,
                             stdout=subprocess.PIPE).stdout
        res.append((tag, json.loads(out)['clause_figures']))
    return res


POSTING_SIGNALS = ('upfront_fee', 'personal_data', 'offsite_contact', 'title_duty_mismatch')


def posting_set(line):
    """The writer (blind set) a posting line comes from, or None."""
    try:
        return (json.loads(line).get('extra') or {}).get('set')
    except ValueError:
        return None


def score_postings(fakejob, det, path):
    """eval-signals of a posting file: {(lang, signal): figures} for POSTING_SIGNALS."""
    cmd = [fakejob, 'eval-signals'] + (['--detectors', det] if det else []) + [path]
    out = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
    return {(x['lang'], x['signal']): x for x in out['posting_figures']
            if x['signal'] in POSTING_SIGNALS}


def by_writer(fakejob, rows, extra, sweep, bg, postings=(), no_base=False, shipped=None):
    writers = sorted({r['writer'] for r in rows if 'writer' in r})
    base = [r for r in rows if 'writer' not in r]
    res = []
    mean = collections.defaultdict(list)

    def write(path, sel):
        with open(path, 'w', encoding='utf-8') as f:
            for r in sel:
                f.write(json.dumps(r, ensure_ascii=False) + '\n')

    with tempfile.TemporaryDirectory() as tmp:
        train = os.path.join(tmp, 'train.jsonl')
        dets = {}
        conds = ([] if no_base else [('base', None)]) + [('others', w) for w in writers]
        for cond, held in conds:
            write(train, base if held is None else [r for r in rows if r.get('writer') != held])
            det = os.path.join(tmp, '%s-%s.fjd' % (cond, held))
            use_bg = bg
            if held is not None and postings:
                # the held-out writer's postings are no background negatives either
                use_bg = []
                for i, b in enumerate(bg):
                    kept = os.path.join(tmp, 'bg-%d-%s' % (i, os.path.basename(b)))
                    with open(b, encoding='utf-8') as src, open(kept, 'w', encoding='utf-8') as o:
                        for line in src:
                            if posting_set(line) != held:
                                o.write(line)
                    use_bg.append(kept)
            subprocess.run([fakejob, 'train-signals', '-o', det] + extra + [train] + use_bg,
                           check=True, stdout=subprocess.DEVNULL)
            dets[(cond, held)] = det
            print('trained %s %s' % (cond, held or ''), file=sys.stderr)
        for w in writers:
            test = os.path.join(tmp, 'test.jsonl')
            write(test, [r for r in rows if r.get('writer') == w])
            runs = [] if no_base else [('base', dets[('base', None)])]
            runs.append(('others', dets[('others', w)]))
            if postings:
                ptest = os.path.join(tmp, 'postings.jsonl')
                with open(ptest, 'w', encoding='utf-8') as o:
                    for p in postings:
                        for line in open(p, encoding='utf-8'):
                            r = json.loads(line)
                            if (r.get('extra') or {}).get('set') != w:
                                continue
                            r.setdefault('expect', (r.get('extra') or {}).get('expect', []))
                            o.write(json.dumps(r, ensure_ascii=False) + '\n')
                for cond, det in [('shipped', shipped)] + runs:
                    for (lang, sig), x in sorted(score_postings(fakejob, det, ptest).items()):
                        row = {'postings': True, 'writer': w, 'condition': cond, 'lang': lang,
                               'signal': sig, 'expected': x['expected'], 'found': x['found'],
                               'recall': x['recall'], 'legit': x['legit'],
                               'on_legit': x['on_legit'], 'legit_rate': x['legit_rate']}
                        res.append(row)
            for cond, det in runs:
                for tag, figs in score(fakejob, det, test, sweep, tmp):
                    for x in figs:
                        row = {'writer': w, 'condition': cond, 'lang': x['lang'],
                               'signal': x['signal'], 'positives': x['positives'],
                               'negatives': x['negatives'],
                               **({'threshold': float(tag.split()[1])} if tag else {}),
                               'recall': round(x['tp'] / max(1, x['positives']), 4),
                               'fpr': round(x['fp'] / max(1, x['negatives']), 4)}
                        res.append(row)
                        mean[(cond, x['lang'], x['signal'], tag)].append(row)
    ptot = collections.defaultdict(collections.Counter)
    for r in res:
        if r.get('postings'):
            c = ptot[(r['condition'], r['lang'], r['signal'])]
            for k in ('expected', 'found', 'legit', 'on_legit'):
                c[k] += r[k]
    for (cond, lang, sig), c in sorted(ptot.items()):
        res.append({'postings': True, 'writer': 'all', 'condition': cond, 'lang': lang,
                    'signal': sig, **c, 'recall': round(c['found'] / max(1, c['expected']), 4),
                    'legit_rate': round(c['on_legit'] / max(1, c['legit']), 4)})
    for (cond, lang, sig, tag), rs in sorted(mean.items()):
        res.append({'writer': 'mean', 'condition': cond, 'lang': lang, 'signal': sig,
                    **({'threshold': float(tag.split()[1])} if tag else {}),
                    'recall': round(sum(r['recall'] for r in rs) / len(rs), 4),
                    'fpr': round(sum(r['fpr'] for r in rs) / len(rs), 4)})
    print(json.dumps(res, indent=1))


def main(argv):
    if len(argv) > 1 and argv[1] == '--lexicon-only':
        lexicon_only(argv[2], argv[3:])
        return
    subset = None
    if len(argv) > 2 and argv[1] == '--subset':
        subset = {line.strip() for line in open(argv[2], encoding='utf-8') if line.strip()}
        argv = argv[:1] + argv[3:]
    extra = []
    sweep = []
    postings = []
    no_base = False
    shipped = None
    while len(argv) > 2 and argv[1] in ('--target-fpr', '--target-fpr-by', '--sweep', '--postings',
                                        '--no-base', '--detectors'):
        if argv[1] == '--no-base':
            no_base = True
            argv = argv[:1] + argv[2:]
            continue
        if argv[1] == '--sweep':
            sweep = [float(x) for x in argv[2].split(',')]
        elif argv[1] == '--postings':
            postings = argv[2].split(',')
        elif argv[1] == '--detectors':
            shipped = argv[2]
        else:
            extra += [argv[1], argv[2]]
        argv = argv[:1] + argv[3:]
    fakejob = argv[1]
    rest = argv[3:]
    bg = []
    if '--' in rest:
        i = rest.index('--')
        rest, bg = rest[:i], rest[i + 1:]
    rows = [json.loads(line) for f in rest for line in open(f, encoding='utf-8') if line.strip()]
    if argv[2] == '--by-writer':
        by_writer(fakejob, rows, extra, sweep, bg, postings, no_base, shipped)
        return
    k = int(argv[2])
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
            subprocess.run([fakejob, 'train-signals', '-o', det] + extra + [train] + bg, check=True,
                           stdout=subprocess.DEVNULL)
            tests = [(test, '')]
            if subset is not None:
                sub = os.path.join(tmp, 'subset.jsonl')
                with open(sub, 'w', encoding='utf-8') as so:
                    for r in rows:
                        if folds[(r['lang'], r['kind'])] == f and r['id'] in subset:
                            so.write(json.dumps(r, ensure_ascii=False) + '\n')
                tests.append((sub, 'subset'))
            runs = [(det, path, tag) for path, tag in tests]
            for prob in sweep:
                swept = os.path.join(tmp, 'swept-%g.fjd' % prob)
                set_thresholds(det, swept, prob)
                runs.append((swept, test, 'threshold %g' % prob))
            for d, path, tag in runs:
                if os.path.getsize(path) == 0:
                    continue
                out = subprocess.run([fakejob, 'eval-signals', '--detectors', d, path],
                                     check=True, stdout=subprocess.PIPE).stdout
                for x in json.loads(out)['clause_figures']:
                    c = total[(x['lang'], x['signal'], tag)]
                    c['tp'] += x['tp']
                    c['fp'] += x['fp']
                    c['pos'] += x['positives']
                    c['neg'] += x['negatives']
            print('fold %d done' % f, file=sys.stderr)
    res = []
    for (lang, sig, tag), c in sorted(total.items()):
        res.append({'lang': lang, 'signal': sig, 'positives': c['pos'], 'negatives': c['neg'],
                    **({'subset': True} if tag == 'subset' else {}),
                    **({'threshold': float(tag.split()[1])} if tag.startswith('threshold') else {}),
                    'precision': round(c['tp'] / max(1, c['tp'] + c['fp']), 4),
                    'recall': round(c['tp'] / max(1, c['pos']), 4),
                    'fpr': round(c['fp'] / max(1, c['neg']), 4)})
    print(json.dumps(res, indent=1))


if __name__ == '__main__':
    main(sys.argv)
