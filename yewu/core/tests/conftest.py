"""Fixtures local to yewu/core/tests (the browser journeys)."""

from yewu.core.testing.browser import browser, demo  # noqa: F401
