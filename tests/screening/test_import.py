import hashlib
from datetime import UTC, datetime

import pytest

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from screening.models import ListAlias, ListEntry, ListVersion, ScreeningRun
from screening.services import list_import
from tests.screening.conftest import HEADER, csv_bytes

pytestmark = pytest.mark.django_db

GOOD = "gcx-1,Person,Good Row,,1970,ru,,,,,,demo,2026-01-01T00:00:00,,"


def counts():
    return (ListVersion.objects.count(), ListEntry.objects.count(), ScreeningRun.objects.count(),
            AuditEvent.objects.count(), ListAlias.objects.count())


def test_import_keeps_the_version_and_every_column(officer, sample_bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        version = list_import(name="demo", version_label="2026-11-01", data=sample_bytes, actor=officer)

    version.refresh_from_db()
    assert (version.name, version.version_label, version.row_count, version.is_current) == (
        "demo", "2026-11-01", 20, True)
    assert version.sha256 == hashlib.sha256(sample_bytes).hexdigest()
    assert version.imported_by == officer
    assert version.entries.count() == 20
    boris = version.entries.get(entity_id="gcx-0001")
    assert (boris.schema, boris.name, boris.birth_dates, boris.countries, boris.row_number) == (
        "Person", "Boris Zanzibarov", ["1961-07-04"], ["ru"], 2)
    # the aliases column becomes alias rows of the entry, in the file's order
    assert list(boris.aliases.values_list("position", "name", "kind", "quality")) == [
        (1, "Борис Занзибаров", "", ""), (2, "Boris Z. Zanzibarov", "", "")]
    assert ListAlias.objects.filter(entry__list_version=version).count() == 17
    assert boris.first_seen == datetime(2025, 1, 10, 9, tzinfo=UTC)
    assert version.entries.get(entity_id="gcx-0010").identifiers == [
        "0x00000000000000000000000000000000000b0b01", "bc1qfictional0000000000000000000000000demo"]
    event = AuditEvent.objects.get(content_type__model="listversion", object_id=version.pk)
    assert (event.actor, event.action) == (officer, "create")
    assert event.changes["sha256"] == [None, version.sha256]
    run = ScreeningRun.objects.get(list_version=version)
    assert (run.trigger, run.state, run.algorithm_version, str(run.threshold)) == (
        "list_import", "queued", "gc-name-3.0", "0.8500")
    assert len(callbacks) == 1  # the background re-screen, queued after commit


def test_a_new_version_becomes_current_and_the_old_one_is_kept(officer, sample_list):
    new = list_import(name="demo", version_label="2026-11-22", data=csv_bytes(GOOD), actor=officer,
                      shrink_reason="A one-entry test list.")

    sample_list.refresh_from_db()
    assert (sample_list.is_current, new.is_current, new.row_count) == (False, True, 1)
    assert sample_list.entries.count() == 20
    superseded = AuditEvent.objects.get(content_type__model="listversion", object_id=sample_list.pk,
                                        action="update")
    assert superseded.changes == {"is_current": [True, False]}
    assert superseded.reason == "superseded by version 2026-11-22"


def test_a_malformed_file_is_refused_whole_with_every_offending_line(officer, sample_list):
    before = counts()
    data = csv_bytes(
        GOOD,                                                               # line 2
        ",Person,No Id,,,,,,,,,demo,,,",                                    # line 3
        "gcx-3,Person,,,,,,,,,,demo,,,",                                    # line 4
        "gcx-4,Person,Bad Birth,,1970-13-01;1971,,,,,,,demo,,,",            # line 5
        "gcx-1,Person,Duplicate,,,,,,,,,demo,,,",                           # line 6
        "gcx-6,Person,Bad Seen,,,,,,,,,demo,yesterday,,",                   # line 7
        "gcx-7,Person,Fine Again,,,,,,,,,demo,,,",                          # line 8
    )

    with pytest.raises(InvalidInput) as refused:
        list_import(name="demo", version_label="2026-11-22", data=data, actor=officer)

    assert refused.value.field == "file"
    assert refused.value.message == (
        "The list file was refused as a whole: 5 malformed row(s), on line(s) 3, 4, 5, 6, 7. "
        "Nothing was imported; the current list version stays in force.")
    assert refused.value.reasons == [
        "line 3: id is empty.",
        "line 4: name is empty.",
        "line 5: birth_date '1970-13-01' is not a date (YYYY, YYYY-MM or YYYY-MM-DD).",
        "line 6: id 'gcx-1' duplicates line 2.",
        "line 7: first_seen 'yesterday' is not an ISO 8601 date/time.",
    ]
    assert counts() == before
    assert list(ListVersion.objects.filter(is_current=True)) == [sample_list]


def test_missing_columns_are_named(officer):
    header = HEADER.replace(",birth_date", "").replace(",emails", "")
    with pytest.raises(InvalidInput) as refused:
        list_import(name="demo", version_label="v1", data=csv_bytes("x", header=header), actor=officer)
    assert refused.value.message.startswith("The file lacks the column(s) birth_date, emails; expected: id,")
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(("label", "data", "message"), [
    ("2026-11-01", csv_bytes(GOOD), "List 'demo' already has a version '2026-11-01'."),
    ("again", None, "This file was already imported as 'demo 2026-11-01' (same SHA-256)."),
])
def test_a_version_label_or_file_is_imported_once(officer, sample_list, sample_bytes, label, data, message):
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        list_import(name="demo", version_label=label, data=data or sample_bytes, actor=officer)
    assert refused.value.message == message
    assert counts() == before


def test_not_utf8_and_empty_files_are_refused(officer):
    with pytest.raises(InvalidInput, match="not UTF-8"):
        list_import(name="demo", version_label="v1", data=HEADER.encode() + b"\n\xff\xfe,x\n", actor=officer)
    with pytest.raises(InvalidInput, match="has no rows"):
        list_import(name="demo", version_label="v1", data=csv_bytes(), actor=officer)
    assert counts() == (0, 0, 0, 0, 0)


def test_only_compliance_officers_import(ops, trustee, sample_bytes):
    for user in (ops, trustee):
        with pytest.raises(NotPermitted):
            list_import(name="demo", version_label="v1", data=sample_bytes, actor=user)
    assert counts() == (0, 0, 0, 0, 0)
