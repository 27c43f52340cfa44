"""Reading rendered pages in tests: one element of a page, without the admin frame around it."""

from django.test.html import Element, parse_html


def _find(node, element_id: str):
    if not isinstance(node, Element):
        return None
    if dict(node.attributes).get("id") == element_id:
        return node
    for child in node.children:
        found = _find(child, element_id)
        if found is not None:
            return found
    return None


def element_html(html: str, element_id: str) -> str:
    """The HTML of the element with ``id=element_id`` (normalised by Django's test HTML parser)."""
    found = _find(parse_html(html), element_id)
    assert found is not None, f"no element with id {element_id!r}"
    return str(found)


def page_content(response) -> str:
    """The page's own content (the admin theme's ``#content``): no sidebar, header, sign-out form
    or command palette."""
    return element_html(response.content.decode(), "content")
