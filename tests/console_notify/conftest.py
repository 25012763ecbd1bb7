"""Fixtures for the notification settings page: the console's own (app on a loopback port, client, Chromium)."""

from __future__ import annotations

from tests.console.conftest import base_url, browser, client

__all__ = ["base_url", "browser", "client"]
