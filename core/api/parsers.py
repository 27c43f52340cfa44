"""DRF's JSON parser, refusing JSON nested deeper than any request of this API needs.

``json.load`` recurses in C once per level of ``[`` or ``{``. The chain libraries (py_ecc, through
web3) raise Python's recursion limit to 100,000 when they are imported, so a body of a hundred
thousand ``[`` - 200 kB, well within the size limit - overflowed the C stack and killed the
worker with a segmentation fault (without them it is a ``RecursionError``, a 500). The depth is
counted before decoding, outside strings, and a body nested deeper than ``MAX_DEPTH`` is a 400.
"""

import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return MAX_DEPTH  # cannot be deeper: no need to count
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


class _Replay:
    """The body, read once to be measured, handed to DRF's parser as a stream again."""

    def __init__(self, body: bytes):
        self.body = body

    def read(self, *args):
        body, self.body = self.body, b""
        return body


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if nesting_depth(body) > MAX_DEPTH:
            raise ParseError(f"JSON parse error - the document is nested deeper than {MAX_DEPTH} levels.")
        return super().parse(_Replay(body), media_type, parser_context)
