"""A shop's branding as template variables, with colours checked so text stays readable on them."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_ACCENT = "#f5a623"


def _luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def safe_color(value: str, default: str) -> str:
    return value if HEX.match(value or "") else default


@lru_cache(maxsize=1024)
def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return "#ffffff" if contrast(background, "#ffffff") >= contrast(background, "#111111") else "#111111"


@lru_cache(maxsize=1024)
def darken_until(color: str, against: str = "#ffffff", ratio: float = 4.5) -> str:
    """`color` darkened step by step until text in it reads on `against` (WCAG AA, 4.5:1)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    for _ in range(40):
        candidate = f"#{r:02x}{g:02x}{b:02x}"
        if contrast(candidate, against) >= ratio:
            return candidate
        r, g, b = (int(c * 0.9) for c in (r, g, b))
    return "#111111"


def contrast_warning(primary: str, accent: str) -> str:
    """Why these brand colours read badly (empty when they are fine); the page corrects them, the console warns."""
    problems = []
    for label, color in (("primary", primary), ("accent", accent)):
        if not HEX.match(color or ""):
            problems.append(f"{label} colour {color!r} is not #rrggbb")
    if problems:
        return "; ".join(problems)
    if contrast(primary, "#ffffff") < 4.5:
        problems.append(
            f"primary colour {primary} has {contrast(primary, '#ffffff'):.1f}:1 against white (needs 4.5:1)"
        )
    if contrast(primary, accent) < 1.5:
        problems.append(f"primary and accent colours are too alike ({contrast(primary, accent):.1f}:1)")
    return "; ".join(problems)


# Fonts every device has (no web-font download, no third-party request).
FONTS: dict[str, str] = {
    "system": '-apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
    "serif": 'Georgia, "Times New Roman", serif',
    "rounded": 'ui-rounded, "SF Pro Rounded", "Segoe UI", Roboto, sans-serif',
    "mono": 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
    "humanist": 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", sans-serif',
    "geometric": 'Avenir, Montserrat, Corbel, "URW Gothic", sans-serif',
}


def safe_url(value: str) -> str:
    """An http(s) URL or a local path, else empty: merchant links never become javascript: or data: links."""
    value = (value or "").strip()
    local = value.startswith("/") and not value.startswith("//")
    return value if (local or value.startswith(("https://", "http://"))) and '"' not in value else ""


def header_links(raw: Any) -> list[dict[str, str]]:
    links = []
    for link in raw or []:
        if isinstance(link, dict) and (url := safe_url(str(link.get("url", "")))) and link.get("label"):
            links.append({"label": str(link["label"])[:40], "url": url})
    return links[:5]


def branding(merchant: Any) -> dict[str, Any]:
    primary = safe_color(merchant.primary_color, DEFAULT_PRIMARY)
    accent = safe_color(merchant.accent_color, DEFAULT_ACCENT)
    return {
        "brand_ink": darken_until(primary, "#f4f5f7"),  # links sit on the page background, the palest surface
        "font_stack": FONTS.get(merchant.font, FONTS["system"]),
        "header_links": header_links(merchant.header_links),
        "support_chat_url": safe_url(merchant.support_chat_url),
        "name": merchant.name,
        "slug": merchant.slug,
        "logo_url": safe_url(merchant.logo_url),
        "website_url": safe_url(merchant.website_url),
        "primary_color": primary,
        "accent_color": accent,
        "button_text_color": text_on(primary),
        "accent_text_color": text_on(accent),
        "font": merchant.font,
        "support_email": merchant.support_email,
        "support_phone": merchant.support_phone,
        "support_url": safe_url(merchant.support_url),
        "return_policy_url": safe_url(merchant.return_policy_url),
        "announcement": merchant.announcement,
    }


# what `branding` reads of a shop's row
_BRANDING_FIELDS = (
    "name",
    "slug",
    "logo_url",
    "website_url",
    "primary_color",
    "accent_color",
    "font",
    "support_email",
    "support_phone",
    "support_url",
    "support_chat_url",
    "return_policy_url",
    "announcement",
)


def page_branding(merchant: Any) -> SimpleNamespace:
    """`branding(merchant)` as attributes (the pages read ~40 of them), computed once per distinct set of values;
    its `key` (those values) names the shop's look in cached page fragments. Read from the row each time, so a
    change made anywhere shows on the next page built."""
    links = merchant.header_links
    key = (*(getattr(merchant, name) for name in _BRANDING_FIELDS), json.dumps(links) if links else "")
    return _branding_of(key)


@lru_cache(maxsize=256)
def _branding_of(key: tuple[Any, ...]) -> SimpleNamespace:
    *values, links = key
    row = SimpleNamespace(**dict(zip(_BRANDING_FIELDS, values, strict=True)), header_links=json.loads(links or "[]"))
    return SimpleNamespace(**branding(row), key=key)
