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
from typing import Any

from markupsafe import escape

from notifications.render import RenderedEmail, environment, finish_email, render_email

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
        self.shapes: OrderedDict[tuple[str, str, str], tuple[str, str]] = OrderedDict()

    def _shape(self, name: str, locale: str, skeleton: dict[str, Any], key: tuple[str, str, str]) -> tuple[str, str]:
        found = self.shapes.get(key)
        if found is not None:
            self.shapes.move_to_end(key)
            return found
        env = environment(locale)
        page = env.get_template(f"email/{name}.html").render(skeleton)
        text = env.get_template(f"email/{name}.txt").render(skeleton)
        self.shapes[key] = (page, text)
        if len(self.shapes) > self.kept:
            self.shapes.popitem(last=False)
        return page, text

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
        page, text = self._shape(name, locale, skeleton, (name, locale, described))
        as_html = [str(escape(value)) for value in fills]
        page = _STAND_IN.sub(lambda m: as_html[int(m.group(1))], page)
        return finish_email(page, _STAND_IN.sub(lambda m: str(fills[int(m.group(1))]), text))


PRERENDERED = Prerendered()
