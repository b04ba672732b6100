"""The history store from Python: observe/query/record/forget_before, persistence, scoring and
signals with reposts, the context manager."""

import datetime as dt
import json

import pytest

import fakejob

POST = {"id": "h1", "title": "网络刷单兼职", "company": "某公司",
        "description": "动动手指就能赚钱，每单佣金10-50元，先垫付后返还本金加佣金。",
        "observed_at": "2025-05-01T00:00:00Z"}


def at(posting, when, **kw):
    return dict(posting, observed_at=when, **kw)


def test_observe_counts_reposts():
    with fakejob.History() as h:
        s0 = h.observe(POST)
        assert s0 == fakejob.HistoryStats(0, 0, None, None)
        s1 = h.observe(at(POST, "2025-05-02T00:00:00Z", id="h2", company="另一家公司"))
        assert s1.seen_before == 1
        assert s1.first_seen == dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)
        q = h.query(at(POST, "2025-05-03T00:00:00Z", id="h3"))
        assert q.seen_before == 2
        assert q.distinct_companies == 2
        assert h.query(at(POST, "2025-05-03T00:00:00Z")).seen_before == 2, "query records nothing"
        h.record(at(POST, "2025-05-04T00:00:00Z", id="h4"))
        assert h.query(at(POST, "2025-05-05T00:00:00Z")).seen_before == 3
        assert h.forget_before("2025-05-02T12:00:00Z") == 2
        assert h.query(at(POST, "2025-05-05T00:00:00Z")).seen_before == 1
        assert h.forget_before(dt.datetime(2030, 1, 1)) == 1


def test_store_persists_and_closes(tmp_path):
    path = tmp_path / "history.db"
    with fakejob.History(path) as h:
        h.observe(POST)
        assert "history.db" in repr(h) and "open" in repr(h)
    assert h.closed and "closed" in repr(h)
    with pytest.raises(fakejob.HistoryError):
        h.query(POST)
    h.close()
    with fakejob.History(str(path)) as h2:
        assert h2.query(at(POST, "2025-06-01")).seen_before == 1


def test_history_now_default():
    undated = {k: v for k, v in POST.items() if k != "observed_at"}
    with fakejob.History(now=dt.date(2025, 5, 1)) as h:
        h.observe(undated)
        s = h.query(undated, now=1746230400)  # 2025-05-03
        assert s.seen_before == 1
        assert s.last_seen == dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)


def test_history_input_errors():
    with fakejob.History() as h:
        with pytest.raises(fakejob.InputError):
            h.observe({"company": "no text"})
        with pytest.raises(fakejob.ArgumentError):
            h.forget_before(True)


def test_signals_see_reposts():
    with fakejob.History() as h:
        for day in range(1, 5):
            h.observe(at(POST, "2025-05-%02dT00:00:00Z" % day, id="r%d" % day))
        sigs = {s.name: s.value for s in
                fakejob.signals(at(POST, "2025-05-10T00:00:00Z"), history=h)}
    assert sigs.get("reposts") == 4
    assert "reposts" not in {s.name for s in fakejob.signals(POST)}


@pytest.mark.parametrize("chunk_size", [2048, 3])  # one batch, or many pipelined ones
def test_score_with_history_matches_score_many(model, chunk_size):
    other = dict(POST, title="招聘模特 日结", description="拍照日结800元，需在指定影楼拍摄资料卡。")
    posts = [at(POST if d % 3 else other, "2025-05-%02dT00:00:00Z" % d, id="s%d" % d)
             for d in range(1, 29)]
    with fakejob.History() as h1:
        one_by_one = [model.score(p, history=h1).to_dict() for p in posts]
    with fakejob.History() as h2:
        batch = [r.to_dict() for r in
                 model.score_many(posts, history=h2, threads=4, chunk_size=chunk_size)]
        assert h2.query(at(POST, "2025-06-01")).seen_before == 19
    assert one_by_one == batch
    without = [model.score(p).margin for p in posts]
    assert [r["margin"] for r in one_by_one] != without, "reposts change the scores"


def test_same_history_results_as_cli(model, model_dir, cli, tmp_path):
    posts = [at(POST, "2025-05-%02dT00:00:00Z" % d, id="c%d" % d) for d in range(1, 6)]
    lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts).encode()
    rc, out, err = cli(["score", "--model", str(model_dir), "--history",
                        str(tmp_path / "cli.db")], lines)
    assert rc == 0, err.decode()
    cli_results = [json.loads(x) for x in out.decode().splitlines()]
    with fakejob.History(tmp_path / "py.db") as h:
        py_results = [r.to_dict() for r in model.score_many(posts, history=h)]
    assert [r["id"] for r in cli_results] == [r["id"] for r in py_results]
    for a, b in zip(py_results, cli_results):
        assert a["score"] == pytest.approx(b["score"], rel=1e-12, abs=1e-12)
        assert a["verdict"] == b["verdict"]
