"""Fixtures local to yewu/core/tests (the browser journeys)."""

from yewu.core.testing.browser import browser, chromium_path, demo, static_files  # noqa: F401
