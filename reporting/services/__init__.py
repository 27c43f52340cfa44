"""Reporting services: the contract other apps (the investor portal, the API, the admin) build on.

Requesting (``reporting.services.requests``; each queues generation on a worker through the outbox
and returns at once; refusals raise ``core.errors.InvalidInput`` / ``Refused`` / ``NotPermitted``
before anything is written):

- ``report_request(*, actor, kind, deal, format, period=None, year=None, investor=None) -> Report``
  needs ``reporting.add_report``. ``kind`` is a ``reporting.models.Kind``: ``investor_statement``
  (period + investor), ``servicer_report`` (period), ``impact_report`` (year). ``format`` is
  ``pdf``, ``csv`` or ``xlsx``. Each call makes a new version (1, 2, ...); older versions stay.
  A period not closed (or a year not over) gives a report with ``draft=True``, marked DRAFT on
  every page.
- ``statement_run_request(*, actor, deal, period, formats) -> StatementRun`` - every holder's
  statement, fanned out over workers; ``run_progress(run)`` counts its reports by state;
  ``statement_run_retry(*, actor, run)`` queues the failed ones again (same rows, same versions).
- ``report_retry(*, actor, report)`` - one failed report again.

Reading (``reporting.selectors``): ``reports_visible_to(user)`` is the queryset a user may list
(staff: all; an investor: done, non-draft reports - their own statements and the deal reports of
deals they hold); use it to look reports up by id so another investor's report is a 404.

Downloading (``reporting.services.downloads``):

- ``report_open_for_download(*, actor, report) -> ReportFile`` (``filename``, ``content_type``,
  ``data`` bytes, ``sha256``). Checks the scope again (``NotPermitted``), refuses a report not
  done (``Refused``), and re-hashes the stored bytes: a mismatch is ``Refused``, audited
  (``hash_mismatch``), logged at ERROR and sent as ``reporting.signals.report_hash_mismatch``.
  Use ``sha256`` as the ETag.

Generating (``reporting.services.generation``, called by ``reporting.tasks`` only):
``report_generate(*, report_id)`` - idempotent; fills ``file``, ``size``, ``file_sha256`` and
``data_sha256`` (SHA-256 of ``reporting.content.document.canonical_json`` of the data the report
shows). A report still running under another worker is looked at again after ten minutes.
"""

from reporting.services.downloads import ReportFile, report_open_for_download
from reporting.services.requests import (
    report_request,
    report_retry,
    run_progress,
    statement_run_request,
    statement_run_retry,
)

__all__ = ["ReportFile", "report_open_for_download", "report_request", "report_retry", "run_progress",
           "statement_run_request", "statement_run_retry"]
