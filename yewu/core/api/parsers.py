"""Request parsers that refuse what no database column can hold.

PostgreSQL text cannot contain NUL (U+0000); SQLite stores it but then compares and searches
inconsistently. A NUL anywhere in a request body (a key or a value, however deep) is therefore a
parse error (400), raised before any serializer or lookup sees the value, on every endpoint.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL = "\x00"


def contains_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False


def _refuse_nul(data):
    if contains_nul(data):
        raise ParseError(_("The request contains a NUL character, which cannot be stored."))
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul({k: data.getlist(k) for k in data})
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _refuse_nul({k: result.data.getlist(k) for k in result.data})
        return result
