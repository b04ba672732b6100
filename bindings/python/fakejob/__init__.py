"""fakejob: tell whether a job posting (Chinese or English) is fraudulent, and say why.

Python bindings of libfakejob (this example is run by the test suite, as a doctest):

    >>> import fakejob
    >>> model = fakejob.load_model()                  # the default model
    >>> r = model.score({"title": "打字员", "description": "日结300元，入职前需缴纳培训费198元"})
    >>> print(r.verdict, round(r.score, 2), r.reasons[0].signal, r.reasons[0].evidence)
    fraud 0.95 upfront_fee 入职前需缴纳培训费198元
    >>> r.reasons[0].label                            # what it means, Chinese / English
    '要求求职者付费 / Asks the applicant to pay'
    >>> postings = [{"title": "Clerk", "description": "Filing."},
    ...             {"title": "打字员", "description": "在家打字，日结300元，入职前需缴纳押金200元，加微信详谈"}]
    >>> [x.verdict for x in model.score_many(postings)]  # many postings, on every core
    ['insufficient', 'fraud']

A posting is a dict in the project's posting format (README.md, "Posting format"); results
convert to the JSON result lines of ``fakejob score`` with ``to_dict()``. Errors are
``fakejob.Error`` subclasses carrying the library's message.
"""

from ._errors import (ArgumentError, Error, FileError, HistoryError, InputError, InternalError,
                      LimitError, ModelError, OutOfMemoryError, TrainError, VersionError)
from ._core import (MAX_FIELD_BYTES, MAX_POSTING_BYTES, MAX_TOKENS, History, HistoryStats, Metrics,
                    Model, Progress, Reason, Result, Signal, Token, detect_lang, evaluate,
                    library_version, load_model, normalize, reason_label, signal_names, signals,
                    tokenize, train)
from ._version import __version__

__all__ = [
    "__version__", "library_version",
    "load_model", "Model", "Result", "Reason", "reason_label",
    "tokenize", "normalize", "detect_lang", "Token",
    "signals", "signal_names", "Signal",
    "History", "HistoryStats",
    "train", "Progress", "evaluate", "Metrics",
    "Error", "ArgumentError", "InputError", "LimitError", "FileError", "ModelError",
    "VersionError", "HistoryError", "TrainError", "InternalError", "OutOfMemoryError",
    "MAX_POSTING_BYTES", "MAX_FIELD_BYTES", "MAX_TOKENS",
]
