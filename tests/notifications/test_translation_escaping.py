"""Translated text is plain text: escaped in HTML templates, left alone in text templates."""

from __future__ import annotations

from notifications.render import environment


def test_a_translated_message_quoting_input_is_escaped_in_html() -> None:
    env = environment("fr")
    html = env.from_string(
        "{{ _(message) }}|{{ _('Order %(n)s', n=number) }}|{{ ngettext('%(num)d item', '%(num)d items', 2) }}"
    )
    out = html.render(message='<img src=x onerror="alert(1)">', number="<b>7</b>")
    assert "<img" not in out and "&lt;img" in out
    assert "&lt;b&gt;7&lt;/b&gt;" in out
    assert "<" not in out


def test_text_templates_keep_the_characters() -> None:
    plain = environment("en").overlay(autoescape=False).from_string("{{ _(message) }}")
    assert plain.render(message="Tom & Jerry <3") == "Tom & Jerry <3"
