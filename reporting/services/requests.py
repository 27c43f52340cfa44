"""Requesting reports: one report, the statements of every holder of a period, retries."""

from django.db import transaction
from django.db.models import Count, Max

from core import clock
from core.audit import audit_created, audit_created_bulk, audit_transition_rows
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.outbox import enqueue
from issuance.models import Deal
from reporting.models import Format, Kind, Report, StatementRun
from servicing.models import CollectionPeriod

REQUEST_PERMISSION = "reporting.add_report"
RUN_PERMISSION = "reporting.add_statementrun"
CHUNK = 50  # reports per generation task in a bulk run
AUDITED = ("kind", "deal", "period", "year", "investor", "format", "version", "draft")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def is_draft(*, period: CollectionPeriod | None = None, year: int | None = None) -> bool:
    """A report of a period that is not closed, or of a year not yet over, is a draft."""
    if period is not None:
        return period.state != CollectionPeriod.State.CLOSED
    return year >= clock.today().year


def _period(deal: Deal, period) -> CollectionPeriod:
    if period is None:
        raise InvalidInput("This report is for a collection period: name one.", field="period")
    if period.deal_id != deal.pk:
        raise InvalidInput(f"Period {period.number} belongs to another deal, not '{deal.name}'.",
                           field="period")
    return period


def _check_subject(*, kind: str, deal: Deal, period, year, investor) -> None:
    if kind not in Kind.values:
        raise InvalidInput(f"Unknown report kind '{kind}'; one of {', '.join(Kind.values)}.", field="kind")
    if kind == Kind.IMPACT_REPORT:
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidInput(f"An impact report is for a calendar year from {FIRST_YEAR} to {LAST_YEAR}.",
                               field="year")
        if period is not None or investor is not None:
            raise InvalidInput("An impact report is for a deal and a year only.", field="period")
        return
    _period(deal, period)
    if year is not None:
        raise InvalidInput("This report is for a period, not a year.", field="year")
    if kind == Kind.SERVICER_REPORT and investor is not None:
        raise InvalidInput("A servicer report is for the whole deal, not one investor.", field="investor")
    if kind == Kind.INVESTOR_STATEMENT:
        if investor is None:
            raise InvalidInput("A statement is for one investor: name them.", field="investor")
        if investor.pk not in holders_of(period):
            raise InvalidInput(f"{investor.legal_name} held no notes of '{deal.name}' in period "
                               f"{period.number}.", field="investor")


def holders_of(period: CollectionPeriod) -> set[int]:
    """The investors with a statement to receive for ``period``: entitled in one of its
    distributions, or (before any distribution) holding an allocated subscription of the deal."""
    from issuance.models import Subscription
    from servicing.models import Entitlement

    entitled = set(Entitlement.objects.filter(distribution__period=period, investor__isnull=False)
                   .values_list("investor_id", flat=True))
    if entitled or period.distributions.exists():
        return entitled
    return set(Subscription.objects.filter(tranche__deal_id=period.deal_id,
                                           state__in=("allocated", "funded", "settled"))
               .values_list("investor_id", flat=True))


def _check_formats(formats) -> list[str]:
    formats = list(dict.fromkeys(formats))
    if not formats:
        raise InvalidInput("Name at least one format.", field="format")
    for fmt in formats:
        if fmt not in Format.values:
            raise InvalidInput(f"Unknown format '{fmt}'; one of {', '.join(Format.values)}.", field="format")
    return formats


def _lock_deal(deal: Deal) -> Deal:
    """Versions are numbered under the deal's row lock, so two requests never take one number."""
    return Deal.objects.select_for_update().get(pk=deal.pk)


def report_request(*, actor, kind: str, deal: Deal, format: str, period: CollectionPeriod | None = None,
                   year: int | None = None, investor=None) -> Report:
    """Queue a new version of a report (docs/reporting.md); it is generated on a worker."""
    require_perm(actor, REQUEST_PERMISSION, doing="request reports")
    (fmt,) = _check_formats([format])
    _check_subject(kind=kind, deal=deal, period=period, year=year, investor=investor)
    with transaction.atomic():
        _lock_deal(deal)
        latest = Report.objects.filter(kind=kind, deal=deal, period=period, year=year, investor=investor,
                                       format=fmt).aggregate(n=Max("version"))["n"] or 0
        report = Report.objects.create(kind=kind, deal=deal, period=period, year=year, investor=investor,
                                       format=fmt, version=latest + 1, created_by=actor,
                                       draft=is_draft(period=period, year=year),
                                       progress={"step": "queued", "done": 0, "total": 1})
        audit_created(instance=report, actor=actor, fields=AUDITED)
        enqueue("reporting.tasks.generate_reports", report_ids=[report.pk])
    return report


def statement_run_request(*, actor, deal: Deal, period: CollectionPeriod, formats: list[str]) -> StatementRun:
    """Queue the statement of every holder of ``period`` in each of ``formats``: one new version
    per holder and format, generated by tasks of ``CHUNK`` reports each, in parallel."""
    require_perm(actor, RUN_PERMISSION, doing="run the statements of a period")
    formats = _check_formats(formats)
    _period(deal, period)
    holders = sorted(holders_of(period))
    if not holders:
        raise Refused(f"Period {period.number} of '{deal.name}' has no holders to send statements to.")
    with transaction.atomic():
        _lock_deal(deal)
        run = StatementRun.objects.create(deal=deal, period=period, formats=formats, created_by=actor)
        audit_created(instance=run, actor=actor, fields=("deal", "period", "formats"))
        versions = (Report.objects.filter(kind=Kind.INVESTOR_STATEMENT, period=period,
                                          investor_id__in=holders)
                    .values("investor_id", "format").annotate(n=Max("version")).order_by())
        latest = {(v["investor_id"], v["format"]): v["n"] for v in versions}
        draft = is_draft(period=period)
        reports = Report.objects.bulk_create([
            Report(kind=Kind.INVESTOR_STATEMENT, deal=deal, period=period, investor_id=investor_id,
                   format=fmt, version=latest.get((investor_id, fmt), 0) + 1, draft=draft, run=run,
                   created_by=actor,
                   progress={"step": "queued", "done": 0, "total": 1})
            for investor_id in holders for fmt in formats
        ])
        audit_created_bulk(instances=reports, actor=actor,
                           fields=("kind", "investor", "format", "version", "run"))
        _enqueue_chunks([r.pk for r in reports])
    return run


def _enqueue_chunks(report_ids: list[int]) -> None:
    for start in range(0, len(report_ids), CHUNK):
        enqueue("reporting.tasks.generate_reports", report_ids=report_ids[start:start + CHUNK])


def statement_run_retry(*, actor, run: StatementRun, reason: str = "") -> list[int]:
    """Queue again the failed statements of a run (the same rows: nothing is produced twice)."""
    require_perm(actor, RUN_PERMISSION, doing="retry statements")
    with transaction.atomic():
        failed = list(Report.objects.select_for_update().filter(run=run, state=Report.State.FAILED)
                      .order_by("id").values_list("pk", flat=True))
        if not failed:
            raise Refused(f"Run #{run.pk} has no failed statements to retry.")
        _requeue(failed, actor=actor, reason=reason)
    return failed


def report_retry(*, actor, report: Report, reason: str = "") -> Report:
    """Queue a failed report again."""
    require_perm(actor, REQUEST_PERMISSION, doing="retry reports")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.state != Report.State.FAILED:
            raise Refused(f"Report #{report.pk} is {locked.get_state_display()}: only a failed report is "
                          "retried.")
        _requeue([locked.pk], actor=actor, reason=reason)
    return Report.objects.get(pk=report.pk)


def _requeue(report_ids: list[int], *, actor, reason: str) -> None:
    Report.objects.filter(pk__in=report_ids).update(state=Report.State.QUEUED, error="",
                                                    progress={"step": "queued", "done": 0, "total": 1})
    audit_transition_rows(model=Report, actor=actor, name="retry", to_state=Report.State.QUEUED,
                          rows=[(pk, f"report #{pk}", Report.State.FAILED, reason, {}) for pk in report_ids])
    _enqueue_chunks(report_ids)


def run_progress(run: StatementRun) -> dict:
    """{'total', 'queued', 'running', 'done', 'failed'} of a bulk run, from its reports."""
    counts = {s: 0 for s in Report.State.values}
    for state, n in _counts(run):
        counts[state] = n
    return {"total": sum(counts.values()), **counts}


def _counts(run: StatementRun):
    return run.reports.values("state").annotate(n=Count("id")).values_list("state", "n").order_by()
