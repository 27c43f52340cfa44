"""Every list endpoint costs the same number of queries for a page of 2 as for a page of 50:
no query per row. The baseline per endpoint is recorded here; a change to it should be deliberate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_deal, make_investor, subscribe, to_state

pytestmark = pytest.mark.django_db

# (role, endpoint) -> queries for one list page, whatever its size: the token with its user and the
# user's role names (one query; permissions come from the role matrix in memory), then the page.
# A page-number list read as rows (core/api/rows.py) reads its count in the page query
# (core.api.pagination.CountingPaginator).
# Subscriptions and the audit trail are cursor-paginated: no count. Investors' scoping is in
# subqueries, not extra queries; nothing is fetched per row.
BASELINE = {
    ("ops", "spvs"): 2,
    ("ops", "deals"): 2,
    ("ops", "tranches"): 2,
    ("ops", "subscriptions"): 2,
    ("ops", "investors"): 2,
    ("ops", "audit-events"): 2,
    ("investor", "spvs"): 2,
    ("investor", "deals"): 2,
    ("investor", "tranches"): 2,
    ("investor", "subscriptions"): 2,
    ("investor", "audit-events"): 2,
}


@pytest.fixture
def many_rows(ops, officer, investor, other_investor, draft_deal):
    """Three open deals, each of whose tranches three investors (one of them ours) subscribed to."""
    third = make_investor(actor=ops, name="Third Investor Ltd")
    for _ in range(3):
        deal = to_state(make_deal(actor=ops), "open", maker=ops, checker=officer)
        for tranche in deal.tranches.all():
            for who in (investor, other_investor, third):
                subscribe(actor=ops, investor=who, tranche=tranche, amount="100000")


@pytest.mark.parametrize(("role", "endpoint"), BASELINE)
def test_a_list_page_costs_the_same_queries_whatever_its_size(role, endpoint, many_rows, ops,
                                                              investor_user, api):
    client = api({"ops": ops, "investor": investor_user}[role])
    client.get(f"/api/v1/{endpoint}/")  # warm the per-process caches (content types)
    seen = {}

    for size in (2, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{endpoint}/", {"page_size": size})
        assert response.status_code == 200
        seen[size] = (len(response.json()["results"]), len(queries.captured_queries))

    rows = response.json().get("count", seen[50][0])
    assert rows > 2
    assert seen == {2: (2, BASELINE[role, endpoint]), 50: (min(rows, 50), BASELINE[role, endpoint])}
