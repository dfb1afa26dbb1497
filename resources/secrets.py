"""Secrets (API access tokens) read by this process, and the one layer that keeps them out of text.

A secret is read from an environment variable with :func:`read_secret`: surrounding whitespace is stripped
(a token mounted from a file usually ends in a newline), what is left must be usable as an HTTP header
value (printable ASCII, no spaces), and a bad value is refused with an error that names the variable,
never the value. Every secret read (or handed to a client with :func:`remember`) is kept in a
process-wide registry so that :func:`scrub` can replace it, wherever it turns up, with ``[REDACTED]``.

Scrubbing is applied where text leaves our code: the messages of the API clients' exceptions (built
with :func:`scrub`, raised without a cause or context that could carry the original), and every log record
the process makes once a secret is registered, whatever the logger, Dagster's ``context.log`` included
(:func:`install_record_scrubbing` wraps the log-record factory); the request loggers also carry the
scrubbing filter itself (:func:`install_log_filter`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable

REDACTED = "[REDACTED]"
#: What a header value may hold: printable ASCII without spaces (RFC 9110 field-value, minus the
#: whitespace and obs-text that some servers and ``requests`` refuse).
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")
#: Registered secrets shorter than this are not scrubbed: replacing every "abc" would garble logs and a
#: real access token is far longer.
MIN_SCRUBBED_LENGTH = 8
#: Loggers that see request and response details: requests, urllib3 and our HTTP plumbing (each API client
#: adds its own module's logger when it installs the filter).
REQUEST_LOGGERS = (
    "resources.http",
    "urllib3",
    "urllib3.connectionpool",
    "requests",
)

_lock = threading.Lock()
_factory_lock = threading.Lock()
_secrets: set[str] = set()


class SecretValueError(ValueError):
    """A secret is missing or unusable. The message names where it comes from, never its value."""


def remember(value: str) -> None:
    """Register a secret so :func:`scrub` hides it (and its ``repr`` form, as in ``'shpat_…\\n'``), and
    make sure every log record of this process is scrubbed from now on (:func:`install_record_scrubbing`)."""
    forms = {value, value.strip(), repr(value)[1:-1], repr(value.strip())[1:-1]}
    with _lock:
        _secrets.update(form for form in forms if len(form) >= MIN_SCRUBBED_LENGTH)
    install_record_scrubbing()


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]`` (longest first, so a secret that
    contains another is hidden whole)."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def query_redactor(*names: str) -> Callable[[str], str]:
    """A function giving its text with the value of every query parameter named here (``name=…``, or
    URL-encoded ``name%3D…``; names matched case-insensitively) replaced by ``[REDACTED]``, and every
    registered secret scrubbed: for clients whose credentials may travel in a URL's query."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?P<name>{alternatives})(?P<sep>=|%3D)[^&\s'\"<>#]*", re.IGNORECASE)

    def redact(text: str) -> str:
        return scrub(pattern.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text))

    return redact


def check_header_value(value: str, source: str) -> str:
    """``value`` stripped of surrounding whitespace, if it can travel as an HTTP header value; else
    :class:`SecretValueError` saying what is wrong with ``source`` (e.g. "environment variable
    ACME_TOKEN"). The value is registered for scrubbing either way."""
    remember(value)
    stripped = value.strip()
    if not stripped:
        raise SecretValueError(f"{source} is empty")
    if not _HEADER_SAFE.match(stripped):
        raise SecretValueError(
            f"{source} does not hold a usable token: it contains spaces, line breaks, control or non-ASCII "
            "characters inside the value (a token is printable ASCII without spaces); the value is not shown"
        )
    return stripped


def secret_is_set(variable: str) -> bool:
    """Whether environment variable ``variable`` holds anything at all (its value is not looked at)."""
    return bool(os.environ.get(variable))


def provide_default_secret(variable: str, value: str) -> None:
    """Set environment variable ``variable`` to ``value`` unless the operator already has (e.g. the demo's
    sandbox tokens)."""
    os.environ.setdefault(variable, value)


def read_secret(variable: str) -> str:
    """The secret in environment variable ``variable``, stripped and checked (:func:`check_header_value`).
    Raises :class:`SecretValueError` naming the variable when it is unset, empty or unusable."""
    value = os.environ.get(variable)
    if value is None:
        raise SecretValueError(f"environment variable {variable} is not set")
    return check_header_value(value, f"environment variable {variable}")


class ScrubbingFilter(logging.Filter):
    """Rewrites a log record's message and exception text with the secrets scrubbed. Never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


SCRUBBING_FILTER = ScrubbingFilter()


def install_log_filter(*loggers: logging.Logger | str) -> None:
    """Put the scrubbing filter on :data:`REQUEST_LOGGERS` and on these loggers (an API client passes its
    own); idempotent. A logger's filter sees only records logged to that very logger, hence the names."""
    for logger in (*REQUEST_LOGGERS, *loggers):
        target = logging.getLogger(logger) if isinstance(logger, str) else logger
        if SCRUBBING_FILTER not in target.filters:
            target.addFilter(SCRUBBING_FILTER)


class _ScrubbingRecordFactory:
    """The process's log-record factory, wrapped: every record any logger makes (Dagster's ``context.log``,
    which writes the run's event log, as much as ``requests`` or our own modules) has the registered
    secrets scrubbed from its message and exception text as it is made, before any handler sees it."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if _secrets:
            with contextlib.suppress(Exception):  # a message its arguments do not fit: logging reports it
                SCRUBBING_FILTER.filter(record)
        return record


def install_record_scrubbing() -> None:
    """Wrap the process's log-record factory in the scrubbing one (idempotent; :func:`remember` calls it)."""
    with _factory_lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, _ScrubbingRecordFactory):
            logging.setLogRecordFactory(_ScrubbingRecordFactory(current))
