"""Generic HTTP plumbing for platform API clients: retries with backoff, timeouts and rate-limit pacing.

Three small pieces, none of them specific to one platform:

* :class:`RetryPolicy` - which failures are transient and how long to wait before the next attempt
  (exponential backoff with full jitter, capped; ``Retry-After`` honoured on 429/503).
* :class:`Pacer` / :class:`PacerRegistry` - a thread-safe local estimate of a server-side leaky bucket,
  corrected by what the server reports (e.g. a call-limit header such as ``32/40``). Before
  each request the caller reserves a slot and sleeps just long enough for the bucket to have room, so 429s
  stay rare even when several threads fetch from the same shop. One pacer per shop per process: get it from
  the registry (:data:`PACERS`), keyed by the shop's base URL.
* :class:`RetryingRequester` - retries at the ``requests.Session`` level (so they also work for mounted
  in-process adapters, which urllib3's ``Retry`` cannot serve), built on tenacity in the spirit of dlt's
  retrying session: :func:`retry_condition` (429, 5xx, transient network errors), :class:`WaitRetryAfter`
  (``Retry-After`` honoured, else full-jitter exponential backoff) and ``stop_after_attempt``. Every
  request carries connect and read timeouts, and every response is bounded as a whole: a total deadline
  (body download included) and a maximum body size (:func:`read_body`).

Sleeping and the clock are injectable so tests never wait for real.

Nothing here logs headers or query strings: secrets travel in headers (access tokens) and are never formatted.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import tenacity
import urllib3.exceptions

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Clock = Callable[[], float]

#: Exceptions of ``requests`` that mean "the network let us down" and are worth another attempt.
#: ``ConnectionError`` covers refused/reset/dropped connections and ``ConnectTimeout``; ``Timeout`` covers
#: ``ReadTimeout``; ``ChunkedEncodingError`` is a body cut off mid-way.
TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

#: Seconds one response may take in all, from sending the request to the body's last byte.
DEFAULT_RESPONSE_DEADLINE = 120.0
#: Bytes one response body may hold (a page of 250 orders is about 2.8 MB).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Bytes asked of the socket at a time while reading a body (one read returns what has arrived).
BODY_READ_BYTES = 1024 * 1024


class ResponseDeadlineExceeded(requests.exceptions.Timeout):
    """The response did not arrive whole within the total deadline (a server dripping its body slower than
    the read timeout notices). Transient: retried like a read timeout."""


class ResponseTooLarge(requests.exceptions.RequestException):
    """The response body is bigger than the limit (by its ``Content-Length`` or as it arrived); reading
    stopped there. Not retried: the same request would bring the same body."""

    def __init__(self, message: str, *, path: str, status: int) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


# ---------------------------------------------------------------------------------------------------------
# Retry policy
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """When to retry and how long to wait.

    ``max_attempts`` counts every attempt including the first. The n-th retry (n >= 1) waits a uniformly
    random time in ``[0, min(backoff_max, backoff_base * 2 ** (n - 1))]`` ("full jitter"), unless the server
    sent a ``Retry-After`` header, which is honoured exactly (bounded by ``retry_after_max``).
    """

    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff times must be >= 0")

    @staticmethod
    def is_retryable_status(status: int) -> bool:
        return status == 429 or 500 <= status <= 599

    def backoff(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Full-jitter exponential backoff for the ``retry_number``-th retry (1-based)."""
        exponent = min(max(retry_number - 1, 0), 62)
        cap = min(self.backoff_max, self.backoff_base * (2**exponent))
        return (rng or random).uniform(0.0, cap)

    def wait_for(
        self, retry_number: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_max)
        return self.backoff(retry_number, rng)


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds, possibly fractional, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or (lambda: datetime.now(UTC)))()).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)


# ---------------------------------------------------------------------------------------------------------
# Pacing
# ---------------------------------------------------------------------------------------------------------
def default_leak_rate(bucket_size: float) -> float:
    """A REST leaky bucket leaks at size/20 per second: 40 -> 2/s, 80 -> 4/s, 400 -> 20/s."""
    return bucket_size / 20.0


def parse_call_limit(value: str | None) -> tuple[float, float] | None:
    """``"32/40"`` -> ``(32.0, 40.0)``; ``None`` when absent or malformed."""
    if not value or "/" not in value:
        return None
    used_text, _, size_text = value.partition("/")
    try:
        used, size = float(used_text), float(size_text)
    except ValueError:
        return None
    if size <= 0 or used < 0:
        return None
    return used, size


class Pacer:
    """Thread-safe local estimate of a server-side leaky bucket.

    ``level`` is how full we believe the bucket is; it drains at ``leak_rate`` per second.

    * :meth:`reserve` books one request and returns how long the caller must sleep before sending it (0 when
      there is room now). Reservations that have to wait push ``level`` above capacity, so concurrent callers
      are spaced ``1/leak_rate`` apart instead of all waking at once.
    * :meth:`release` is called once per reservation when its attempt is over. With the server's count
      (``used/size`` from a response header) the estimate is reset to ``used`` plus our requests still
      outstanding (booked but not answered: the server has not counted them yet). So the server's view wins:
      other processes using the same bucket raise it, and a leak faster than assumed lowers it. A new
      ``size`` switches the derived leak rate. ``throttled=True`` (a 429) marks the bucket full.

    ``headroom`` slots are kept free as a margin for timing noise and other clients of the same bucket.
    """

    def __init__(
        self,
        bucket_size: float = 40,
        leak_rate: float | None = None,
        *,
        headroom: float = 1.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if bucket_size <= 0:
            raise ValueError("bucket_size must be > 0")
        self._lock = threading.Lock()
        self._clock = clock
        self._size = float(bucket_size)
        self._leak_rate_fixed = leak_rate is not None
        self._leak_rate = float(leak_rate) if leak_rate is not None else default_leak_rate(self._size)
        if self._leak_rate <= 0:
            raise ValueError("leak_rate must be > 0")
        self._headroom = float(headroom)
        self._level = 0.0
        self._outstanding = 0
        # Reservations are numbered; a request's reserve and release run on one thread, which remembers
        # its number, so a release can tell whether a newer request's header was applied already.
        self._reserved = 0
        self._newest_applied = 0
        self._thread = threading.local()
        self._updated = clock()
        self.total_wait = 0.0  # seconds handed out by reserve(), across all callers
        self._last_wait_at = -math.inf  # when a reservation last had to wait

    # -- introspection -------------------------------------------------------------------------------
    @property
    def bucket_size(self) -> float:
        return self._size

    @property
    def leak_rate(self) -> float:
        return self._leak_rate

    @property
    def level(self) -> float:
        with self._lock:
            self._drain()
            return self._level

    @property
    def outstanding(self) -> int:
        return self._outstanding

    def __repr__(self) -> str:
        return f"Pacer(bucket_size={self._size:g}, leak_rate={self._leak_rate:g}/s, level={self.level:.2f})"

    # -- configuration -------------------------------------------------------------------------------
    def set_leak_rate(self, leak_rate: float | None) -> None:
        """Fix the leak rate (``None``: derive it from the bucket size again)."""
        with self._lock:
            self._drain()
            if leak_rate is None:
                self._leak_rate_fixed = False
                self._leak_rate = default_leak_rate(self._size)
            else:
                if leak_rate <= 0:
                    raise ValueError("leak_rate must be > 0")
                self._leak_rate_fixed = True
                self._leak_rate = float(leak_rate)

    # -- core ---------------------------------------------------------------------------------------
    def _drain(self) -> None:
        now = self._clock()
        elapsed = now - self._updated
        if elapsed > 0:
            self._level = max(0.0, self._level - elapsed * self._leak_rate)
        self._updated = now

    def _capacity(self) -> float:
        return max(1.0, self._size - self._headroom)

    def reserve(self) -> float:
        """Book one request and return the seconds to sleep before sending it. Pair with :meth:`release`."""
        with self._lock:
            self._drain()
            overflow = self._level + 1.0 - self._capacity()
            wait = overflow / self._leak_rate if overflow > 0 else 0.0
            self._level += 1.0
            self._outstanding += 1
            self._reserved += 1
            self._thread.reservation = self._reserved
            self.total_wait += wait
            if wait > 0:
                self._last_wait_at = self._clock()
            return wait

    def waited_within(self, seconds: float) -> bool:
        """Whether a reservation had to wait for room in the last ``seconds``: the bucket is what sets
        the pace, not the callers."""
        with self._lock:
            return self._clock() - self._last_wait_at <= seconds

    def release(self, call_limit: str | None = None, *, throttled: bool = False) -> None:
        """One reserved attempt is over. ``call_limit``: the response's ``used/size`` header, if any."""
        parsed = parse_call_limit(call_limit)
        with self._lock:
            self._drain()
            self._outstanding = max(0, self._outstanding - 1)
            if parsed is not None:
                used, size = parsed
                if size != self._size:
                    self._size = size
                    if not self._leak_rate_fixed:
                        self._leak_rate = default_leak_rate(size)
                reported = used + self._outstanding
                reservation = getattr(self._thread, "reservation", self._reserved)
                if reservation > self._newest_applied:
                    self._level = reported
                    self._newest_applied = reservation
                else:  # an older response come back late: its level misses requests counted since
                    self._level = max(self._level, reported)
            if throttled:
                self._level = max(self._level, self._size + self._outstanding)


class PacerRegistry:
    """One :class:`Pacer` per key (a shop's normalised base URL), shared by every client and thread."""

    def __init__(self, *, clock: Clock = time.monotonic, headroom: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._pacers: dict[str, Pacer] = {}
        self._clock = clock
        self._headroom = headroom

    @staticmethod
    def normalise_key(base_url: str) -> str:
        parts = urlsplit(base_url.strip())
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))

    def get(self, base_url: str, *, bucket_size: float = 40, leak_rate: float | None = None) -> Pacer:
        """The pacer for ``base_url``, created on first use. A given ``leak_rate`` (re)configures it."""
        key = self.normalise_key(base_url)
        with self._lock:
            pacer = self._pacers.get(key)
            if pacer is None:
                pacer = Pacer(bucket_size, leak_rate, headroom=self._headroom, clock=self._clock)
                self._pacers[key] = pacer
                return pacer
        if leak_rate is not None and leak_rate != pacer.leak_rate:
            pacer.set_leak_rate(leak_rate)
        return pacer

    def clear(self) -> None:
        with self._lock:
            self._pacers.clear()

    def __len__(self) -> int:
        return len(self._pacers)


#: The process-wide registry. Clients of the same shop share its pacer.
PACERS = PacerRegistry()


# ---------------------------------------------------------------------------------------------------------
# Counters
# ---------------------------------------------------------------------------------------------------------
@dataclass
class HttpStats:
    """Thread-safe counters: attempts sent, retries, 429s seen, seconds slept for pacing and for backoff,
    seconds spent waiting for responses."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    pacing_sleep_seconds: float = 0.0
    retry_sleep_seconds: float = 0.0
    response_seconds: float = 0.0  # waiting for the server's answers (the API's latency)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **deltas: float) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def as_dict(self) -> dict[str, float]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "throttled": self.throttled,
                "pacing_sleep_seconds": round(self.pacing_sleep_seconds, 6),
                "retry_sleep_seconds": round(self.retry_sleep_seconds, 6),
                "response_seconds": round(self.response_seconds, 6),
            }


# ---------------------------------------------------------------------------------------------------------
# The retry loop
# ---------------------------------------------------------------------------------------------------------
class RetriesExhausted(Exception):
    """Every attempt failed transiently. ``response`` is the last response (if the last failure had one),
    ``error`` the last exception (if it was a network failure)."""

    def __init__(
        self,
        method: str,
        path: str,
        attempts: int,
        response: requests.Response | None = None,
        error: BaseException | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.attempts = attempts
        self.response = response
        self.error = error
        what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        super().__init__(f"{method} {path} failed after {attempts} attempts: {what}")


def url_path(url: str) -> str:
    """The path of ``url`` without scheme, host, query or fragment (queries may carry cursors or secrets)."""
    return urlsplit(url).path or "/"


def read_body(
    response: requests.Response, path: str, *, deadline: float | None, max_bytes: int | None
) -> None:
    """Read the body of a streamed ``response`` into it (``response.content`` then holds it), within the
    ``deadline`` (a ``time.monotonic()`` value) and ``max_bytes``.

    The read timeout bounds each wait for bytes; the deadline bounds them all together, checked as each
    read returns (so it is overrun by at most one read timeout). The size is checked on ``Content-Length``
    before reading and on the bytes received (decoded) as they arrive. Raises
    :class:`ResponseDeadlineExceeded`, :class:`ResponseTooLarge`, or the ``requests`` exception that a
    network failure mid-body maps to. A response already read (an in-process adapter's) is only checked.
    """
    status = response.status_code
    if response._content_consumed or response.raw is None:  # noqa: SLF001 - an adapter set the body already
        _check_size(len(response.content or b""), path, status, max_bytes)
        _check_deadline(path, deadline)
        return
    chunks: list[bytes] = []
    received = 0
    raw = response.raw
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit():
            _check_size(int(declared), path, status, max_bytes, declared=True)
        while True:
            chunk = raw.read1(BODY_READ_BYTES, decode_content=True)
            if not chunk:
                break
            received += len(chunk)
            _check_size(received, path, status, max_bytes)
            _check_deadline(path, deadline)
            chunks.append(chunk)
    except (ResponseDeadlineExceeded, ResponseTooLarge):
        response.close()  # the connection is mid-body: it cannot be reused
        raise
    except urllib3.exceptions.ReadTimeoutError as exc:
        response.close()
        raise requests.exceptions.ReadTimeout(f"{path}: read timed out mid-body") from exc
    except urllib3.exceptions.ProtocolError as exc:
        response.close()
        raise requests.exceptions.ChunkedEncodingError(f"{path}: body cut off ({exc})") from exc
    except urllib3.exceptions.DecodeError as exc:
        response.close()
        raise requests.exceptions.ContentDecodingError(f"{path}: body cannot be decoded") from exc
    response._content = b"".join(chunks)  # noqa: SLF001 - what requests itself does when it reads a body
    response._content_consumed = True  # noqa: SLF001


def _check_size(size: int, path: str, status: int, max_bytes: int | None, *, declared: bool = False) -> None:
    if max_bytes is not None and size > max_bytes:
        how = f"declares {size:,} bytes" if declared else f"passed {max_bytes:,} bytes"
        raise ResponseTooLarge(
            f"HTTP {status}: response body {how}, more than the limit of {max_bytes:,} bytes "
            f"(max_response_bytes); not read further",
            path=path,
            status=status,
        )


def _check_deadline(path: str, deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ResponseDeadlineExceeded(f"{path}: response not complete within its deadline")


class WaitRetryAfter(tenacity.wait.wait_base):
    """tenacity wait strategy: the server's ``Retry-After`` (seconds or an HTTP date, bounded by the
    policy's ``retry_after_max``) when the failed attempt's response carries one, else the policy's
    full-jitter exponential backoff for that retry (like dlt's ``wait_exponential_retry_after``)."""

    def __init__(self, policy: RetryPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self.rng = rng

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        retry_after = None
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            retry_after = parse_retry_after(outcome.result().headers.get("Retry-After"))
        return self.policy.wait_for(retry_state.attempt_number, retry_after, self.rng)


def retry_condition(policy: RetryPolicy) -> tenacity.retry_base:
    """tenacity retry condition: a transient network failure (:data:`TRANSIENT_EXCEPTIONS`) or a response
    whose status the policy retries (429, 5xx)."""
    return tenacity.retry_if_exception_type(TRANSIENT_EXCEPTIONS) | tenacity.retry_if_result(
        lambda response: policy.is_retryable_status(response.status_code)
    )


#: Retry only a 429 (the server refused without doing anything): for requests that are not idempotent,
#: where a timeout or a 5xx may hide a request that was carried out.
RETRY_RATE_LIMITED_ONLY = tenacity.retry_if_result(lambda response: response.status_code == 429)


class RetryingRequester:
    """Sends requests through a ``requests.Session`` with timeouts, pacing and retries.

    Meant for reads (GET) or other idempotent calls: a request that timed out may have been processed.
    Non-retryable responses (2xx-4xx except 429) are returned to the caller, who decides what they mean,
    with their bodies read (``response.content``), within ``response_deadline`` seconds in all and
    ``max_response_bytes`` (``None``: no bound). A response past its deadline is retried like a timeout;
    one too big raises :class:`ResponseTooLarge` at once. ``retry`` replaces the retry condition
    (:func:`retry_condition`), e.g. :data:`RETRY_RATE_LIMITED_ONLY` for a call that must not run twice.

    The retrying is tenacity's (:meth:`retrying`): :func:`retry_condition`, :class:`WaitRetryAfter`,
    ``stop_after_attempt(policy.max_attempts)``; this class adds the pacing, the counters and the log line.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        policy: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        pacer: Pacer | None = None,
        rate_limit_header: str | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        stats: HttpStats | None = None,
        logger: logging.Logger | None = None,
        response_deadline: float | None = DEFAULT_RESPONSE_DEADLINE,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        retry: tenacity.retry_base | None = None,
    ) -> None:
        if response_deadline is not None and response_deadline <= 0:
            raise ValueError(f"response_deadline must be > 0 seconds, got {response_deadline}")
        if max_response_bytes is not None and max_response_bytes < 1:
            raise ValueError(f"max_response_bytes must be >= 1, got {max_response_bytes}")
        self.response_deadline = response_deadline
        self.max_response_bytes = max_response_bytes
        self.session = session
        self.policy = policy or RetryPolicy()
        self.timeout = (connect_timeout, read_timeout)
        self.pacer = pacer
        self.rate_limit_header = rate_limit_header
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.stats = stats or HttpStats()
        self._log = logger or log
        self._retry = retry if retry is not None else retry_condition(self.policy)
        self._retrying = self.retrying()

    def retrying(self) -> tenacity.Retrying:
        """The tenacity controller of this requester's requests (made once; its per-call state is
        thread-local): when to retry, how long to wait, when to give up. It calls :meth:`_send` with
        ``(method, url, params, headers)``."""

        def sleep(seconds: float) -> None:
            if seconds > 0:
                self._sleep(seconds)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            outcome, wait = state.outcome, state.upcoming_sleep
            assert outcome is not None
            if outcome.failed:
                reason = type(outcome.exception()).__name__
            else:
                response = outcome.result()
                reason = f"HTTP {response.status_code}"
                response.close()
            self.stats.add(retries=1, retry_sleep_seconds=wait)
            method, url = state.args[:2]
            self._log.warning(
                "%s %s: %s (attempt %d/%d), retrying in %.2fs",
                method,
                url_path(url),
                reason,
                state.attempt_number,
                self.policy.max_attempts,
                wait,
            )

        def give_up(state: tenacity.RetryCallState) -> requests.Response:
            outcome = state.outcome
            assert outcome is not None
            error = outcome.exception() if outcome.failed else None
            response = None if outcome.failed else outcome.result()
            method, url = state.args[:2]
            attempts = state.attempt_number
            raise RetriesExhausted(method, url_path(url), attempts, response=response, error=error) from error

        return tenacity.Retrying(
            retry=self._retry,
            wait=WaitRetryAfter(self.policy, self._rng),
            stop=tenacity.stop_after_attempt(self.policy.max_attempts),
            sleep=sleep,
            before_sleep=before_sleep,
            retry_error_callback=give_up,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> requests.Response:
        """Send with retries; return the first non-retryable response or raise :class:`RetriesExhausted`
        (a non-transient exception, e.g. :class:`ResponseTooLarge`, propagates at once). ``json``: a body
        sent as JSON (a read such as a GraphQL query, which may be sent again)."""
        return self._retrying(self._send, method, url, params, headers, json)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        json: Any = None,
    ) -> requests.Response:
        """One attempt: wait for the pacer, send, and report the outcome back to the pacer."""
        if self.pacer is not None:
            wait = self.pacer.reserve()
            if wait > 0:
                self.stats.add(pacing_sleep_seconds=wait)
                self._sleep(wait)
        self.stats.add(requests=1)
        response: requests.Response | None = None
        sent = time.monotonic()
        deadline = sent + self.response_deadline if self.response_deadline is not None else None
        try:
            # The body is read here, within the deadline and size bound, so a connection dropped or
            # stalled mid-body is caught (and retried) here too.
            response = self.session.request(
                method,
                url,
                params=params,
                headers=headers,
                json=json,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            read_body(response, url_path(url), deadline=deadline, max_bytes=self.max_response_bytes)
        finally:
            self.stats.add(response_seconds=time.monotonic() - sent)
            throttled = response is not None and response.status_code == 429
            if throttled:
                self.stats.add(throttled=1)
            if self.pacer is not None:
                call_limit = None
                if response is not None and self.rate_limit_header:
                    call_limit = response.headers.get(self.rate_limit_header)
                self.pacer.release(call_limit, throttled=throttled)
        return response
