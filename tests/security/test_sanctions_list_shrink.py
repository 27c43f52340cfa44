"""A new list version much shorter than the current one needs a confirmation with a reason.

Before, a one-row file silently replaced the 21-row current version: every investor was re-screened
against one name, and 20 sanctioned parties stopped being screened. A drop of more than
``SCREENING_LIST_MAX_DROP_PERCENT`` (10 %) of the entries is refused unless the importer gives
``shrink_reason``, which is kept on the version and in its audit row.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Refused
from core.models import AuditEvent
from screening.models import ListVersion, ScreeningRun
from screening.services import list_import

SAMPLE = Path(__file__).resolve().parents[2] / "screening" / "fixtures" / "sample_targets.simple.csv"


def _first_rows(n: int) -> bytes:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: n + 1])  # the header and n entries


@pytest.fixture
def current(officer):
    return list_import(name="sanctions", version_label="v1", data=SAMPLE.read_bytes(), actor=officer)


def test_a_one_row_file_does_not_replace_twenty_entries_without_a_reason(officer, current):
    audit_rows, runs = AuditEvent.objects.count(), ScreeningRun.objects.count()

    with pytest.raises(Refused) as refused:
        list_import(name="sanctions", version_label="v2", data=_first_rows(1), actor=officer)

    assert current.row_count == 20
    assert refused.value.field == "shrink_reason"
    assert refused.value.message == (
        "Version 'v2' of 'sanctions' has 1 entry where the current version 'v1' has 20: a drop of 95 %, "
        "more than the 10 % allowed without a confirmation. Give a reason (shrink_reason) to import it.")
    assert list(ListVersion.objects.values_list("version_label", "is_current")) == [("v1", True)]
    assert (AuditEvent.objects.count(), ScreeningRun.objects.count()) == (audit_rows, runs)


def test_with_a_reason_the_shorter_version_becomes_current_and_the_reason_is_kept(officer, current):
    reason = "The publisher removed delisted entries (notice 2026-11-30)."

    version = list_import(name="sanctions", version_label="v2", data=_first_rows(1), actor=officer,
                          shrink_reason=reason)

    assert (version.row_count, version.is_current, version.shrink_reason) == (1, True, reason)
    created = AuditEvent.objects.get(object_id=str(version.pk), action=AuditEvent.Action.CREATE,
                                     content_type__model="listversion")
    assert created.changes["shrink_reason"] == [None, reason]


def test_a_drop_within_the_allowance_needs_no_reason(officer, current):
    version = list_import(name="sanctions", version_label="v2", data=_first_rows(18), actor=officer)

    assert (version.row_count, version.is_current, version.shrink_reason) == (18, True, "")


def test_a_blank_reason_is_no_reason(officer, current):
    with pytest.raises(Refused):
        list_import(name="sanctions", version_label="v2", data=_first_rows(1), actor=officer,
                    shrink_reason="   ")

    assert ListVersion.objects.count() == 1


def test_the_api_asks_for_the_reason_and_takes_it(officer, current, api):
    def upload(**extra):
        return api(officer).post("/api/v1/screening/lists/", {
            "name": "sanctions", "version_label": "v2",
            "file": SimpleUploadedFile("list.csv", _first_rows(1)), **extra}, format="multipart")

    refused = upload()
    accepted = upload(shrink_reason="Delisted entries removed by the publisher.")

    assert refused.status_code == 409
    assert list(refused.json()["error"]["fields"]) == ["shrink_reason"]
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["shrink_reason"] == "Delisted entries removed by the publisher."
