"""Demo reports: the demo deal's first period reconciled, closed and reported.

Runs after ``load_demo_servicing`` (period 1 distributed and paid on the local chain). The cash
and chain matching run here, in process; the period is closed when nothing is left open; then every
holder's statement (PDF and CSV), the servicer report (PDF and XLSX) and the year's impact report
are requested, and the demo's Celery worker generates them once it starts. Re-running is safe:
each step is skipped once done.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from core.errors import Refused
from issuance.models import Deal
from reconciliation.services.chain_matching import chain_matching_run
from reconciliation.services.matching import cash_matching_request, cash_matching_run
from reporting.models import Format, Kind, Report, StatementRun
from reporting.services import report_request, statement_run_request
from servicing.models import CollectionPeriod, Distribution
from servicing.services.periods import period_close

DEAL = "GCABS 2026-1"
User = get_user_model()


class Command(BaseCommand):
    help = "Reconcile and close the demo deal's first period, and request its reports."

    def handle(self, *args, **options):
        deal = Deal.objects.filter(name=DEAL).first()
        period = CollectionPeriod.objects.filter(deal=deal, number=1).first() if deal else None
        if period is None or settings.CHAIN_ID != 31337:
            self.stderr.write("load_demo_reporting needs load_demo_servicing and the local anvil chain.")
            return
        ops = User.objects.get(username="ops")
        if period.state == CollectionPeriod.State.DISTRIBUTED:
            cash_matching_run(run=cash_matching_request(actor=ops), actor=ops)
            for distribution in Distribution.objects.filter(period=period).order_by("pk"):
                chain_matching_run(distribution=distribution, actor=ops)
            try:
                period_close(period=period, actor=ops, reason="demo: reconciled, nothing open")
            except Refused as refusal:
                self.stdout.write(f"{DEAL} period 1 stays open, its reports are drafts: {refusal}")
        period.refresh_from_db()
        self.stdout.write(f"{DEAL} period 1: {period.get_state_display()}")

        if not StatementRun.objects.filter(period=period).exists():
            statement_run_request(actor=ops, deal=deal, period=period, formats=[Format.PDF, Format.CSV])
        wanted = [
            (Kind.SERVICER_REPORT, Format.PDF, period, None),
            (Kind.SERVICER_REPORT, Format.XLSX, period, None),
            (Kind.IMPACT_REPORT, Format.PDF, None, period.end.year),
        ]
        for kind, fmt, for_period, year in wanted:
            same = Report.objects.filter(kind=kind, deal=deal, format=fmt, period=for_period, year=year)
            if not same.exists():
                report_request(actor=ops, kind=kind, deal=deal, format=fmt, period=for_period, year=year)
        self.stdout.write(f"{DEAL} reports requested: {Report.objects.filter(deal=deal).count()} "
                          "(the worker generates them; the portal lists them once done)")
