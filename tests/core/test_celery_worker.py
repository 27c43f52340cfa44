"""Tasks run on a real Celery worker over the real Redis broker started by the test command."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import IdempotencyRecord
from core.tasks import purge_idempotency_keys
from tests.factories import make_user


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_purges_only_expired_idempotency_keys(celery_worker):
    user = make_user(None)
    old = IdempotencyRecord.objects.create(user=user, key="old", request_fingerprint="a")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyRecord.objects.create(user=user, key="fresh", request_fingerprint="b")

    deleted = purge_idempotency_keys.delay().get(timeout=20)

    assert deleted == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert purge_idempotency_keys.delay().get(timeout=20) == 0  # running again does no harm
