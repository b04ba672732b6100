"""Exceptions raised by the fakejob bindings: one class per status code of the C library."""

from typing import Any, Dict, Optional

__all__ = [
    "Error", "ArgumentError", "InputError", "LimitError", "FileError", "ModelError",
    "VersionError", "HistoryError", "TrainError", "InternalError", "OutOfMemoryError",
]


class Error(Exception):
    """Base class of every error the library reports.

    Attributes carry what the C library said: ``code`` (its stable status name: "input",
    "limit", "io", "model", …), ``message``, and where known ``field`` (the posting field
    concerned), ``offset`` (a byte offset into that field or input) and ``line`` (the 1-based
    line of a file).
    """

    code = "error"

    def __init__(self, message: str, *, field: Optional[str] = None,
                 offset: Optional[int] = None, line: Optional[int] = None,
                 code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field or None
        self.offset = offset if offset is not None and offset >= 0 else None
        self.line = line if line is not None and line > 0 else None
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        extra = "".join(", %s=%r" % (k, getattr(self, k)) for k in ("field", "offset", "line")
                        if getattr(self, k) is not None)
        return "%s(%r%s)" % (type(self).__name__, self.message, extra)

    def to_dict(self) -> Dict[str, Any]:
        """The error as the ``error`` member of a result line."""
        d: Dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            d["field"] = self.field
        if self.offset is not None:
            d["offset"] = self.offset
        if self.line is not None:
            d["line"] = self.line
        return d


class ArgumentError(Error, ValueError):
    """An argument out of range or of the wrong kind (status "argument")."""
    code = "argument"


class InputError(Error, ValueError):
    """A posting that cannot be read: bad JSON, a wrong type, invalid UTF-8, a bad date, neither
    title nor description (status "input")."""
    code = "input"


class LimitError(InputError):
    """A documented size limit exceeded: posting size, field length, tokens, nesting
    (status "limit"). A kind of InputError."""
    code = "limit"


class FileError(Error, OSError):
    """A file that cannot be opened, read or written (status "io")."""
    code = "io"


class ModelError(Error):
    """A model bundle that is missing, truncated, corrupted or inconsistent (status "model")."""
    code = "model"


class VersionError(Error):
    """A model bundle or history store of a newer format than this library (status
    "version")."""
    code = "version"


class HistoryError(Error):
    """The history store failed: locked past its timeout, corrupted (status "history")."""
    code = "history"


class TrainError(Error):
    """Training could not proceed, e.g. a single class or too few postings (status "train")."""
    code = "train"


class InternalError(Error):
    """A dependency (ICU, libsvm, SQLite) failed unexpectedly (status "internal")."""
    code = "internal"


class OutOfMemoryError(Error, MemoryError):
    """The library ran out of memory (status "nomem")."""
    code = "nomem"


BY_CODE = {cls.code: cls for cls in (ArgumentError, InputError, LimitError, FileError,
                                     ModelError, VersionError, HistoryError, TrainError,
                                     InternalError, OutOfMemoryError)}


def from_dict(d: Dict[str, Any]) -> Error:
    """The exception for the ``error`` member of a result line (not raised)."""
    code = str(d.get("code", "internal"))
    cls = BY_CODE.get(code, Error)
    return cls(str(d.get("message", "")), field=d.get("field"), offset=d.get("offset"),
               line=d.get("line"), code=code)
