"""Email over real SMTP with aiosmtplib: a small pool of reused connections, typed results, safe headers.

Headers are built only by the email package (policy=default) from values stripped of CR, LF and NUL, so merchant
text can never add a header. `build_message` is the `EmailMessage`; what is sent is its bytes, assembled by
`wire.Wire` from the same package's pieces without building the MIME tree per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr
from functools import lru_cache

import aiosmtplib

from notifications.base import EmailMessageSpec, SendResult
from notifications.channels.wire import ADDR_SPEC, MSG_ID, Wire, clean_header


class _CachedHeaderRegistry(HeaderRegistry):
    """The standard registry, but each header class is built once (the stock one builds a new class per lookup)
    and each parsed header is kept: headers are immutable, and most repeat from message to message (From,
    Reply-To, MIME-Version, Content-Type, Content-Transfer-Encoding), so their parse is done once per process."""

    @lru_cache(maxsize=128)  # noqa: B019 - one registry per process, never freed anyway
    def __getitem__(self, name: str) -> type:
        return super().__getitem__(name)

    @lru_cache(maxsize=4096)  # noqa: B019 - one registry per process, never freed anyway
    def __call__(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


@lru_cache(maxsize=4096)
def _folded(policy_key: tuple[object, ...], name: str, value: BaseHeader, refold_binary: bool) -> str:
    return EmailPolicy._fold(_FOLDING[policy_key], name, value, refold_binary)  # type: ignore[attr-defined]


_FOLDING: dict[tuple[object, ...], EmailPolicy] = {}


class _FoldOncePolicy(EmailPolicy):
    """`policy.default`, remembering how a repeated header folds (folding re-walks the parse tree each time).
    Senders clone the policy per message (line separator, UTF-8), so the memory is keyed by what folding reads."""

    def _fold(self, name: str, value: object, refold_binary: bool = False) -> str:  # type: ignore[override]
        if not isinstance(value, BaseHeader):
            return super()._fold(name, value, refold_binary)  # type: ignore[misc]
        key = (self.linesep, self.utf8, self.max_line_length, self.refold_source, self.cte_type)
        _FOLDING.setdefault(key, self)
        return _folded(key, name, value, refold_binary)


POLICY = _FoldOncePolicy(header_factory=_CachedHeaderRegistry())
WIRE_POLICY = POLICY.clone(linesep="\r\n")  # what goes over SMTP: CRLF line ends, like `email.policy.SMTP`
WIRE = Wire(POLICY, WIRE_POLICY)


def new_boundary() -> str:
    # A random boundary chosen here spares the generator a per-message regex compile to pick one.
    return f"=_{secrets.token_hex(16)}"


def build_message(spec: EmailMessageSpec, boundary: str | None = None) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    sender = clean_header(spec.sender)
    name = clean_header(spec.sender_name)
    message["From"] = formataddr((name, sender)) if name else sender
    message["To"] = clean_header(spec.to)
    message["Subject"] = clean_header(spec.subject)
    if spec.message_id:
        message["Message-ID"] = clean_header(spec.message_id)
    if spec.reply_to:
        message["Reply-To"] = clean_header(spec.reply_to)
    for key, value in spec.headers.items():
        message[clean_header(key)] = clean_header(value)
    message.set_content(spec.text)
    message.add_alternative(spec.html, subtype="html")
    message.set_boundary(boundary or new_boundary())
    return message


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as sent, flattened with the caching policy (aiosmtplib's own flattening would refold every
    header through a fresh `email.policy.SMTP`)."""
    return message.as_bytes(policy=WIRE_POLICY)


def valid_address(address: str) -> bool:
    if ADDR_SPEC.fullmatch(address):  # a plain dot-atom address, which the parser below accepts
        return True
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError, TypeError):
        return False
    return "@" in address


class SmtpEmailChannel:
    """Sends through `connections` reused SMTP sessions; a broken session is reopened on next use."""

    name = "email"
    max_subject_chars = 200

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        connections: int = 4,
        timeout: float = 30.0,
    ) -> None:
        self.in_flight = connections  # messages worth preparing at once: one per connection
        self._options = {"hostname": host, "port": port, "timeout": timeout, "start_tls": starttls}
        self._credentials = (username, password) if username else None
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        for _ in range(connections):
            self._idle.put_nowait(aiosmtplib.SMTP(**self._options))  # type: ignore[arg-type]

    async def _ready(self, smtp: aiosmtplib.SMTP) -> None:
        if smtp.is_connected:
            return
        await smtp.connect()
        if self._credentials:
            await smtp.login(*self._credentials)

    async def send(self, spec: EmailMessageSpec) -> SendResult:
        if not valid_address(spec.to):
            return SendResult.permanent(f"invalid recipient address {spec.to!r}", code="invalid_address")
        envelope = (clean_header(spec.sender), clean_header(spec.to))
        if all(part.isascii() for part in envelope):
            message: EmailMessage | bytes = WIRE.message(spec, new_boundary())
        else:  # an internationalised address: aiosmtplib negotiates SMTPUTF8 for the message object
            message = build_message(spec)
        smtp = await self._idle.get()
        try:
            return await self._send(smtp, message, envelope, spec)
        finally:
            self._idle.put_nowait(smtp)

    async def _send(
        self, smtp: aiosmtplib.SMTP, message: EmailMessage | bytes, envelope: tuple[str, str], spec: EmailMessageSpec
    ) -> SendResult:
        try:
            await self._ready(smtp)
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._drop(smtp)
            return SendResult.temporary(f"SMTP server unreachable: {exc}", code="connect")
        try:
            if isinstance(message, bytes):
                errors, reply = await smtp.sendmail(envelope[0], [envelope[1]], message)
            else:
                errors, reply = await smtp.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _refused(exc.recipients[0] if exc.recipients else None)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                return SendResult.permanent(f"SMTP {exc.code} {exc.message}", code=str(exc.code))
            await self._drop(smtp)
            return SendResult.temporary(f"SMTP {exc.code} {exc.message}", code=str(exc.code))
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            await self._drop(smtp)
            # The server may have queued the message before the line dropped: resend, same Message-ID.
            return SendResult(ok=False, retryable=True, error=f"SMTP connection lost: {exc}", in_doubt=True)
        if errors:
            refused = next(iter(errors.values()))
            return _refused(refused)
        return SendResult.sent(message_id_header(spec) or str(reply))

    async def _drop(self, smtp: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            smtp.close()

    async def close(self) -> None:
        while not self._idle.empty():
            smtp = self._idle.get_nowait()
            if smtp.is_connected:
                with contextlib.suppress(Exception):
                    await smtp.quit()


def message_id_header(spec: EmailMessageSpec) -> str:
    """The Message-ID as the header holds it (what `message["Message-ID"]` reads back), '' when there is none."""
    if not spec.message_id:
        return ""
    value = clean_header(spec.message_id)
    if MSG_ID.fullmatch(value):  # a plain <id@domain>, which the header keeps as it is
        return value
    return str(POLICY.header_store_parse("Message-ID", value)[1])


def _refused(response: object) -> SendResult:
    code = int(getattr(response, "code", 550))
    text = f"recipient refused: {code} {getattr(response, 'message', '')}"
    if code >= 500:
        return SendResult.permanent(text, code=str(code))
    return SendResult.temporary(text, code=str(code))
