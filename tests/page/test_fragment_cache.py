"""The Jinja fragment cache: a fragment is rendered once per key and reused, distinct keys and distinct tags never
share output, and the cache stays bounded."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from app.web import fragment_cache
from app.web.fragment_cache import FragmentCache


def make_env() -> Environment:
    templates = {
        "page.html": "{% cached who %}<b>{{ who }}{{ count() }}</b>{% endcached %}|"
        "{% cached who %}<i>{{ who }}{{ count() }}</i>{% endcached %}",
        "other.html": "{% cached who %}<u>{{ who }}{{ count() }}</u>{% endcached %}",
    }
    return Environment(loader=DictLoader(templates), autoescape=True, extensions=[FragmentCache])


def test_a_fragment_renders_once_per_key() -> None:
    env = make_env()
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    page = env.get_template("page.html")
    assert page.render(who="a&b", count=count) == "<b>a&amp;b1</b>|<i>a&amp;b2</i>"
    assert page.render(who="a&b", count=count) == "<b>a&amp;b1</b>|<i>a&amp;b2</i>"  # both reused
    assert page.render(who="c", count=count) == "<b>c3</b>|<i>c4</i>"  # another key renders afresh
    assert env.get_template("other.html").render(who="a&b", count=count) == "<u>a&amp;b5</u>"  # another template
    assert len(calls) == 5


def test_overlays_keep_fragments_of_their_own() -> None:
    env = make_env()
    overlay = env.overlay()
    env.get_template("other.html").render(who="x", count=lambda: "base")
    assert overlay.get_template("other.html").render(who="x", count=lambda: "overlay") == "<u>xoverlay</u>"


def test_the_cache_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(fragment_cache, "MAX_FRAGMENTS", 3)
    env = make_env()
    template = env.get_template("other.html")
    for n in range(10):
        template.render(who=str(n), count=lambda: "")
    kept = env.extensions[FragmentCache.identifier].fragments
    assert len(kept) == 3 and [key[1] for key in kept] == [("7",), ("8",), ("9",)]
