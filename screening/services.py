"""Every screening write the business knows by name.

Keyword-only, one transaction each, audit in the same transaction, refusals
(``core.errors``) raised before anything is written. Heavy work (parsing a file,
matching names) happens before the transaction opens.
"""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compliance.models import Investor
from core.audit import audit_created, audit_event
from core.authz import require_perm
from core.clock import today
from core.errors import InvalidInput, Refused
from core.models import AuditEvent
from core.outbox import enqueue
from core.transitions import lock, record_transition, run_transition
from screening import subjects
from screening.engine import matcher_for
from screening.formats import ListFileError, parse_list
from screening.matching import ALGORITHM_VERSION, THRESHOLD, Match
from screening.models import ListAlias, ListEntry, ListVersion, ScreeningHit, ScreeningRun, WhitelistEntry
from screening.selectors import current_list_versions
from screening.signals import investor_blocked

ENTRY_BATCH = 2000
LIST_FIELDS = ("name", "version_label", "sha256", "row_count", "is_current", "shrink_reason")
RUN_FIELDS = ("list_version", "trigger", "algorithm_version", "threshold", "state")
WHITELIST_FIELDS = ("investor", "entity_id", "valid_until", "reason", "hit")
DECISIONS = ("confirm", "mark_false_positive")

# (investor id, subject kind, subject text, match)
Found = tuple[int, str, str, Match]


# Lists


def list_import(*, name: str, version_label: str, data: bytes, actor, shrink_reason: str = "") -> ListVersion:
    """Import a whole list file (OpenSanctions CSV, OFAC SDN XML or UN Consolidated List XML) as
    the new current version of ``name``, its entries with their aliases, then re-screen everyone.

    A malformed file is refused as a whole (``InvalidInput`` whose ``reasons`` name every
    offending line or record); nothing is written and the previous version stays current. So is
    a version with more than ``SCREENING_LIST_MAX_DROP_PERCENT`` fewer entries than the current
    one, unless ``shrink_reason`` says why (a truncated download must not stop the screening).
    """
    require_perm(actor, "screening.add_listversion", doing="import a sanctions / PEP list")
    name, version_label = (name or "").strip(), (version_label or "").strip()
    if not name:
        raise InvalidInput("The list needs a name.", field="name")
    if not version_label:
        raise InvalidInput("The list version needs a label.", field="version_label")
    try:
        parsed = parse_list(data)
    except ListFileError as exc:
        raise InvalidInput(exc.message, reasons=exc.problems, field="file") from exc
    with transaction.atomic():
        previous = list(ListVersion.objects.select_for_update().filter(name=name).order_by("pk"))
        for old in previous:
            if old.version_label == version_label:
                raise InvalidInput(f"List '{name}' already has a version '{version_label}'.",
                                   field="version_label")
            if old.sha256 == parsed.sha256:
                raise InvalidInput(f"This file was already imported as '{old}' (same SHA-256).",
                                   field="file")
        shrink_reason = (shrink_reason or "").strip()
        _check_shrink(name=name, version_label=version_label, row_count=len(parsed.rows),
                      current=next((old for old in previous if old.is_current), None), reason=shrink_reason)
        version = ListVersion.objects.create(
            name=name, version_label=version_label, sha256=parsed.sha256, row_count=len(parsed.rows),
            shrink_reason=shrink_reason, imported_by=actor if getattr(actor, "pk", None) else None,
        )
        _entries_create(version=version, rows=parsed.rows)
        for old in previous:
            if old.is_current:
                ListVersion.objects.filter(pk=old.pk).update(is_current=False)
                audit_event(instance=old, actor=actor, action=AuditEvent.Action.UPDATE,
                            changes={"is_current": [True, False]},
                            reason=f"superseded by version {version_label}")
        version.is_current = True
        version.save(update_fields=["is_current"])
        audit_created(instance=version, actor=actor, fields=LIST_FIELDS)
        _run_queue(list_version=version, trigger=ScreeningRun.Trigger.LIST_IMPORT, actor=actor)
    return version


def _check_shrink(*, name: str, version_label: str, row_count: int, current: ListVersion | None,
                  reason: str) -> None:
    allowed = settings.SCREENING_LIST_MAX_DROP_PERCENT
    if current is None or reason or row_count * 100 >= current.row_count * (100 - allowed):
        return
    drop = (current.row_count - row_count) * 100 // current.row_count
    raise Refused(
        f"Version '{version_label}' of '{name}' has {row_count} {'entry' if row_count == 1 else 'entries'} "
        f"where the current version '{current.version_label}' has {current.row_count}: a drop of {drop} %, "
        f"more than the {allowed} % allowed without a confirmation. "
        "Give a reason (shrink_reason) to import it.",
        field="shrink_reason")


def _entries_create(*, version: ListVersion, rows: list[dict]) -> None:
    """Bulk-insert the entries, then their aliases (numbered in file order)."""
    entries = ListEntry.objects.bulk_create(
        [ListEntry(list_version=version, **{k: v for k, v in row.items() if k != "aliases"}) for row in rows],
        batch_size=ENTRY_BATCH)
    ListAlias.objects.bulk_create(
        [ListAlias(entry=entry, position=n, **alias)
         for entry, row in zip(entries, rows, strict=True)
         for n, alias in enumerate(row["aliases"], start=1)],
        batch_size=ENTRY_BATCH)


# Runs


def _run_create(*, list_version: ListVersion, trigger: str, actor, **values) -> ScreeningRun:
    run = ScreeningRun.objects.create(
        list_version=list_version, trigger=trigger, algorithm_version=ALGORITHM_VERSION,
        threshold=THRESHOLD, requested_by=actor if getattr(actor, "pk", None) else None, **values,
    )
    audit_created(instance=run, actor=actor, fields=RUN_FIELDS)
    return run


def _run_queue(*, list_version: ListVersion, trigger: str, actor) -> ScreeningRun:
    from screening.tasks import rescreen_run

    run = _run_create(list_version=list_version, trigger=trigger, actor=actor,
                      total=Investor.objects.count())
    enqueue(rescreen_run, run_id=run.pk)
    return run


def rescreen_everyone(*, actor) -> list[ScreeningRun]:
    """Queue a re-screen of every investor against every current list version."""
    require_perm(actor, "screening.add_screeningrun", doing="start a re-screen")
    versions = current_list_versions()
    if not versions:
        raise Refused("No list has been imported yet; import one first.")
    with transaction.atomic():
        return [_run_queue(list_version=v, trigger=ScreeningRun.Trigger.MANUAL, actor=actor)
                for v in versions]


def _whitelisted(investor_ids: list[int], today: date) -> set[tuple[int, str]]:
    return set(WhitelistEntry.objects.filter(investor_id__in=investor_ids, valid_until__gte=today)
               .values_list("investor_id", "entity_id"))


def _open_hits(investor_ids: list[int]) -> set[tuple[int, str, str, str]]:
    return set(
        ScreeningHit.objects.filter(
            investor_id__in=investor_ids,
            state__in=[ScreeningHit.State.PENDING, ScreeningHit.State.CONFIRMED],
        ).values_list("investor_id", "subject_kind", "subject", "entity_id")
    )


def _store_hits(*, run: ScreeningRun, found: list[Found]) -> None:
    """Insert new hits: not for a whitelisted pair, not when the same subject already has an
    open hit on the same list entity (any version), never twice for the same entry row."""
    if not found:
        return
    investor_ids = sorted({f[0] for f in found})
    skip_pairs = _whitelisted(investor_ids, today())
    skip_open = _open_hits(investor_ids)
    new = [
        ScreeningHit(run=run, investor_id=inv, subject_kind=kind, subject=subject[:300],
                     entry_id=m.entry_key, alias_id=m.alias_key, entity_id=m.entity_id, score=m.score,
                     features=m.features)
        for inv, kind, subject, m in found
        if (inv, m.entity_id) not in skip_pairs and (inv, kind, subject[:300], m.entity_id) not in skip_open
    ]
    ScreeningHit.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)


def _prefetch(qs):
    related = {r.name for r in Investor._meta.related_objects}
    return qs.prefetch_related(*[n for n in ("beneficial_owners", "wallets") if n in related])


def find_matches(*, list_version: ListVersion, investors: list[Investor]) -> list[Found]:
    """Every match of these investors (name, beneficial owners, wallets) in ``list_version``."""
    matcher = matcher_for(list_version)
    found: list[Found] = []
    for investor in investors:
        subject = subjects.investor_subject(investor)
        found += [(investor.pk, ScreeningHit.SubjectKind.INVESTOR, subject.name, m)
                  for m in matcher.screen(subject)]
        for owner in subjects.beneficial_owner_subjects(investor):
            found += [(investor.pk, ScreeningHit.SubjectKind.BENEFICIAL_OWNER, owner.name, m)
                      for m in matcher.screen(owner)]
        for address in subjects.wallet_addresses(investor):
            found += [(investor.pk, ScreeningHit.SubjectKind.WALLET, address.strip(), m)
                      for m in matcher.screen_address(address)]
    return found


def _screen_now(*, investor: Investor, trigger: str, actor, find) -> list[ScreeningHit]:
    hits: list[ScreeningHit] = []
    for version in current_list_versions():
        found = find(version)
        with transaction.atomic():
            run = _run_create(list_version=version, trigger=trigger, actor=actor, total=1,
                              processed=1, last_investor_id=investor.pk, state=ScreeningRun.State.DONE,
                              started_at=timezone.now(), finished_at=timezone.now())
            _store_hits(run=run, found=found)
            run.hits_created = run.hits.count()
            run.save(update_fields=["hits_created"])
        hits += list(run.hits.select_related("entry__list_version").order_by("-score", "entity_id"))
    return hits


def screen_investor(*, investor: Investor, actor=None) -> list[ScreeningHit]:
    """Screen an investor (its name, beneficial owners and wallets) against every current list
    version now; returns the hits this created (none for what is already open or whitelisted)."""
    investor = _prefetch(Investor.objects.all()).get(pk=investor.pk)
    return _screen_now(
        investor=investor, trigger=ScreeningRun.Trigger.INVESTOR, actor=actor,
        find=lambda version: find_matches(list_version=version, investors=[investor]),
    )


def screen_wallet_address(*, investor: Investor, address: str, actor=None) -> list[ScreeningHit]:
    """Screen one wallet address of ``investor`` (exact, case-insensitive) against the current lists."""
    address = (address or "").strip()
    if not address:
        raise InvalidInput("The wallet address is empty.", field="address")

    def find(version):
        return [(investor.pk, ScreeningHit.SubjectKind.WALLET, address, m)
                for m in matcher_for(version).screen_address(address)]

    return _screen_now(investor=investor, trigger=ScreeningRun.Trigger.WALLET, actor=actor, find=find)


def run_claim(*, run_id: int) -> ScreeningRun | None:
    """Start a queued run (transition ``start``, audited; the row lock makes one claimer start it);
    a running one is resumed, a finished one is None."""
    with transaction.atomic():
        run = lock(ScreeningRun, run_id)
        if run.state == ScreeningRun.State.QUEUED:
            record_transition(run, "start", actor=None, started_at=timezone.now(),
                              total=Investor.objects.count())
    return run if run.state == ScreeningRun.State.RUNNING else None


def run_step(*, run: ScreeningRun, chunk_size: int) -> bool:
    """Screen the next ``chunk_size`` investors of ``run``; False when there were none left.

    Progress moves with a conditional update on the resume point, so a second worker
    on the same run (a redelivered task) cannot count a chunk twice.
    """
    cursor = run.last_investor_id
    investors = list(_prefetch(Investor.objects.filter(pk__gt=cursor)).order_by("pk")[:chunk_size])
    if not investors:
        return False
    found = find_matches(list_version=run.list_version, investors=investors)
    with transaction.atomic():
        moved = ScreeningRun.objects.filter(pk=run.pk, last_investor_id=cursor).update(
            last_investor_id=investors[-1].pk, processed=F("processed") + len(investors))
        if not moved:
            raise Refused(f"{run} was advanced by another worker.")
        _store_hits(run=run, found=found)
        ScreeningRun.objects.filter(pk=run.pk).update(hits_created=run.hits.count())
    # the progress fields only: the state is the transitions' business (and refresh_from_db would
    # unprotect the state field of every instance in the process for a moment)
    progress = ScreeningRun.objects.filter(pk=run.pk).values_list("processed", "hits_created",
                                                                  "last_investor_id")
    run.processed, run.hits_created, run.last_investor_id = progress.get()
    return True


def run_finish(*, run: ScreeningRun, error: str = "") -> ScreeningRun:
    """End a running run: ``finish`` (done) or, with an ``error``, ``fail`` (its reason), audited.
    A run that is not running is left as it is."""
    with transaction.atomic():
        run = lock(ScreeningRun, run.pk)
        if run.state != ScreeningRun.State.RUNNING:
            return run
        if error:
            record_transition(run, "fail", actor=None, reason=error, finished_at=timezone.now(), error=error)
        else:
            record_transition(run, "finish", actor=None, finished_at=timezone.now(),
                              total=max(run.total, run.processed))
    return run


# Decisions


def hit_decide(*, hit: ScreeningHit, decision: str, actor, reason: str,
               whitelist_until: date | None = None) -> ScreeningHit:
    """Confirm a hit or mark it a false positive (reason required); a false positive may be
    whitelisted for this investor and list entity until a date, in the same transaction."""
    if decision not in DECISIONS:
        raise InvalidInput(f"Decision must be one of {', '.join(DECISIONS)}.", field="decision")
    if whitelist_until is not None and decision != "mark_false_positive":
        raise InvalidInput("Only a false positive can be whitelisted.", field="whitelist_until")
    reason = (reason or "").strip()
    with transaction.atomic():
        hit = lock(ScreeningHit, hit.pk)
        run_transition(hit, decision, actor=actor, reason=reason, decided_by=actor,
                       decided_at=timezone.now(), decision_reason=reason)
        if whitelist_until is not None:
            whitelist_add(investor=hit.investor, entity_id=hit.entity_id, valid_until=whitelist_until,
                          reason=reason, actor=actor, hit=hit)
        if decision == "confirm":
            investor_pk, event = hit.investor_id, f"sanctions-hit:{hit.pk}"
            investor_blocked.send(sender=ScreeningHit, investor_id=investor_pk, event=event)
    return hit


def hit_transition(*, hit: ScreeningHit, name: str, actor, reason: str = "") -> ScreeningHit:
    """The admin's and the API's transition buttons."""
    return hit_decide(hit=hit, decision=name, actor=actor, reason=reason)


def whitelist_add(*, investor: Investor, entity_id: str, valid_until: date, reason: str, actor,
                  hit: ScreeningHit | None = None) -> WhitelistEntry:
    """Stop ``entity_id`` raising new hits for ``investor`` until ``valid_until`` (inclusive)."""
    require_perm(actor, "screening.add_whitelistentry", doing="whitelist a list entry for an investor")
    entity_id, reason = (entity_id or "").strip(), (reason or "").strip()
    if not reason:
        raise InvalidInput("A reason is required to whitelist.", field="reason")
    if not entity_id:
        raise InvalidInput("The list entity id is empty.", field="entity_id")
    now = today()
    if valid_until < now:
        raise InvalidInput(f"valid_until {valid_until.isoformat()} is in the past (today is "
                           f"{now.isoformat()}).", field="valid_until")
    if hit is not None:
        if hit.state != ScreeningHit.State.FALSE_POSITIVE:
            raise Refused(f"{hit} is '{hit.get_state_display()}'; only a false positive can be whitelisted.")
        if hit.investor_id != investor.pk or hit.entity_id != entity_id:
            raise InvalidInput(f"{hit} is not about this investor and list entity.", field="hit")
    with transaction.atomic():
        entry = WhitelistEntry.objects.create(
            investor=investor, entity_id=entity_id, valid_until=valid_until, reason=reason, hit=hit,
            created_by=actor,
        )
        audit_created(instance=entry, actor=actor, fields=WHITELIST_FIELDS)
    return entry
