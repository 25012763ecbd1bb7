"""The email channel's SMTP transaction against a real aiosmtpd server: the server sees what aiosmtplib's sendmail
sends for the same bytes (MAIL with SIZE, RCPT, DATA), refusals map to the same results, and a refused envelope is
reset so the next message on the same connection goes through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifications.base import EmailMessageSpec
from notifications.channels.email import WIRE, SmtpEmailChannel, new_boundary, transaction
from tests.servers import free_port


@dataclass
class Recorder:
    """Keeps every envelope it accepts; refuses senders, recipients or data by address."""

    refuse_sender: dict[str, str] = field(default_factory=dict)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    refuse_data: dict[str, str] = field(default_factory=dict)
    accepted: list[tuple[str, list[str], list[str], bytes]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands.append("MAIL")
        if address in self.refuse_sender:
            return self.refuse_sender[address]
        envelope.mail_from, envelope.mail_options = address, list(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.commands.append("RCPT")
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_RSET(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.commands.append("RSET")
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.commands.append("DATA")
        if envelope.rcpt_tos[0] in self.refuse_data:
            return self.refuse_data[envelope.rcpt_tos[0]]
        content = envelope.original_content or b""
        self.accepted.append((str(envelope.mail_from), list(envelope.mail_options), list(envelope.rcpt_tos), content))
        return "250 queued as 42"


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(recorder, enable_SMTPUTF8=True), host="127.0.0.1", port=port)
    yield recorder, port
    server.close()


def spec_to(recipient: str) -> EmailMessageSpec:
    return EmailMessageSpec(
        to=recipient,
        subject="Your order #1042 · Shop",
        text="Hello\n.leading dot\n" + "été " * 40,
        html="<p>Hello</p>",
        sender="updates@ordertrail.test",
        message_id="<n1.0123456789abcdef@track.test>",
    )


async def test_the_server_sees_what_sendmail_sends(smtp_server) -> None:
    recorder, port = smtp_server
    message = WIRE.message(spec_to("a@example.com"), new_boundary())
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await smtp.connect()
    assert await smtp.sendmail("updates@ordertrail.test", ["a@example.com"], message) == ({}, "queued as 42")
    assert await transaction(smtp, "updates@ordertrail.test", "a@example.com", message) == ({}, "queued as 42")
    # Lone line ends are left to sendmail itself, which normalises them for SIZE and DATA alike.
    odd = b"Subject: x\r\n\r\nline\nother\rlast"
    assert await transaction(smtp, "updates@ordertrail.test", "a@example.com", odd) == ({}, "queued as 42")
    await smtp.quit()
    by_sendmail, by_transaction, normalised = recorder.accepted
    assert by_transaction == by_sendmail
    assert by_transaction[1] == [f"SIZE={len(message)}"]
    assert normalised[3] == b"Subject: x\r\n\r\nline\r\nother\r\nlast\r\n"


async def test_refusals_map_like_sendmail_and_leave_the_connection_usable(smtp_server) -> None:
    recorder, port = smtp_server
    recorder.refuse_rcpt = {"gone@example.com": "550 5.1.1 no such user", "full@example.com": "452 4.2.2 mailbox full"}
    recorder.refuse_data = {"spam@example.com": "554 5.7.1 rejected as spam"}
    recorder.refuse_sender = {"blocked@ordertrail.test": "553 5.7.1 sender not allowed"}
    channel = SmtpEmailChannel("127.0.0.1", port, connections=1)
    try:
        gone = await channel.send(spec_to("gone@example.com"))
        assert (gone.ok, gone.retryable, gone.error_code) == (False, False, "550")
        full = await channel.send(spec_to("full@example.com"))
        assert (full.ok, full.retryable, full.error_code) == (False, True, "452")
        spam = await channel.send(spec_to("spam@example.com"))
        assert (spam.ok, spam.retryable, spam.error_code) == (False, False, "554")
        blocked = await channel.send(replace(spec_to("fine@example.com"), sender="blocked@ordertrail.test"))
        assert (blocked.ok, blocked.retryable, blocked.error_code) == (False, False, "553")
        sent = await channel.send(spec_to("fine@example.com"))  # same connection, envelope reset after each refusal
        assert sent.ok and sent.provider_id == "<n1.0123456789abcdef@track.test>"
    finally:
        await channel.close()
    refused = ["MAIL", "RCPT", "RSET"]
    data_refused = ["MAIL", "RCPT", "DATA", "RSET"]
    assert recorder.commands == [*refused, *refused, *data_refused, "MAIL", "RSET", "MAIL", "RCPT", "DATA"]
    assert [envelope[2] for envelope in recorder.accepted] == [["fine@example.com"]]
