"""The carrier adapter interface: one object per carrier account that turns tracking numbers into results.

An adapter is built from a `CarrierAccount` (credentials and options) and the worker's shared
`httpx.AsyncClient`. `track(numbers)` may be given more numbers than `max_batch`; it splits them,
bounds its own concurrency and rate, and returns one `TrackResult` per number it was given, in any
order. Carrier-side answers about a number (not found, per-number error) are `TrackResult.failed`;
failures of the whole call are raised from the `carriers.errors` tree. Parsing lives in each carrier's
pure `parse(body: bytes) -> list[TrackResult]`, so webhooks and polling share it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from xml.etree.ElementTree import ParseError

import httpx

from carriers.errors import CarrierAuthError, CarrierBadResponse, CarrierRateLimited, CarrierUnavailable
from carriers.ratelimit import TokenBucket, shared_buckets
from carriers.result import ErrorKind, TrackResult

log = logging.getLogger("ordertrail.carriers")

Parser = Callable[[bytes], list[TrackResult]]
UNLIMITED = (10_000, 1.0)
MAX_THROTTLE_WAIT = 30.0


@dataclass(frozen=True, slots=True)
class CarrierAccount:
    """Credentials and options for one carrier account (decrypted by the app just before use)."""

    carrier: str
    credentials: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Identity of the credential set, for token caches and rate limiters: a digest, never the secret itself."""
        material = json.dumps(self.credentials, sort_keys=True).encode()
        return f"{self.carrier}:{self.base_url}:{hashlib.sha256(material).hexdigest()[:16]}"


class CarrierAdapter:
    """Base for adapters: batching, bounded concurrency and the common HTTP error mapping."""

    code: ClassVar[str]
    name: ClassVar[str]
    max_batch: ClassVar[int] = 1
    max_concurrency: ClassVar[int] = 8
    default_base_url: ClassVar[str] = ""
    # (calls, seconds) per account at the carrier's published limit; None when it publishes none.
    rate_limit: ClassVar[tuple[int, float] | None] = None

    def __init__(self, account: CarrierAccount, client: httpx.AsyncClient) -> None:
        self.account = account
        self.client = client
        self.base_url = (account.base_url or self.default_base_url).rstrip("/")
        self._slots = asyncio.Semaphore(self.max_concurrency)
        self.batch_size = batch_size_for(account, self.max_batch)
        self._account_key = account.key  # a digest of the credentials: computed once, not per call

    async def track(self, numbers: Sequence[str]) -> list[TrackResult]:
        """Results for `numbers`, fetched in batches. A batch refused by the rate limit becomes `rate_limited`
        results (with the wait) while the batches fetched are kept; when no batch was fetched at all, the rate
        limit is raised as the call's error."""
        size = self.batch_size
        batches = [list(numbers[i : i + size]) for i in range(0, len(numbers), size)]
        pending = iter(batches)
        results: list[TrackResult] = []
        limited: list[CarrierRateLimited] = []

        async def worker() -> None:
            # A few workers pulling batches, not a task per batch: 500 one-number calls make 16 tasks, not 500.
            for batch in pending:
                try:
                    results.extend(await self._track_guarded(batch))
                except CarrierRateLimited as exc:
                    limited.append(exc)
                    kind, wait = ErrorKind.RATE_LIMITED, exc.retry_after
                    results.extend(TrackResult.failed(n, kind, str(exc), retry_after=wait) for n in batch)

        await asyncio.gather(*(worker() for _ in range(min(self.max_concurrency, len(batches)))))
        if limited and len(limited) == len(batches):
            raise limited[0]
        return results

    async def _track_guarded(self, batch: list[str]) -> list[TrackResult]:
        async with self._slots:
            results = await self.track_batch(batch)
        return complete_results(batch, results)

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        """Fetch and parse one batch of at most `max_batch` numbers."""
        raise NotImplementedError

    def _bucket(self, name: str) -> TokenBucket:
        # Carriers that publish no limit still get a (generous) bucket, so a Retry-After pause applies to them.
        return shared_buckets.get(f"{self._account_key}:{name}", *(self.rate_limit or UNLIMITED))

    async def throttle(self, name: str = "track") -> None:
        """Wait for this account's rate-limit token; fail fast when the wait would be long: a pause (quota,
        Retry-After) runs, or so many calls queue ahead that this one's turn is over `MAX_THROTTLE_WAIT` away (at
        DHL's 1 call/s a chunk of 500 shipments would otherwise outlast its claim's lease)."""
        bucket = self._bucket(name)
        wait = bucket.expected_wait()
        if wait > MAX_THROTTLE_WAIT:
            why = "paused" if bucket.blocked_for() >= wait else "at their rate limit"
            raise CarrierRateLimited(f"{self.code} calls {why} for {wait:.0f}s", retry_after=wait)
        await bucket.acquire()

    def pause(self, seconds: float, name: str = "track") -> None:
        """Hand out no tokens for `seconds` (Retry-After, exhausted daily quota)."""
        self._bucket(name).block_for(seconds)

    def parse_or_fail(self, parse: Parser, body: bytes, numbers: list[str]) -> list[TrackResult]:
        """Parse a reply; a malformed one becomes a `bad_response` result per number, with a logged sample."""
        try:
            return parse(body)
        except CarrierBadResponse as exc:
            log.warning("%s: %s; sample=%r", self.code, exc, body[:200])
            return [TrackResult.failed(n, ErrorKind.BAD_RESPONSE, str(exc)) for n in numbers]


def batch_size_for(account: CarrierAccount, limit: int) -> int:
    """Numbers per call: the account's `batch_size` option when set (e.g. a plan that allows fewer), never above
    the carrier's own limit."""
    wanted = account.options.get("batch_size")
    if wanted is None:
        return limit
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
        # An account setting, shown to the merchant like wrong credentials.
        raise CarrierAuthError(f"account option batch_size must be a whole number of at least 1, got {wanted!r}")
    return min(wanted, limit)


class SingleNumberAdapter(CarrierAdapter):
    """Base for carriers whose API takes one number per call: implement `track_one` instead of `track_batch`."""

    max_batch: ClassVar[int] = 1

    async def track_batch(self, numbers: list[str]) -> list[TrackResult]:
        return [result for number in numbers for result in await self.track_one(number)]

    async def track_one(self, number: str) -> list[TrackResult]:
        raise NotImplementedError


def complete_results(asked: Iterable[str], results: list[TrackResult]) -> list[TrackResult]:
    """Keep only results for numbers asked for, and add a `bad_response` for any the carrier skipped."""
    wanted = {n.upper(): n for n in asked}
    seen: set[str] = set()
    kept: list[TrackResult] = []
    if len(wanted) == 1:
        # Some not-found bodies do not repeat the number; in a one-number batch it can only be that one.
        for result in results:
            result.tracking_number = result.tracking_number or next(iter(wanted.values()))
    for result in results:
        key = result.tracking_number.upper()
        if key in wanted and key not in seen:
            seen.add(key)
            result.tracking_number = wanted[key]
            kept.append(result)
    for key, number in wanted.items():
        if key not in seen:
            kept.append(TrackResult.failed(number, ErrorKind.BAD_RESPONSE, "carrier reply did not mention it"))
    return kept


def raise_for_transport(response: httpx.Response) -> None:
    """Turn throttling and server failures into the error tree; leave 2xx and 4xx bodies to `parse`."""
    if response.status_code == 429:
        raise CarrierRateLimited("carrier answered 429", retry_after=retry_after_seconds(response), response=response)
    if response.status_code >= 500:
        raise CarrierUnavailable(f"carrier answered {response.status_code}", response=response)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None
    return None


async def send(request: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """Run one HTTP call, mapping connection failures and timeouts to `CarrierUnavailable`."""
    try:
        response = await request()
    except httpx.TimeoutException as exc:
        raise CarrierUnavailable(f"carrier timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise CarrierUnavailable(f"carrier unreachable: {exc}") from exc
    raise_for_transport(response)
    return response


def bad_body(detail: str) -> CarrierBadResponse:
    return CarrierBadResponse(f"malformed carrier reply: {detail}")


def guarded_parse(parse: Parser) -> Parser:
    """Decorate a `parse` so any shape surprise (bad JSON/XML, missing key, wrong type) is a `CarrierBadResponse`."""

    @functools.wraps(parse)
    def wrapper(body: bytes) -> list[TrackResult]:
        try:
            return parse(body)
        except CarrierBadResponse:
            raise
        except (json.JSONDecodeError, ParseError, UnicodeDecodeError) as exc:
            raise bad_body(f"not parseable: {exc}") from exc
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise bad_body(f"{type(exc).__name__}: {exc}") from exc

    return wrapper
