"""A page-number list read as rows gets its count from the page query (``COUNT(*) OVER ()``), and
answers exactly what a separate ``COUNT(*)`` would: the count, the links, a 404 past the end."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_deals(ops):
    return [make_deal(actor=ops) for _ in range(5)]


def test_each_page_carries_the_count_of_the_whole_list(five_deals, ops, api):
    client = api(ops)

    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/deals/", {"page_size": 2, "page": 2}).json()

    assert len(queries.captured_queries) == 2  # the token, then the page with its count
    assert "COUNT(*) OVER ()" in queries.captured_queries[1]["sql"]
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "_list_total" not in body["results"][0]
    assert body["next"].endswith("page=3&page_size=2")
    assert body["previous"].endswith("page_size=2")
    last = client.get("/api/v1/deals/", {"page_size": 2, "page": 3}).json()
    assert (last["count"], len(last["results"]), last["next"]) == (5, 1, None)


def test_the_last_page_and_a_filtered_list_count_right(five_deals, ops, api):
    client = api(ops)

    everything = [r["id"] for r in client.get("/api/v1/deals/", {"page_size": 5}).json()["results"]]
    last = client.get("/api/v1/deals/", {"page_size": 2, "page": "last"}).json()
    found = client.get("/api/v1/deals/", {"search": five_deals[3].name}).json()

    assert sorted(everything) == sorted(d.pk for d in five_deals)
    assert (last["count"], [r["id"] for r in last["results"]]) == (5, everything[4:])
    assert (found["count"], [r["id"] for r in found["results"]]) == (1, [five_deals[3].pk])


@pytest.mark.parametrize("page", ["4", "0", "x", "1.5"])
def test_a_page_past_the_end_or_not_a_page_is_a_404(five_deals, ops, api, page):
    response = api(ops).get("/api/v1/deals/", {"page_size": 2, "page": page})

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Invalid page."}}


def test_an_empty_list_counts_zero(ops, api):
    body = api(ops).get("/api/v1/deals/", {"search": "nothing like this"}).json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}
