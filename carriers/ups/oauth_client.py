"""Bearer-token calls shared by the OAuth carriers (UPS, FedEx, USPS): one cached token, one refresh on 401."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import httpx

from carriers.base import CarrierAdapter, send
from carriers.errors import CarrierAuthError, CarrierBadResponse, CarrierRateLimited
from carriers.oauth import shared_tokens

Request = Callable[[], Awaitable[httpx.Response]]


def carrier_message(response: httpx.Response) -> str:
    """The human message in a carrier's error body, whichever of the usual shapes it uses."""
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return _message_in(data) or f"HTTP {response.status_code}"


def _message_in(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    for key in ("response", "error"):
        if isinstance(data.get(key), dict):
            found = _message_in(data[key])
            if found:
                return found
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("message") or first.get("title") or first.get("code") or "")
    for key in ("message", "error_description", "detail", "title", "error"):
        if isinstance(data.get(key), str) and data[key]:
            return str(data[key])
    return ""


class OAuthAdapter(CarrierAdapter):
    """An adapter whose calls carry a client-credentials bearer token cached in `shared_tokens`.

    Subclasses give `token_path` and `token_request()`; `authorized(request)` does the rest.
    """

    token_path: ClassVar[str]
    # Pause after a 429 that names no Retry-After, so the account stops hammering the carrier.
    backoff_seconds: ClassVar[float] = 60.0

    def token_request(self) -> dict[str, Any]:
        """Keyword arguments of the `client.post` that asks for a token."""
        raise NotImplementedError

    def credential(self, name: str) -> str:
        value = self.account.credentials.get(name, "")
        if not value:
            raise CarrierAuthError(f"{self.name}: credential {name!r} is missing")
        return value

    async def fetch_token(self) -> tuple[str, float]:
        url = f"{self.base_url}{self.token_path}"
        response = await self.send_with_backoff(functools.partial(self.client.post, url, **self.token_request()))
        if response.status_code >= 400:
            raise CarrierAuthError(f"{self.name} refused the credentials: {carrier_message(response)}")
        try:
            data = response.json()
            # UPS and USPS send expires_in as a string, FedEx as a number.
            return str(data["access_token"]), float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise CarrierBadResponse(f"{self.name} token reply is malformed: {exc}") from exc

    async def token(self) -> str:
        return await shared_tokens.get(self.account.key, self.fetch_token)

    async def authorized(self, request: Callable[[str], Awaitable[httpx.Response]]) -> httpx.Response:
        """Run `request(token)`; on 401 drop the token, fetch a new one and retry once."""
        for _ in range(2):
            token = await self.token()
            response = await self.send_with_backoff(functools.partial(request, token))
            if response.status_code != 401:
                return response
            shared_tokens.invalidate(self.account.key, token)
        raise CarrierAuthError(f"{self.name} refused the token: {carrier_message(response)}")

    async def send_with_backoff(self, request: Request) -> httpx.Response:
        """`send`, and on 429 stop this account's calls for Retry-After (or `backoff_seconds`)."""
        try:
            response = await send(request)
        except CarrierRateLimited as exc:
            if exc.retry_after is None:
                exc.retry_after = self.backoff_seconds
            self.pause(exc.retry_after)
            raise
        if response.status_code == 403:
            raise CarrierAuthError(f"{self.name} forbids this account: {carrier_message(response)}")
        return response

    async def check_token(self) -> str:
        """Fetch a fresh token (never the cached one) to prove the credentials work."""
        _, lifetime = await self.fetch_token()
        return f"Connected to {self.name}: the credentials were accepted (token valid {int(lifetime) // 60} min)."
