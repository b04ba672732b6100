#!/usr/bin/env python3
"""bench/reasons_quality.py - how well the reasons of `fakejob score` explain fraud verdicts.

    fakejob score POSTINGS.jsonl > RESULTS.jsonl
    /usr/bin/python3 bench/reasons_quality.py POSTINGS.jsonl RESULTS.jsonl

Reads the labelled postings and their results (same order) and prints, for the postings
labelled fraud that got the verdict "fraud":
  - quoting top: the share whose first reason quotes the posting (has "evidence");
  - absence share: the share of their reasons that are absences (a missing logo, profile,
    questions, requirements, description, registration or salary figure: the separate
    features, or the merged "missing_information" reason), and the same over every result;
  - duplicates: results naming one fact twice (no_company_logo and field:no_company_logo,
    telecommuting and field:telecommuting, no_questions and field:no_screening_questions);
  - uninformative: reasons whose n-gram is one character or a word of the project's stop list
    (the library decides what that is; this only counts one-character terms and a few common
    function words as a cross-check).
"""
import json
import sys

ABSENCES = {"no_company_logo", "field:no_company_logo", "no_questions",
            "field:no_screening_questions", "short_profile", "short_description",
            "short_requirements", "missing_registration", "meta:salary_no_figure",
            "missing_information"}
SAME = {"field:no_company_logo": "no_company_logo", "field:telecommuting": "telecommuting",
        "field:no_screening_questions": "no_questions"}
CHECK_WORDS = {"your", "you", "per", "the", "and", "amp", "nbsp", "of", "to", "we", "our",
               "的", "了", "和", "是", "我们", "您"}


def term_of(signal):
    for p in ("word:", "title:", "bigram:", "pair:"):
        if signal.startswith(p):
            return signal[len(p):]
    return None


def main(postings_path, results_path):
    with open(postings_path, encoding="utf-8") as f:
        labels = [json.loads(line).get("label") for line in f if line.strip()]
    with open(results_path, encoding="utf-8") as f:
        results = [json.loads(line) for line in f if line.strip()]
    if len(labels) != len(results):
        sys.exit("reasons_quality: %d postings but %d results" % (len(labels), len(results)))
    fv = quoting = dup = 0
    fr_reasons = fr_abs = all_reasons = all_abs = uninformative = 0
    for label, r in zip(labels, results):
        reasons = r.get("reasons") or []
        all_reasons += len(reasons)
        all_abs += sum(rs["signal"] in ABSENCES for rs in reasons)
        for rs in reasons:
            t = term_of(rs["signal"])
            if t is not None and (len(t) < 2 or any(w in CHECK_WORDS for w in t.split(" "))):
                uninformative += 1
        if label != "fraud" or r.get("verdict") != "fraud":
            continue
        fv += 1
        if reasons and reasons[0].get("evidence"):
            quoting += 1
        fr_reasons += len(reasons)
        fr_abs += sum(rs["signal"] in ABSENCES for rs in reasons)
        names = [SAME.get(rs["signal"], rs["signal"]) for rs in reasons]
        if len(names) != len(set(names)):
            dup += 1

    def pct(a, b):
        return "%.1f %% (%d/%d)" % (100.0 * a / b, a, b) if b else "n/a"

    print("fraud verdicts on fraud postings: %d of %d labelled fraud" %
          (fv, sum(lb == "fraud" for lb in labels)))
    print("top reason quotes the posting:    %s" % pct(quoting, fv))
    print("absences among their reasons:     %s" % pct(fr_abs, fr_reasons))
    print("absences among all reasons:       %s" % pct(all_abs, all_reasons))
    print("fraud verdicts naming a fact twice: %s" % pct(dup, fv))
    print("one-character or function-word n-gram reasons (all results): %d" % uninformative)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
