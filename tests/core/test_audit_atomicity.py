import pytest
from django.db import transaction

from core.models import AuditEvent
from issuance import services
from issuance.models import Deal

pytestmark = pytest.mark.django_db


def test_audit_event_and_state_change_commit_or_roll_back_together(ops, draft_deal):
    events = AuditEvent.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.deal_transition(deal=draft_deal, name="start_structuring", actor=ops)
        assert AuditEvent.objects.count() == events + 1
        raise RuntimeError("crash after the transition, before commit")

    draft_deal.refresh_from_db()
    assert draft_deal.state == Deal.State.DRAFT
    assert AuditEvent.objects.count() == events


def test_creating_a_deal_records_who_and_every_field(ops):
    from tests.factories import make_spv

    spv = make_spv(actor=ops)
    deal = services.deal_create(
        actor=ops, spv=spv, name="Audited Deal", asset_class="green_bond", currency="EUR",
        target_size="5000000.00", closing_date="2027-01-31", payment_frequency="annual",
        legal_final_maturity="2032-01-31",
    )

    event = AuditEvent.objects.get(object_id=deal.pk, content_type__model="deal", action="create")
    assert event.actor == ops
    assert event.changes == {
        "spv": [None, spv.pk], "name": [None, "Audited Deal"], "asset_class": [None, "green_bond"],
        "currency": [None, "EUR"], "target_size": [None, "5000000.00"],
        "closing_date": [None, "2027-01-31"], "payment_frequency": [None, "annual"],
        "legal_final_maturity": [None, "2032-01-31"], "state": [None, "draft"],
    }
