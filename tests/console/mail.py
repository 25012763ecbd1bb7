"""Waiting for a console email in the test SMTP server and pulling the one-time link out of it."""

from __future__ import annotations

import asyncio
import re

from notifications.mail_catcher import CaughtMail, MailCatcher


async def wait_for_mail(catcher: MailCatcher, to: str, wait: float = 5.0) -> CaughtMail:
    async def arrived() -> CaughtMail:
        while True:
            for mail in catcher.messages:
                if to in mail.recipients:
                    return mail
            catcher.arrived.clear()
            await catcher.arrived.wait()

    return await asyncio.wait_for(arrived(), wait)


def link_in(mail: CaughtMail, path: str) -> str:
    match = re.search(rf"https?://[^\s\"<]+{re.escape(path)}[A-Za-z0-9_\-]+", mail.part("plain"))
    assert match, f"no {path} link in the email"
    return match.group(0)
