"""Finding 7 (accounts), lockout: 60 wrong passwords and then the right one used to sign in, at the
admin login and at the API token endpoint. Now both doors count failures per account and address
(django-axes); after ``LOGIN_FAILURE_LIMIT`` failures the right password is refused for
``LOGIN_LOCKOUT_MINUTES``, an administrator may unlock earlier, and locks and unlocks are audited."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from core.models import ApiToken, AuditEvent
from tests.two_factor import VerifiedClient

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # noqa: S105  (tests.factories.make_user)
ADMIN_LOGIN = "/admin/login/"
TOKEN_URL = "/api/v1/auth/token/"


def admin_sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=ip)


def token_sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def login_clock(monkeypatch):
    """Move the lockout's clock: ``login_clock(minutes=16)`` makes the next sign-in happen that much
    later than now (django-axes reads the time of each attempt from ``axes.handlers.proxy.now``)."""
    from axes.handlers import proxy

    start = timezone.now()

    def move(**delta):
        monkeypatch.setattr(proxy, "now", lambda: start + timedelta(**delta))

    return move


def locks():
    return list(AuditEvent.objects.filter(name__in=["login_locked", "login_unlocked"])
                .order_by("id").values_list("name", "object_repr", "actor__username"))


def test_sixty_wrong_passwords_then_the_right_one_is_refused_at_the_admin_login(client, ops, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    for _ in range(60):
        assert admin_sign_in(client, "ops", "wrong").status_code in (200, 429)

    response = admin_sign_in(client, "ops", PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out
    assert AccessAttempt.objects.get(username="ops").failures_since_start == 61
    assert locks() == [("login_locked", "ops from 10.0.0.1", None)]  # once, when the lock began


def test_sixty_wrong_passwords_then_the_right_one_is_refused_at_the_token_endpoint(api, investor_user):
    client = api(None)
    answers = [token_sign_in(client, "investor", "wrong").status_code for _ in range(60)]
    assert answers == [400] * 4 + [429] * 56

    response = token_sign_in(client, "investor", PASSWORD)

    assert response.status_code == 429
    assert response.json() == {"error": {
        "code": "locked_out",
        "message": "Too many failed sign-ins for this account from this address: it is locked for 15 "
                   "minutes. Try again later, or ask an administrator to unlock it."}}
    assert response["Retry-After"] == "900"
    assert ApiToken.objects.count() == 0


def test_the_fifth_failure_locks_and_the_fourth_does_not(api, investor_user):
    client = api(None)
    for _ in range(4):
        token_sign_in(client, "investor", "wrong")
    assert token_sign_in(client, "investor", PASSWORD).status_code == 200  # and resets the count
    for _ in range(4):
        assert token_sign_in(client, "investor", "wrong").status_code == 400
    assert token_sign_in(client, "investor", "wrong").status_code == 429
    assert token_sign_in(client, "investor", PASSWORD).status_code == 429
    assert ApiToken.objects.count() == 1


def test_both_doors_count_towards_one_lock(client, api, ops, investor_user):
    for _ in range(3):
        admin_sign_in(client, "investor", "wrong")
    for _ in range(2):
        token_sign_in(api(None), "investor", "wrong")

    assert token_sign_in(api(None), "investor", PASSWORD).status_code == 429
    assert admin_sign_in(client, "investor", PASSWORD).status_code == 429


def test_the_lock_holds_one_account_from_one_address(api, investor_user, other_investor):
    for _ in range(5):
        token_sign_in(api(None), "investor", "wrong", ip="10.0.0.1")

    assert token_sign_in(api(None), "investor", PASSWORD, ip="10.0.0.1").status_code == 429
    assert token_sign_in(api(None), "investor", PASSWORD, ip="10.9.9.9").status_code == 200
    assert token_sign_in(api(None), "other-investor", PASSWORD, ip="10.0.0.1").status_code == 200


def test_the_lock_lasts_the_cool_off_and_not_longer(api, investor_user, login_clock, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 15
    for _ in range(5):
        token_sign_in(api(None), "investor", "wrong")

    login_clock(minutes=14, seconds=59)
    assert token_sign_in(api(None), "investor", PASSWORD).status_code == 429
    login_clock(minutes=30)  # the refused try at 14:59 restarted the cool-off: 15:00 after it is over
    response = token_sign_in(api(None), "investor", PASSWORD)

    assert response.status_code == 200
    assert ApiToken.objects.filter(user=investor_user).count() == 1


def test_the_cool_off_follows_the_setting(api, investor_user, login_clock, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 60
    for _ in range(5):
        token_sign_in(api(None), "investor", "wrong")

    login_clock(minutes=59)
    assert token_sign_in(api(None), "investor", PASSWORD).status_code == 429
    login_clock(minutes=59 + 61)
    assert token_sign_in(api(None), "investor", PASSWORD).status_code == 200


def test_a_compliance_officer_unlocks_in_the_admin_and_it_is_audited(api, investor_user, officer, ops):
    for _ in range(5):
        token_sign_in(api(None), "investor", "wrong")
    lock = AccessAttempt.objects.get(username="investor")

    refused = VerifiedClient()
    refused.force_login(ops)  # operations may not unlock: the list is not theirs
    assert refused.get("/admin/core/loginlock/").status_code == 403
    assert refused.post("/admin/core/loginlock/", {"action": "unlock", "_selected_action": [lock.pk]}
                        ).status_code == 403
    assert AccessAttempt.objects.filter(pk=lock.pk).exists()

    client = VerifiedClient()
    client.force_login(officer)
    page = client.get("/admin/core/loginlock/").content.decode()
    assert "investor" in page and "10.0.0.1" in page
    response = client.post("/admin/core/loginlock/", {"action": "unlock", "_selected_action": [lock.pk]})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert token_sign_in(api(None), "investor", PASSWORD).status_code == 200
    assert locks() == [("login_locked", "investor from 10.0.0.1", None),
                       ("login_unlocked", "investor from 10.0.0.1", "officer")]


def test_the_unlock_command_unlocks_an_account_and_it_is_audited(api, investor_user, capsys):
    for _ in range(5):
        token_sign_in(api(None), "investor", "wrong")

    call_command("unlock_login", "investor")

    assert capsys.readouterr().out == "Unlocked investor from 10.0.0.1.\n"
    assert token_sign_in(api(None), "investor", PASSWORD).status_code == 200
    assert locks() == [("login_locked", "investor from 10.0.0.1", None),
                       ("login_unlocked", "investor from 10.0.0.1", None)]


def test_the_unlock_command_names_an_account_that_is_not_locked(investor_user):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="^No sign-in failures are recorded for 'investor'.$"):
        call_command("unlock_login", "investor")
    assert locks() == []
