"""The built-in sandbox carrier: a real HTTP tracking API with scripted journeys, for the demo, tests and benches."""

from carriers.sandbox.adapter import Adapter
from carriers.sandbox.parse import parse

__all__ = ["Adapter", "parse"]
