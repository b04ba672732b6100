"""Errors: the C library's failures as fakejob.Error subclasses with its message, field and
offset; bad input of every kind raises, never crashes the interpreter."""

import json
import os

import pytest

import fakejob
from conftest import NOW

OK = {"title": "Warehouse Associate", "description": "Pick and pack orders.", "observed_at": NOW}


def test_hierarchy():
    assert issubclass(fakejob.InputError, fakejob.Error)
    assert issubclass(fakejob.InputError, ValueError)
    assert issubclass(fakejob.LimitError, fakejob.InputError)
    assert issubclass(fakejob.FileError, OSError)
    for cls in (fakejob.ModelError, fakejob.VersionError, fakejob.HistoryError,
                fakejob.TrainError, fakejob.InternalError, fakejob.ArgumentError):
        assert issubclass(cls, fakejob.Error)


def test_missing_text_names_the_field(model):
    with pytest.raises(fakejob.InputError) as ei:
        model.score({"company": "Acme"})
    e = ei.value
    assert e.code == "input"
    assert e.field == "title"
    assert "title" in str(e) and "description" in str(e)


def test_wrong_type_names_the_field(model):
    with pytest.raises(fakejob.InputError) as ei:
        model.score(dict(OK, openings="many"))
    assert ei.value.field == "openings"
    with pytest.raises(fakejob.InputError) as ei:
        model.score(dict(OK, title=["a", "list"]))
    assert ei.value.field == "title"


def test_bad_date_names_the_field(model):
    with pytest.raises(fakejob.InputError) as ei:
        model.score(dict(OK, posted_at="2025-13-45"))
    assert ei.value.field == "posted_at"


def test_bad_json_text_gives_the_offset(model):
    with pytest.raises(fakejob.InputError) as ei:
        model.score('{"title": "x", "description": }')
    assert ei.value.offset is not None


def test_lone_surrogates(model):
    with pytest.raises(fakejob.InputError) as ei:
        model.score(dict(OK, description="café \udcff here"))
    assert ei.value.field == "description"
    assert ei.value.offset == len("café ".encode())
    with pytest.raises(fakejob.InputError):
        model.score(dict(OK, extra={"k": "\ud83d"}))
    with pytest.raises(fakejob.InputError):
        model.score('{"title": "\ud800"}')
    with pytest.raises(fakejob.InputError):
        fakejob.tokenize("abc \ud800")


def test_escaped_surrogate_in_json_text(model):
    with pytest.raises(fakejob.InputError):
        model.score(r'{"title": "x \ud800 y"}')


def test_invalid_utf8_bytes(model):
    with pytest.raises(fakejob.InputError):
        model.score(b'{"title": "\xff\xfe broken"}')


def test_unserializable_values(model):
    with pytest.raises(fakejob.InputError):
        model.score(dict(OK, openings=float("nan")))
    with pytest.raises(fakejob.InputError):
        model.score(dict(OK, extra={"obj": object()}))
    with pytest.raises(fakejob.InputError):
        model.score(42)
    with pytest.raises(fakejob.InputError):
        model.score(None)
    loop = dict(OK)
    loop["extra"] = loop
    with pytest.raises(fakejob.InputError):
        model.score(loop)


def test_field_over_the_limit(model):
    big = "x" * (fakejob.MAX_FIELD_BYTES + 1)
    with pytest.raises(fakejob.LimitError) as ei:
        model.score(dict(OK, description=big))
    assert ei.value.code == "limit"
    assert isinstance(ei.value, fakejob.InputError)


def test_posting_over_the_limit(model):
    chunk = "y" * (fakejob.MAX_FIELD_BYTES - 10)
    posting = dict(OK, **{f: chunk for f in ("description", "requirements", "benefits",
                                              "company_profile", "salary")})
    with pytest.raises(fakejob.LimitError):
        model.score(posting)
    with pytest.raises(fakejob.LimitError):
        fakejob.tokenize("z" * (fakejob.MAX_POSTING_BYTES + 1))


def test_deep_nesting(model):
    deep = {}
    cur = deep
    for _ in range(64):
        cur["a"] = {}
        cur = cur["a"]
    with pytest.raises(fakejob.InputError):
        model.score(dict(OK, extra=deep))


def test_nul_bytes(model):
    with pytest.raises(fakejob.InputError):
        model.score(dict(OK, title="a\x00b"))
    with pytest.raises(fakejob.ArgumentError):
        fakejob.load_model("no\x00where")


def test_load_missing_model(tmp_path):
    with pytest.raises(fakejob.FileError) as ei:
        fakejob.load_model(tmp_path / "does-not-exist")
    assert "does-not-exist" in str(ei.value)


def test_load_corrupted_model(model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in os.listdir(model_dir):
        data = (model_dir / name).read_bytes()
        if name != "manifest.json" and len(data) > 10:
            data = data[: len(data) // 2]  # truncated: the checksum no longer matches
        (bad / name).write_bytes(data)
    with pytest.raises((fakejob.ModelError, fakejob.FileError)) as ei:
        fakejob.load_model(bad)
    assert ei.value.message


def test_load_newer_model(model_dir, tmp_path):
    newer = tmp_path / "newer"
    newer.mkdir()
    for name in os.listdir(model_dir):
        (newer / name).write_bytes((model_dir / name).read_bytes())
    manifest = json.loads((newer / "manifest.json").read_text())
    key = "format" if "format" in manifest else "format_version"
    assert key in manifest, manifest.keys()
    manifest[key] = manifest[key] + 1000 if isinstance(manifest[key], int) else "999"
    (newer / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(fakejob.VersionError):
        fakejob.load_model(newer)


def test_history_on_a_file_that_is_not_one(tmp_path):
    f = tmp_path / "not-a-store.db"
    f.write_bytes(b"this is not an SQLite database, just some bytes " * 50)
    with pytest.raises((fakejob.HistoryError, fakejob.FileError)):
        fakejob.History(f)


def test_train_single_class(train_corpus):
    fraud_only = [p for p in train_corpus if p["label"] == "fraud"]
    with pytest.raises(fakejob.TrainError):
        fakejob.train(fraud_only, C=1.0, folds=2, min_df=1)


def test_train_unlabelled_posting(train_corpus):
    with pytest.raises(fakejob.InputError):
        fakejob.train(train_corpus + [dict(OK)], C=1.0, folds=2)


def test_train_argument_errors(train_corpus):
    with pytest.raises(fakejob.ArgumentError):
        fakejob.train(train_corpus, kernel="poly")
    with pytest.raises(fakejob.ArgumentError):
        fakejob.train(train_corpus, folds=-2)
    with pytest.raises(TypeError):
        fakejob.train(train_corpus, no_such_param=1)


def test_error_repr_and_dict():
    e = fakejob.InputError("field 'title': bad", field="title", offset=3)
    assert e.to_dict() == {"code": "input", "message": "field 'title': bad", "field": "title",
                           "offset": 3}
    assert "title" in repr(e)


def test_bad_times(model):
    for bad in (1e300, float("nan"), -(1 << 70), True, object(), "not a date"):
        with pytest.raises((fakejob.ArgumentError, fakejob.InputError)):
            model.score(OK, now=bad)
    with pytest.raises(fakejob.InputError) as ei:
        model.score(OK, now="2025-02-30")
    assert ei.value.code == "input"


def test_huge_text_is_refused_without_encoding_it_whole():
    huge = "字" * (fakejob.MAX_POSTING_BYTES * 4)
    with pytest.raises(fakejob.LimitError):
        fakejob.tokenize(huge)
    with pytest.raises(fakejob.LimitError):
        fakejob.normalize(huge)
