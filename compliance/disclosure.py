"""What an investor may be told about their own compliance review: no tipping off.

Screening hits (list entry, list version, matched name), the PEP flag and the risk rating with its
reasons are for staff (``core.roles.sees_all``: operations, compliance, the trustee). An investor
reading their own eligibility, refusals, KYC cases, profile or audit trail sees instead:

- a screening reason -> ``UNDER_REVIEW``, once, after the reasons that are theirs to act on;
- a case rejected or sent back for sanctions or PEP risk -> no reason code, ``WITHHELD`` as text;
- the fields in ``INTERNAL_FIELDS`` -> left out (serializers for investors; audit rows);
- free text an officer wrote that names screening or risk -> ``WITHHELD`` (the safety net for
  notes typed into a reason an investor can read).

Everything here is decided by who reads (``for_staff``), never by what the investor asked.
"""

import re
from collections.abc import Iterable

from core.roles import sees_all

UNDER_REVIEW = ("Your application is under review by our compliance team; we will contact you if we "
                "need anything from you.")
WITHHELD = "The details of this decision are kept by our compliance team."

# Reason codes of a KYC decision that would tell the investor what screening or risk found.
INTERNAL_REASON_CODES = frozenset({"sanctions_match", "pep_risk"})
# Fields only staff read, by model name.
INTERNAL_FIELDS = {
    "investor": ("is_pep",),
    "kyccase": ("risk_rating", "risk_reasons", "assignee", "recommended_by", "decided_by"),  # staff names too
}
# Words of screening and risk in free text (a reason typed by an officer).
_INTERNAL_WORDS = re.compile(
    r"screen|sanction|watch.?list|list (entry|version)|\bpep\b|politically exposed|risk|\bhits?\b",
    re.IGNORECASE)


def for_staff(user) -> bool:
    """Whether ``user`` reads screening and risk internals (staff roles), or is told neutral text.
    ``None`` is a system step (a task): it reads everything."""
    return user is None or sees_all(user)


def investor_facing(reasons: Iterable[str], *, internal: Iterable[str]) -> list[str]:
    """The reasons an investor may read: ``reasons`` as they are, then, when any ``internal``
    (screening) reason exists, the one neutral ``UNDER_REVIEW``."""
    shown = list(reasons)
    return [*shown, UNDER_REVIEW] if list(internal) else shown


def investor_text(text: str) -> str:
    """Free text an officer wrote, as an investor may read it."""
    return WITHHELD if text and _INTERNAL_WORDS.search(text) else text


def case_reason(reason_code: str, reason_text: str) -> tuple[str, str]:
    """A KYC case's (reason code, text) as its investor may read them."""
    if reason_code in INTERNAL_REASON_CODES:
        return "", WITHHELD
    return reason_code, investor_text(reason_text)
