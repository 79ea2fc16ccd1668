"""The API's JSON parser (kept apart from salesmeet.api: DRF imports its
parsers while its own views module is still loading)."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, which also refuses what JSON allows but no database
    stores: a lone surrogate escape (``"\\ud800"``), which UTF-8 cannot
    encode, and nesting deep enough to exhaust Python's recursion limit.
    Both were a 500; they are a 400 like any other unreadable body."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
        if not _encodable(data):
            raise ParseError("JSON parse error - a string holds a lone surrogate") from None
        return data


def _encodable(data) -> bool:
    """Whether every string in the parsed body, keys included, is valid Unicode."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True
