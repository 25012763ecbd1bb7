"""Carrier code → adapter class, and code → pure `parse` function; a plain dict until plug-ins exist."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from carriers.base import CarrierAdapter
from carriers.result import TrackResult

CARRIER_CODES: tuple[str, ...] = (
    "sandbox",
    "ups",
    "fedex",
    "usps",
    "dhl",
    "laposte",
    "canadapost",
    "auspost",
    "royalmail",
    "easypost",
    "shippo",
    "aftership",
    "track17",
)


def _module(code: str):  # type: ignore[no-untyped-def]
    if code not in CARRIER_CODES:
        raise KeyError(f"unknown carrier {code!r}")
    return importlib.import_module(f"carriers.{code}")


def available() -> list[str]:
    """Carrier codes whose module is present in this installation."""
    found = []
    for code in CARRIER_CODES:
        try:
            _module(code)
        except ModuleNotFoundError:
            continue
        found.append(code)
    return found


def adapter_class(code: str) -> type[CarrierAdapter]:
    return _module(code).Adapter  # type: ignore[no-any-return]


def parser(code: str) -> Callable[[bytes], list[TrackResult]]:
    return _module(code).parse  # type: ignore[no-any-return]


def display_name(code: str) -> str:
    return adapter_class(code).name
