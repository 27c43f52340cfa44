"""The one function other apps call to learn whether screening blocks an investor."""


def screening_blockers(investor) -> list[str]:
    """Reasons this investor may not be approved or hold/receive tokens: one sentence per
    confirmed hit (name, list entry and the alias that matched, list version), and per hit still
    awaiting a decision."""
    from screening.models import ScreeningHit
    from screening.selectors import blocking_hits

    reasons = []
    for hit in blocking_hits(investor=investor):
        entry = hit.entry
        if hit.state == ScreeningHit.State.CONFIRMED:
            what = "Confirmed sanctions/PEP match"
        else:
            what = "Screening hit awaiting an officer's decision"
        through = f" through its alias '{hit.alias.name}'" if hit.alias_id else ""
        reasons.append(
            f"{what} (hit #{hit.pk}): {hit.get_subject_kind_display()} '{hit.subject}' matches "
            f"list entry {entry.entity_id} '{entry.name}'{through} of list version {entry.list_version}."
        )
    return reasons
