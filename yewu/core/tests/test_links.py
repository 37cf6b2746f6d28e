"""record_url gives what reverse() gives, whatever the script prefix, URLconf and key."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix, set_urlconf

from yewu.core.links import record_url


@pytest.fixture
def prefix():
    yield
    set_script_prefix("/")
    set_urlconf(None)


def test_record_url_is_reverse_for_any_key(prefix):
    for pk in (1, 7, 91, 918273645, 10**12):
        assert record_url("workflow:instance_detail", pk) == reverse("workflow:instance_detail", args=[pk])
    assert record_url("workflow:instance_detail", 5) == "/approvals/5/"


def test_record_url_follows_the_script_prefix_and_the_urlconf(prefix):
    assert record_url("workflow:instance_detail", 3) == "/approvals/3/"
    set_script_prefix("/yewu/")
    assert record_url("workflow:instance_detail", 3) == reverse("workflow:instance_detail", args=[3]) == "/yewu/approvals/3/"
    set_script_prefix("/")
    set_urlconf("yewu.core.tests.urls_elsewhere")  # e.g. a request's own URLconf
    assert record_url("workflow:instance_detail", 3) == "/elsewhere/a/3/x/"
    set_urlconf(None)
    assert record_url("workflow:instance_detail", 4) == "/approvals/4/"
    with pytest.raises(NoReverseMatch):
        record_url("workflow:no_such_view", 4)


def test_keys_that_are_not_integers_are_reversed_as_given(prefix):
    assert record_url("workflow:instance_detail", "12") == "/approvals/12/"
