"""fakejob.dask: score a Dask collection of postings, partition by partition, on a cluster.

    import dask.bag as db
    import fakejob.dask
    bag = db.read_text("postings-*.jsonl").map(json.loads)
    results = fakejob.dask.score(bag, model="models/default",
                                 history="postgresql://scorer@db/jobs", key_file="/etc/fj.key")
    results.map(json.dumps).to_textfiles("results-*.jsonl")

``score`` takes a Dask bag of posting dicts (or a Dask dataframe with one posting a row) and
returns a bag of result dicts, the JSON result lines of ``fakejob score`` (or a dataframe with
one result a row, on the input's index). Order is kept: partition i of the output holds the
results of partition i of the input, in the same order. Each worker process loads a model once
(a cache keyed by the model's path) and opens a history store once, and scores its partitions
with them: the results are those of the CLI for the same postings.

History and ordering: with ``history`` (a ``postgresql://`` URI that every worker reaches, or an
SQLite file on a disk the workers share on one machine), each posting is observed (looked up,
then recorded, in one transaction) when its partition is scored, in input order within the
partition. A posting sees every posting committed to the store before it is scored: all earlier
postings of its own partition, and those of other partitions scored before it. Partitions run in
parallel, so which postings of other partitions a posting sees depends on the schedule; postings
that carry ``observed_at`` count only sightings observed at or before it. To give every posting
the history a single sequential pass would, score in time order with one partition (or
partitions in time order, one after another).
"""

import os
import threading
from typing import Any, Dict, List, Optional, Tuple

from ._core import History, PathLike, load_model
from ._errors import ArgumentError

# Per worker process: loaded models by path (None: the default model), open stores by
# (target, key file). The lock guards both; a store's own lock serializes its use.
_lock = threading.Lock()
_models: Dict[Optional[str], Any] = {}
_stores: Dict[Tuple[str, Optional[str]], History] = {}
_loads = 0  # models loaded by this process (the tests check "once per worker")

RESULT_COLUMNS = ("id", "lang", "score", "verdict", "margin", "model", "reasons", "error")


def _model(path: Optional[str]) -> Any:
    global _loads
    with _lock:
        m = _models.get(path)
        if m is None:
            m = _models[path] = load_model(path)
            _loads += 1
        return m


def _store(target: str, key_file: Optional[str]) -> History:
    with _lock:
        h = _stores.get((target, key_file))
        if h is None or h.closed:
            h = _stores[(target, key_file)] = History(target, key_file=key_file)
        return h


def _score_list(postings: List[Any], model: Optional[str], history: Optional[str],
                key_file: Optional[str], options: Dict[str, Any]) -> List[Dict[str, Any]]:
    m = _model(model)
    h = _store(history, key_file) if history is not None else None
    return [r.to_dict() for r in m.score_many(postings, history=h, **options)]


def _score_partition(part: Any, *args: Any) -> List[Dict[str, Any]]:
    return _score_list(list(part), *args)


def _plain(v: Any) -> Any:
    """A dataframe cell as a JSON value: numpy scalars to Python, NaN/None to absent."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _score_frame(df: Any, *args: Any) -> Any:
    import pandas as pd
    postings = []
    for row in df.to_dict("records"):
        postings.append({k: pv for k, v in row.items() if (pv := _plain(v)) is not None})
    results = _score_list(postings, *args)
    rows = [{c: r.get(c) for c in RESULT_COLUMNS} for r in results]
    out = pd.DataFrame(rows, index=df.index, columns=list(RESULT_COLUMNS))
    return out.astype(_meta_dtypes())


def _meta_dtypes() -> Dict[str, str]:
    return {c: ("float64" if c in ("score", "margin") else "object") for c in RESULT_COLUMNS}


def score(collection: Any, model: Optional[PathLike] = None, history: Optional[PathLike] = None,
          *, key_file: Optional[PathLike] = None, **options: Any) -> Any:
    """Score a Dask bag of postings (dicts, or JSON texts) into a bag of result dicts, or a
    Dask dataframe (one posting a row; missing values are absent fields) into a dataframe of
    results (columns id, lang, score, verdict, margin, model, reasons, error; the input's
    index), partition by partition, in input order.

    ``model``: the model bundle's path, as the workers see it (None: the default model);
    ``history``: a history store's path or ``postgresql://`` URI the workers share, with its
    ``key_file``; ``options``: those of Model.score_many (now, fraud_threshold,
    suspicious_threshold, max_reasons, threads: default 1, one thread a Dask worker thread).
    A posting that cannot be read or scored gets an error result; the others are scored all
    the same. Nothing runs until the result is computed.
    """
    import dask.bag as db
    if model is not None and not isinstance(model, (str, bytes, os.PathLike)):
        raise ArgumentError("model is the path of a model bundle (a loaded Model cannot be sent "
                            "to the workers), not %s" % type(model).__name__)
    if isinstance(history, History):
        raise ArgumentError("history is the store's path or postgresql:// URI (an open History "
                            "cannot be sent to the workers)")
    options.setdefault("threads", 1)
    args = (os.fspath(model) if model is not None else None,
            os.fspath(history) if history is not None else None,
            os.fspath(key_file) if key_file is not None else None, options)
    if isinstance(collection, db.Bag):
        return collection.map_partitions(_score_partition, *args)
    try:
        import dask.dataframe as dd
        import pandas as pd
    except ImportError:  # pragma: no cover - dask without its dataframe part
        dd = None
    if dd is not None and isinstance(collection, dd.DataFrame):
        meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _meta_dtypes().items()})
        return collection.map_partitions(_score_frame, *args, meta=meta)
    raise ArgumentError("score takes a dask.bag.Bag or a dask.dataframe.DataFrame, not %s"
                        % type(collection).__name__)
