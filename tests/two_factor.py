"""Second factor in tests: devices with codes, and a browser client whose staff sessions have passed
their TOTP code, as after a real sign-in. 2FA stays on in the test settings; tests that need an
unverified staff session use ``django.test.Client`` and ``force_login``."""

import secrets
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.accounts.tokens import digest
from core.accounts.two_factor import needs_second_factor
from core.models import ApiToken


def make_totp_device(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test app", confirmed=confirmed)


def totp_code(device: TOTPDevice) -> str:
    """The code ``device``'s authenticator app shows now."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


class VerifiedClient(Client):
    """``force_login`` also passes the second factor for staff: their device (made if missing) is
    recorded in the session the way ``django_otp.login`` records it."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if needs_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or make_totp_device(user)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


def api_token_key(user) -> str:
    """A token for ``user`` as the API expects it (staff's made with a second factor). Written directly,
    without ``api_token_issue``'s audit row, so that tests counting audit rows count only their own."""
    key = secrets.token_hex(20)
    now = timezone.now()
    ApiToken.objects.create(user=user, name="tests", key_digest=digest(key), prefix=key[:8], created_at=now,
                            expires_at=now + timedelta(days=1), two_factor=needs_second_factor(user))
    return key
