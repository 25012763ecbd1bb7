"""Languages: choosing the shopper's locale from the order, the URL and the browser."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from notifications.render import translations

__all__ = ["SUPPORTED", "babel_locale", "from_accept_language", "normalise", "pick", "translations"]

SUPPORTED = ("en", "fr", "de", "es", "ja", "ru")
DEFAULT = "en"


def normalise(tag: str) -> str | None:
    """'fr-CA', 'fr_CA' or 'FR' → 'fr' when supported, else None."""
    base = tag.strip().replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED else None


def from_accept_language(header: str) -> str | None:
    """The best supported language of an Accept-Language header, honouring q-values."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if (code := normalise(tag)) and quality > 0:
            choices.append((-quality, index, code))
    return min(choices)[2] if choices else None


def pick(*candidates: str | None) -> str:
    """The first candidate that is a supported language."""
    for candidate in candidates:
        if candidate and (code := normalise(candidate)):
            return code
    return DEFAULT


def babel_locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT)
