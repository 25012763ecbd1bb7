"""Fixed messages are translated once, when a template compiles: the output is what render-time `_()` gives
(escaped, in each language), messages with placeholders or inside larger expressions still run per render."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup, escape

from app.web.fixed_messages import FixedMessages
from app.web.page_context import tracking_context
from app.web.templating import render_html
from tests.page.conftest import Shop, at_state


def counting_environment(templates: dict[str, str]) -> tuple[Environment, list[str]]:
    asked: list[str] = []

    def gettext(message: str, **variables: Any) -> Markup:
        asked.append(message)
        return Markup(escape("T:" + message)) % variables

    env = Environment(loader=DictLoader(templates), autoescape=True, extensions=[FixedMessages])
    env.globals["_"] = gettext
    return env, asked


def test_a_fixed_message_is_translated_once_at_compile_time() -> None:
    env, asked = counting_environment({"page": '<p>{{ _("Fish & chips") }}</p><p title="{{ _(\'Say "hi"\') }}"></p>'})
    template = env.get_template("page")
    assert asked == ["Fish & chips", 'Say "hi"']
    assert template.render() == '<p>T:Fish &amp; chips</p><p title="T:Say &#34;hi&#34;"></p>'
    template.render()
    assert len(asked) == 2


def test_messages_with_values_or_in_expressions_run_per_render() -> None:
    source = '{{ _("Hi %(n)s", n=name) }}|{{ _("a") ~ "!" }}|{{ _(label) }}|{{- _("b") -}} |{{ "_" }}'
    env, asked = counting_environment({"page": source})
    template = env.get_template("page")
    assert asked == ["b"]
    assert template.render(name="<Ann>", label="c") == "T:Hi &lt;Ann&gt;|T:a!|T:c|T:b|_"
    assert asked == ["b", "Hi %(n)s", "a", "c"]


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_tracking_page_is_the_same_with_fixed_messages_folded(runtime, clock, shop: Shop, locale) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from app.web.pages_data import by_token

    made = await at_state(runtime, clock, shop, "delivered")
    data = await by_token(runtime.engine, made.token)
    assert data is not None
    context = tracking_context(
        data,
        secret_key="k" * 40,
        token=made.token,
        estimate=None,
        recommended=[],
        today=date(2026, 11, 22),
        locale=locale,
        zone=ZoneInfo("Europe/Paris"),
    )
    context["lang_param"] = ""
    folded = render_html("pages/tracking.html", context, locale=locale, quick_gettext=True)
    plain = render_html("pages/tracking.html", context, locale=locale, quick_gettext=False)
    assert folded == plain
    assert ("Comment s&#39;est passée votre livraison" in folded) == (locale == "fr")
