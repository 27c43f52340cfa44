"""State labels in the admin: each state shown as a coloured label whose tone follows from
what the state means for the user (done, waiting on someone, refused or failed, still a draft).

The tone is chosen from the state's name, so every model's states get it without a table per
model; a state not named here is shown in the neutral tone.
"""

GOOD = frozenset({
    "approved", "accepted", "active", "allocated", "applied", "commissioned", "confirmed", "distributed",
    "done", "entitled", "false_positive", "funded", "issued", "matched", "mined", "paid", "pledged",
    "redeemed", "released", "resolved", "retired", "servicing", "settled", "signed", "verified",
})
WAITING = frozenset({
    "broadcast", "collecting", "compliance_review", "determined", "distributing", "held", "in_review",
    "information_requested", "needs_revision", "onboarding", "open", "ordered", "partially_paid",
    "paying", "pending", "proposed", "queued", "recommended", "requested", "running", "submitted",
    "write_off_requested", "snapshotted",
})
BAD = frozenset({
    "cancelled", "decommissioned", "defaulted", "expired", "failed", "frozen", "impaired", "overdue",
    "rejected", "revoked", "suspended", "terminated", "written_off", "not_eligible", "paid_late",
})

TONES = {
    "good": "bg-green-100 text-green-700 dark:bg-green-500/20 dark:text-green-400",
    "waiting": "bg-orange-100 text-orange-700 dark:bg-orange-500/20 dark:text-orange-400",
    "bad": "bg-red-100 text-red-700 dark:bg-red-500/20 dark:text-red-400",
    "neutral": "bg-base-500/8 text-base-700 dark:bg-base-500/20 dark:text-base-200",
}
# unfold's label (unfold/helpers/label.html), so that the theme's stylesheet has every class
LABEL = ("inline-block font-semibold rounded-default text-[11px] uppercase whitespace-nowrap "
         "h-6 leading-6 px-2")


def state_tone(state: str | None) -> str:
    """``"good"``, ``"waiting"``, ``"bad"`` or ``"neutral"`` for a state's name."""
    if state in GOOD:
        return "good"
    if state in WAITING:
        return "waiting"
    if state in BAD:
        return "bad"
    return "neutral"


def state_classes(state: str | None) -> str:
    """The classes of a state's label: unfold's label in the state's tone."""
    return f"{LABEL} {TONES[state_tone(state)]}"
