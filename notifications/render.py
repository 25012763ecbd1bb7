"""Message rendering: Jinja templates from templates/, CSS inlined for email, a plain-text alternative."""

from __future__ import annotations

import html as html_lib
import re
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
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from app.web.fragment_cache import FragmentCache
from notifications.sms_text import GSM7_SINGLE, fit

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
        extensions=["jinja2.ext.i18n", FragmentCache],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    catalog = translations(locale)

    # Jinja marks whatever gettext returns as safe HTML, so `_(message)` with a message that quotes what someone
    # typed would be injected as markup. Translations are plain text: escape them in HTML templates (the
    # %-placeholders are escaped by Jinja either way).
    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str) -> str:
        text = catalog.gettext(message)
        return escape(text) if eval_ctx.autoescape else text

    @pass_eval_context
    def ngettext(eval_ctx: EvalContext, singular: str, plural: str, n: int) -> str:
        text = catalog.ngettext(singular, plural, n)
        return escape(text) if eval_ctx.autoescape else text

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_email(name: str, context: dict[str, Any], locale: str = "en") -> RenderedEmail:
    """Render templates/email/{name}.html and .txt; the subject is the html's `<title>` (its `subject` block)."""
    env = environment(locale)
    page = env.get_template(f"email/{name}.html").render(context)
    return finish_email(page, env.get_template(f"email/{name}.txt").render(context))


def inline_css(page: str) -> str:
    return str(_inliner.inline(page))


def page_title(page: str) -> str:
    """What the page's `<title>` holds, as written ('' without one)."""
    found = _TITLE.search(page)
    return found.group(1) if found else ""


def finish_email(page: str, text: str) -> RenderedEmail:
    """The email from its rendered HTML page and text: subject from the `<title>`, CSS inlined, text trimmed."""
    return finished(page_title(page), inline_css(page), text)


def finished(title: str, html: str, text: str) -> RenderedEmail:
    """The email from the page's `<title>` content, its CSS-inlined HTML and its text."""
    subject = html_lib.unescape(title)
    return RenderedEmail(subject=" ".join(subject.split()), html=html, text=text.strip() + "\n")


def text_to_html(text: str) -> Markup:
    """Plain text as escaped HTML paragraphs (a blank line starts a new paragraph)."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(escape(p).replace("\n", Markup("<br>"))) for p in paragraphs)


def render_sms(
    name: str,
    context: dict[str, Any],
    locale: str = "en",
    *,
    limit: int = GSM7_SINGLE,
    ucs2_limit: int = 70,
    text: str | None = None,
) -> str:
    """templates/sms/{name}.txt (or `text`, a merchant's own) on one line, fitted to `limit` GSM-7 characters
    (`ucs2_limit` UTF-16 units when the text needs UCS-2), keeping a trailing link whole."""
    if text is None:
        text = environment(locale).get_template(f"sms/{name}.txt").render(context)
    return fit(" ".join(text.split()), limit, ucs2_limit=ucs2_limit)


_sandbox = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def render_untrusted(source: str, context: dict[str, Any]) -> str:
    """Render a merchant's template text in Jinja's sandbox; raises TemplateError on any mistake."""
    try:
        return _sandbox.from_string(source).render(context)
    except TemplateError:
        raise
    except Exception as exc:  # a sandboxed template can still divide by zero or call a filter wrongly
        raise TemplateError(f"{type(exc).__name__}: {exc}") from exc
