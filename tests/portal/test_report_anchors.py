"""Published reports' SHA-256 anchored on anvil by the sweep: final, done reports only, each hash once
however often it runs; the reports page then shows the anchoring transaction."""

import hashlib

import pytest
from django.urls import reverse

from chain.anchors import deploy_anchor, document_anchored_at, document_reference
from chain.models import Anchor, ChainTransaction
from chain.services import call
from chain.signer import signer_address
from core.errors import Refused
from portal.services import report_anchor, reports_anchor_published
from reporting.models import Kind
from tests.chain import conftest as chain_fixtures
from tests.chain.conftest import requires_chain
from tests.portal.conftest import publish
from tests.reporting.conftest import make_period

pytestmark = requires_chain
rpc = chain_fixtures.rpc  # fixture


def test_without_an_anchor_registry_nothing_is_sent(book, rpc):
    assert reports_anchor_published(rpc=rpc) == 0
    assert Anchor.objects.count() == 0


def test_each_published_report_hash_is_anchored_once(book, rpc, ops, client, investor_user):
    from datetime import date

    contract = deploy_anchor(rpc=rpc)
    draft = publish(actor=ops, data=b"%PDF draft", kind=Kind.SERVICER_REPORT, deal=book.deal, format="pdf",
                    period=make_period(book.deal, number=2, state="open", start=date(2027, 4, 1),
                                       end=date(2027, 6, 30)))
    assert reports_anchor_published(rpc=rpc) == 3
    anchored = {a.key: a for a in Anchor.objects.filter(kind="document")}
    published = (book.own_statement, book.other_statement, book.servicer)
    assert sorted(anchored) == sorted("0x" + r.file_sha256 for r in published)
    for report in published:
        anchor = anchored["0x" + report.file_sha256]
        assert anchor.value == "0x" + document_reference(f"report:{report.pk}:v1").hex()
        assert document_anchored_at(contract=contract.address, sha256=report.file_sha256, rpc=rpc) == \
            anchor.transaction.block_number
    assert document_anchored_at(contract=contract.address, sha256=draft.file_sha256, rpc=rpc) == 0
    assert call("Anchor", contract.address, "documentReference",
                bytes.fromhex(book.servicer.file_sha256), rpc=rpc) == document_reference(
        f"report:{book.servicer.pk}:v1")

    nonce = rpc.nonce(signer_address())
    counts = (Anchor.objects.count(), ChainTransaction.objects.count())
    assert reports_anchor_published(rpc=rpc) == 0
    assert report_anchor(report=book.servicer, rpc=rpc).key == "0x" + book.servicer.file_sha256
    with pytest.raises(Refused, match="is not published"):
        report_anchor(report=draft, rpc=rpc)
    assert (Anchor.objects.count(), ChainTransaction.objects.count(), rpc.nonce(signer_address())) == (
        *counts, nonce)

    client.force_login(investor_user)
    page = client.get(reverse("portal:reports")).content.decode()
    tx_hash = anchored["0x" + book.own_statement.file_sha256].transaction.tx_hash
    assert f"Anchored on chain in transaction <code>{tx_hash}</code>" in page
    assert hashlib.sha256(b"%PDF own statement").hexdigest() in page
