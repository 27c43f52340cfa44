import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import roles
from tests.factories import make_deal, make_investor, make_user, subscribe, to_state


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """KYC documents the tests upload go to a temporary folder, never the repository's var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture
def business_day(monkeypatch):
    """Pin the business clock: after ``business_day(date(2024, 2, 29))`` every
    ``core.clock.today()`` (and ``as_of_or_today``) answers that day."""
    from core import clock

    def pin(day):
        monkeypatch.setattr(clock, "today", lambda: day)
        return day

    return pin


@pytest.fixture
def ops(db):
    return make_user(roles.ISSUER_OPERATIONS, "ops")


@pytest.fixture
def ops2(db):
    return make_user(roles.ISSUER_OPERATIONS, "ops2")


@pytest.fixture
def officer(db):
    return make_user(roles.COMPLIANCE_OFFICER, "officer")


@pytest.fixture
def trustee(db):
    return make_user(roles.TRUSTEE_AUDITOR, "trustee")


@pytest.fixture
def investor_user(db):
    return make_user(roles.INVESTOR, "investor")


@pytest.fixture
def investor(ops, investor_user):
    return make_investor(actor=ops, user=investor_user, name="Own Investor Ltd")


@pytest.fixture
def other_investor(ops):
    other_user = make_user(roles.INVESTOR, "other-investor")
    return make_investor(actor=ops, user=other_user, name="Other Investor Ltd")


@pytest.fixture
def users(ops, officer, trustee, investor_user):
    """One user per role, by role name."""
    return {
        roles.ISSUER_OPERATIONS: ops,
        roles.COMPLIANCE_OFFICER: officer,
        roles.TRUSTEE_AUDITOR: trustee,
        roles.INVESTOR: investor_user,
    }


@pytest.fixture
def draft_deal(ops):
    return make_deal(actor=ops)


@pytest.fixture
def open_deal(ops, officer):
    return to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)


@pytest.fixture
def closed_deal(ops, officer, open_deal, investor, other_investor):
    """An open deal whose two tranches are fully subscribed and whose book is closed."""
    from issuance import services

    senior, junior = open_deal.tranches.order_by("seniority")
    subscribe(actor=ops, investor=investor, tranche=senior, amount="7000000")
    subscribe(actor=ops, investor=other_investor, tranche=junior, amount="3000000")
    return services.deal_transition(deal=open_deal, name="close_book", actor=ops)


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    return api_client_for


@pytest.fixture
def published(monkeypatch):
    """What the outbox hands to the broker, as (task name, kwargs, Celery task id), instead of
    sending it (core.outbox._publish): for tests that run without a worker."""
    sent = []
    monkeypatch.setattr("core.outbox._publish",
                        lambda task, kwargs, task_id: sent.append((task, kwargs, task_id)))
    return sent
