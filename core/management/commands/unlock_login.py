"""Unlock a login locked out after failed sign-ins (docs/security.md, "Accounts"); audited."""

from django.core.management.base import BaseCommand, CommandError

from core.accounts.lockout import login_unlock
from core.models import LoginLock


class Command(BaseCommand):
    help = "Unlock a login: forget its failed sign-ins (from one address with --ip). Audited."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--ip", help="Only the failures from this address.")
        parser.add_argument("--reason", default="Unlocked at the command line.")

    def handle(self, *args, username, ip=None, reason, **options):
        locks = LoginLock.objects.filter(username=username)
        if ip:
            locks = locks.filter(ip_address=ip)
        if not locks.exists():
            where = f" from {ip}" if ip else ""
            raise CommandError(f"No sign-in failures are recorded for '{username}'{where}.")
        for unlocked in login_unlock(actor=None, locks=locks, reason=reason):
            self.stdout.write(f"Unlocked {unlocked}.")
