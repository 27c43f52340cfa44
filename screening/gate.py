"""What other apps ask of screening (compliance through compliance.providers, registered in
screening/apps.py): whether screening blocks an investor, and the investor's hits."""


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


def hit_counts(investor) -> tuple[int, int, int]:
    """(confirmed, awaiting a decision, cleared as false positive) hits of the investor."""
    from screening.models import ScreeningHit

    counts = dict.fromkeys(ScreeningHit.State.values, 0)
    for state in ScreeningHit.objects.filter(investor=investor).values_list("state", flat=True):
        counts[state] += 1
    return counts["confirmed"], counts["pending"], counts["false_positive"]


def investor_hits(investor) -> list:
    """Every hit of the investor, undecided first, then by score."""
    from screening.models import ScreeningHit

    return list(ScreeningHit.objects.filter(investor=investor).select_related("entry__list_version")
                .order_by("state", "-score"))
