"""The message channels a process sends through, built from settings: SMTP always, Twilio SMS when configured."""

from __future__ import annotations

from app.settings import Settings
from notifications.channels.email import SmtpEmailChannel


def default_channels(settings: Settings) -> dict[str, object]:
    channels: dict[str, object] = {
        "email": SmtpEmailChannel(
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            connections=settings.smtp_connections,
        )
    }
    if settings.sms_enabled:
        from notifications.channels.sms import TwilioSmsChannel

        channels["sms"] = TwilioSmsChannel(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from_number,
            api_base_url=settings.twilio_api_base_url or None,
        )
    return channels
