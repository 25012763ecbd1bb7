"""Notification settings: triggers × channels, thresholds, quiet hours, senders, templates, save offers."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
