"""A shop's branding as template variables, with colours checked so text stays readable on them."""

from __future__ import annotations

import re
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


def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return "#ffffff" if contrast(background, "#ffffff") >= contrast(background, "#111111") else "#111111"


def branding(merchant: Any) -> dict[str, Any]:
    primary = safe_color(merchant.primary_color, DEFAULT_PRIMARY)
    accent = safe_color(merchant.accent_color, DEFAULT_ACCENT)
    return {
        "name": merchant.name,
        "slug": merchant.slug,
        "logo_url": merchant.logo_url,
        "website_url": merchant.website_url,
        "primary_color": primary,
        "accent_color": accent,
        "button_text_color": text_on(primary),
        "accent_text_color": text_on(accent),
        "font": merchant.font,
        "support_email": merchant.support_email,
        "support_phone": merchant.support_phone,
        "support_url": merchant.support_url,
        "return_policy_url": merchant.return_policy_url,
        "announcement": merchant.announcement,
    }
