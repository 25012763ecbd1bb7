"""Message rendering: Jinja templates from templates/, CSS inlined for email, a plain-text alternative."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import css_inline
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


LOCALES = TEMPLATES / "locales"


@lru_cache(maxsize=32)
def translations(locale: str) -> NullTranslations:
    """The compiled Babel catalog of `locale` (templates/locales/<locale>/LC_MESSAGES/messages.mo), else none."""
    return Translations.load(str(LOCALES), [locale], domain="messages")


@lru_cache(maxsize=32)
def environment(locale: str = "en") -> Environment:
    """One environment per language, with its catalog installed (new-style gettext: `_("Hi %(name)s", name=x)`)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_email(name: str, context: dict[str, Any], locale: str = "en") -> RenderedEmail:
    """Render templates/email/{name}.html and .txt; the subject is the html template's `subject` block."""
    env = environment(locale)
    html_template = env.get_template(f"email/{name}.html")
    ctx = html_template.new_context(context)
    subject = "".join(html_template.blocks["subject"](ctx)).strip()
    html = _inliner.inline(html_template.render(context))
    text = env.get_template(f"email/{name}.txt").render(context)
    return RenderedEmail(subject=" ".join(subject.split()), html=html, text=text.strip() + "\n")
