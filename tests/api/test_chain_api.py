"""The chain's read-only API: staff roles read intents, contracts, snapshots and reorg alerts;
investors get 403; nothing is written; a list page costs the same queries whatever its size."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chain.models import ChainTransaction, Contract, HolderBalance, HolderSnapshot, ReorgAlert, Signer

pytestmark = pytest.mark.django_db
ENDPOINTS = ("transactions", "contracts", "snapshots", "reorg-alerts")
SIGNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


@pytest.fixture
def chain_rows(db):
    """Three of everything: intents in several states, contracts, snapshots of 3 holders, alerts."""
    signer = Signer.objects.create(chain_id=31337, address=SIGNER, next_nonce=3)
    txs = []
    for n, state in enumerate(("planned", "mined", "confirmed")):
        txs.append(ChainTransaction.objects.create(
            idempotency_key=f"k{n}", purpose="freeze wallet", payload={"n": n}, signer=signer, chain_id=31337,
            to_address=f"0x{n + 1:040x}", data="0x", nonce=n, gas_limit=50_000, max_fee_per_gas=10**9,
            max_priority_fee_per_gas=10**8, state=state, raw_transaction="" if state == "planned" else "0x02",
            tx_hash="" if state == "planned" else f"0x{n:064x}",
        ))
    for n in range(3):
        contract = Contract.objects.create(chain_id=31337, address=f"0x{n + 10:040x}", kind="TrancheToken",
                                           name=f"T{n}", deploy_transaction=txs[2])
        snapshot = HolderSnapshot.objects.create(contract=contract, block_number=100 + n, block_hash="0x1",
                                                 total_supply=600, holder_count=3, content_hash="ab" * 32)
        for w in range(3):
            HolderBalance.objects.create(snapshot=snapshot, wallet=f"0x{w + 20:040x}", balance=200)
        ReorgAlert.objects.create(chain_id=31337, fork_block=10 + n, safe_block=20 + n, message="deep")
    return txs


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("role", "status"), [
    ("ops", 200), ("officer", 200), ("trustee", 200), ("investor", 403), ("anonymous", 401),
])
def test_staff_read_the_chain_investors_do_not(endpoint, role, status, chain_rows, ops, officer, trustee,
                                                investor_user, api):
    user = {"ops": ops, "officer": officer, "trustee": trustee, "investor": investor_user,
            "anonymous": None}[role]
    client = api(user)
    listing = client.get(f"/api/v1/chain/{endpoint}/")
    assert listing.status_code == status
    if status == 200:
        assert listing.json()["count"] == 3
        first = listing.json()["results"][0]["id"]
        assert client.get(f"/api/v1/chain/{endpoint}/{first}/").status_code == 200
    assert client.post(f"/api/v1/chain/{endpoint}/", {}).status_code == {200: 403}.get(status, status)


def test_transactions_show_their_status_and_filter_open_ones(chain_rows, ops, api):
    client = api(ops)
    rows = client.get("/api/v1/chain/transactions/", {"ordering": "nonce"}).json()["results"]
    assert [(r["nonce"], r["state"], r["sender"], r["purpose"]) for r in rows] == [
        (0, "planned", SIGNER, "freeze wallet"),
        (1, "mined", SIGNER, "freeze wallet"),
        (2, "confirmed", SIGNER, "freeze wallet"),
    ]
    open_rows = client.get("/api/v1/chain/transactions/", {"open": "true"}).json()["results"]
    assert sorted(r["state"] for r in open_rows) == ["mined", "planned"]
    states = client.get("/api/v1/chain/transactions/", {"state": ["planned", "confirmed"]}).json()
    assert states["count"] == 2


def test_snapshots_carry_their_balances(chain_rows, ops, api):
    snapshot = api(ops).get("/api/v1/chain/snapshots/", {"ordering": "block_number"}).json()["results"][0]
    assert (snapshot["block_number"], snapshot["total_supply"], snapshot["holder_count"]) == (100, "600", 3)
    assert snapshot["balances"] == [{"wallet": f"0x{w + 20:040x}", "balance": "200"} for w in range(3)]
    assert snapshot["contract_address"] == f"0x{10:040x}"


def test_reorg_alerts_filter_by_resolution(chain_rows, ops, api):
    client = api(ops)
    assert client.get("/api/v1/chain/reorg-alerts/", {"resolved": "false"}).json()["count"] == 3
    assert client.get("/api/v1/chain/reorg-alerts/", {"resolved": "true"}).json()["count"] == 0


# token with user and roles (permissions come from the role matrix), count, page [+ the balances of
# the page's snapshots]
BASELINE = {"transactions": 3, "contracts": 3, "snapshots": 4, "reorg-alerts": 3}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_chain_list_page_costs_the_same_queries_whatever_its_size(endpoint, chain_rows, ops, api):
    client = api(ops)
    client.get(f"/api/v1/chain/{endpoint}/")  # warm the per-process caches
    seen = {}
    for size in (2, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/chain/{endpoint}/", {"page_size": size})
        assert response.status_code == 200
        seen[size] = (len(response.json()["results"]), len(queries.captured_queries))
    assert seen == {2: (2, BASELINE[endpoint]), 50: (3, BASELINE[endpoint])}


def test_amounts_are_exact_strings(chain_rows, ops, api):
    row = api(ops).get(f"/api/v1/chain/transactions/{chain_rows[0].pk}/").json()
    assert (row["max_fee_per_gas"], row["value"]) == (str(Decimal(10**9)), "0")
