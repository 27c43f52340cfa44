"""Print the current second-factor code of a demo staff login (docs/security.md, "Accounts")."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.accounts.demo import DEMO_DEVICE_NAME, current_code


class Command(BaseCommand):
    help = "Print the code a demo staff login's authenticator app would show now (demo logins only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        device = (TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True)
                  .first())
        if device is None:
            raise CommandError(f"'{username}' has no demo second factor: only the demo's staff logins have "
                               "one (manage.py load_demo).")
        self.stdout.write(current_code(device))
