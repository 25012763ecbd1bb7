"""Every text on the shopper-facing pages (templates/pages/) is translated in every shipped language, so no page
falls back to English in the middle of a translated one."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = sorted(p.name for p in (TEMPLATES / "locales").iterdir() if p.is_dir() and p.name != "en")


def translated_ids(language: str) -> set[str]:
    found: set[str] = set()
    for po_path in (TEMPLATES / "locales" / language / "LC_MESSAGES").glob("*.po"):
        with po_path.open("rb") as po_file:
            for message in read_po(po_file):
                text = message.string if isinstance(message.string, str) else message.string[0]
                if message.id and text:
                    found.add(message.id if isinstance(message.id, str) else message.id[0])
    return found


# the pages' own Jinja extensions, and a template the extractor cannot parse fails the test instead of being skipped
EXTRACT_OPTIONS = {"extensions": "app.web.fragment_cache.FragmentCache", "silent": "false"}


def page_messages() -> dict[str, str]:
    """msgid -> the page template that uses it."""
    messages: dict[str, str] = {}
    for template in sorted((TEMPLATES / "pages").glob("*.html")):
        for _line, message, _comments, _context in extract_from_file(
            "jinja2.ext.babel_extract", str(template), options=EXTRACT_OPTIONS
        ):
            messages.setdefault(message if isinstance(message, str) else message[0], template.name)
    return messages


def test_the_pages_use_translatable_text() -> None:
    assert len(page_messages()) > 50  # the extractor really reads the templates


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_text_is_translated(language: str) -> None:
    known = translated_ids(language)
    missing = {text: template for text, template in page_messages().items() if text not in known}
    assert not missing, f"{language}: untranslated page texts {missing}"
