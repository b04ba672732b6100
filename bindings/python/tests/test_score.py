"""Scoring: results, score_many on several threads, options, and agreement with the CLI."""

import json
import math
import threading

import pytest

import fakejob
from conftest import NOW

FRAUD_ZH = {"id": "t-zh", "title": "急招打字员 在家兼职",
            "description": "日结300元，入职前需缴纳培训费198元。加QQ：2837461950", "observed_at": NOW}
LEGIT_EN = {"id": "t-en", "title": "Junior Software Engineer", "company": "Northwind Systems",
            "description": "Build and test backend services in Go and PostgreSQL with the payments "
                           "team. Salary $85,000-$100,000, health insurance, 401(k).",
            "observed_at": NOW}


def test_score_result_fields(model):
    r = model.score(FRAUD_ZH)
    assert r.ok and r.error is None
    assert r.id == "t-zh"
    assert r.lang == "zh"
    assert 0.0 <= r.score <= 1.0
    assert r.verdict in ("fraud", "suspicious", "legit")
    assert isinstance(r.margin, float) and math.isfinite(r.margin)
    assert r.model == model.name == "pytest-model 0.0.1"
    assert r.reasons and all(isinstance(x, fakejob.Reason) for x in r.reasons)
    # toward fraud: the reasons that quote the posting first, each group strongest first
    quoting = [abs(x.weight) for x in r.reasons if x.evidence is not None]
    others = [abs(x.weight) for x in r.reasons if x.evidence is None]
    assert [x.evidence is not None for x in r.reasons] == \
        [True] * len(quoting) + [False] * len(others)
    assert quoting == sorted(quoting, reverse=True) and others == sorted(others, reverse=True)
    assert all(" / " in x.label for x in r.reasons), "every reason has a label"
    d = r.to_dict()
    assert d["id"] == "t-zh" and d["score"] == r.score and d["margin"] == r.margin
    assert [x["signal"] for x in d["reasons"]] == [x.signal for x in r.reasons]
    assert json.loads(json.dumps(d)) == d
    assert "t-zh" in repr(r) and r.verdict in repr(r)


def test_fraud_scores_above_legit(model):
    fraud, legit = model.score(FRAUD_ZH), model.score(LEGIT_EN)
    assert fraud.margin > legit.margin
    assert fraud.score > legit.score
    assert legit.lang == "en"


def test_evidence_quotes_the_posting(model):
    r = model.score(FRAUD_ZH)
    text = " ".join(v for v in FRAUD_ZH.values() if isinstance(v, str))
    quoted = [x.evidence for x in r.reasons if x.evidence]
    assert quoted, r.reasons
    for ev in quoted:
        assert ev in text
    spans = [x for x in r.reasons if x.field]
    assert spans, r.reasons
    for x in spans:
        assert FRAUD_ZH[x.field].encode()[x.start:x.end].decode() == x.evidence
    assert "upfront_fee" in r.flags


def test_score_accepts_json_text(model):
    assert model.score(json.dumps(FRAUD_ZH)) == model.score(FRAUD_ZH)
    assert model.score(json.dumps(FRAUD_ZH).encode()) == model.score(FRAUD_ZH)


def test_thresholds_override(model):
    assert model.score(LEGIT_EN, fraud_threshold=0.0, suspicious_threshold=0.0).verdict == "fraud"
    strict = model.score(FRAUD_ZH, fraud_threshold=1.0, suspicious_threshold=1.0)
    assert strict.verdict == ("fraud" if strict.score >= 1.0 else "legit")
    assert len(model.score(FRAUD_ZH, max_reasons=1).reasons) <= 1
    with pytest.raises(fakejob.ArgumentError):
        model.score(FRAUD_ZH, fraud_threshold=1.5)
    with pytest.raises(fakejob.ArgumentError):
        model.score(FRAUD_ZH, max_reasons=-1)
    f, s = model.thresholds("zh")
    assert 0.0 <= s <= f <= 1.0


def test_score_many_matches_score(model, scoring_postings):
    posts = scoring_postings[:50]
    many = model.score_many(posts)
    assert len(many) == len(posts)
    for p, r in zip(posts, many):
        assert r.to_dict() == model.score(p).to_dict()


def test_score_many_threads_identical(model, scoring_postings):
    posts = scoring_postings * 2
    one = [r.to_dict() for r in model.score_many(posts, threads=1)]
    four = [r.to_dict() for r in model.score_many(posts, threads=4)]
    auto = [r.to_dict() for r in model.score_many(posts)]
    assert one == four == auto
    assert [r["id"] for r in one] == [p.get("id") for p in posts], "input order kept"


def test_score_many_chunks_and_generators(model, scoring_postings):
    posts = scoring_postings[:30]
    want = [r.to_dict() for r in model.score_many(posts)]
    got = [r.to_dict() for r in model.score_many((p for p in posts), chunk_size=7, threads=3)]
    assert got == want
    assert [r.to_dict() for r in model.iter_score(iter(posts), chunk_size=4)] == want
    assert model.score_many([]) == []


def test_score_many_keeps_going_after_bad_postings(model):
    posts = [FRAUD_ZH, {"id": "no-text", "company": "x"}, "{not json", 42,
             {"id": "bad-date", "title": "t", "posted_at": "yesterday"},
             {"id": "surrogate", "title": "bad \ud800 text"}, LEGIT_EN]
    rs = model.score_many(posts, threads=2)
    assert len(rs) == len(posts)
    assert rs[0].ok and rs[-1].ok
    assert rs[0].to_dict() == model.score(FRAUD_ZH).to_dict()
    for r in rs[1:-1]:
        assert not r.ok and r.score is None
        assert isinstance(r.error, fakejob.InputError)
    assert rs[1].id == "no-text"
    assert rs[4].id == "bad-date" and rs[4].error.field == "posted_at"
    assert rs[5].id == "surrogate" and rs[5].error.field == "title"
    assert rs[5].error.offset == 4
    with pytest.raises(fakejob.InputError):
        rs[1].raise_for_error()


def test_concurrent_python_threads(model, scoring_postings):
    posts = scoring_postings[:40]
    want = [model.score(p).to_dict() for p in posts]
    got = {}

    def run(k):
        got[k] = [model.score(p).to_dict() for p in posts]
    ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(got[k] == want for k in range(4))


def test_score_many_argument_errors(model):
    with pytest.raises(fakejob.ArgumentError):
        model.score_many([FRAUD_ZH], threads=-1)
    with pytest.raises(fakejob.ArgumentError):
        model.score_many([FRAUD_ZH], chunk_size=0)
    with pytest.raises(fakejob.ArgumentError):
        model.score_many(FRAUD_ZH)  # a single posting, not an iterable of them


def test_closed_model(train_corpus):
    m = fakejob.train(train_corpus[:40], C=1.0, folds=2, min_df=1)
    with m:
        assert m.score(FRAUD_ZH).ok
    with pytest.raises(fakejob.ModelError):
        m.score(FRAUD_ZH)
    assert "closed" in repr(m)
    m.close()  # twice is fine


def test_close_while_scoring_in_another_thread(train_corpus, scoring_postings):
    m = fakejob.train(train_corpus, C=1.0, folds=2, min_df=1)
    want = [r.to_dict() for r in m.score_many(scoring_postings[:200])]
    got = []
    started = threading.Event()

    def run():
        it = m.iter_score(scoring_postings[:200], chunk_size=16)
        got.append(next(it).to_dict())
        started.set()
        got.extend(r.to_dict() for r in it)
    t = threading.Thread(target=run)
    t.start()
    started.wait()
    m.close()  # the running iteration keeps the model alive until it ends
    t.join()
    assert got == want
    with pytest.raises(fakejob.ModelError):
        m.score_many(scoring_postings[:1])


def _same(a, b):
    """Result dicts equal, numbers to 1e-12 (the CLI may print them with fewer digits)."""
    assert a.keys() == b.keys(), (a, b)
    for k in a:
        if k == "reasons":
            assert len(a[k]) == len(b[k])
            for x, y in zip(a[k], b[k]):
                _same(x, y)
        elif isinstance(a[k], float) or isinstance(b[k], float):
            assert a[k] == pytest.approx(b[k], rel=1e-12, abs=1e-12), k
        else:
            assert a[k] == b[k], k


def _cli_lines(cli, model_dir, posts, tmp_path, via_stdin=False):
    text = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts).encode()
    if via_stdin:  # a pipe: the CLI scores line by line as lines arrive
        rc, out, err = cli(["score", "--model", str(model_dir)], text)
    else:  # a file: the CLI scores in chunks on several threads
        f = tmp_path / "postings.jsonl"
        f.write_bytes(text)
        rc, out, err = cli(["score", "--model", str(model_dir), str(f)])
    assert rc == 0, err.decode()
    return [json.loads(x) for x in out.decode().splitlines()]


@pytest.mark.parametrize("via_stdin", [False, True], ids=["file", "stdin"])
def test_same_results_as_cli(model, model_dir, scoring_postings, cli, tmp_path, via_stdin):
    cli_results = _cli_lines(cli, model_dir, scoring_postings, tmp_path, via_stdin)
    py_results = [r.to_dict() for r in model.score_many(scoring_postings)]
    assert len(cli_results) == len(py_results) == len(scoring_postings)
    for a, b in zip(py_results, cli_results):
        _same(a, b)


def test_same_errors_as_cli(model, model_dir, cli, tmp_path):
    posts = [{"id": "e1", "company": "only a company"},
             {"id": "e2", "title": "x", "openings": -3},
             {"id": "e3", "title": 7},
             {"id": "ok", "title": "Barista", "description": "Espresso bar, $15/hour."}]
    cli_results = _cli_lines(cli, model_dir, posts, tmp_path)
    py_results = [r.to_dict() for r in model.score_many(posts)]
    assert len(cli_results) == len(py_results) == len(posts)
    for a, b in zip(py_results[:3], cli_results[:3]):
        assert a["id"] == b["id"]
        assert a["error"]["code"] == b["error"]["code"] == "input"
        assert a["error"].get("field") == b["error"].get("field")
        assert b["error"]["message"].endswith(a["error"]["message"])  # the CLI adds FILE:LINE
    assert "error" not in py_results[3] and "error" not in cli_results[3]


def test_prior_moves_the_score_not_the_verdict(model):
    base = model.score(FRAUD_ZH)
    rare = model.score(FRAUD_ZH, prior=0.01)
    assert rare.score < base.score
    assert rare.verdict == base.verdict
    assert rare.margin == pytest.approx(base.margin)
    many = model.score_many([FRAUD_ZH, LEGIT_EN], prior=0.01)
    assert many[0].score == pytest.approx(rare.score)
    for bad in (0, 1, 1.5, -0.1, True, "0.1"):
        with pytest.raises(fakejob.ArgumentError):
            model.score(FRAUD_ZH, prior=bad)


def test_too_little_text_is_insufficient_and_margin_follows_the_verdict(model):
    assert model.score({"title": "ok"}).verdict == "insufficient"
    for p in (FRAUD_ZH, LEGIT_EN):
        r = model.score(p)
        assert (r.margin >= 0) == (r.verdict == "fraud")


def test_reason_labels_and_missing_information(model):
    assert fakejob.reason_label("upfront_fee") == "要求求职者付费 / Asks the applicant to pay"
    assert fakejob.reason_label("upfront_fee", lang="en") == "Asks the applicant to pay"
    assert fakejob.reason_label("word:押金", toward_fraud=False, lang="zh") == "常见于正规招聘的用语"
    assert fakejob.reason_label("not_a_feature", lang="en") == "Another feature the model weighs"
    for name in fakejob.signal_names():
        zh, en = fakejob.reason_label(name, lang="zh"), fakejob.reason_label(name, lang="en")
        assert zh and en and fakejob.reason_label(name) == zh + " / " + en
    with pytest.raises(fakejob.ArgumentError):
        fakejob.reason_label("upfront_fee", lang="fr")
    with pytest.raises(fakejob.ArgumentError):
        fakejob.reason_label(None)  # type: ignore[arg-type]
    # a posting without logo, profile or questions: the absences are one reason at most
    r = model.score(dict(FRAUD_ZH, has_company_logo=False, has_questions=False), max_reasons=40)
    names = [x.signal for x in r.reasons]
    assert len(names) == len(set(names)), "no reason twice"
    for x in r.reasons:
        assert x.label == fakejob.reason_label(x.signal, x.weight > 0)
        if x.signal == "missing_information":
            assert x.missing and x.evidence is None
            assert math.isclose(sum(m.weight for m in x.missing), x.weight, abs_tol=1e-9)
            assert all(m.label and m.evidence is None for m in x.missing)
        else:
            assert not x.missing
            assert x.signal not in ("no_company_logo", "field:no_company_logo", "short_profile")
    d = r.to_dict()
    assert [x["label"] for x in d["reasons"]] == [x.label for x in r.reasons]


def test_docs_reasons_table_is_the_librarys():
    """docs/reasons.md lists the labels the library gives (when the source tree is at hand)."""
    import os
    import re
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "reasons.md")
    if not os.path.exists(doc):
        pytest.skip("docs/reasons.md is not beside this package")
    rows = 0
    with open(doc, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or not cells[0].startswith("`"):
                continue
            names = re.findall(r"`([^`]+)`", cells[0])
            zh, en = (cells[-2], cells[-1]) if "<br>" in cells[-1] else (cells[1], cells[2])
            for name in names:
                probe = name.replace("…", "x").replace("_bI", "_b1")
                if "<br>" in en:
                    for side, z, e in zip((True, False), zh.split("<br>"), en.split("<br>")):
                        assert fakejob.reason_label(probe, side, "zh") == z, name
                        assert fakejob.reason_label(probe, side, "en") == e, name
                else:
                    assert fakejob.reason_label(probe, True, "zh") == zh, name
                    assert fakejob.reason_label(probe, True, "en") == en, name
                assert fakejob.reason_label(probe, lang="en") != "Another feature the model weighs"
                rows += 1
    assert rows >= 70, "only %d names in docs/reasons.md" % rows
    documented = set()
    with open(doc, encoding="utf-8") as f:
        documented = set(re.findall(r"^\| `([a-z_]+)` \|", f.read(), re.M))
    assert set(fakejob.signal_names()) <= documented, "a signal missing from docs/reasons.md"
