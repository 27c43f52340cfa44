"""Serial-number formats of certificate registries, as data: parse a block's serial into its parts
and render a sub-range back. Pure Python, no Django.

A format is a template of dash-separated tokens. A token is a literal (``VCS``) or a part in
braces, optionally after a literal prefix (``GS{project}``): ``{name}`` or ``{name:kind}``.
Kinds: ``int`` (digits), ``country`` (ISO 3166 alpha-2, upper case), ``year`` (YYYY), ``ym``
(YYYYMM), ``dmy`` (DDMMYYYY), ``code`` (letters and digits), ``serial`` (digits; ``first`` and
``last`` are the block's inclusive serial range). A serial whose token count differs, or one token
that does not parse, is refused with a message naming the part.

Named parts the back office reads: ``first``, ``last``, ``project`` or ``device``, ``country``,
``vintage`` (year), ``vintage_start`` / ``vintage_end`` (dates) and ``technology``; every other
part is kept as it is.
"""

import re
from dataclasses import dataclass
from datetime import date

_PART = re.compile(r"^([A-Za-z0-9]*)\{(\w+)(?::(\w+))?\}$")
_KIND_RE = {
    "int": r"\d{1,18}", "serial": r"\d{1,18}", "country": r"[A-Z]{2}", "year": r"\d{4}",
    "ym": r"\d{6}", "dmy": r"\d{8}", "code": r"[A-Za-z0-9]{1,40}",
}
_KIND_TEXT = {
    "int": "a whole number", "serial": "a serial number (digits)", "country": "a two-letter country code",
    "year": "a year (YYYY)", "ym": "a month (YYYYMM)", "dmy": "a date (DDMMYYYY)",
    "code": "a code of letters and digits",
}
MAX_SERIAL = 10**18 - 1  # fits PostgreSQL bigint


class SerialError(ValueError):
    """A serial that does not fit its registry's format; ``part`` names the part."""

    def __init__(self, message: str, *, part: str | None = None):
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class Token:
    literal: str  # the literal, or the prefix before a part
    name: str | None = None
    kind: str | None = None
    width: int | None = None  # zero-padded width seen in the parsed serial (for rendering)


@dataclass(frozen=True)
class ParsedSerial:
    first: int
    last: int
    parts: dict  # every named part except first and last, as text (dates as ISO text)
    widths: dict  # zero-padded widths of first/last as written

    @property
    def quantity(self) -> int:
        return self.last - self.first + 1


def compile_format(template: str) -> list[Token]:
    """The tokens of ``template``; raises ``SerialError`` for a malformed template."""
    tokens = []
    for raw in template.split("-"):
        m = _PART.match(raw)
        if m:
            prefix, name, kind = m.groups()
            kind = kind or ("serial" if name in ("first", "last") else "code")
            if kind not in _KIND_RE:
                raise SerialError(f"format '{template}': unknown kind '{kind}' of part '{name}'", part=name)
            tokens.append(Token(prefix, name, kind))
        elif "{" in raw or "}" in raw or not raw:
            raise SerialError(f"format '{template}': token '{raw}' is neither a literal nor a part")
        else:
            tokens.append(Token(raw))
    names = [t.name for t in tokens if t.name]
    if "first" not in names or "last" not in names:
        raise SerialError(f"format '{template}' must name the parts 'first' and 'last'")
    if len(names) != len(set(names)):
        raise SerialError(f"format '{template}' names a part twice")
    return tokens


def _dmy(text: str, name: str) -> str:
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2])).isoformat()
    except ValueError:
        raise SerialError(f"part '{name}' ('{text}') is not a real date (DDMMYYYY)", part=name) from None


def parse(template: str, serial: str) -> ParsedSerial:
    """Split ``serial`` by ``template``; a ``SerialError`` names the first part that does not parse."""
    tokens = compile_format(template)
    pieces = serial.strip().split("-")
    if len(pieces) != len(tokens):
        raise SerialError(f"serial '{serial}' has {len(pieces)} dash-separated parts; the format "
                          f"'{template}' has {len(tokens)}")
    values: dict = {}
    widths: dict = {}
    for token, piece in zip(tokens, pieces, strict=True):
        if token.name is None:
            if piece != token.literal:
                raise SerialError(
                    f"serial '{serial}': '{piece}' should be '{token.literal}'", part=token.literal
                )
            continue
        if not piece.startswith(token.literal):
            raise SerialError(
                f"serial '{serial}': part '{token.name}' ('{piece}') should start with '{token.literal}'",
                part=token.name,
            )
        text = piece[len(token.literal) :]
        if not re.fullmatch(_KIND_RE[token.kind], text):
            raise SerialError(
                f"serial '{serial}': part '{token.name}' ('{text}') is not {_KIND_TEXT[token.kind]}",
                part=token.name,
            )
        if token.kind == "dmy":
            values[token.name] = _dmy(text, token.name)
        elif token.kind == "ym":
            if not 1 <= int(text[4:]) <= 12:
                raise SerialError(
                    f"serial '{serial}': part '{token.name}' ('{text}') is not a month (YYYYMM)",
                    part=token.name,
                )
            values[token.name] = text
        elif token.kind == "serial":
            values[token.name] = int(text)
            widths[token.name] = len(text)
        else:
            values[token.name] = text
    first, last = values.pop("first"), values.pop("last")
    if first < 1:
        raise SerialError(f"serial '{serial}': part 'first' ({first}) must be at least 1", part="first")
    if last < first:
        raise SerialError(
            f"serial '{serial}': part 'last' ({last}) is below part 'first' ({first})", part="last"
        )
    return ParsedSerial(first=first, last=last, parts=values, widths=widths)


def render(template: str, parts: dict, *, first: int, last: int, widths: dict | None = None) -> str:
    """The serial of the sub-range ``first``..``last`` with the same other parts (a split piece)."""
    widths = widths or {}
    out = []
    for token in compile_format(template):
        if token.name is None:
            out.append(token.literal)
        elif token.name in ("first", "last"):
            number = first if token.name == "first" else last
            out.append(f"{token.literal}{number:0{widths.get(token.name, 1)}d}")
        elif token.kind == "dmy":
            y, m, d = parts[token.name].split("-")
            out.append(f"{token.literal}{d}{m}{y}")
        else:
            out.append(f"{token.literal}{parts[token.name]}")
    return "-".join(out)


def series(parts: dict, names: list[str]) -> str:
    """The series key of a block: the values of the registry's series parts, in order."""
    return "/".join(str(parts.get(n, "")) for n in names)
