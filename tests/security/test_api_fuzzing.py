"""Every API operation, fuzzed by schemathesis as issuer operations and as an investor.

Part of ``make test``: a bounded run with a fixed seed (a few generated requests per operation,
plus the schema's examples), against data that reaches every kind of row. Each answer must be
no server error and must match the schema: a documented status code, content type, headers
and body. Run deeper when hunting: ``FUZZ_EXAMPLES=50 FUZZ_COVERAGE=1 bash scripts/test.sh
tests/security/test_api_fuzzing.py`` (the coverage phase adds the schema's boundary values);
``FUZZ_LOG=/tmp/fuzz.log`` also appends each server error's traceback to that file as it happens,
and ``FUZZ_SEED`` explores other inputs.

The requests go to the WSGI application in this process, inside the test's transaction; the
data is built once for the module and rolled back at its end.
"""

import os
import traceback
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from config.wsgi import application
from tests.security import fuzz_data

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "0") == "1"
SEED = int(os.environ.get("FUZZ_SEED", "20261122"))

CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "warnings": False,
    "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
               "coverage": {"enabled": COVERAGE, "unexpected-methods": []}, "stateful": {"enabled": False}},
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
})
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)
STATE: dict = {}
LOG = os.environ.get("FUZZ_LOG")


def _log_server_error(sender, request=None, **kwargs):
    with open(LOG, "a") as log:
        log.write(f"{request.method} {request.get_full_path()[:300]}\n{traceback.format_exc()[-2000:]}\n")


if LOG:
    got_request_exception.connect(_log_server_error)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the ids in paths are ones that exist, so detail and action operations reach real rows."""
    if not isinstance(path_parameters, dict) or "id" not in path_parameters or not STATE.get("ids"):
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters),
                     st.sampled_from(STATE["ids"]).map(lambda pk: {**path_parameters, "id": pk}))


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    # Django closes the connection after each request; the test client does not, and neither may
    # these in-process calls, or the module's transaction would end with the first request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    media = django_settings.PRIVATE_MEDIA_ROOT
    django_settings.PRIVATE_MEDIA_ROOT = Path(tmp_path_factory.mktemp("fuzz-media"))
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            STATE["tokens"] = fuzz_data.seed()
            STATE["ids"] = fuzz_data.ids()
            yield
            transaction.set_rollback(True)
    finally:
        django_settings.PRIVATE_MEDIA_ROOT = media
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def _private_media():
    """The module's documents stay where the data was built (not a folder per test)."""


RUN = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))


def call(case, role: str) -> None:
    """One request, in a savepoint undone afterwards: like a real request in its own transaction,
    one that failed in the database leaves nothing behind for the next."""
    with transaction.atomic():
        try:
            case.call_and_validate(headers={"Authorization": f"Token {STATE['tokens'][role]}"})
        finally:
            transaction.set_rollback(True)


@schema.parametrize()
@RUN
def test_as_issuer_operations(case, seeded, db):
    call(case, "ops")


@schema.parametrize()
@RUN
def test_as_an_investor(case, seeded, db):
    call(case, "investor")
