"""The transaction list in the admin shows the backlog: open intents per state, on top."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.test_chain_api import chain_rows  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_transaction_list_shows_open_intents_by_state(client, ops, chain_rows):  # noqa: F811
    client.force_login(ops)
    response = client.get("/admin/chain/chaintransaction/")
    assert response.status_code == 200
    assert response.context["backlog"] == [("planned", "planned", 1), ("signed", "signed", 0),
                                           ("broadcast", "broadcast", 0), ("mined", "mined", 1),
                                           ("held", "held for review", 0)]
    assert response.context["backlog_total"] == 2
    assert response.context["backlog_oldest"] == chain_rows[0].created_at
    html = response.content.decode()
    assert "Backlog: 2 open intents" in html
    assert '<a href="?state=planned">planned</a>' in html
    assert '<td class="backlog-mined">1</td>' in html


def test_the_backlog_costs_one_query(client, ops, chain_rows):  # noqa: F811
    client.force_login(ops)
    client.get("/admin/chain/chaintransaction/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/chain/chaintransaction/")
    backlog = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert len(backlog) == 1
    assert 'MIN("chain_chaintransaction"."created_at")' in backlog[0]
