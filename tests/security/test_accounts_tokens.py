"""Finding 7 (accounts), tokens: API tokens never expired and no staff role could revoke one. Now
each token has a name, a creation time, an expiry (``API_TOKEN_TTL_HOURS``) and its last use; a user
lists, creates and revokes their own at ``/api/v1/auth/tokens/``; a compliance officer (or a
superuser) revokes anyone's in the admin; expired and revoked tokens get DRF's 401; every creation
and revocation is audited."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from core.accounts.tokens import api_token_issue
from core.models import ApiToken, AuditEvent
from tests.two_factor import VerifiedClient

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # noqa: S105


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_events():
    return list(AuditEvent.objects.filter(content_type__model="apitoken").order_by("id")
                .values_list("action", "name", "actor__username", "object_repr"))


def test_a_token_from_the_login_endpoint_expires_after_the_configured_ttl(investor_user, settings):
    settings.API_TOKEN_TTL_HOURS = 12

    response = APIClient().post("/api/v1/auth/token/", {"username": "investor", "password": PASSWORD,
                                                         "name": "nightly export"})

    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get()
    assert body == {"token": body["token"], "id": token.pk, "name": "nightly export",
                    "prefix": body["token"][:8], "created_at": body["created_at"],
                    "expires_at": body["expires_at"], "two_factor": False}
    assert token.expires_at - token.created_at == timedelta(hours=12)
    assert len(body["token"]) == 40 and token.key_digest != body["token"]  # only a digest is stored
    assert bearer(body["token"]).get("/api/v1/deals/").status_code == 200

    # twelve hours later (the token's times moved back, rather than the clock forward)
    ApiToken.objects.filter(pk=token.pk).update(created_at=token.created_at - timedelta(hours=12),
                                                expires_at=token.expires_at - timedelta(hours=12))
    response = bearer(body["token"]).get("/api/v1/deals/")

    assert response.status_code == 401
    assert response.json() == {"error": {"code": "authentication_failed", "message": "Invalid token."}}
    assert token_events() == [("create", "", "investor", "nightly export (investor)")]


def test_a_user_lists_creates_and_revokes_their_own_tokens(investor_user, other_investor, api):
    mine, key = api_token_issue(actor=investor_user, name="laptop")
    theirs, _ = api_token_issue(actor=other_investor.user, name="theirs")
    client = bearer(key)

    created = client.post("/api/v1/auth/tokens/", {"name": "reporting job"})
    assert created.status_code == 201
    new_key = created.json()["token"]
    new = ApiToken.objects.get(name="reporting job")

    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert [(t["id"], t["name"], t["state"]) for t in listed] == [(new.pk, "reporting job", "active"),
                                                                  (mine.pk, "laptop", "active")]
    assert "token" not in listed[0] and "key_digest" not in listed[0]  # a key is shown once, at creation

    assert client.delete(f"/api/v1/auth/tokens/{theirs.pk}/").status_code == 404  # not theirs to see
    assert client.delete(f"/api/v1/auth/tokens/{new.pk}/").status_code == 204

    assert bearer(new_key).get("/api/v1/deals/").status_code == 401
    assert bearer(key).get("/api/v1/deals/").status_code == 200
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert [(t["name"], t["state"]) for t in client.get("/api/v1/auth/tokens/").json()["results"]] == [
        ("reporting job", "revoked"), ("laptop", "active")]
    assert client.delete(f"/api/v1/auth/tokens/{new.pk}/").json()["error"]["message"] == (
        "The token 'reporting job' is already revoked.")
    assert token_events() == [
        ("create", "", "investor", "laptop (investor)"),
        ("create", "", "other-investor", "theirs (other-investor)"),
        ("create", "", "investor", "reporting job (investor)"),
        ("transition", "revoke", "investor", "reporting job (investor)"),
    ]


def test_a_compliance_officer_revokes_any_token_in_the_admin(investor_user, officer, ops):
    token, key = api_token_issue(actor=investor_user, name="leaked")

    ops_client = VerifiedClient()
    ops_client.force_login(ops)
    assert ops_client.get("/admin/core/apitoken/").status_code == 403
    assert ops_client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
                           ).status_code == 403

    client = VerifiedClient()
    client.force_login(officer)
    page = client.get("/admin/core/apitoken/").content.decode()
    assert "leaked" in page and token.prefix in page and key not in page
    response = client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.revoked_by, token.revoked_at is not None) == (officer, True)
    assert bearer(key).get("/api/v1/deals/").status_code == 401
    assert token_events()[-1] == ("transition", "revoke", "officer", "leaked (investor)")


def test_an_investor_may_not_revoke_another_users_token_through_the_service(investor_user, other_investor):
    from core.accounts.tokens import api_token_revoke
    from core.errors import NotPermitted

    token, _ = api_token_issue(actor=other_investor.user, name="theirs")
    events = AuditEvent.objects.count()

    with pytest.raises(NotPermitted, match="^You may not revoke another user's API token: it needs the "
                                           "permission 'core.revoke_apitoken', which you do not have.$"):
        api_token_revoke(actor=investor_user, token=token)

    token.refresh_from_db()
    assert token.revoked_at is None and AuditEvent.objects.count() == events


def test_a_token_records_its_last_use_within_the_one_authentication_query(investor_user,
                                                                           django_assert_num_queries):
    from core.accounts.tokens import digest
    from core.api.authentication import TokenAuthentication

    token, key = api_token_issue(actor=investor_user, name="script")
    assert token.last_used_at is None

    with django_assert_num_queries(1):
        user, auth = TokenAuthentication().authenticate_credentials(key)

    token.refresh_from_db()
    assert (user.pk, auth.pk, auth.name) == (investor_user.pk, token.pk, "script")
    assert token.last_used_at is not None
    assert token.key_digest == digest(key)


def test_a_revoked_token_is_refused_at_once(investor_user):
    from core.accounts.tokens import api_token_revoke

    token, key = api_token_issue(actor=investor_user, name="laptop")
    api_token_revoke(actor=investor_user, token=token)

    response = bearer(key).get("/api/v1/deals/")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid token."


def test_a_user_holds_a_bounded_number_of_active_tokens(investor_user, settings):
    from core.errors import Refused

    settings.API_TOKEN_MAX_ACTIVE = 2
    api_token_issue(actor=investor_user, name="one")
    api_token_issue(actor=investor_user, name="two")

    with pytest.raises(Refused, match="^You hold 2 active API tokens, the most allowed: revoke one first.$"):
        api_token_issue(actor=investor_user, name="three")

    response = APIClient().post("/api/v1/auth/token/", {"username": "investor", "password": PASSWORD})
    assert response.status_code == 409
    assert ApiToken.objects.count() == 2


def test_a_token_name_is_bounded(investor_user):
    _, key = api_token_issue(actor=investor_user, name="laptop")

    response = bearer(key).post("/api/v1/auth/tokens/", {"name": "x" * 101})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "name": ["Ensure this field has no more than 100 characters."]}
    assert ApiToken.objects.count() == 1
