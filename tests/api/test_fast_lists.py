"""The lean list path answers exactly what DRF's serializers answer, and the lean authentication
and authorization refuse exactly what DRF's would."""

import pytest
from django.contrib.auth.models import Permission, User

from core.api.rows import row_plan
from issuance.api.serializers import DealSerializer, SubscriptionSerializer, TrancheSerializer
from issuance.models import Deal, Subscription, Tranche

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("endpoint", "serializer", "model"), [
    ("deals", DealSerializer, Deal),
    ("tranches", TrancheSerializer, Tranche),
    ("subscriptions", SubscriptionSerializer, Subscription),
])
def test_a_list_page_read_as_rows_equals_the_serializers_answer(endpoint, serializer, model, closed_deal,
                                                                draft_deal, ops, api):
    assert row_plan(serializer) is not None  # the lean path is the one taken

    rows = api(ops).get(f"/api/v1/{endpoint}/", {"page_size": 500}).json()["results"]

    by_id = {obj.pk: obj for obj in model.objects.all()}
    assert rows == [serializer(by_id[row["id"]]).data for row in rows]
    assert len(rows) == len(by_id)


def test_a_deal_nobody_submitted_shows_no_submitter_on_both_paths(draft_deal, ops, api):
    row = next(r for r in api(ops).get("/api/v1/deals/").json()["results"] if r["id"] == draft_deal.pk)

    assert (row["submitted_by"], row["approved_by"]) == (None, None)
    assert row == DealSerializer(draft_deal).data


def test_a_serializer_that_needs_instances_keeps_the_ordinary_path():
    from rest_framework import serializers

    class WithMethod(serializers.ModelSerializer):
        shout = serializers.SerializerMethodField()

        class Meta:
            model = Deal
            fields = ["id", "shout"]

        def get_shout(self, deal):
            return deal.name.upper()

    class CurrencyAware(serializers.DecimalField):
        def get_attribute(self, instance):
            return instance.target_size

    class WithInstanceField(serializers.ModelSerializer):
        size = CurrencyAware(max_digits=20, decimal_places=2, source="target_size")

        class Meta:
            model = Deal
            fields = ["id", "size"]

    assert row_plan(WithMethod) is None
    assert row_plan(WithInstanceField) is None


def test_filters_still_apply_when_asked_for(closed_deal, draft_deal, ops, api):
    rows = api(ops).get("/api/v1/deals/", {"state": "draft"}).json()["results"]

    assert [r["id"] for r in rows] == [draft_deal.pk]


def test_an_unknown_token_and_an_inactive_user_are_refused(ops, api):
    assert api(None).get("/api/v1/deals/", HTTP_AUTHORIZATION="Token nope").status_code == 401
    client = api(ops)
    ops.is_active = False
    ops.save(update_fields=["is_active"])

    response = client.get("/api/v1/deals/")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User inactive or deleted."


def test_a_token_user_gets_their_roles_from_the_one_query(investor_user, ops, api, django_assert_num_queries):
    from core.accounts.tokens import api_token_issue
    from core.api.authentication import TokenAuthentication

    token, key = api_token_issue(actor=ops, name="script", two_factor=True)

    with django_assert_num_queries(1):  # the token (unrevoked, unexpired), its last use, the user, the roles
        user, auth = TokenAuthentication().authenticate_credentials(key)

    assert (user.pk, auth.pk, auth.two_factor) == (ops.pk, token.pk, True)
    assert user._role_names == frozenset({"issuer operations"})


def test_access_comes_from_roles_only_never_from_a_permission_given_to_one_user(investor_user, api):
    investor_user.user_permissions.add(Permission.objects.get(codename="approve_deal"))
    investor_user = User.objects.get(pk=investor_user.pk)

    assert not investor_user.has_perm("issuance.approve_deal")
    assert investor_user.has_perm("issuance.view_deal")  # from the investor role


def test_a_superuser_holds_every_permission(db):
    root = User.objects.create_superuser("root", "root@example.com", "pw-root-2026")

    assert root.has_perm("issuance.approve_deal") and root.has_perm("core.view_auditevent")
