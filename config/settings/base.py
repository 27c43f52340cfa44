"""Settings shared by every environment. Environment-specific modules import from here."""

import os
from pathlib import Path

import dj_database_url

from config.env import env_int, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    # the admin's theme (docs/admin.md); before django.contrib.admin so that its templates win
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "compliance",
    "issuance",
    "screening",
    "assets",
    "chain",
    "servicing",
    "green",
    # reconciliation: cash matching and the exceptions queue (above servicing)
    "reconciliation",
    # reporting: statements, servicer / trustee and impact reports (above reconciliation)
    "reporting",
    # portal: the investor portal at /portal/ (above reporting)
    "portal",
]

MIDDLEWARE = [
    "core.middleware.RequestBodyLimitMiddleware",  # first: an oversized body is refused unread
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a TOTP code passed this session
    "core.accounts.two_factor.StaffSecondFactorMiddleware",  # staff pages need that code
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in (core/accounts/lockout.py)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.admin_navigation.admin_frame",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/greencompute"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in lockout first (django-axes refuses a locked account and address before any password is
# checked), then permissions from the role matrix (core/auth.py): no permission-table joins per request.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "core.auth.RoleBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploaded files. KYC documents go under PRIVATE_MEDIA_ROOT, which no URL serves: only
# compliance.views.document_download, after checking who asks.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
PRIVATE_MEDIA_ROOT = MEDIA_ROOT / "private"
COMPLIANCE_MAX_UPLOAD_BYTES = env_int("COMPLIANCE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)

# Request sizes (docs/security.md, "Bounded input"). core.middleware.RequestBodyLimitMiddleware
# answers 413 from the declared Content-Length, before the body is read: an upload route may take
# its own limit (plus room for the multipart envelope), any other request
# DATA_UPLOAD_MAX_MEMORY_SIZE. Django applies the other three while it parses forms.
_MB = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1 * _MB, minimum=64 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 200, minimum=20)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 5, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * _MB, minimum=64 * 1024)
METERING_MAX_UPLOAD_BYTES = env_int("METERING_MAX_UPLOAD_BYTES", 200 * _MB, minimum=_MB)
BANK_STATEMENT_MAX_UPLOAD_BYTES = 50 * _MB  # assets.camt053.MAX_BYTES
# A new list version with more than this share fewer entries than the current one needs a reason.
SCREENING_LIST_MAX_DROP_PERCENT = env_int("SCREENING_LIST_MAX_DROP_PERCENT", 10, minimum=0)
SCREENING_LIST_MAX_UPLOAD_BYTES = env_int("SCREENING_LIST_MAX_UPLOAD_BYTES", 200 * _MB, minimum=_MB)
_ENVELOPE = 64 * 1024  # multipart boundaries, headers and the other form fields
REQUEST_BODY_LIMITS = {
    "/api/v1/documents/": COMPLIANCE_MAX_UPLOAD_BYTES + _ENVELOPE,
    "/api/v1/metering-imports/upload/": METERING_MAX_UPLOAD_BYTES + _ENVELOPE,
    "/admin/assets/meterimportbatch/upload/": METERING_MAX_UPLOAD_BYTES + _ENVELOPE,
    "/api/v1/bank-statements/upload/": BANK_STATEMENT_MAX_UPLOAD_BYTES + _ENVELOPE,
    "/admin/assets/bankstatement/upload/": BANK_STATEMENT_MAX_UPLOAD_BYTES + _ENVELOPE,
    "/api/v1/screening/lists/": SCREENING_LIST_MAX_UPLOAD_BYTES + _ENVELOPE,
    "/admin/screening/listversion/add/": SCREENING_LIST_MAX_UPLOAD_BYTES + _ENVELOPE,
}

# The cache holds the throttles' request counts: Redis when CACHE_URL is set (production requires
# it, so that every worker counts the same requests), else this process's memory.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
          if CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WALLET_CHALLENGE_TTL_SECONDS = env_int("WALLET_CHALLENGE_TTL_SECONDS", 600, minimum=30)

LOGIN_URL = "admin:login"

# The admin's look (django-unfold, docs/admin.md): the site's names, the favicon, a green primary
# colour, and a sidebar grouped by business area (core/admin_navigation.py, built per request
# from what the user may open).
UNFOLD = {
    "SITE_TITLE": "Back office",
    "SITE_HEADER": "Green-compute ABS",
    "SITE_SUBHEADER": "Back office",
    "SITE_SYMBOL": "eco",
    "SITE_URL": "/admin/",
    "SITE_FAVICONS": [{"rel": "icon", "type": "image/svg+xml",
                       "href": "core.admin_navigation.favicon"}],
    "STYLES": ["core.admin_navigation.stylesheet"],
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_HISTORY": True,
    "BORDER_RADIUS": "6px",
    "COLORS": {"primary": {  # green, as the favicon
        "50": "oklch(98.2% .018 155.826)", "100": "oklch(96.2% .044 156.743)",
        "200": "oklch(92.5% .084 155.995)", "300": "oklch(87.1% .15 154.449)",
        "400": "oklch(79.2% .209 151.711)", "500": "oklch(72.3% .219 149.579)",
        "600": "oklch(62.7% .194 149.214)", "700": "oklch(52.7% .154 150.069)",
        "800": "oklch(44.8% .119 151.328)", "900": "oklch(39.3% .095 152.535)",
        "950": "oklch(26.6% .065 152.934)",
    }},
    "SIDEBAR": {"show_search": True, "show_all_applications": False,
                "navigation": "core.admin_navigation.sidebar"},
}
# Staff pages outside /admin/ shown in the admin's frame (core.admin_navigation.admin_frame).
ADMIN_FRAME_NAMESPACES = ("compliance",)

# Accounts (docs/security.md, "Accounts"). Failed sign-ins at the admin login, the API token endpoint
# and the second-factor page count per account and address; LOGIN_FAILURE_LIMIT of them within
# LOGIN_LOCKOUT_MINUTES of each other lock that account from that address for LOGIN_LOCKOUT_MINUTES.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: the client is REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_FAILURE_LIMIT = "core.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "core.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # core.admin shows the locks, with an audited unlock
AXES_LOCKOUT_CALLABLE = "core.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.accounts.lockout.client_ip"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "code"]  # masked in logs
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged
# API tokens expire API_TOKEN_TTL_HOURS after they are made; a user holds at most API_TOKEN_MAX_ACTIVE.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 7 * 24, minimum=1)
API_TOKEN_MAX_ACTIVE = env_int("API_TOKEN_MAX_ACTIVE", 10, minimum=1)
# Staff sign in with a TOTP code (django-otp); authenticator apps show this issuer name.
OTP_TOTP_ISSUER = "Green-compute back office"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.TokenAuthentication",
        "core.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RolePermissions"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Rates per user (or address), and per costly route (a view's throttle_scope): 429 with
    # Retry-After beyond them (core/api/throttling.py, docs/security.md).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.UserRateThrottle",
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_rate("API_RATE_USER", "1200/minute"),
        "anon": env_rate("API_RATE_ANON", "60/minute"),
        "compute": env_rate("API_RATE_COMPUTE", "60/minute"),
        "upload": env_rate("API_RATE_UPLOAD", "120/hour"),
    },
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filter_backends.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AreaAutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Green-compute ABS back office API",
    "DESCRIPTION": (
        "Issuance (SPVs, deals, tranches, subscriptions), compliance, screening, collateral and "
        "cash flows, and the audit trail. "
        "Transitions are POST actions; creating and transitioning POSTs accept "
        "an Idempotency-Key header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "TAGS": [
        {"name": name, "description": text} for name, text in (
            ("Issuance", "SPVs, deals, tranches and subscriptions: the issuance lifecycle."),
            ("Compliance", "Investors, KYC cases, documents, classification, eligibility, wallets."),
            ("Screening", "Sanctions and PEP lists, screening runs, hits and the whitelist."),
            ("Collateral and cash flows", "Sites, devices, leases, metering, invoices, bank statements."),
            ("Chain", "Contracts, transactions, holder snapshots and reorg alerts."),
            ("Servicing", "Collection periods, available funds, waterfall descriptions and runs, "
             "distributions, entitlements and payouts."),
            ("Green attributes", "Certificate registries and blocks, issuance from generation, retirements, "
             "sales."),
            ("Reconciliation", "Cash matching runs, manual matches, the exceptions queue, lessee credits."),
            ("Reports", "Investor statements, servicer / trustee and impact reports: request, follow, "
             "download with the file's SHA-256 as ETag; bulk statement runs."),
            ("Audit trail", "Every transition and edit, read-only."),
            ("FX rates", "Exchange rates with their date and source: the only way amounts change currency."),
            ("Authentication", "API tokens."),
        )
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "core.api.schema.document_errors"],
    # Swagger UI served from our own static files: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "core.validators.COUNTRY_CHOICES",
        "CurrencyEnum": "core.validators.CURRENCY_CHOICES",
        "ProposalStateEnum": "servicing.models.funds.FundsAdjustment.State",  # and WaterfallAmendment's
        "ReasonCodeEnum": "compliance.models.kyc.ReasonCode",  # a KYC decision's reason
        "EscrowReasonCodeEnum": "servicing.models.distributions.EscrowLine.Reason",  # why a payment is held
        # reconciliation: its choice sets appear in lists, filters and request bodies
        "MatchRunTriggerEnum": "reconciliation.models.MatchRun.Trigger",
        "MatchRunStatusEnum": "reconciliation.models.MatchRun.Status",
        "ManualMatchKindEnum": "reconciliation.models.ManualMatch.Kind",
        "ManualMatchStateEnum": "reconciliation.models.ManualMatch.State",
        "ReconExceptionScopeEnum": "reconciliation.models.ReconException.Scope",
        "ReconExceptionTypeEnum": "reconciliation.models.ReconException.Type",
        "ReconExceptionStateEnum": "reconciliation.models.ReconException.State",
        # a collection period's state: servicing's periods and the reconciliation's period view
        "CollectionPeriodStateEnum": "servicing.models.periods.CollectionPeriod.State",
        # reporting: the kind and file format of a report
        "ReportKindEnum": "reporting.models.Kind",
        "ReportFormatEnum": "reporting.models.Format",
    },
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# With late acknowledgement, a message whose worker died stays unacknowledged in Redis until this
# many seconds have passed; then a worker puts it back on the queue (kombu checks every ~100 s).
# Kombu's default is an hour. It must exceed the longest task run and the longest retry countdown
# (chain tasks back off up to 300 s), or a running or waiting task is delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 900, minimum=360),
}
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "core.tasks.sweep_outbox",
        "schedule": 60.0,
    },
    "purge-idempotency-keys": {
        "task": "core.tasks.purge_idempotency_keys",
        "schedule": 3600.0,
    },
    "expire-due-kyc-cases": {
        "task": "compliance.tasks.expire_due_kyc_cases",
        "schedule": 3600.0,
    },
    "mark-overdue-invoices": {
        "task": "assets.tasks.mark_overdue_invoices",
        "schedule": 3600.0,
    },
    "generate-due-invoices": {
        "task": "assets.tasks.generate_due_invoices",
        "schedule": 3600.0,
    },
    "start-collecting-periods": {
        "task": "servicing.tasks.start_collecting_periods",
        "schedule": 3600.0,
    },
    "chain-follow-transactions": {
        "task": "chain.tasks.follow_transactions",
        "schedule": 15.0,
    },
    "chain-index-events": {
        "task": "chain.tasks.index_events",
        "schedule": 30.0,
    },
    # servicing distributions: batches, Paid events and finished distributions (docs/servicing.md)
    "servicing-follow-payouts": {
        "task": "servicing.tasks.follow_payouts",
        "schedule": 60.0,
    },
    # published reports' SHA-256 anchored on chain (docs/reporting.md, "Portal and verification")
    "portal-anchor-published-reports": {
        "task": "portal.tasks.anchor_published_reports",
        "schedule": 300.0,
    },
}

# The outbox (core/outbox.py; docs/operations.md): a side effect not done this long after it was
# sent is sent again, the delay doubling up to the maximum; after the last attempt it is flagged failed.
OUTBOX_RETRY_AFTER_SECONDS = env_int("OUTBOX_RETRY_AFTER_SECONDS", 600, minimum=10)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 7200, minimum=10)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6, minimum=1)

# The chain (chain app; docs/chain.md). Empty CHAIN_RPC_URL: no chain, chain tasks do nothing.
# The signer's private key is read from CHAIN_SIGNER_KEY or the file CHAIN_SIGNER_KEY_FILE by
# chain.signer when it signs; it is never stored in settings, the database or logs.
CHAIN_RPC_URL = os.environ.get("CHAIN_RPC_URL", "")
CHAIN_ID = env_int("CHAIN_ID", 31337, minimum=1)
CHAIN_CONFIRMATIONS = env_int("CHAIN_CONFIRMATIONS", 2)
CHAIN_RPC_TIMEOUT_SECONDS = env_int("CHAIN_RPC_TIMEOUT_SECONDS", 30, minimum=1)
CHAIN_SIGNER_KEY_FILE = os.environ.get("CHAIN_SIGNER_KEY_FILE", "")
CHAIN_EXPLORER_TX_URL = os.environ.get("CHAIN_EXPLORER_TX_URL", "")  # e.g. https://etherscan.io/tx/{hash}
# Gas one payBatch may use; holders per batch follow from it (servicing.services.payouts, at most 200).
SERVICING_PAYOUT_BATCH_GAS = env_int("SERVICING_PAYOUT_BATCH_GAS", 12_000_000, minimum=200_000)

# Idempotency keys are kept this long; a retry after that is a new request.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
