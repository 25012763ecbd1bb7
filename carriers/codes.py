"""Shared shape of two-level status tables (a main status refined by a sub-status), for carriers that use one."""

from __future__ import annotations

from collections.abc import Mapping

from carriers.status import Status

Row = tuple[Status, str, bool]


def two_level(
    main: str, sub: str, mains: Mapping[str, Row], subs: Mapping[str, Row]
) -> tuple[Status, str, bool, list[str]]:
    """(status, substatus, action_required, unknown codes). An unknown main status is in transit, never delivered;
    a sub-status refines only when it belongs to the main one (`<Main>_<nnn>`); unknown codes are returned to count."""
    unknown: list[str] = []
    known = mains.get(main)
    if known is None:
        unknown.append(main)
        known = (Status.IN_TRANSIT, main, False)
    if sub:
        refined = subs.get(sub)
        if refined is None:
            unknown.append(sub)  # carriers keep adding sub-codes: the main status still holds, the new code is counted
        elif sub.split("_", 1)[0] == main:
            known = refined
    return (*known, unknown)
