"""Training, saving, loading and evaluating from Python: round trips give identical scores."""

import json
import os

import pytest

import fakejob
from conftest import SRCDIR, TRAIN_PARAMS


def test_round_trip_gives_identical_scores(model, scoring_postings, tmp_path):
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "manifest.json").is_file()
    again = fakejob.load_model(tmp_path / "m")
    assert again.name == model.name
    assert again.manifest["name"] == model.manifest["name"]
    a = [r.to_dict() for r in model.score_many(scoring_postings)]
    b = [r.to_dict() for r in again.score_many(scoring_postings)]
    assert a == b
    again.save(str(tmp_path / "m2"))  # a str path works too
    c = [r.to_dict() for r in fakejob.load_model(str(tmp_path / "m2")).score_many(scoring_postings)]
    assert c == a


def test_training_is_deterministic(model, train_corpus, scoring_postings):
    again = fakejob.train(train_corpus, **TRAIN_PARAMS)
    posts = scoring_postings[:60]
    assert [r.to_dict() for r in again.score_many(posts)] == \
        [r.to_dict() for r in model.score_many(posts)]


def test_train_from_corpus_files(train_corpus, tmp_path):
    en = tmp_path / "en.jsonl"
    zh = tmp_path / "zh.jsonl"
    en.write_text("".join(json.dumps(p) + "\n" for p in train_corpus if p["lang"] == "en"))
    zh.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in train_corpus
                            if p["lang"] == "zh") + "\n\n")
    from_files = fakejob.train([en, str(zh)], **TRAIN_PARAMS)
    from_dicts = fakejob.train(train_corpus, **TRAIN_PARAMS)
    probe = train_corpus[::3]
    assert [r.to_dict() for r in from_files.score_many(probe)] == \
        [r.to_dict() for r in from_dicts.score_many(probe)]


def test_train_bad_corpus_file(tmp_path, train_corpus):
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(train_corpus[0]) + "\n{broken\n")
    with pytest.raises(fakejob.InputError) as ei:
        fakejob.train(f, **TRAIN_PARAMS)
    assert ei.value.line == 2
    assert "bad.jsonl" in str(ei.value)
    with pytest.raises(fakejob.FileError):
        fakejob.train(tmp_path / "missing.jsonl", **TRAIN_PARAMS)


def test_train_progress_and_params(train_corpus):
    seen = []
    m = fakejob.train(train_corpus, progress=seen.append, name="custom", version="2.3.4",
                      **{k: v for k, v in TRAIN_PARAMS.items() if k not in ("name", "version")})
    assert m.name == "custom 2.3.4"
    assert seen and all(isinstance(p, fakejob.Progress) for p in seen)
    assert {p.stage for p in seen} & {"features", "final", "calibrate"}
    assert m.explains

    def boom(p):
        raise KeyboardInterrupt("stop")
    with pytest.raises(KeyboardInterrupt):
        fakejob.train(train_corpus, progress=boom, **TRAIN_PARAMS)


def test_train_group_by_company(train_corpus):
    m = fakejob.train(train_corpus, group_by="company", **TRAIN_PARAMS)
    assert m.score(train_corpus[0]).ok


def test_rbf_model_says_reasons_are_unavailable(train_corpus):
    m = fakejob.train(train_corpus, kernel="rbf", gamma=0.5, **TRAIN_PARAMS)
    assert not m.explains
    r = m.score(train_corpus[0])
    assert r.ok and r.reasons == [] and r.reasons_available is False


def test_evaluate(model, train_corpus):
    metrics = fakejob.evaluate(model, train_corpus)
    assert isinstance(metrics, fakejob.Metrics) and isinstance(metrics, dict)
    assert metrics.count == len(train_corpus) == metrics["count"]
    assert metrics.fraud + metrics.legit == metrics.count
    c = metrics.confusion
    assert c["tp"] + c["fp"] + c["tn"] + c["fn"] == metrics.count
    assert c["tp"] + c["fn"] == metrics.fraud
    assert 0.0 <= metrics.precision <= 1.0 and 0.0 <= metrics.recall <= 1.0
    assert 0.5 < metrics.roc_auc <= 1.0  # its own training data
    assert len(metrics.scores) == len(metrics.verdicts) == len(train_corpus)
    plain = fakejob.evaluate(model, train_corpus, replay_history=False, threshold=0.7)
    assert plain.threshold == 0.7
    for p, s in zip(train_corpus, plain.scores):
        assert s == pytest.approx(model.score(p).score, abs=1e-12)
    assert "roc_auc" in repr(plain)
    with pytest.raises(fakejob.ArgumentError):
        fakejob.evaluate("not a model", train_corpus)


def test_evaluate_on_project_corpus(model):
    path = os.path.join(SRCDIR, "corpus", "en-a.jsonl")
    if not os.path.exists(path):
        pytest.skip("the project's corpus/ is not at hand (installed package)")
    metrics = fakejob.evaluate(model, path)
    assert metrics.count > 50 and metrics.fraud > 0 and metrics.legit > 0
    assert metrics.roc_auc is None or 0.0 <= metrics.roc_auc <= 1.0


def test_default_model():
    try:
        m = fakejob.load_model()
    except fakejob.FileError as e:
        pytest.skip("no default model (models/default) yet: %s" % e)
    r = m.score({"title": "急招打字员", "description": "日结300元，入职前需缴纳培训费198元。加QQ：2837461950"})
    assert r.ok and r.verdict in ("fraud", "suspicious")
    assert m.name.startswith("fakejob")


def test_version():
    assert fakejob.__version__ == fakejob.library_version()


def test_views_and_per_language_vocabulary(train_corpus):
    params = {k: v for k, v in TRAIN_PARAMS.items() if k != "min_df"}
    two = fakejob.train(train_corpus, min_df={"en": 1, "zh": 2}, **params)
    one = fakejob.train(train_corpus, min_df={"en": 1, "zh": 2}, text_view=False, **params)
    p2, p1 = two.manifest["training"]["params"], one.manifest["training"]["params"]
    assert p2["min_df_lang"] == {"en": 1, "zh": 2} and p2["text_view"] is True
    assert p1["text_view"] is False
    for part in two.manifest["parts"]:
        views = part["cv"]["views"]
        assert [v["view"] for v in views] == ["all", "text"]
        assert abs(sum(v["weight"] for v in views) - 1) < 1e-3
    assert all([v["view"] for v in part["cv"]["views"]] == ["all"]
               for part in one.manifest["parts"])
    with pytest.raises(fakejob.ArgumentError):
        fakejob.train(train_corpus, min_df={"fr": 1}, **params)
    with pytest.raises(fakejob.ArgumentError):
        fakejob.train(train_corpus, max_features={"en": 0}, **params)


def test_dense_weight(train_corpus):
    params = dict(TRAIN_PARAMS, seed=7)
    plain = fakejob.train(train_corpus, **params)
    m = fakejob.train(train_corpus, dense_weight={"en": 2}, **params)
    assert m.manifest["training"]["params"]["dense_weight_en"] == 2
    parts = {p["lang"]: p for p in m.manifest["parts"]}
    plain_parts = {p["lang"]: p for p in plain.manifest["parts"]}
    assert parts["en"]["cv"]["dense_weight"] == 2
    assert "dense_weight" not in parts["zh"]["cv"]
    assert parts["zh"]["cv"] == plain_parts["zh"]["cv"]
    assert "dense_weight" not in plain.manifest["training"]["params"]
    for bad in (0, 2.5, -1, "2", True, {"fr": 1}, {"en": 3}):
        with pytest.raises(fakejob.ArgumentError):
            fakejob.train(train_corpus, dense_weight=bad, **params)
