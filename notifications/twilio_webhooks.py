"""Pure helpers for Twilio's inbound requests: signature check, opt-out/opt-in keywords, status callbacks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from twilio.request_validator import RequestValidator

OptKeyword = Literal["stop", "start", "help"]

# Twilio's default keyword sets on long codes and toll-free numbers (advanced opt-out docs).
STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})

# Leading words that mean "stop" even with a few words after ("Stop please"). CANCEL/END/QUIT are left out
# here because "cancel my order" is a shopper question, not an opt-out.
_UNAMBIGUOUS_STOP = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "OPTOUT", "REVOKE"})
_SHORT_REPLY_WORDS = 3

# Revocation "by any reasonable means" (FCC): plain-language requests to stop texting.
_FREE_TEXT_STOP = (
    re.compile(r"\b(stop|quit|end|cease)\b.*\b(text\w*|messag\w*|sms|contact\w*)\b"),
    re.compile(r"\b(don'?t|do not|never|no more)\b.*\b(text\w*|messag\w*|sms)\b"),
    re.compile(r"\b(opt|take|remove)\s+me\s+(out|off)\b"),
    re.compile(r"\bremove me\b"),
    re.compile(r"\bunsubscribe\b"),
)


def verify_twilio_signature(url: str, params: Mapping[str, str], signature: str, auth_token: str) -> bool:
    """True when `signature` (X-Twilio-Signature) matches the public URL Twilio called and its POST params."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def _words(body: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", body).upper().split()


def _exact_keyword(words: list[str]) -> OptKeyword | None:
    joined = "".join(words)
    if joined in STOP_KEYWORDS:
        return "stop"
    if joined in START_KEYWORDS:
        return "start"
    if joined in HELP_KEYWORDS:
        return "help"
    return None


def _is_free_text_stop(words: list[str]) -> bool:
    if words and words[0] in _UNAMBIGUOUS_STOP and len(words) <= _SHORT_REPLY_WORDS:
        return True
    text = " ".join(words).lower()
    return any(pattern.search(text) for pattern in _FREE_TEXT_STOP)


def opt_keyword(body: str) -> OptKeyword | None:
    """Classify an inbound SMS: Twilio's keywords (any case, spacing, punctuation) or a plain-language opt-out."""
    words = _words(body)
    exact = _exact_keyword(words)
    if exact is not None:
        return exact
    return "stop" if _is_free_text_stop(words) else None


def parse_status_callback(params: Mapping[str, str]) -> tuple[str, str, str | None]:
    """Return (message_sid, status, error_code) from a status callback's form params.

    Older callbacks carry only SmsSid/SmsStatus; ErrorCode is present only on failed/undelivered messages.
    Raises ValueError when the sid or status is missing, so a malformed callback is never recorded.
    """
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").strip().lower()
    if not sid or not status:
        raise ValueError("status callback without MessageSid or MessageStatus")
    error_code = (params.get("ErrorCode") or "").strip() or None
    return sid, status, error_code
