"""Reading list XML safely (no entity expansion, no external references) and namespace-blind."""

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from screening.formats.common import ListFileError


def read_xml(data: bytes) -> Element:
    """The document's root with namespaces removed from every tag, or :class:`ListFileError`."""
    try:
        root = fromstring(data)
    except ParseError as exc:
        line, column = exc.position
        message = f"The file is not well-formed XML (line {line}, column {column})."
        raise ListFileError(message, [f"{message} {exc}"]) from exc
    except DefusedXmlException as exc:
        message = "The XML file declares entities or external references, which a list never needs."
        raise ListFileError(message, [message]) from exc
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def text(element: Element | None, path: str) -> str:
    """The stripped text at ``path`` under ``element`` ('' when absent)."""
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def texts(element: Element, path: str) -> list[str]:
    """The non-empty stripped texts of every element at ``path``."""
    return [value for found in element.findall(path) if (value := (found.text or "").strip())]
