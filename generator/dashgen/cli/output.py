"""Where the CLI's text goes: redacted streams, the log handler, and the last safety net.

While a command runs, ``sys.stdout`` and ``sys.stderr`` are wrapped so that every line
passes through ``dashgen.secrets.redact`` (as CI systems mask registered secrets): the
last guard behind the redaction at the client boundary, in ``DashgenError`` and in
``messages.explain``. Only ``dashgen token create --show`` writes a token, on purpose,
through ``write_secret``.

``-v``/``--verbose`` or env ``DASHGEN_LOG`` (debug, info, warning, error) turn on the
``dashgen`` loggers (library code only logs; it never configures logging): each request
to Grafana with its method, path, status and time, never a header or a body.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from dashgen.errors import DashgenError, UsageError
from dashgen.secrets import redact

LOG_ENV = "DASHGEN_LOG"
LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
_HANDLER_NAME = "dashgen-cli"


class RedactingStream(io.TextIOBase):
    """A text stream that writes everything through ``redact``."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.unredacted = stream

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes with b"" for binary streams
            raise TypeError("RedactingStream takes text")
        self.unredacted.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.unredacted.flush()

    def isatty(self) -> bool:
        return self.unredacted.isatty()

    def fileno(self) -> int:
        return self.unredacted.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.unredacted, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.unredacted, "errors", None)


@contextlib.contextmanager
def redacted_output() -> Iterator[None]:
    """Wrap stdout and stderr for the duration of a command."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def write_secret(value: str) -> None:
    """Print ``value`` alone on stdout, unredacted: only for ``--show``."""
    stream: Any = sys.stdout
    raw = stream.unredacted if isinstance(stream, RedactingStream) else stream
    raw.write(value + "\n")
    raw.flush()


# -- logging -----------------------------------------------------------------------------


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (CliRunner swaps it)."""

    def __init__(self) -> None:
        super().__init__()
        self.set_name(_HANDLER_NAME)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.levelname = record.levelname.lower()
        return redact(super().format(record))


def level_from_env(environ: dict[str, str] | None = None) -> int | None:
    """The level ``DASHGEN_LOG`` asks for; None when unset. A wrong value is a UsageError."""
    value = (os.environ if environ is None else environ).get(LOG_ENV, "").strip().lower()
    if not value:
        return None
    if value not in LOG_LEVELS:
        raise UsageError(
            f"env {LOG_ENV}={value!r} is not a log level: use one of {', '.join(LOG_LEVELS)}"
        )
    return LOG_LEVELS[value]


def configure_logging(level: int) -> Callable[[], None]:
    """Send the ``dashgen`` loggers to stderr at ``level`` (one handler, redacted); returns
    the function that puts the logger back as it was (for in-process runs, e.g. tests)."""
    logger = logging.getLogger("dashgen")
    saved = logger.level, logger.propagate, list(logger.handlers)
    handler = next((h for h in logger.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = _StderrHandler()
        handler.setFormatter(_RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # never also through the root logger or logging.lastResort

    def restore() -> None:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers[:] = saved[2]

    return restore


def verbose(on: bool) -> Callable[[], None]:
    """``-v``: debug; else the level of ``DASHGEN_LOG`` (default: warnings only)."""
    env_level = level_from_env()
    return configure_logging(logging.DEBUG if on else env_level or logging.WARNING)


def is_verbose() -> bool:
    return logging.getLogger("dashgen").isEnabledFor(logging.DEBUG)


class InternalError(DashgenError):
    """A bug in dashgen, shown as one redacted line (the traceback with ``-v``)."""


def internal_error(error: Exception) -> InternalError:
    if is_verbose():
        text = "".join(traceback.format_exception(error))
        sys.stderr.write(redact(text))
    return InternalError(
        f"internal error: {type(error).__name__}: {error} (this is a bug in dashgen; "
        "re-run with -v for the traceback and report it)"
    )


def file_system_error(error: OSError) -> DashgenError:
    """An ``OSError`` no part of dashgen turned into its own message: what the system said
    and the path(s) it named (the traceback with ``-v``)."""
    if is_verbose():
        sys.stderr.write(redact("".join(traceback.format_exception(error))))
    why = error.strerror or str(error) or type(error).__name__
    paths = [str(p) for p in (error.filename, error.filename2) if p not in (None, "")]
    where = " -> ".join(paths)
    return DashgenError(f"{where}: {why}" if where else why)
