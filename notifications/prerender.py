"""Default emails rendered once per shape, then filled per recipient: the same subject, HTML and text as
`render_email`, without running Jinja for every message.

A shape is the trigger, the language and every context value that is the same for many messages (the shop's
branding, the audience, the status words), plus which of a recipient's own values are empty and how many items
and links there are. Those own values (names, numbers, dates, links) enter the template as stand-ins, and each
stand-in is replaced by the value, escaped as Jinja would escape it, before CSS inlining and the subject's
extraction, which run per message as before. Templates only print these values (`{{ x }}`, `_(…, x=x)`,
`x | default(…)`) and test them for emptiness, which the shape keeps; `tests/notifications/test_prerender.py`
holds every trigger and language to `render_email`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from notifications.render import (
    RenderedEmail,
    environment,
    finish_email,
    finished,
    inline_css,
    page_title,
    render_email,
)

# A recipient's own values: everything else in a message context is shared by many messages.
PER_RECIPIENT = frozenset(
    {
        "first_name",
        "order",
        "latest",
        "estimate",
        "estimate_short",
        "previous_estimate",
        "new_date",
        "new_date_short",
        "tracking_url",
        "tracking_link",
        "shop_link",
        "open_pixel",
        "tracking_number",
        "carrier_name",
        "items",
        "unsubscribe_url",
        "reasons",
        "scores",
    }
)
_MARK = "\x1a"
_STAND_IN = re.compile("\x1a(\\d+)\x1a")
SHAPES_KEPT = 1024
# CSS is inlined once per shape. The inliner parses the page and writes it back, so each value comes out as its
# serializer writes it: in text, & < > and no-break space as references; in an attribute, & " and no-break space.
# A probe value holding `"<` tells the two places apart; a stand-in found anywhere else (raw text, such as a style
# block) leaves the shape's messages inlined whole.
_PROBE = '"<'
_PROBED = re.compile("\x1a(\\d+)\x1b([^\x1a]*)\x1a")
_PROBE_IN_ATTRIBUTE, _PROBE_IN_TEXT = "&quot;<", '"&lt;'


def _in_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace("<", "&lt;").replace(">", "&gt;")


def _in_attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace('"', "&quot;")


def _parsed_as_written(value: Any) -> bool:
    """A value the HTML parser keeps as it is, wherever the stand-in stood: not changed by the input stream's
    clean-up (CR, NUL), not whitespace only (which the parser may leave where other text would be moved, as in a
    table), not starting with a line break (dropped after <pre>)."""
    if not isinstance(value, str):
        return True
    return "\r" not in value and "\x00" not in value and bool(value.strip()) and not value.startswith("\n")


@dataclass(frozen=True, slots=True)
class Shape:
    page: str  # the HTML page with stand-ins, before CSS inlining
    text: str
    title: str  # the page's <title> with stand-ins
    inlined: tuple[tuple[str, ...], tuple[tuple[int, bool], ...]] | None  # pieces and (stand-in, in attribute)


def _inline_shape(page: str) -> tuple[tuple[str, ...], tuple[tuple[int, bool], ...]] | None:
    """The shape's page with CSS inlined, split at its stand-ins: the pieces between them, and each stand-in's
    number and whether it sits in an attribute value; None when a stand-in is lost, doubled or in raw text."""
    probe = str(escape(_PROBE))
    inlined = inline_css(_STAND_IN.sub(lambda m: f"\x1a{m.group(1)}\x1b{probe}\x1a", page))
    pieces: list[str] = []
    slots: list[tuple[int, bool]] = []
    start = 0
    for found in _PROBED.finditer(inlined):
        if found.group(2) not in (_PROBE_IN_ATTRIBUTE, _PROBE_IN_TEXT):
            return None
        pieces.append(inlined[start : found.start()])
        slots.append((int(found.group(1)), found.group(2) == _PROBE_IN_ATTRIBUTE))
        start = found.end()
    pieces.append(inlined[start:])
    if len(slots) != len(_STAND_IN.findall(page)) or any("\x1a" in piece for piece in pieces):
        return None
    return tuple(pieces), tuple(slots)


class _NotFillable(Exception):
    """A value the stand-in scheme does not cover: render the whole message instead."""


def _stand_in(value: Any, fills: list[Any]) -> Any:
    """`value` with each non-empty string and non-zero number replaced by a numbered stand-in (kept in `fills`)."""
    if value is None or isinstance(value, bool):
        return value
    if type(value) in (str, int):  # not bool, not Markup: those are shared values or render whole
        if not value:
            return value  # empty stays itself: templates test emptiness
        fills.append(value)
        return f"{_MARK}{len(fills) - 1}{_MARK}"
    if isinstance(value, dict):
        return {key: _stand_in(item, fills) for key, item in value.items()}
    if isinstance(value, list):
        return [_stand_in(item, fills) for item in value]
    if isinstance(value, tuple) and value:  # a labelled link, (key, url): the key is looked up, so it stays
        return (value[0], *(_stand_in(item, fills) for item in value[1:]))
    raise _NotFillable


class Prerendered:
    """The shapes rendered so far (least recently used dropped beyond `kept`)."""

    def __init__(self, kept: int = SHAPES_KEPT) -> None:
        self.kept = kept
        self.shapes: OrderedDict[tuple[str, str, str], Shape] = OrderedDict()

    def _shape(self, name: str, locale: str, skeleton: dict[str, Any], key: tuple[str, str, str]) -> Shape:
        found = self.shapes.get(key)
        if found is not None:
            self.shapes.move_to_end(key)
            return found
        env = environment(locale)
        page = env.get_template(f"email/{name}.html").render(skeleton)
        text = env.get_template(f"email/{name}.txt").render(skeleton)
        shape = Shape(page, text, page_title(page), _inline_shape(page))
        self.shapes[key] = shape
        if len(self.shapes) > self.kept:
            self.shapes.popitem(last=False)
        return shape

    def render_email(self, name: str, context: dict[str, Any], locale: str = "en") -> RenderedEmail:
        """What `notifications.render.render_email(name, context, locale)` returns."""
        fills: list[Any] = []
        try:
            skeleton = {k: _stand_in(v, fills) if k in PER_RECIPIENT else v for k, v in context.items()}
        except _NotFillable:
            skeleton = {}
        described = repr(skeleton)
        # A shared value holding the stand-in mark itself would be mistaken for a stand-in: render it whole.
        if not skeleton or described.count("\\x1a") != 2 * len(fills):
            return render_email(name, context, locale)
        shape = self._shape(name, locale, skeleton, (name, locale, described))
        as_html = [str(escape(value)) for value in fills]
        text = _STAND_IN.sub(lambda m: str(fills[int(m.group(1))]), shape.text)
        if shape.inlined is None or not all(_parsed_as_written(value) for value in fills):
            return finish_email(_STAND_IN.sub(lambda m: as_html[int(m.group(1))], shape.page), text)
        pieces, slots = shape.inlined
        out = [pieces[0]]
        for (number, in_attribute), piece in zip(slots, pieces[1:], strict=True):
            value = str(fills[number])
            out += (_in_attribute(value) if in_attribute else _in_text(value), piece)
        title = _STAND_IN.sub(lambda m: as_html[int(m.group(1))], shape.title)
        return finished(title, "".join(out), text)


PRERENDERED = Prerendered()
