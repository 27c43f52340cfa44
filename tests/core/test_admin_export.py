"""Every admin list exports its selected rows to CSV, with the page's columns and values."""

import csv
import io

from core.models import AuditEvent
from tests.factories import make_deal


def _export(client, url: str, pks) -> tuple[int, list[list[str]]]:
    response = client.post(url, {"action": "export_csv", "_selected_action": [str(pk) for pk in pks]})
    if response.status_code != 200 or response["Content-Type"] != "text/csv":
        return response.status_code, []
    text = b"".join(response.streaming_content).decode()
    return 200, list(csv.reader(io.StringIO(text)))


def test_the_trustee_exports_deals_as_shown_on_the_list(client, ops, trustee):
    deal = make_deal(actor=ops, size="10000000")
    client.force_login(trustee)

    status, rows = _export(client, "/admin/issuance/deal/", [deal.pk])

    assert status == 200
    assert rows == [
        ["Name", "Spv", "Asset class", "Target size", "Closing date", "State"],
        [deal.name, str(deal.spv), "green-compute ABS", "10,000,000.00 USD", deal.closing_date.isoformat(),
         "draft"],
    ]


def test_the_audit_trail_exports_with_actor_and_states(client, ops, trustee):
    deal = make_deal(actor=ops)
    event = AuditEvent.objects.filter(object_id=str(deal.pk), content_type__model="deal").earliest("at")
    client.force_login(trustee)

    status, rows = _export(client, "/admin/core/auditevent/", [event.pk])

    assert status == 200
    assert rows[0] == ["At", "Actor", "Content type", "Object repr", "Action", "Name", "From state",
                       "To state", "Reason"]
    assert rows[1][1:6] == ["ops", "Issuance | deal", deal.name, "created", ""]
    assert len(rows) == 2


def test_an_investor_cannot_export(client, ops, investor_user):
    deal = make_deal(actor=ops)
    client.force_login(investor_user)

    status, rows = _export(client, "/admin/issuance/deal/", [deal.pk])

    assert (status, rows) == (302, [])
