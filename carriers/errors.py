"""Transport failures raised by carrier adapters; carrier-side answers ("no such number") are data instead.

CarrierError
 ├── CarrierAuthError          credentials refused (after one token refresh and one retry)
 ├── CarrierRateLimited        429 or quota exhausted; `retry_after` seconds when known
 ├── CarrierUnavailable        timeout, connection refused, 5xx
 └── CarrierBadResponse        the body is not what the carrier documents (HTML, truncated JSON, drift)
"""

from __future__ import annotations

from typing import Any

from carriers.result import ErrorKind


class CarrierError(Exception):
    """Base of every transport-level failure of a carrier call."""

    kind: ErrorKind = ErrorKind.UNAVAILABLE

    def __init__(self, message: str, *, retry_after: float | None = None, response: Any = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.response = response  # the httpx.Response when there was one, for carrier-specific details


class CarrierAuthError(CarrierError):
    kind = ErrorKind.AUTH


class CarrierRateLimited(CarrierError):
    kind = ErrorKind.RATE_LIMITED


class CarrierUnavailable(CarrierError):
    kind = ErrorKind.UNAVAILABLE


class CarrierBadResponse(CarrierError):
    kind = ErrorKind.BAD_RESPONSE
