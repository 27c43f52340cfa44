"""Read a sanctions / PEP list file in any of the formats the import accepts. No Django here.

- OpenSanctions ``targets.simple.csv`` (:mod:`.opensanctions`);
- OFAC SDN XML, ``sdn.xml`` or ``consolidated.xml`` (:mod:`.ofac`);
- UN Security Council Consolidated List XML (:mod:`.un`).

The format is recognised from the content: an XML file by its root element, anything else is
read as CSV. Every reader checks the whole file before anything is written: every problem is
collected with its place in the file, and a file with any problem is refused as a whole.
"""

from screening.formats.common import ListFileError, ParsedList
from screening.formats.ofac import parse_ofac_xml
from screening.formats.opensanctions import parse_targets_csv
from screening.formats.safe_xml import read_xml
from screening.formats.un import parse_un_xml

__all__ = ["ListFileError", "ParsedList", "parse_list"]

XML_READERS = {"sdnList": parse_ofac_xml, "CONSOLIDATED_LIST": parse_un_xml}


def parse_list(data: bytes) -> ParsedList:
    """Every entry of ``data`` (with its aliases), or :class:`ListFileError` naming every problem."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        root = read_xml(data)
        reader = XML_READERS.get(root.tag)
        if reader is None:
            message = (f"An XML list must be an OFAC SDN file (root element sdnList) or the UN "
                       f"Consolidated List (CONSOLIDATED_LIST); this one's root is {root.tag}.")
            raise ListFileError(message, [message])
        return reader(data, root)
    return parse_targets_csv(data)
