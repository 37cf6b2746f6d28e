"""Links to records, made without a URL reverse each time.

Notifications carry a link to their record, and an approval step writes one or two of them.
`reverse()` matches the URL patterns anew on each call (about 40 µs); `record_url` reverses a
view once per view, script prefix and URLconf with a stand-in key and puts the real key in.
"""

from __future__ import annotations

from django.urls import get_script_prefix, get_urlconf, reverse

_STAND_IN = 918273645  # an integer no URL of Yewu contains otherwise
_TEMPLATES: dict[tuple, tuple[str, str]] = {}


def record_url(viewname: str, pk: int) -> str:
    """`reverse(viewname, args=[pk])` for a view taking one integer key."""
    if type(pk) is not int:
        return reverse(viewname, args=[pk])
    key = (viewname, get_script_prefix(), get_urlconf())
    hit = _TEMPLATES.get(key)
    if hit is None:
        url = reverse(viewname, args=[_STAND_IN])
        head, found, tail = url.partition(str(_STAND_IN))
        if not found or str(_STAND_IN) in tail:
            return reverse(viewname, args=[pk])
        if len(_TEMPLATES) > 1000:
            _TEMPLATES.clear()
        hit = _TEMPLATES[key] = (head, tail)
    return f"{hit[0]}{pk}{hit[1]}"
