"""Finding 7 (accounts), second factor: staff signed in with a password alone. Now staff (issuer
operations, compliance officers, trustees, superusers) must pass a TOTP code (django-otp) before the
admin, the compliance queue or the session-authenticated API answer them; one without a device is
sent to enrol one; their API tokens must be created with a code. Investors are not asked."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.accounts.tokens import api_token_issue
from core.models import ApiToken, AuditEvent
from tests.two_factor import make_totp_device, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # noqa: S105
VERIFY = "/account/two-factor/"


def password_only(user) -> Client:
    """A browser that has passed the password step and nothing more."""
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/admin/", "/admin/issuance/deal/", "/compliance/queue/"])
def test_a_staff_session_without_a_second_factor_is_sent_to_verify(path, officer):
    response = password_only(officer).get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={path.replace('/', '%2F')}"


def test_a_staff_session_without_a_second_factor_gets_403_from_the_api(ops):
    client = APIClient()
    client.force_login(ops)

    response = client.get("/api/v1/deals/")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "Staff must confirm a second factor before using the API: open /account/two-factor/.")


@pytest.fixture
def no_pause(settings):
    """django-otp makes a device wait 1, 2, 4, ... seconds after each wrong code; tests that follow a
    wrong code with the right one at once turn the pause off (it is tested on its own below)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_the_admin_login_then_the_code_opens_the_queue(officer, no_pause):
    device = make_totp_device(officer)
    client = Client()
    response = client.post("/admin/login/", {"username": "officer", "password": PASSWORD,
                                             "next": "/compliance/queue/"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fcompliance%2Fqueue%2F"
    assert "Enter the 6-digit code" in response.content.decode()

    wrong = client.post(f"{VERIFY}?next=/compliance/queue/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not valid" in wrong.content.decode()
    assert client.get("/compliance/queue/").status_code == 302

    response = client.post(f"{VERIFY}?next=/compliance/queue/", {"code": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/compliance/queue/"
    assert client.get("/compliance/queue/").status_code == 200
    assert AccessAttempt.objects.get(username="officer").failures_since_start == 1  # the wrong code


def test_after_a_wrong_code_the_device_pauses_before_it_checks_another(ops, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute's pause, so that no slow run outlasts it
    device = make_totp_device(ops)
    client = APIClient()
    sign_in = {"username": "ops", "password": PASSWORD}
    client.post("/api/v1/auth/token/", {**sign_in, "otp_token": "000000"})

    response = client.post("/api/v1/auth/token/", {**sign_in, "otp_token": totp_code(device)})

    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["otp_token"]
    assert re.fullmatch(r"Too many wrong codes in a row: wait (59|60) seconds, then enter the new code\.",
                        message)
    assert ApiToken.objects.count() == 0
    assert AccessAttempt.objects.get(username="ops").failures_since_start == 2


def test_the_verify_page_refuses_to_go_elsewhere_than_this_site(officer):
    device = make_totp_device(officer)
    client = password_only(officer)

    response = client.post(f"{VERIFY}?next=https://evil.example/", {"code": totp_code(device)})

    assert response["Location"] == "/admin/"


def test_wrong_codes_count_towards_the_lockout_and_the_lock_signs_out(officer):
    device = make_totp_device(officer)
    client = password_only(officer)
    for _ in range(4):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 200

    locked = client.post(VERIFY, {"code": "000000"})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session  # signed out: the password step starts again
    assert password_only(officer).post(VERIFY, {"code": totp_code(device)}).status_code == 429
    assert AuditEvent.objects.filter(name="login_locked").count() == 1


def test_a_staff_user_without_a_device_enrols_one(ops, no_pause):
    client = password_only(ops)

    page = client.get(f"{VERIFY}?next=/admin/", follow=True)

    assert page.redirect_chain == [("/account/two-factor/enrol/?next=%2Fadmin%2F", 302)]
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=ops)
    assert device.confirmed is False
    assert "<svg" in html and device.config_url.split("secret=")[1].split("&")[0] in html
    assert client.get("/admin/").status_code == 302  # not before a code confirms the device

    assert client.post("/account/two-factor/enrol/?next=/admin/", {"code": "000000"}).status_code == 200
    response = client.post("/account/two-factor/enrol/?next=/admin/", {"code": totp_code(device)})

    assert response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/admin/").status_code == 200
    assert list(AuditEvent.objects.filter(content_type__model="totpdevice")
                .values_list("action", "name", "actor__username")) == [("transition", "enrol", "ops")]


def test_one_who_has_a_device_cannot_enrol_another(ops):
    make_totp_device(ops)
    client = password_only(ops)

    response = client.get("/account/two-factor/enrol/")

    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=ops).count() == 1


def test_investors_are_not_asked_for_a_second_factor(investor, investor_user):
    doc = investor.documents.first()

    assert password_only(investor_user).get(f"/compliance/documents/{doc.pk}/").status_code == 200
    response = APIClient().post("/api/v1/auth/token/", {"username": "investor", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["two_factor"] is False


def test_a_staff_token_needs_a_code_at_the_token_endpoint(ops, no_pause):
    device = make_totp_device(ops)
    client = APIClient()

    missing = client.post("/api/v1/auth/token/", {"username": "ops", "password": PASSWORD})
    wrong = client.post("/api/v1/auth/token/",
                        {"username": "ops", "password": PASSWORD, "otp_token": "000000"})
    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert missing.json()["error"]["fields"] == {"otp_token": [
        "Staff need a code from their authenticator app to get an API token."]}
    assert wrong.json()["error"]["fields"] == {"otp_token": ["That code is not valid."]}
    assert ApiToken.objects.count() == 0
    assert AccessAttempt.objects.get(username="ops").failures_since_start == 1  # the wrong code

    response = client.post("/api/v1/auth/token/", {"username": "ops", "password": PASSWORD,
                                                   "otp_token": totp_code(device)})

    assert response.status_code == 200
    assert response.json()["two_factor"] is True
    assert APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}").get(
        "/api/v1/deals/").status_code == 200


def test_a_staff_user_without_a_device_is_told_to_enrol_at_the_token_endpoint(ops):
    response = APIClient().post("/api/v1/auth/token/", {"username": "ops", "password": PASSWORD,
                                                        "otp_token": "123456"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"otp_token": [
        "Staff need a second factor: sign in to the admin once to enrol an authenticator app."]}
    assert ApiToken.objects.count() == 0


def test_a_token_made_before_its_user_became_staff_is_refused(investor_user):
    from django.contrib.auth.models import Group

    token, key = api_token_issue(actor=investor_user, name="old")  # an investor needs no second factor
    investor_user.groups.add(Group.objects.get(name="issuer operations"))

    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/deals/")

    assert (token.two_factor, response.status_code) == (False, 401)
    assert response.json()["error"]["message"] == (
        "This token was made without a second factor, which staff need: get a new one with a code.")


def test_the_service_makes_no_staff_token_without_a_second_factor(ops):
    from core.errors import NotPermitted

    with pytest.raises(NotPermitted, match="^Staff make API tokens only with a code from their "
                                           "authenticator app.$"):
        api_token_issue(actor=ops, name="no code")
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_a_token_created_from_a_verified_session_carries_the_second_factor(ops):
    from tests.two_factor import VerifiedClient

    browser = VerifiedClient()
    browser.force_login(ops)
    client = APIClient()
    client.cookies = browser.cookies

    response = client.post("/api/v1/auth/tokens/", {"name": "from the browser"})

    assert response.status_code == 201
    assert ApiToken.objects.get().two_factor is True


def test_the_demo_prints_how_to_enrol_and_its_code_command_answers_a_valid_code(capsys):
    from django.core.management import call_command

    call_command("load_demo", "--print-logins")
    out = capsys.readouterr().out
    assert "manage.py demo_totp ops" in out
    assert "otpauth://totp/" in out

    from issuance.management.commands.load_demo import Command

    users = Command()._ensure_users()
    call_command("demo_totp", "compliance")
    code = capsys.readouterr().out.strip()
    device = TOTPDevice.objects.get(user=users["compliance"])

    assert device.confirmed and device.verify_token(code)
