"""The fakejob bindings proper: models, scoring, the text pipeline, signals, the history store and
training, over the C library through the cffi extension ``fakejob._native``.

Postings cross into C as JSON text (the posting format of the project's README), results come
back as the library's own JSON result lines, so that the bindings, the CLI and any other caller
see exactly the same results. Every call into C releases the GIL.
"""

import datetime as _dt
import json
import os
import queue
import threading
from bisect import bisect_left
from contextlib import contextmanager
from itertools import accumulate, islice
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional,
                    Sequence, Tuple, Union)

from . import _errors
from ._errors import ArgumentError, Error, InputError
try:
    from ._native import ffi, lib
except ImportError as _e:  # the source tree's package, without its compiled extension
    raise ImportError(
        "fakejob: the compiled extension fakejob._native cannot be loaded (%s). Use the package "
        "built by `make` (PYTHONPATH=BUILDDIR/bindings/python) or install it with `python3 -m "
        "pip install --no-index --no-build-isolation bindings/python`; do not run Python from "
        "inside bindings/python of the source tree." % _e) from _e

__all__ = [
    "Model", "Result", "Reason", "reason_label", "Token", "Signal", "History", "HistoryStats", "Progress",
    "load_model", "tokenize", "normalize", "detect_lang", "signals", "signal_names", "train",
    "library_version", "evaluate", "Metrics", "MAX_POSTING_BYTES", "MAX_FIELD_BYTES", "MAX_TOKENS",
]

MAX_POSTING_BYTES: int = int(lib.FJ_MAX_POSTING_BYTES)
MAX_FIELD_BYTES: int = int(lib.FJ_MAX_FIELD_BYTES)
MAX_TOKENS: int = int(lib.FJ_MAX_TOKENS)

Posting = Union[Mapping[str, Any], str, bytes]
"""A posting: a dict per the posting format, or one JSON object as text."""
When = Union[_dt.datetime, _dt.date, int, float, str]
"""A point in time: a datetime (naive means UTC), a date, epoch seconds, or ISO 8601 text."""
PathLike = Union[str, "os.PathLike[str]"]

# A batch at least this large is scored on several threads when threads=None.
PARALLEL_MIN = 64
# Postings handed to the C library per call by score_many, at most.
DEFAULT_CHUNK = 2048


def library_version() -> str:
    """The version of the C library in use ("MAJOR.MINOR.PATCH")."""
    return ffi.string(lib.fj_version()).decode()


# ---------------------------------------------------------------------------------------------
# errors and conversions

def _raise(err: Any, status: int) -> None:
    code = ffi.string(lib.fj_status_name(status)).decode()
    cls = _errors.BY_CODE.get(code, Error)
    field = ffi.string(err.field).decode("utf-8", "replace")
    message = ffi.string(err.message).decode("utf-8", "replace")
    raise cls(message or code, field=field, offset=int(err.offset), line=int(err.line),
              code=code)


def _check(status: int, err: Any) -> None:
    if status != lib.FJ_OK:
        _raise(err, status)


def _json_default(o: Any) -> Any:
    if isinstance(o, (_dt.datetime, _dt.date)):
        return o.isoformat()
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    raise TypeError("values of type %s cannot be part of a posting" % type(o).__name__)


_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                          default=_json_default).encode


def _bad_utf8(posting: Mapping[str, Any]) -> InputError:
    """The InputError for a posting whose text holds a lone surrogate, naming the field."""
    for key, value in posting.items():
        text = value if isinstance(value, str) else None
        if text is None:
            try:
                _dumps(value).encode("utf-8")
                continue
            except UnicodeEncodeError:
                return InputError("field '%s': invalid UTF-8 (a lone surrogate)" % key,
                                  field=str(key))
            except (TypeError, ValueError):
                continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            offset = len(text[:e.start].encode("utf-8", "surrogatepass"))
            return InputError("field '%s': invalid UTF-8 (a lone surrogate) at byte %d"
                              % (key, offset), field=str(key), offset=offset)
    return InputError("posting: invalid UTF-8 (a lone surrogate)")


def _encode(posting: Any) -> bytes:
    """A posting as UTF-8 JSON text; InputError for what cannot be one."""
    if isinstance(posting, bytes):
        return posting
    if isinstance(posting, (bytearray, memoryview)):
        return bytes(posting)
    if isinstance(posting, str):
        try:
            return posting.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InputError("posting: invalid UTF-8 (a lone surrogate) at character %d"
                             % e.start) from None
    if not isinstance(posting, Mapping):
        raise InputError("a posting is a dict (or JSON text), not %s" % type(posting).__name__)
    try:
        text = _dumps(posting if isinstance(posting, dict) else dict(posting))
    except (TypeError, ValueError) as e:  # unserializable values, NaN, circular references
        raise InputError("posting: %s" % e) from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad_utf8(posting) from None


_EPOCH_RANGE = 1 << 53


def _epoch(when: Optional[When], what: str = "time") -> int:
    """Epoch seconds of a point in time (0 for None: the wall clock)."""
    if when is None:
        return 0
    if isinstance(when, bool):
        raise ArgumentError("%s: expected a datetime, date, epoch seconds or ISO 8601 text, "
                            "not bool" % what)
    if isinstance(when, (int, float)):
        if not -_EPOCH_RANGE < when < _EPOCH_RANGE:  # also rejects NaN
            raise ArgumentError("%s: %r seconds is out of range" % (what, when))
        return int(when)
    if isinstance(when, _dt.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        return int(when.timestamp())
    if isinstance(when, _dt.date):
        return int(_dt.datetime(when.year, when.month, when.day,
                                tzinfo=_dt.timezone.utc).timestamp())
    if isinstance(when, str):
        data = when.encode("utf-8", "surrogatepass")
        out = ffi.new("int64_t *")
        err = ffi.new("fj_error *")
        _check(lib.fj_parse_iso8601(data, len(data), out, err), err)
        return int(out[0])
    raise ArgumentError("%s: expected a datetime, date, epoch seconds or ISO 8601 text, not %s"
                        % (what, type(when).__name__))


def _from_epoch(t: int) -> Optional[_dt.datetime]:
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc) if t else None


def _str(p: Any) -> Optional[str]:
    return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else None


def _text(p: Any, n: int) -> Optional[str]:
    if p == ffi.NULL:
        return None
    return ffi.unpack(p, n).decode("utf-8", "replace")


def _field_name(f: int) -> Optional[str]:
    if f < 0:
        return None
    return _str(lib.fj_field_name(f))


# ---------------------------------------------------------------------------------------------
# per-thread working state: a context and a posting for each Python thread

class _Scratch(threading.local):
    ctx: Any = None
    posting: Any = None


_scratch = _Scratch()


def _thread_state(now: Optional[When] = None) -> Tuple[Any, Any]:
    s = _scratch
    if s.ctx is None:
        err = ffi.new("fj_error *")
        ctx = ffi.new("fj_context **")
        _check(lib.fj_context_new(ctx, err), err)
        s.ctx = ffi.gc(ctx[0], lib.fj_context_free)
        post = ffi.new("fj_posting **")
        _check(lib.fj_posting_new(post, err), err)
        s.posting = ffi.gc(post[0], lib.fj_posting_free)
    lib.fj_context_set_now(s.ctx, _epoch(now, "now"))
    return s.ctx, s.posting


def _parse(posting: Posting, now: Optional[When] = None) -> Tuple[Any, Any]:
    """Parse a posting into this thread's posting; returns (context, posting)."""
    data = _encode(posting)
    ctx, p = _thread_state(now)
    err = ffi.new("fj_error *")
    _check(lib.fj_posting_parse_json(p, data, len(data), err), err)
    return ctx, p


# ---------------------------------------------------------------------------------------------
# results

class Reason(NamedTuple):
    """One contribution toward a verdict: a signal name or a feature name ("word:training"),
    its weight toward the margin (positive: toward fraud), the text that triggered it, and where
    that text sits: the posting field and the byte span [start, end) of its UTF-8 text;
    ``label``, what it means to a moderator ("中文 / English", see ``reason_label``); for the
    ``missing_information`` reason, ``missing`` lists the absences merged into it (each a
    Reason without evidence), strongest first (docs/reasons.md)."""
    signal: str
    weight: float
    evidence: Optional[str] = None
    field: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None
    label: str = ""
    missing: Tuple["Reason", ...] = ()


def _reason(r: Dict[str, Any]) -> Reason:
    return Reason(r.get("signal", ""), r.get("weight", 0.0), r.get("evidence"), r.get("field"),
                  r.get("start"), r.get("end"), r.get("label", ""),
                  tuple(_reason(m) for m in r.get("missing") or ()))


def reason_label(signal: str, toward_fraud: bool = True, lang: Optional[str] = None) -> str:
    """The human label of a reason name: ``lang`` "zh" or "en" for one language, None for
    "中文 / English". Text n-grams ("word:…", "pair:…") have one label for each side
    (``toward_fraud``: a positive weight); a name the library does not know gets "Another
    feature the model weighs"."""
    if not isinstance(signal, str):
        raise ArgumentError("signal must be a str, not %r" % (signal,))
    langs = {None: lib.FJ_LANG_AUTO, "zh": lib.FJ_LANG_ZH, "en": lib.FJ_LANG_EN}
    if lang not in langs:
        raise ArgumentError("lang must be 'zh', 'en' or None, not %r" % (lang,))
    return _str(lib.fj_reason_label(signal.encode("utf-8"), 1 if toward_fraud else 0,
                                    langs[lang])) or ""


class Result:
    """The score of one posting, or the error that kept it from being scored.

    ``score`` (calibrated probability of fraud, 0–1), ``verdict`` ("fraud", "suspicious",
    "legit", "insufficient"), ``margin`` (log-odds of the score above the fraud threshold: >= 0
    exactly for "fraud"), ``reasons`` (strongest first), ``lang``,
    ``id`` and ``model``; for a posting that could not be read, ``error`` is the exception
    (not raised) and the others are None. ``to_dict()`` gives the result line of
    ``fakejob score``.
    """

    __slots__ = ("_d", "_reasons")

    def __init__(self, d: Dict[str, Any]) -> None:
        self._d = d
        self._reasons: Optional[List[Reason]] = None

    @property
    def id(self) -> Optional[str]:
        return self._d.get("id")

    @property
    def lang(self) -> Optional[str]:
        return self._d.get("lang")

    @property
    def score(self) -> Optional[float]:
        return self._d.get("score")

    @property
    def verdict(self) -> Optional[str]:
        return self._d.get("verdict")

    @property
    def margin(self) -> Optional[float]:
        return self._d.get("margin")

    @property
    def model(self) -> Optional[str]:
        return self._d.get("model")

    @property
    def reasons(self) -> List[Reason]:
        if self._reasons is None:
            self._reasons = [_reason(r) for r in self._d.get("reasons") or ()]
        return self._reasons

    @property
    def flags(self) -> List[str]:
        """Every red-flag signal that fired, whatever the verdict."""
        return list(self._d.get("flags") or ())

    @property
    def reasons_available(self) -> bool:
        """False for models that cannot explain their scores (RBF kernels)."""
        return bool(self._d.get("reasons_available", "error" not in self._d))

    @property
    def error(self) -> Optional[Error]:
        e = self._d.get("error")
        return _errors.from_dict(e) if e is not None else None

    @property
    def ok(self) -> bool:
        """True when the posting was scored."""
        return "error" not in self._d

    def raise_for_error(self) -> "Result":
        """Raise the error of a posting that could not be scored; return self otherwise."""
        e = self.error
        if e is not None:
            raise e
        return self

    def to_dict(self) -> Dict[str, Any]:
        """The result as a dict, equal to the JSON result line ``fakejob score`` writes."""
        d = dict(self._d)
        if "reasons" in d:
            d["reasons"] = [dict(r) for r in d["reasons"]]
        if "error" in d:
            d["error"] = dict(d["error"])
        return d

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._d == other._d

    def __hash__(self) -> int:
        return hash(json.dumps(self._d, sort_keys=True))

    def __repr__(self) -> str:
        if "error" in self._d:
            return "<Result id=%r error=%r>" % (self.id, self.error)
        return "<Result id=%r verdict=%r score=%.4f margin=%.4f reasons=%d>" % (
            self.id, self.verdict, self.score if self.score is not None else float("nan"),
            self.margin if self.margin is not None else float("nan"), len(self.reasons))


def _error_result(posting: Any, e: Error) -> Result:
    pid = posting.get("id") if isinstance(posting, Mapping) else None
    return Result({"id": pid if isinstance(pid, str) else None, "error": e.to_dict()})


# ---------------------------------------------------------------------------------------------
# the history store

class HistoryStats(NamedTuple):
    """What a history store knew of a posting before it was recorded."""
    seen_before: int
    distinct_companies: int
    first_seen: Optional[_dt.datetime]
    last_seen: Optional[_dt.datetime]


class History:
    """A repost history store: an SQLite file, a PostgreSQL database (a ``postgresql://`` URI,
    shared by scorers on several machines), or a private in-memory one when ``path`` is None.

    Use it as a context manager, or call close(). One handle may be used from several Python
    threads (calls are serialized by a lock); several processes may share one store.
    ``now`` is the observation time of postings without ``observed_at`` (default: the clock).
    ``key_file`` names the store's key file (default: $FJ_HISTORY_KEY_FILE, else the SQLite
    file's name + ".key"; a new store makes it, mode 0600; a PostgreSQL store needs one named).
    """

    def __init__(self, path: Optional[PathLike] = None, *, now: Optional[When] = None,
                 key_file: Optional[PathLike] = None) -> None:
        self._lock = threading.RLock()
        self._h = None
        self.path = os.fspath(path) if path is not None else None
        self.key_file = os.fspath(key_file) if key_file is not None else None
        self._now = _epoch(now, "now")
        err = ffi.new("fj_error *")
        out = ffi.new("fj_history **")
        cargs = []
        for name, value in (("history path", self.path), ("key file", self.key_file)):
            if value is None:
                cargs.append(ffi.NULL)
                continue
            if "\0" in value:
                raise ArgumentError("%s contains a NUL character" % name)
            cargs.append(os.fsencode(value))
        _check(lib.fj_history_open_key(out, cargs[0], cargs[1], err), err)
        self._h = out[0]

    def _handle(self) -> Any:
        if self._h is None:
            raise _errors.HistoryError("history store is closed")
        return self._h

    def _call(self, fn: Any, posting: Posting, now: Optional[When]) -> HistoryStats:
        with self._lock:
            h = self._handle()
            ctx, p = _parse(posting, now if now is not None else (self._now or None))
            stats = ffi.new("fj_history_stats *")
            err = ffi.new("fj_error *")
            _check(fn(h, ctx, p, stats, err), err)
            return HistoryStats(int(stats.seen_before), int(stats.distinct_companies),
                                _from_epoch(int(stats.first_seen)),
                                _from_epoch(int(stats.last_seen)))

    def query(self, posting: Posting, *, now: Optional[When] = None) -> HistoryStats:
        """What the store knows of the posting (near-duplicates included), without recording
        it."""
        return self._call(lib.fj_history_query, posting, now)

    def observe(self, posting: Posting, *, now: Optional[When] = None) -> HistoryStats:
        """Query then record the posting in one transaction (what scoring a stream does)."""
        return self._call(lib.fj_history_observe, posting, now)

    def record(self, posting: Posting, *, now: Optional[When] = None) -> None:
        """Record a sighting of the posting at its observed_at (or ``now``)."""
        with self._lock:
            h = self._handle()
            ctx, p = _parse(posting, now if now is not None else (self._now or None))
            err = ffi.new("fj_error *")
            _check(lib.fj_history_record(h, ctx, p, err), err)

    def forget_before(self, before: When) -> int:
        """Forget every sighting observed before ``before``; returns how many were removed."""
        t = _epoch(before, "before")
        with self._lock:
            h = self._handle()
            removed = ffi.new("int64_t *")
            err = ffi.new("fj_error *")
            _check(lib.fj_history_forget_before(h, t, removed, err), err)
            return int(removed[0])

    def close(self) -> None:
        """Close the store (nothing committed is lost). Safe to call twice."""
        with self._lock:
            if self._h is not None:
                lib.fj_history_close(self._h)
                self._h = None

    @property
    def closed(self) -> bool:
        return self._h is None

    def __enter__(self) -> "History":
        self._handle()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "closed" if self._h is None else "open"
        return "<fakejob.History %s %s>" % (self.path or ":memory:", state)


@contextmanager
def _parse_in(history: Optional[History], ask: Any, posting: Posting,
              now: Optional[When]) -> Iterator[Tuple[Any, Any, Any]]:
    """Parse a posting into this thread's posting and, with ``history``, have the store answer
    for it with ``ask`` (fj_history_query or fj_history_observe); gives (context, posting,
    stats), stats NULL without a store. The store stays locked for the body of the with
    statement."""
    if history is None:
        ctx, p = _parse(posting, now)
        yield ctx, p, ffi.NULL
        return
    if not isinstance(history, History):
        raise ArgumentError("history must be a fakejob.History")
    with history._lock:
        ctx, p = _parse(posting, now if now is not None else (history._now or None))
        stats = ffi.new("fj_history_stats *")
        err = ffi.new("fj_error *")
        _check(ask(history._handle(), ctx, p, stats, err), err)
        yield ctx, p, stats


# ---------------------------------------------------------------------------------------------
# models

def _score_options(fraud_threshold: Optional[float], suspicious_threshold: Optional[float],
                   max_reasons: Optional[int], prior: Optional[float] = None) -> Any:
    opts = ffi.new("fj_score_options *")
    lib.fj_score_options_init(opts)
    for name, v in (("fraud_threshold", fraud_threshold),
                    ("suspicious_threshold", suspicious_threshold)):
        if v is not None:
            v = float(v)
            if not 0.0 <= v <= 1.0:
                raise ArgumentError("%s must be within 0..1, not %r" % (name, v))
    if fraud_threshold is not None:
        opts.threshold_fraud = float(fraud_threshold)
    if suspicious_threshold is not None:
        opts.threshold_suspicious = float(suspicious_threshold)
    if max_reasons is not None:
        if isinstance(max_reasons, bool) or not isinstance(max_reasons, int) or max_reasons < 0:
            raise ArgumentError("max_reasons must be an int >= 0, not %r" % (max_reasons,))
        opts.max_reasons = max_reasons
    if prior is not None:
        if isinstance(prior, bool) or not isinstance(prior, (int, float)) or \
                not 0.0 < float(prior) < 1.0:
            raise ArgumentError("prior must be a fraud rate between 0 and 1 (exclusive), not %r"
                                % (prior,))
        opts.prior = float(prior)
    return opts


def _loads_lines(buf: bytes) -> List[Dict[str, Any]]:
    """Parse JSONL result lines (raw newlines never occur inside JSON values) in one call."""
    return json.loads(b"[" + buf[:-1].replace(b"\n", b",") + b"]")


class _ContextPool:
    """Library contexts kept warm between batches (a fresh one costs milliseconds on first
    use). A batch takes as many as it has threads and gives them back."""

    def __init__(self, keep: int) -> None:
        self._free: List[Any] = []
        self._lock = threading.Lock()
        self._keep = keep

    def take(self, n: int) -> List[Any]:
        with self._lock:
            got = self._free[len(self._free) - n:] if n <= len(self._free) else self._free[:]
            del self._free[len(self._free) - len(got):]
        err = ffi.new("fj_error *")
        while len(got) < n:
            out = ffi.new("fj_context **")
            _check(lib.fj_context_new(out, err), err)
            got.append(ffi.gc(out[0], lib.fj_context_free))
        return got

    def give(self, ctxs: List[Any]) -> None:
        with self._lock:
            room = self._keep - len(self._free)
            if room > 0:
                self._free.extend(ctxs[:room])


_CPUS = os.cpu_count() or 1
_pool = _ContextPool(keep=max(8, 2 * _CPUS))
# The library hands each worker thread 8 postings at a time: more threads than that are idle.
_BATCH_GRAIN = 8
# The first chunk of score_many; later chunks double up to chunk_size.
FIRST_CHUNK = 256


def _resolve_threads(threads: Optional[int], n: int) -> int:
    if threads is None:
        t = _CPUS if n >= PARALLEL_MIN else 1
    else:
        t = threads or _CPUS
    return max(1, min(t, 256, -(-n // _BATCH_GRAIN)))


class _Chunk:
    """One call of fj_score_json_batch: postings encoded on construction, results decoded by
    results()."""

    def __init__(self, chunk: List[Any], threads: int) -> None:
        self.chunk = chunk
        self.threads = threads
        self.failed: Dict[int, Error] = {}
        texts: List[bytes] = []
        for i, posting in enumerate(chunk):
            try:
                texts.append(_encode(posting))
            except Error as e:
                texts.append(b"")
                self.failed[i] = e
        n = len(chunk)
        self.big = b"".join(texts)
        ends = ffi.new("size_t[]", list(accumulate(map(len, texts))))
        self.ptrs = ffi.new("const char *[]", n)
        self.lens = ffi.new("size_t[]", n)
        self.base = ffi.from_buffer(self.big)
        lib.fjpy_split(self.base, ends, n, self.ptrs, self.lens)
        self.data = b""

    def run(self, m: Any, history: Optional[History], epoch: int, sopts: Any) -> "_Chunk":
        n = len(self.chunk)
        ctxs = _pool.take(self.threads)
        try:
            cctx = ffi.new("fj_context *[]", ctxs)
            opts = ffi.new("fj_batch_options *")
            lib.fj_batch_options_init(opts)
            opts.threads = self.threads
            opts.contexts = cctx
            opts.now = epoch
            opts.score = sopts
            out = ffi.new("char **")
            out_len = ffi.new("size_t *")
            err = ffi.new("fj_error *")
            if history is not None:
                with history._lock:
                    opts.history = history._handle()
                    st = lib.fj_score_json_batch(m, self.ptrs, self.lens, n, opts, out, out_len,
                                                 ffi.NULL, err)
            else:
                st = lib.fj_score_json_batch(m, self.ptrs, self.lens, n, opts, out, out_len,
                                             ffi.NULL, err)
        finally:
            _pool.give(ctxs)
        _check(st, err)
        try:
            self.data = ffi.unpack(out[0], out_len[0])
        finally:
            lib.free(out[0])
        return self

    def results(self) -> List[Result]:
        dicts = _loads_lines(self.data)
        if len(dicts) != len(self.chunk):
            raise _errors.InternalError("the library returned %d results for %d postings"
                                        % (len(dicts), len(self.chunk)))
        results = [Result(d) for d in dicts]
        for i, e in self.failed.items():
            results[i] = _error_result(self.chunk[i], e)
        return results


class _Worker:
    """One thread that runs chunks one after the other (so a history store sees them in
    order) while the caller's thread encodes and decodes."""

    def __init__(self) -> None:
        self._jobs: "queue.Queue[Any]" = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="fakejob-score", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            fut, job, args = item
            try:
                fut.set_result(job.run(*args))
            except BaseException as e:  # handed to the caller by wait()
                fut.set_exception(e)

    def submit(self, job: _Chunk, *args: Any) -> "_Future":
        fut = _Future()
        self._jobs.put((fut, job, args))
        return fut

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()


class _Future:
    def __init__(self) -> None:
        self._done = threading.Event()
        self._value: Any = None
        self._exc: Optional[BaseException] = None

    def set_result(self, v: Any) -> None:
        self._value = v
        self._done.set()

    def set_exception(self, e: BaseException) -> None:
        self._exc = e
        self._done.set()

    def wait(self) -> Any:
        self._done.wait()
        if self._exc is not None:
            raise self._exc
        return self._value


class Model:
    """A trained classifier: immutable, shareable between threads. Get one with load_model()
    or train(). Use as a context manager or call close() to free it early."""

    def __init__(self, _handle: Any) -> None:
        if _handle is None or _handle == ffi.NULL:
            raise ArgumentError("use fakejob.load_model() or fakejob.train() to get a Model")
        self._m = ffi.gc(_handle, lib.fj_model_free)

    def _handle(self) -> Any:
        if self._m is None:
            raise _errors.ModelError("model is closed")
        return self._m

    @property
    def name(self) -> str:
        """"NAME VERSION", e.g. "fakejob-default 1.0.0"."""
        m = self._handle()  # keeps the model alive until the name is copied
        return _str(lib.fj_model_name(m)) or ""

    @property
    def explains(self) -> bool:
        """Whether the model attributes its margin to features (linear kernel)."""
        return bool(lib.fj_model_explains(self._handle()))

    @property
    def manifest(self) -> Dict[str, Any]:
        """The bundle's manifest: format, name, version, parts, thresholds, training data and
        cross-validated metrics."""
        m = self._handle()
        text = _str(lib.fj_model_manifest(m))
        return json.loads(text) if text else {}

    def thresholds(self, lang: str = "auto") -> Tuple[float, float]:
        """(fraud, suspicious) score thresholds of the part that scores ``lang``."""
        langs = {"auto": lib.FJ_LANG_AUTO, "zh": lib.FJ_LANG_ZH, "en": lib.FJ_LANG_EN}
        if lang not in langs:
            raise ArgumentError("lang must be 'zh', 'en' or 'auto', not %r" % (lang,))
        f = ffi.new("double *")
        s = ffi.new("double *")
        lib.fj_model_thresholds(self._handle(), langs[lang], f, s)
        return float(f[0]), float(s[0])

    def score(self, posting: Posting, *, history: Optional[History] = None,
              now: Optional[When] = None, fraud_threshold: Optional[float] = None,
              suspicious_threshold: Optional[float] = None,
              max_reasons: Optional[int] = None, prior: Optional[float] = None) -> Result:
        """Score one posting (a dict per the posting format, or its JSON text).

        With ``history``, the posting is first observed in the store (query then record) and
        its repost statistics feed the score. ``now`` is the observation time of a posting
        without ``observed_at``. Thresholds and the number of reasons override the model's.
        ``prior``: the fraud rate expected where the model is deployed (0 < prior < 1; None:
        the model's training mix); the score is moved to it and the model's thresholds with it
        (README.md, "Base rates"). Raises InputError (or LimitError) for a posting that cannot
        be scored, or whose language the model has no part for.
        """
        m = self._handle()
        opts = _score_options(fraud_threshold, suspicious_threshold, max_reasons, prior)
        err = ffi.new("fj_error *")
        res = ffi.new("fj_result *")
        out = ffi.new("char **")
        with _parse_in(history, lib.fj_history_observe, posting, now) as (ctx, p, stats):
            _check(lib.fj_score_with(ctx, m, p, stats, opts, res, err), err)
        _check(lib.fj_result_to_json(res, p, m, out, err), err)
        try:
            text = ffi.string(out[0])
        finally:
            lib.free(out[0])
        return Result(json.loads(text))

    def score_many(self, postings: Iterable[Posting], *, threads: Optional[int] = None,
                   history: Optional[History] = None, now: Optional[When] = None,
                   fraud_threshold: Optional[float] = None,
                   suspicious_threshold: Optional[float] = None,
                   max_reasons: Optional[int] = None,
                   chunk_size: int = DEFAULT_CHUNK,
                   prior: Optional[float] = None) -> List[Result]:
        """Score many postings on several threads; one Result per posting, in input order.

        A posting that cannot be read or scored gets a Result whose ``error`` says why; the
        others are scored all the same. ``threads``: worker threads (None: one per CPU for
        batches of PARALLEL_MIN postings or more, else one). The GIL is released while the C
        library scores. With ``history``, postings are observed in input order first.
        Results are the same whatever the number of threads.
        """
        return list(self.iter_score(postings, threads=threads, history=history, now=now,
                                    fraud_threshold=fraud_threshold,
                                    suspicious_threshold=suspicious_threshold,
                                    max_reasons=max_reasons, chunk_size=chunk_size,
                                    prior=prior))

    def iter_score(self, postings: Iterable[Posting], *, threads: Optional[int] = None,
                   history: Optional[History] = None, now: Optional[When] = None,
                   fraud_threshold: Optional[float] = None,
                   suspicious_threshold: Optional[float] = None,
                   max_reasons: Optional[int] = None,
                   chunk_size: int = DEFAULT_CHUNK,
                   prior: Optional[float] = None) -> Iterator[Result]:
        """score_many() as a generator: reads ``postings`` a chunk at a time (at most
        ``chunk_size`` postings), so an endless stream is scored in bounded memory. While the
        library scores one chunk (on its own threads, without the GIL), the next one is encoded
        and the previous one decoded."""
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                    or threads < 0):
            raise ArgumentError("threads must be an int >= 0 (0: one per CPU), not %r"
                                % (threads,))
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ArgumentError("chunk_size must be an int >= 1, not %r" % (chunk_size,))
        if history is not None and not isinstance(history, History):
            raise ArgumentError("history must be a fakejob.History")
        if isinstance(postings, (str, bytes, Mapping)):
            raise ArgumentError("score_many takes an iterable of postings; use score() for one")
        m = self._handle()
        sopts = _score_options(fraud_threshold, suspicious_threshold, max_reasons, prior)
        epoch = _epoch(now, "now") if now is not None else (history._now if history else 0)
        total = len(postings) if isinstance(postings, Sequence) else None
        it = iter(postings)
        # Small first chunks start the pipeline quickly; later ones grow up to chunk_size.
        size = min(chunk_size, FIRST_CHUNK)
        worker = None
        pending = None
        try:
            while True:
                chunk = list(islice(it, size))
                if not chunk:
                    break
                nthreads = _resolve_threads(threads, total if total is not None else len(chunk))
                job = _Chunk(chunk, nthreads)
                if worker is None and len(chunk) < size:  # the only chunk: no pipeline
                    yield from job.run(m, history, epoch, sopts).results()
                    return
                size = min(chunk_size, size * 2)
                if worker is None:
                    worker = _Worker()
                running = worker.submit(job, m, history, epoch, sopts)
                if pending is not None:
                    yield from pending.wait().results()
                pending = running
            if pending is not None:
                yield from pending.wait().results()
        finally:
            if worker is not None:
                worker.close()

    def save(self, path: PathLike) -> None:
        """Write the model as a bundle folder (created if needed)."""
        p = os.fspath(path)
        if "\0" in p:
            raise ArgumentError("model path contains a NUL character")
        err = ffi.new("fj_error *")
        _check(lib.fj_model_save(self._handle(), os.fsencode(p), err), err)

    def close(self) -> None:
        """Release the model: it is freed at once, or when the last call still using it (in
        another thread, or an unfinished iter_score) returns. Safe to call twice."""
        self._m = None

    def __enter__(self) -> "Model":
        self._handle()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._m is None:
            return "<fakejob.Model closed>"
        return "<fakejob.Model %r>" % self.name


def load_model(path: Optional[PathLike] = None) -> Model:
    """Load a model bundle folder; with no path, the default model ($FAKEJOB_MODEL, the build
    tree's models/default, or the installed one). Raises FileError, ModelError or
    VersionError naming the file and the problem."""
    err = ffi.new("fj_error *")
    out = ffi.new("fj_model **")
    if path is None:
        _check(lib.fj_model_load_default(out, err), err)
    else:
        p = os.fspath(path)
        if "\0" in p:
            raise ArgumentError("model path contains a NUL character")
        _check(lib.fj_model_load(out, os.fsencode(p), err), err)
    return Model(out[0])


# ---------------------------------------------------------------------------------------------
# text pipeline and signals

class Token(NamedTuple):
    """A token: its normalized text, its kind ("word", "bigram", "money", "qq", "url", …), and
    the span [start, end) it came from in the original text of ``field``, in characters (so
    ``text[start:end]`` of the string given quotes it)."""
    text: str
    kind: str
    start: int
    end: int
    field: Optional[str] = None


class _Offsets:
    """Byte offsets of a UTF-8 encoded str mapped back to character offsets."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        if text.isascii():
            self.starts = None
        else:
            self.starts = list(accumulate(
                (1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4
                 for c in text), initial=0))

    def __call__(self, b: int) -> int:
        return b if self.starts is None else bisect_left(self.starts, b)


_KIND_NAMES: Dict[int, str] = {}


def _kind_name(k: int) -> str:
    name = _KIND_NAMES.get(k)
    if name is None:
        name = _KIND_NAMES[k] = _str(lib.fj_token_kind_name(k)) or str(k)
    return name


def _encode_text(text: str, what: str = "text", limited: bool = False) -> bytes:
    if not isinstance(text, str):
        raise ArgumentError("%s must be a str, not %s" % (what, type(text).__name__))
    if limited and len(text) > MAX_POSTING_BYTES:
        # Over the limit whatever its encoding: the library says so from its first bytes, so
        # a huge string is not encoded whole.
        text = text[:MAX_POSTING_BYTES + 1]
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        offset = len(text[:e.start].encode("utf-8", "surrogatepass"))
        raise InputError("%s: invalid UTF-8 (a lone surrogate) at byte %d" % (what, offset),
                         offset=offset) from None


def tokenize(text: Union[str, Mapping[str, Any]]) -> List[Token]:
    """Tokenize a text, or every text field of a posting (a dict): normalized, segmented,
    stemmed, typed tokens with their spans in the original text."""
    err = ffi.new("fj_error *")
    toks = ffi.new("const fj_token **")
    count = ffi.new("size_t *")
    if isinstance(text, Mapping):
        ctx, p = _parse(text)
        _check(lib.fj_tokenize_posting(ctx, p, toks, count, err), err)
        maps: Dict[int, Tuple[Optional[str], _Offsets]] = {}

        def where(f: int) -> Tuple[Optional[str], _Offsets]:
            if f not in maps:
                name = _field_name(f)
                value = text.get(name) if name else None
                maps[f] = (name, _Offsets(value if isinstance(value, str) else ""))
            return maps[f]
    else:
        data = _encode_text(text, limited=True)
        ctx, _ = _thread_state()
        _check(lib.fj_tokenize_text(ctx, data, len(data), toks, count, err), err)
        offsets = _Offsets(text)

        def where(f: int) -> Tuple[Optional[str], _Offsets]:
            return None, offsets
    result = []
    t = toks[0]
    for i in range(count[0]):
        tok = t[i]
        name, off = where(tok.field)
        result.append(Token(ffi.unpack(tok.text, tok.len).decode("utf-8", "replace"),
                            _kind_name(tok.kind), off(tok.start), off(tok.end), name))
    return result


def normalize(text: str) -> str:
    """The normalized form of a text: NFKC case folding, Traditional to Simplified Chinese,
    whitespace folded."""
    data = _encode_text(text, limited=True)
    ctx, _ = _thread_state()
    err = ffi.new("fj_error *")
    out = ffi.new("const char **")
    n = ffi.new("size_t *")
    _check(lib.fj_normalize(ctx, data, len(data), out, n, err), err)
    return ffi.unpack(out[0], n[0]).decode("utf-8", "replace")


def detect_lang(text: str) -> str:
    """"zh" when Han characters make up a meaningful share of the letters, else "en"."""
    data = _encode_text(text)
    return _str(lib.fj_lang_name(lib.fj_detect_lang(data, len(data)))) or "en"


class Signal(NamedTuple):
    """An engineered red-flag signal that fired: its stable name, value, the original text that
    triggered it (or None) and the posting field it was found in (or None)."""
    name: str
    value: float
    evidence: Optional[str] = None
    field: Optional[str] = None


def signals(posting: Posting, *, history: Optional[History] = None,
            now: Optional[When] = None) -> List[Signal]:
    """The signals of a posting that fired, each once with its strongest evidence.

    With ``history``, repost counts come from the store (queried, not recorded); without, from
    the posting's own fields only."""
    err = ffi.new("fj_error *")
    sigs = ffi.new("const fj_signal **")
    count = ffi.new("size_t *")
    with _parse_in(history, lib.fj_history_query, posting, now) as (ctx, p, stats):
        _check(lib.fj_signals(ctx, p, stats, sigs, count, err), err)
        return _signal_list(sigs[0], count[0])


def _signal_list(s: Any, n: int) -> List[Signal]:
    return [Signal(_str(s[i].name) or "", float(s[i].value),
                   _text(s[i].evidence, s[i].evidence_len), _field_name(s[i].field))
            for i in range(n)]


def signal_names() -> List[str]:
    """Every signal the library knows, in feature order."""
    return [_str(lib.fj_signal_name(i)) or "" for i in range(lib.fj_signal_count())]


# ---------------------------------------------------------------------------------------------
# training

class Progress(NamedTuple):
    """A training progress report: stage ("replay", "features", "grid", "fold", "final",
    "calibrate", "cv"), language part, step of total (0 when not counted) and a message."""
    stage: str
    part: str
    step: int
    total: int
    message: str


class _ProgressState:
    def __init__(self, fn: Callable[[Progress], Any]) -> None:
        self.fn = fn
        self.exc: Optional[BaseException] = None


@ffi.def_extern()
def fjpy_progress(progress: Any, user: Any) -> None:
    state = ffi.from_handle(user)
    if state.exc is not None:
        return
    try:
        state.fn(Progress(_str(progress.stage) or "", _str(progress.part) or "",
                          int(progress.step), int(progress.total), _str(progress.message) or ""))
    except BaseException as e:  # re-raised by train() once the library returns
        state.exc = e


Corpus = Union[PathLike, Iterable[Union[PathLike, Mapping[str, Any], str, bytes]]]


def _dataset(corpus: Corpus, group_by: Optional[str]) -> Any:
    err = ffi.new("fj_error *")
    out = ffi.new("fj_dataset **")
    _check(lib.fj_dataset_new(out, err), err)
    d = ffi.gc(out[0], lib.fj_dataset_free)
    items: Iterable[Any] = [corpus] if isinstance(corpus, (str, os.PathLike)) else corpus
    gb = group_by.encode("utf-8") if group_by is not None else ffi.NULL
    for n, item in enumerate(items):
        if isinstance(item, (str, os.PathLike)) and not (isinstance(item, str)
                                                          and item.lstrip().startswith("{")):
            _check(lib.fj_dataset_add_file(d, os.fsencode(os.fspath(item)), gb, err), err)
            continue
        try:
            _, p = _parse(item)
        except Error as e:
            e.message = "corpus posting %d: %s" % (n + 1, e.message)
            e.args = (e.message,)
            raise
        key = ffi.NULL
        if group_by not in (None, "content") and isinstance(item, Mapping):
            v = item.get(group_by)
            if isinstance(v, str) and v:
                key = _encode_text(v, "group_by field")
        _check(lib.fj_dataset_add(d, p, key, err), err)
    return d


def train(corpus: Corpus, *, group_by: Optional[str] = None, kernel: str = "linear",
          C: Optional[float] = None, gamma: Optional[float] = None, folds: Optional[int] = None,
          seed: Optional[int] = None, class_weights: Optional[bool] = None,
          per_language: Optional[bool] = None, target_precision: Optional[float] = None,
          min_df: Union[int, Dict[str, int], None] = None,
          max_features: Union[int, Dict[str, int], None] = None, text_view: Optional[bool] = None,
          dense_weight: Union[float, Dict[str, float], None] = None, threads: Optional[int] = None,
          name: Optional[str] = None,
          version: Optional[str] = None, data_description: Optional[str] = None,
          progress: Optional[Callable[[Progress], Any]] = None) -> Model:
    """Train a model on labelled postings.

    ``corpus``: a corpus file path (JSONL), or an iterable of paths and/or posting dicts that
    carry ``label`` ("fraud" or "legit"). ``group_by``: "content" (default: copies of a posting
    share a cross-validation fold) or a string field such as "company". The other parameters
    are those of ``fakejob train`` (None: the library's default): ``kernel`` "linear" or "rbf",
    ``C`` and ``gamma`` (None: grid search), ``folds``, ``seed``, ``class_weights``,
    ``per_language``, ``target_precision`` of the fraud threshold, ``min_df`` and
    ``max_features`` (an int, or per language: ``{"en": 1, "zh": 2}``), ``text_view`` (False: one SVM per part, as ``--single-view``),
    ``dense_weight`` (0 < X <= 2, or per language: ``{"en": 2}``; as ``--dense-weight``),
    ``threads``, the model's ``name`` and ``version``, and
    ``data_description``. ``progress`` is called with a Progress for each step.
    Deterministic: the same data and parameters give the same model.
    """
    params = ffi.new("fj_train_params *")
    lib.fj_train_params_init(params)
    kernels = {"linear": lib.FJ_KERNEL_LINEAR, "rbf": lib.FJ_KERNEL_RBF}
    if kernel not in kernels:
        raise ArgumentError("kernel must be 'linear' or 'rbf', not %r" % (kernel,))
    params.kernel = kernels[kernel]
    keep = []  # C strings must outlive the call
    for attr, v in (("C", C), ("gamma", gamma), ("target_precision", target_precision)):
        if v is not None:
            setattr(params, attr, float(v))
    langs = {"zh": lib.FJ_LANG_ZH, "en": lib.FJ_LANG_EN}
    per_lang = []
    for attr, v in (("min_df", min_df), ("max_features", max_features)):
        if isinstance(v, dict):  # {"en": 1, "zh": 2}: per-language values
            for lang, n in v.items():
                if lang not in langs:
                    raise ArgumentError("%s: languages are 'zh' and 'en', not %r" % (attr, lang))
                per_lang.append((attr + "_lang", langs[lang], n))
    for attr, idx, v in per_lang:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ArgumentError("%s[%r] must be an int >= 1, not %r" % (attr[:-5], idx, v))
        try:
            getattr(params, attr)[idx] = v
        except OverflowError:
            raise ArgumentError("%s is out of range: %r" % (attr[:-5], v)) from None
    weights = dense_weight if isinstance(dense_weight, dict) else (
        {None: dense_weight} if dense_weight is not None else {})
    for lang, x in weights.items():
        if lang is not None and lang not in langs:
            raise ArgumentError("dense_weight: languages are 'zh' and 'en', not %r" % (lang,))
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x <= 2:
            raise ArgumentError("dense_weight must be a number in (0, 2], not %r" % (x,))
        if lang is None:
            params.dense_weight = float(x)
        else:
            params.dense_weight_lang[langs[lang]] = float(x)
    if isinstance(min_df, dict):
        min_df = None
    if isinstance(max_features, dict):
        max_features = None
    for attr, v in (("folds", folds), ("seed", seed), ("min_df", min_df),
                    ("max_features", max_features), ("threads", threads)):
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ArgumentError("%s must be an int >= 0, not %r" % (attr, v))
            try:
                setattr(params, attr, v)
            except OverflowError:
                raise ArgumentError("%s is out of range: %r" % (attr, v)) from None
    for attr, v in (("class_weights", class_weights), ("per_language", per_language),
                    ("text_view", text_view)):
        if v is not None:
            setattr(params, attr, 1 if v else 0)
    for attr, v in (("name", name), ("version", version), ("data_description",
                                                          data_description)):
        if v is not None:
            s = ffi.new("char[]", _encode_text(v, attr))
            keep.append(s)
            setattr(params, attr, s)
    state = None
    if progress is not None:
        if not callable(progress):
            raise ArgumentError("progress must be callable")
        state = _ProgressState(progress)
        handle = ffi.new_handle(state)
        keep.append(handle)
        params.progress = lib.fjpy_progress
        params.progress_user = handle
    d = _dataset(corpus, group_by)
    err = ffi.new("fj_error *")
    out = ffi.new("fj_model **")
    st = lib.fj_train(out, d, params, err)
    if state is not None and state.exc is not None:
        if st == lib.FJ_OK:
            lib.fj_model_free(out[0])
        raise state.exc
    _check(st, err)
    return Model(out[0])


# ---------------------------------------------------------------------------------------------
# evaluation

class Metrics(dict):
    """Evaluation metrics, as ``fakejob eval`` reports them: a dict also readable as
    attributes (``m.roc_auc``): count, fraud, legit, threshold, confusion (tn, fp, fn, tp),
    precision, recall, f1, accuracy, roc_auc, pr_auc, recall_at_1pct_fpr,
    threshold_at_1pct_fpr, and by verdict (verdicts, flag_fraud, flag_suspicious). A ratio
    undefined on the data is None. ``scores`` and ``verdicts`` hold each posting's score and
    verdict, in corpus order.
    """

    scores: List[float]
    verdicts: List[str]

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        def f(v: Any) -> str:
            return "%.4f" % v if isinstance(v, float) else repr(v)
        return "<fakejob.Metrics count=%s precision=%s recall=%s f1=%s roc_auc=%s pr_auc=%s>" % (
            self.get("count"), f(self.get("precision")), f(self.get("recall")), f(self.get("f1")),
            f(self.get("roc_auc")), f(self.get("pr_auc")))


_VERDICTS = ("legit", "suspicious", "fraud", "insufficient")


def evaluate(model: Model, corpus: Corpus, *, threshold: Optional[float] = None,
             replay_history: bool = True, group_by: Optional[str] = None,
             fraud_threshold: Optional[float] = None,
             suspicious_threshold: Optional[float] = None) -> Metrics:
    """Score every posting of a labelled corpus (paths and/or dicts, as for train()) and
    compute the metrics of ``fakejob eval``: precision, recall, F1 at ``threshold`` (default
    0.5), ROC-AUC, PR-AUC, recall at 1 % false-positive rate, the confusion matrix, and the same
    by verdict. With ``replay_history`` (default) repost features are replayed as training saw
    them. Raises the error of the first posting that cannot be scored."""
    if not isinstance(model, Model):
        raise ArgumentError("evaluate needs a fakejob.Model, not %s" % type(model).__name__)
    m = model._handle()
    opts = ffi.new("fj_eval_options *")
    lib.fj_eval_options_init(opts)
    if threshold is not None:
        opts.threshold = float(threshold)
    opts.replay_history = 1 if replay_history else 0
    sopts = _score_options(fraud_threshold, suspicious_threshold, None)
    opts.score = sopts
    d = _dataset(corpus, group_by)
    n = lib.fj_dataset_size(d)
    scores = ffi.new("double[]", max(n, 1))
    verdicts = ffi.new("fj_verdict[]", max(n, 1))
    out = ffi.new("fj_metrics *")
    err = ffi.new("fj_error *")
    ctx, _ = _thread_state()
    _check(lib.fj_evaluate(ctx, m, d, opts, out, scores, verdicts, err), err)
    text = ffi.new("char **")
    _check(lib.fj_metrics_to_json(out, text, err), err)
    try:
        result = Metrics(json.loads(ffi.string(text[0])))
    finally:
        lib.free(text[0])
    result.scores = [float(scores[i]) for i in range(n)]
    result.verdicts = [_VERDICTS[verdicts[i]] if 0 <= verdicts[i] < len(_VERDICTS)
                       else str(verdicts[i])
                       for i in range(n)]
    return result
