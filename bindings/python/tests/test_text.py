"""The text pipeline and the signals from Python: tokens with spans in the caller's string,
signals with their evidence."""

import pytest

import fakejob
from conftest import NOW


def test_tokenize_english():
    text = "Earn $5,000/week! Email jobs.hr@gmail.com or visit https://bit.ly/3xYz"
    toks = fakejob.tokenize(text)
    assert toks and all(isinstance(t, fakejob.Token) for t in toks)
    kinds = {t.kind for t in toks}
    assert "money" in kinds
    assert "freemail" in kinds
    assert kinds & {"url", "shorturl"}
    words = [t.text for t in toks if t.kind == "word"]
    assert "earn" in words  # case-folded
    for t in toks:
        assert 0 <= t.start < t.end <= len(text)
        assert t.field is None


def test_tokenize_spans_are_character_offsets():
    text = "Café résumé: ¥198 押金 QQ：2837461950"
    toks = fakejob.tokenize(text)
    spans = {t.kind: text[t.start:t.end] for t in toks}
    assert "2837461950" in spans.get("qq", "")
    money = [text[t.start:t.end] for t in toks if t.kind == "money"]
    assert any("198" in m for m in money)
    for t in toks:
        assert text[t.start:t.end].strip(), t


def test_tokenize_chinese_bigrams_and_normalization():
    toks = fakejob.tokenize("入職前需繳納培訓費")  # Traditional: normalized to Simplified
    texts = {t.text for t in toks}
    assert any(t.kind == "bigram" for t in toks)
    assert "培训" in texts or any("培训" in x for x in texts)
    assert fakejob.normalize("ＱＱ：１２３") == "qq:123"
    assert fakejob.detect_lang("急招打字员，日结三百元") == "zh"
    assert fakejob.detect_lang("Data entry clerk wanted") == "en"


def test_tokenize_posting_gives_fields():
    posting = {"title": "打字员 Typist", "description": "Pay the $99 fee first.", "company": "某公司"}
    toks = fakejob.tokenize(posting)
    fields = {t.field for t in toks}
    assert {"title", "description"} <= fields
    for t in toks:
        src = posting[t.field]
        assert 0 <= t.start < t.end <= len(src)


def test_tokenize_edge_cases():
    assert fakejob.tokenize("") == []
    assert fakejob.tokenize("   \n\t ") == []
    many = fakejob.tokenize("😀" * 1000)
    assert len(many) <= 1000
    with pytest.raises(fakejob.ArgumentError):
        fakejob.tokenize(42)
    with pytest.raises(fakejob.InputError):
        fakejob.tokenize("bad \udc80 surrogate")


def test_signals_with_evidence():
    posting = {"title": "急招打字员", "description": "日结300元，入职前需缴纳培训费198元。加QQ：2837461950",
               "observed_at": NOW}
    sigs = fakejob.signals(posting)
    names = {s.name for s in sigs}
    assert "upfront_fee" in names
    assert "offsite_contact" in names
    assert names <= set(fakejob.signal_names())
    text = posting["title"] + " " + posting["description"]
    for s in sigs:
        assert s.value != 0
        if s.evidence is not None:
            assert s.evidence in text
            assert s.field in ("title", "description")
    fee = next(s for s in sigs if s.name == "upfront_fee")
    assert "198" in fee.evidence or "培训费" in fee.evidence


def test_signals_of_an_honest_posting():
    sigs = fakejob.signals({"title": "Accountant", "company": "Kessler Automation",
                            "description": "Prepare monthly closes and reconcile accounts.",
                            "observed_at": NOW})
    assert "upfront_fee" not in {s.name for s in sigs}


def test_signal_names_are_stable():
    names = fakejob.signal_names()
    for n in ("upfront_fee", "vague_company", "offsite_contact", "personal_data", "pay_anomaly",
              "pressure_language", "posting_age_days", "reposts", "repost_companies"):
        assert n in names
    assert len(names) == len(set(names))
