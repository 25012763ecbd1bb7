"""Message rendering: Jinja templates from templates/, CSS inlined for email, a plain-text alternative."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from typing import Any

import css_inline
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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
    """Every catalog of `locale` merged: templates/locales/<locale>/LC_MESSAGES/*.po, one file per area
    (notifications, page, console, …), compiled in memory so a fresh clone needs no build step."""
    merged: NullTranslations = NullTranslations()
    folder = LOCALES / locale / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        compiled = BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        part = Translations(fp=compiled, domain=po_path.stem)
        if isinstance(merged, Translations):
            merged.merge(part)
        else:
            merged = part
    return merged


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
