"""The demo's second factors: each demo staff login gets a TOTP device whose secret is derived from
its username, so the demo can print an otpauth link to add to an authenticator app and
``manage.py demo_totp <user>`` can print the current code. Never used outside the demo loader."""

import hashlib

from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_DEVICE_NAME = "demo authenticator"


def demo_key(username: str) -> str:
    """The device secret of a demo login: 20 bytes in hex, the same on every run."""
    return hashlib.sha1(f"green-compute demo second factor: {username}".encode()).hexdigest()  # noqa: S324


def demo_device(user: User) -> TOTPDevice:
    """Give a demo login its known device (confirmed), once."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": demo_key(user.username), "confirmed": True})
    return device


def demo_otpauth_url(username: str) -> str:
    return TOTPDevice(user=User(username=username), key=demo_key(username)).config_url


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
