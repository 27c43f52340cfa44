"""Load the demo data set through the services (so it carries a full audit trail).

Safe to re-run: users are ensured every time, business data only once.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from stdnum.iso7064 import mod_97_10

from compliance.demo import clear_for_demo
from compliance.services import investor_create
from core import roles
from core.accounts.demo import demo_device, demo_otpauth_url
from issuance import services
from issuance.models import SPV, Subscription
from screening.services import list_import

SAMPLE_LIST = Path(__file__).resolve().parents[3] / "screening" / "fixtures" / "sample_targets.simple.csv"

# username, password, role, is_staff
LOGINS = [
    ("ops", "ops-demo-2026", roles.ISSUER_OPERATIONS, True),
    ("ops2", "ops2-demo-2026", roles.ISSUER_OPERATIONS, True),
    ("compliance", "compliance-demo-2026", roles.COMPLIANCE_OFFICER, True),
    ("compliance2", "compliance2-demo-2026", roles.COMPLIANCE_OFFICER, True),
    ("trustee", "trustee-demo-2026", roles.TRUSTEE_AUDITOR, True),
    ("investor1", "investor1-demo-2026", roles.INVESTOR, False),
    ("investor2", "investor2-demo-2026", roles.INVESTOR, False),
]

INVESTORS = [
    ("Aster Capital Pte Ltd", "entity", "SG", "investor1"),
    ("Chen Wei Ming", "individual", "HK", "investor2"),
    ("Nordlicht Pensionskasse AG", "entity", "CH", None),
    ("Tamarind Family Office Ltd", "entity", "AE", None),
    ("Kestrel Infrastructure Fund LP", "entity", "KY", None),
    ("Sakura Green Yield KK", "entity", "JP", None),
    ("Mira Okonkwo", "individual", "GB", None),
    ("Lumen Treasury DAC", "entity", "IE", None),
]


def lei(prefix: str) -> str:
    body = (prefix + "0" * 18)[:18]
    return body + mod_97_10.calc_check_digits(body)


class Command(BaseCommand):
    help = "Load demo users, SPVs, deals, tranches, investors and subscriptions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="Only print the logins.")

    def handle(self, *args, print_logins=False, **options):
        if print_logins:
            self._print_logins()
            return
        users = self._ensure_users()
        if SPV.objects.filter(legal_name="Helios Compute SPV 1 Ltd").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._load(users)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _print_logins(self):
        self.stdout.write("Demo logins (username / password, role):")
        for username, password, role, is_staff in LOGINS:
            where = "admin + API" if is_staff else "portal + API (token)"
            self.stdout.write(f"  {username:<12} {password:<24} {role} - {where}")
        self.stdout.write(
            "\nStaff sign in with two factors: the password, then the 6-digit code of an authenticator app\n"
            "(TOTP). Add a demo login to an app with its otpauth link, or print its current code:")
        for username, _, _, is_staff in LOGINS:
            if is_staff:
                self.stdout.write(f"  {username:<12} .venv/bin/python manage.py demo_totp {username}\n"
                                  f"  {'':<12} {demo_otpauth_url(username)}")
        self.stdout.write(
            "A staff login without a device is asked to enrol one (QR code) after its password, at\n"
            "/account/two-factor/enrol/. Staff API tokens: POST /api/v1/auth/token/ with username, password\n"
            "and otp_token (the code); investors need no code.")

    def _ensure_users(self) -> dict[str, User]:
        users = {}
        for username, password, role, is_staff in LOGINS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = is_staff
            user.email = f"{username}@demo.invalid"
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            if is_staff:
                demo_device(user)  # a known second factor (core/accounts/demo.py)
            users[username] = user
        return users

    def _load(self, users: dict[str, User]) -> None:
        ops, ops2, officer = users["ops"], users["ops2"], users["compliance"]
        list_import(name="demo-sanctions", version_label="2026-11 sample",
                    data=SAMPLE_LIST.read_bytes(), actor=officer)
        investors = [
            investor_create(actor=ops, kind=kind, legal_name=name, country_of_residence=country,
                            email=f"{name.split()[0].lower()}@demo.invalid",
                            user=users.get(login))
            for name, kind, country, login in INVESTORS
        ]
        for investor in investors:  # KYC-approved (four eyes), so they may subscribe
            clear_for_demo(investor, maker=officer, checker=users["compliance2"])
        helios = services.spv_create(
            actor=ops, legal_name="Helios Compute SPV 1 Ltd", jurisdiction="SG",
            registration_number="202612345K", lei=lei("5493HELIOS1"),
            trustee="Straits Trustee Services Ltd", administrator="Marina Fund Admin Pte Ltd",
            base_currency="USD",
        )
        services.spv_transition(spv=helios, name="activate", actor=ops)
        services.spv_create(
            actor=ops, legal_name="Harbour Green Compute Ltd", jurisdiction="HK",
            registration_number="3345678", lei=lei("5493HARBOUR2"),
            trustee="Victoria Harbour Trustees Ltd", administrator="Central Admin Services Ltd",
            base_currency="HKD",
        )

        # 1. A deal with an oversubscribed senior tranche, closed and paid; load_demo_assets pledges
        # its collateral, then issues it and starts servicing (an asset-backed deal needs both).
        issued = self._deal(helios, ops, "GCABS 2026-1", Decimal("50000000"), [
            ("Class A (senior)", Decimal("35000000"), Decimal("0.0525"), "GCA261A"),
            ("Class B (mezzanine)", Decimal("10000000"), Decimal("0.0800"), "GCA261B"),
            ("Class C (junior)", Decimal("5000000"), Decimal("0.1400"), "GCA261C"),
        ], closing=date(2026, 3, 31))
        self._through_approval(issued, ops, officer)
        services.deal_transition(deal=issued, name="open_subscriptions", actor=ops)
        tranches = list(issued.tranches.order_by("seniority"))
        book = [  # (investor index, tranche index, amount)
            (0, 0, "15000000"), (2, 0, "12000000"), (3, 0, "9000000"), (4, 0, "6000000"),
            (5, 1, "6000000"), (6, 1, "4000000"), (7, 2, "5000000"),
        ]
        for i, t, amount in book:
            sub = services.subscription_request(
                actor=ops, investor=investors[i], tranche=tranches[t],
                requested_amount=Decimal(amount))
            services.subscription_transition(subscription=sub, name="accept", actor=ops)
        services.deal_transition(deal=issued, name="close_book", actor=ops)
        for sub in Subscription.objects.filter(tranche__deal=issued,
                                               state=Subscription.State.ALLOCATED):
            services.subscription_record_funding(
                subscription=sub, actor=ops, amount=sub.allocated_amount,
                reference=f"SWIFT MT103 DEMO{sub.pk:06d}")

        # 2. A deal open for subscription, with requests waiting for a decision.
        open_deal = self._deal(helios, ops2, "Solar Revenue Bond 2026", Decimal("8000000"), [
            ("Senior notes", Decimal("6000000"), Decimal("0.0600"), "SRB26S"),
            ("Subordinated notes", Decimal("2000000"), Decimal("0.1100"), "SRB26J"),
        ], closing=date(2026, 12, 15), asset_class="revenue_right_bond")
        self._through_approval(open_deal, ops2, officer)
        services.deal_transition(deal=open_deal, name="open_subscriptions", actor=ops2)
        senior = open_deal.tranches.get(seniority=1)
        for i, amount in [(0, "2500000"), (1, "500000"), (5, "2000000")]:
            services.subscription_request(actor=ops2, investor=investors[i], tranche=senior,
                                          requested_amount=Decimal(amount))

        # 3. A draft deal for the walk-through: draft -> ... -> issued.
        self._deal(helios, ops, "GCABS 2027-1", Decimal("20000000"), [
            ("Class A (senior)", Decimal("15000000"), Decimal("0.0500"), "GCA271A"),
            ("Class B (junior)", Decimal("5000000"), Decimal("0.1200"), "GCA271B"),
        ], closing=date(2027, 3, 31))

    def _deal(self, spv, actor, name, size, tranches, *, closing, asset_class="green_compute_abs"):
        deal = services.deal_create(
            actor=actor, spv=spv, name=name, asset_class=asset_class, currency="USD",
            target_size=size, closing_date=closing, payment_frequency="quarterly",
            legal_final_maturity=closing.replace(year=closing.year + 5),
        )
        for rank, (class_name, principal, coupon, symbol) in enumerate(tranches, start=1):
            services.tranche_create(
                actor=actor, deal=deal, class_name=class_name, seniority=rank,
                original_principal=principal, coupon_rate=coupon, day_count="30/360",
                minimum_denomination=Decimal("100000"), token_symbol=symbol, token_decimals=6,
            )
        return deal

    def _through_approval(self, deal, maker, checker):
        services.deal_transition(deal=deal, name="start_structuring", actor=maker)
        services.deal_transition(deal=deal, name="submit_for_review", actor=maker)
        services.deal_transition(deal=deal, name="approve", actor=checker,
                                 reason="Structure, documents and eligibility reviewed.")
