"""A Jinja extension keeping rendered fragments in memory: `{% cached key, ... %}…{% endcached %}` renders its body
once per distinct key (per environment, so per language) and reuses the output afterwards."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

MAX_FRAGMENTS = 2000
_TAGS = itertools.count()


class FragmentCache(Extension):
    """The key must name everything the fragment shows (a shop's branding values, the language, a state), as a
    key that leaves something out would serve one page's fragment on another. A fragment must not show the CSP
    nonce of a response or a page's token. Least recently used fragments are dropped beyond MAX_FRAGMENTS."""

    tags = {"cached"}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.fragments: OrderedDict[Hashable, str] = OrderedDict()

    def bind(self, environment: Any) -> FragmentCache:
        """An overlay environment (the pages' quick one) keeps fragments of its own."""
        bound = super().bind(environment)
        bound.fragments = OrderedDict()
        return bound

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        keys = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        where = nodes.Const(f"{parser.name}:{lineno}:{next(_TAGS)}")  # every tag of every template apart
        call = self.call_method("_fragment", [where, nodes.Tuple(keys, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, where: str, keys: tuple[Any, ...], caller: Callable[[], str]) -> str:
        key = (where, keys)
        found = self.fragments.get(key)
        if found is not None:
            self.fragments.move_to_end(key)
            return found
        found = Markup(caller())
        self.fragments[key] = found
        while len(self.fragments) > MAX_FRAGMENTS:
            self.fragments.popitem(last=False)
        return found
