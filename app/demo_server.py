"""Runs the demo: migrate, seed the demo shop, start the local SMTP catcher, serve web + scheduler on one port."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from starlette.routing import Mount

from app.demo import seed_demo
from app.migrate import upgrade
from app.runtime import Runtime, tune_gc
from app.settings import Settings
from app.web.app import create_app
from notifications.mail_catcher import MailCatcher, start_smtp, viewer_app

log = logging.getLogger("ordertrail.demo")
FAKE_TWILIO = ("ACdemo0000000000000000000000000000", "demo-auth-token", "+15005550006")


def run_demo(settings: Settings, *, port: int, smtp_port: int) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP catcher logs every recipient address
    upgrade(settings.database_url)
    settings = settings.model_copy(
        update={
            "twilio_account_sid": settings.twilio_account_sid or FAKE_TWILIO[0],
            "twilio_auth_token": settings.twilio_auth_token or FAKE_TWILIO[1],
            "twilio_from_number": settings.twilio_from_number or FAKE_TWILIO[2],
            "twilio_api_base_url": settings.twilio_api_base_url or f"{settings.base_url}/_demo/sms",
        }
    )
    asyncio.run(_serve(settings, port, smtp_port))


async def _serve(settings: Settings, port: int, smtp_port: int) -> None:
    from notifications.fake_twilio import create_fake_twilio_app

    catcher = MailCatcher()
    smtp = await start_smtp(catcher, "127.0.0.1", smtp_port)
    runtime = Runtime.create(settings)
    shop = await seed_demo(
        runtime.engine, base_url=settings.base_url, secret_key=settings.secret_key, speed=settings.sandbox_speed
    )
    mounts = [
        Mount("/_demo/mail", viewer_app(catcher)),
        Mount("/_demo/sms", create_fake_twilio_app(settings.twilio_account_sid, settings.twilio_auth_token)),
    ]
    app = create_app(settings, runtime=runtime, scheduler=True, extra_mounts=mounts)
    _print_welcome(settings, shop, smtp_port)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    tune_gc()  # as `ordertrail serve` does (app.runtime.tune_gc)
    try:
        await server.serve()
    finally:
        smtp.close()
        await runtime.close()


def _print_welcome(settings: Settings, shop, smtp_port: int) -> None:  # type: ignore[no-untyped-def]
    base = settings.base_url
    lines = [
        "",
        "OrderTrail demo: Maison Lumière, 20 orders on the sandbox carrier "
        f"(1 scenario hour = {60 / settings.sandbox_speed:g} real minutes)",
        "",
        "Tracking pages:",
        *(f"  {number}  {title:<58} {url}" for number, title, url in shop.links),
        "",
        f"Mail caught by the local SMTP server (127.0.0.1:{smtp_port}): {base}/_demo/mail/",
        f"SMS caught by the local fake Twilio API:                  {base}/_demo/sms/",
    ]
    lines += [
        "",
        f"Merchant console: {base}/console/  (sign in as {shop.owner_email}, password {shop.owner_password};",
        "  a new password is made each time the demo starts)",
        f"Shop lookup form: {base}/lumiere/track",
    ]
    if shop.api_key:
        lines.append(f"API key of the demo shop (shown once): {shop.api_key}")
    lines += ["", "Ctrl-C stops the demo; `make demo` again resumes it where it was.", ""]
    print("\n".join(lines), flush=True)
