"""Lower apps learn from higher ones only through what those register at start-up
(docs/architecture.md, "Dependencies"); nothing registered is an error or an empty answer,
never a silent pass."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from compliance import providers
from core import audit_scope
from core.api.views import audit_events_visible_to


def test_screening_and_issuance_answer_compliance():
    from issuance import selectors
    from screening import gate, services

    assert providers.screening() == providers.Screening(
        blockers=gate.screening_blockers, screen=services.screen_investor, hit_counts=gate.hit_counts,
        hits=gate.investor_hits, decide_hit=services.hit_decide)
    assert providers.deals() == providers.Deals(visible_to=selectors.deals_visible_to,
                                                investor_ids=selectors.deal_investor_ids)


def test_the_business_apps_tell_core_which_audit_rows_are_an_investors_own():
    from compliance import disclosure
    from compliance.models import Investor
    from compliance.selectors import investors_visible_to
    from issuance.models import Subscription
    from issuance.selectors import subscriptions_visible_to

    assert audit_scope._OWN == {Investor: audit_scope._Own(investors_visible_to, ("is_pep",)),
                                Subscription: audit_scope._Own(subscriptions_visible_to, ())}
    assert audit_scope._TEXT == [disclosure.investor_text]


def test_asking_compliance_a_question_nobody_registered_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(providers, "_registered", {})

    with pytest.raises(ImproperlyConfigured) as exc:
        providers.screening()

    assert str(exc.value) == (
        "No screening provider is registered for compliance: the app that answers it must be in "
        "INSTALLED_APPS and call compliance.providers.register_screening() in its AppConfig.ready().")


@pytest.mark.django_db
def test_with_nothing_registered_an_investor_sees_no_audit_row(monkeypatch, investor, investor_user):
    assert audit_events_visible_to(investor_user).filter(object_id=investor.pk).exists()

    monkeypatch.setattr(audit_scope, "_OWN", {})

    assert list(audit_events_visible_to(investor_user)) == []
