#!/usr/bin/python3
"""The suspicious band's rule replayed on the out-of-fold scores of a fakejob cross-validation.

fakejob train chooses each part's thresholds on its calibrated out-of-fold scores
(libfakejob/train/thresholds.c): fraud from the lowest cut whose precision reaches 0.9 (never
below 0.5), suspicious from the highest cut whose recall reaches 0.95 (or, when the fraud cut
already does, the one that halves the frauds it misses), bounded by a floor. This replays both
floors on the pooled out-of-fold scores of `fakejob eval --cv --scores` per language:

  old   the precision of everything from the cut up is at least one half (cumulative);
  new   the band's own precision, the postings between the suspicious and the fraud cuts, is at
        least FLOOR (1/3, FJ__BAND_PRECISION in libfakejob/train/train.h); when no cut below
        the fraud cut reaches it the band is empty.

and prints, for each, the thresholds, legitimate postings called fraud / suspicious, the
corpus's hard negatives (extra.category starting with "hard_") called fraud / suspicious, the
recall of fraud and of fraud-or-suspicious, and the band's own precision. The thresholds are
chosen on the same scores they are measured on (one set of thresholds per language, as one
training run would choose them), not per outer fold.

Usage: /usr/bin/python3 models/cv-band.py [--floor F]... CV.jsonl CORPUS.jsonl...
(the corpus files in the order given to fakejob eval, e.g. $(cat OUT/cv-files.txt) after
models/train-default.sh --cv). Needs numpy (Debian's python3-numpy).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from baseline import hard_negative, read_cv  # noqa: E402


def cuts(v):
    """(index, past-the-ties index, frauds and legit from the cut up, cut) for each cut of v
    (sorted by descending score): cuts lie between distinct scores, so ties are never split."""
    tp = fp = i = 0
    while i < len(v):
        j = i
        while j < len(v) and v[j][0] == v[i][0]:
            tp, fp = tp + v[j][1], fp + (not v[j][1])
            j += 1
        yield i, tp, fp, (v[i][0] + v[j][0]) / 2 if j < len(v) else v[i][0]
        i = j


def choose(scores, labels, floor=None, target=0.9, target_recall=0.95):
    """(fraud, suspicious) thresholds: floor None is the old rule, else the band's own precision."""
    v = sorted(zip(scores, labels), key=lambda a: -a[0])
    pos = sum(labels)
    lowest_ok, best_prec, best_t = -1, -1, 1
    for _, tp, fp, t in cuts(v):
        if tp >= 3 and tp / (tp + fp) >= target:
            lowest_ok = t
        if tp >= 3 and tp / (tp + fp) > best_prec:
            best_prec, best_t = tp / (tp + fp), t
    tf = min(max(lowest_ok if lowest_ok >= 0 else best_t, 0.5), 1)
    atp = sum(1 for s, y in v if s >= tf and y)
    afp = sum(1 for s, y in v if s >= tf and not y)
    rec_f = atp / pos if pos else 1
    want = target_recall if target_recall > rec_f else (1 + rec_f) / 2
    if floor is None:  # the old rule: the recall goal's cut, not below half fraud from the cut up
        recall_cut, other, found = 0, tf, False
        for i, tp, fp, t in cuts(v):
            if not found and pos and tp >= want * pos - 1e-9:
                recall_cut, found = t, True
            if 2 * tp >= tp + fp and t < other:
                other = t
        return tf, max(min(max(recall_cut, other), tf), 0)
    ts = tf  # the new rule: the lowest cut down to the recall goal's whose band reaches the floor
    for i, tp, fp, t in cuts(v):
        if v[i][0] < tf and tp - atp >= floor * (tp + fp - atp - afp) - 1e-9:
            ts = t
        if pos and tp >= want * pos - 1e-9:
            break
    return tf, max(ts, 0)


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--floor", type=float, action="append")
    ap.add_argument("cv")
    ap.add_argument("corpus", nargs="+")
    a = ap.parse_args()
    rows = read_cv(a.cv, a.corpus)
    for lang in sorted({r["lang"] for r in rows}):
        part = [r for r in rows if r["lang"] == lang]
        s = [r["score"] for r in part]
        y = [r["label"] for r in part]
        hard = [hard_negative(r) for r in part]
        pos, neg = sum(y), len(y) - sum(y)
        print(f"{lang}: {len(part)} postings, {pos} fraud, {sum(hard)} hard negatives")
        for floor in [None] + (a.floor or [1 / 3]):
            tf, ts = choose(s, y, floor)
            lf = sum(1 for v, t in zip(s, y) if not t and v >= tf)
            ls = sum(1 for v, t in zip(s, y) if not t and ts <= v < tf)
            hf = sum(1 for v, h in zip(s, hard) if h and v >= tf)
            hs = sum(1 for v, h in zip(s, hard) if h and ts <= v < tf)
            rf = sum(1 for v, t in zip(s, y) if t and v >= tf) / pos
            rfs = sum(1 for v, t in zip(s, y) if t and v >= ts) / pos
            band = [t for v, t in zip(s, y) if ts <= v < tf]
            bp = f"{sum(band) / len(band):.3f}" if band else "empty"
            name = "old (cumulative >= 1/2)" if floor is None else f"new (band >= {floor:.3g})"
            print(f"  {name}: fraud from {tf:.3f}, suspicious from {ts:.3f}; legitimate "
                  f"fraud / suspicious {lf} / {ls} of {neg}; hard negatives {hf} / {hs} of "
                  f"{sum(hard)}; recall fraud {rf:.3f}, fraud or suspicious {rfs:.3f}; band "
                  f"{len(band)} postings, precision {bp}")


if __name__ == "__main__":
    main()
