"""Two officers approve the same deal at the same moment on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.db import connection

from core import roles
from core.errors import Refused
from core.models import AuditEvent
from issuance import services
from issuance.models import Deal
from tests.factories import make_deal, make_user, to_state


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_simultaneous_approvals_succeeds():
    assert connection.vendor == "postgresql"
    ops = make_user(roles.ISSUER_OPERATIONS)
    officers = [make_user(roles.COMPLIANCE_OFFICER) for _ in range(2)]
    deal = to_state(make_deal(actor=ops), Deal.State.COMPLIANCE_REVIEW, maker=ops, checker=None)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(officer):
        try:
            start.wait()
            services.deal_transition(deal=deal, name="approve", actor=officer)
            outcomes.append("approved")
        except Refused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["approved", "transition_not_allowed"]
    deal.refresh_from_db()
    assert deal.state == "approved"
    assert deal.approved_by in officers
    assert AuditEvent.objects.filter(object_id=deal.pk, name="approve").count() == 1
