"""A Jinja extension for one language's environment: `{{ _("a fixed message") }}` becomes its translation, escaped,
when the template is compiled, so pages pay nothing at render time for words that never change."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

# {{ _( "message" ) }}: the token types of a fixed message in an output tag of its own
_SHAPE = ("variable_begin", "name", "lparen", "string", "rparen", "variable_end")


class FixedMessages(Extension):
    """Folds each output tag that is exactly `_("literal")` into template data, translated by the environment's
    global `_` (which must return escaped Markup and be set before the first template loads). Anything else — a
    message with placeholders, `_` inside a larger expression — is left for render time."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        gettext: Callable[[str], str] = self.environment.globals["_"]  # type: ignore[assignment]
        pending: list[Token] = []
        for token in stream:
            pending.append(token)
            at = len(pending) - 1
            if token.type != _SHAPE[at] or (at == 1 and token.value != "_"):
                yield from pending
                pending = []
                continue
            if at == len(_SHAPE) - 1:
                yield Token(pending[0].lineno, "data", str(gettext(pending[3].value)))
                pending = []
        yield from pending
