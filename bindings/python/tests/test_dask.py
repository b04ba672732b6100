"""fakejob.dask on a LocalCluster of 2 worker processes: a bag and a dataframe scored partition
by partition give the CLI's results in input order, each worker loads the model once, and a
history store (SQLite, and PostgreSQL when FJ_TEST_PG_URI names a server) shared by the workers
records every posting exactly once. Skipped when dask or distributed is not installed."""

import json
import os
import sqlite3
import subprocess

import pytest

db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")

import fakejob  # noqa: E402
import fakejob.dask  # noqa: E402

from test_score import _same  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # bounded start: a cluster that cannot start fails the tests instead of waiting for ever
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40, timeout="120s")
    c = distributed.Client(cluster, timeout="120s")
    yield c
    c.close()
    cluster.close()


def _cli_results(cli, args, posts, tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts),
                 encoding="utf-8")
    rc, out, err = cli(["score", *args, str(f)])
    assert rc == 0, err.decode()
    return [json.loads(x) for x in out.decode().splitlines()]


def test_bag_gives_the_cli_results_in_input_order(client, model_dir, scoring_postings, cli,
                                                  tmp_path):
    bag = db.from_sequence(scoring_postings, npartitions=7)
    out = fakejob.dask.score(bag, model=model_dir).compute()
    expected = _cli_results(cli, ["--model", str(model_dir)], scoring_postings, tmp_path)
    assert len(out) == len(expected) == len(scoring_postings)
    for a, b in zip(out, expected):
        _same(a, b)
    # each worker process loaded the model once, whatever the number of partitions it scored
    loads = client.run(lambda: fakejob.dask._loads)
    assert len(loads) == 2
    assert all(n <= 1 for n in loads.values()), loads
    assert sum(loads.values()) >= 1


def test_error_results_keep_their_place(client, model_dir):
    posts = [{"id": "ok1", "title": "Barista", "description": "Espresso bar, $15/hour."},
             {"id": "bad", "company": "only a company"},
             {"id": "ok2", "title": "Nurse", "description": "Night shifts, RN license."}]
    out = fakejob.dask.score(db.from_sequence(posts, npartitions=2), model=model_dir).compute()
    assert [r["id"] for r in out] == ["ok1", "bad", "ok2"]
    assert out[1]["error"]["code"] == "input" and "error" not in out[0]


def test_dataframe_in_dataframe_out(client, model_dir, scoring_postings):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    posts = [{k: v for k, v in p.items() if k in ("id", "lang", "title", "company",
                                                  "description", "observed_at")}
             for p in scoring_postings]
    frame = dd.from_pandas(pd.DataFrame(posts), npartitions=5)
    out = fakejob.dask.score(frame, model=model_dir).compute()
    assert list(out.columns) == list(fakejob.dask.RESULT_COLUMNS)
    assert list(out["id"]) == [p["id"] for p in posts]
    expected = fakejob.dask.score(db.from_sequence(posts, npartitions=3),
                                  model=model_dir).compute()
    assert list(out["score"]) == pytest.approx([r["score"] for r in expected], abs=1e-12)
    assert list(out["verdict"]) == [r["verdict"] for r in expected]


def test_bad_arguments(model):
    with pytest.raises(fakejob.ArgumentError):
        fakejob.dask.score([{"title": "x"}])
    with pytest.raises(fakejob.ArgumentError):
        fakejob.dask.score(db.from_sequence([{"title": "x"}]), model=model)


def _repost_pairs():
    """Partitions that each hold a posting and, a week later, its edited repost: what a posting
    sees does not depend on how the partitions are scheduled."""
    from conftest import EN_FRAUD, ZH_FRAUD
    out = []
    for i, (title, desc) in enumerate(EN_FRAUD[:4] + ZH_FRAUD[:4]):
        out.append({"id": "p%d" % i, "title": title, "description": desc,
                    "observed_at": "2025-05-01T00:00:00Z"})
        out.append({"id": "p%d-again" % i, "title": title, "company": "Another Name %d" % i,
                    "description": desc.replace("!", "."), "observed_at": "2025-05-08T00:00:00Z"})
    return out


def _shared_history_run(client, model_dir, cli, tmp_path, target, key_file, count):
    posts = _repost_pairs()
    out = fakejob.dask.score(db.from_sequence(posts, npartitions=len(posts) // 2),
                             model=model_dir, history=target, key_file=key_file).compute()
    lite = tmp_path / "sequential.db"
    expected = _cli_results(cli, ["--model", str(model_dir), "--history", str(lite)], posts,
                            tmp_path)
    assert len(out) == len(expected) == len(posts)
    for a, b in zip(out, expected):
        _same(a, b)
    assert count() == (len(posts), len(posts)), "every posting recorded exactly once"
    with fakejob.History(target, key_file=key_file) as h:
        for p in posts[1::2]:  # each repost and its original, found whatever the schedule
            assert h.query(p).seen_before == 2, p["id"]


def test_sqlite_history_shared_by_the_workers(client, model_dir, cli, tmp_path):
    store = tmp_path / "shared.db"

    def count():
        with sqlite3.connect(str(store)) as c:
            return c.execute("SELECT count(*), count(DISTINCT posting_id) FROM sightings").fetchone()
    _shared_history_run(client, model_dir, cli, tmp_path, str(store), None, count)


def test_postgresql_history_shared_by_the_workers(client, model_dir, cli, tmp_path):
    uri = os.environ.get("FJ_TEST_PG_URI")
    if not uri:
        pytest.skip("FJ_TEST_PG_URI is not set: no PostgreSQL server to test against")
    schema = "fjpy_%d" % os.getpid()

    # psql runs without the sanitizer runtime tests/python.sh preloads into this interpreter
    # for an ASan build (psql never exits under it)
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}

    def psql(sql):
        p = subprocess.run(["psql", "-qtA", uri, "-c", sql], capture_output=True, text=True,
                           env=env, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()
    psql("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s" % (schema, schema))
    target = "%s%soptions=-csearch_path%%3D%s" % (uri, "&" if "?" in uri else "?", schema)

    def count():
        n = psql("SELECT count(*), count(DISTINCT posting_id) FROM %s.fj_sightings" % schema)
        return tuple(int(x) for x in n.split("|"))
    try:
        _shared_history_run(client, model_dir, cli, tmp_path, target,
                            str(tmp_path / "pg.key"), count)
    finally:
        psql("DROP SCHEMA %s CASCADE" % schema)
