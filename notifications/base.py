"""The channel interface: a rendered message goes in, a typed provider receipt comes out.

A channel never touches the database and never decides whether to retry on its own: it reports
`ok`, the provider's id, whether the failure is `retryable`, an optional `retry_after`, and the
provider's error text and code, and the app's dispatcher records and schedules accordingly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    provider_id: str = ""
    retryable: bool = False
    error: str = ""
    error_code: str = ""
    retry_after: float | None = None
    # Set when the provider may have accepted the message although we saw a failure (timeout after send).
    in_doubt: bool = False

    @classmethod
    def sent(cls, provider_id: str) -> SendResult:
        return cls(ok=True, provider_id=provider_id)

    @classmethod
    def temporary(cls, error: str, *, code: str = "", retry_after: float | None = None) -> SendResult:
        return cls(ok=False, retryable=True, error=error, error_code=code, retry_after=retry_after)

    @classmethod
    def permanent(cls, error: str, *, code: str = "") -> SendResult:
        return cls(ok=False, retryable=False, error=error, error_code=code)


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    body: str
    sender: str
    status_callback: str = ""


@dataclass(frozen=True, slots=True)
class EmailMessageSpec:
    """Everything needed to build one email; the channel builds headers with `email.message.EmailMessage`."""

    to: str
    subject: str
    text: str
    html: str
    sender: str
    sender_name: str = ""
    message_id: str = ""
    reply_to: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    """A way to reach a recipient. Limits (body length, rate) are class attributes of each channel."""

    name: str

    async def close(self) -> None: ...
