import logging

from celery import shared_task

from compliance.services import kyc_cases_expire_due

log = logging.getLogger(__name__)


@shared_task
def expire_due_kyc_cases() -> list[int]:
    """Expire approved KYC cases whose refresh date has come and open their periodic reviews.

    Idempotent: the due cases are locked and expired in one transaction, so a second run finds
    nothing.
    The new review cases appear in the officers' queue (unassigned, state draft).
    """
    opened = kyc_cases_expire_due()
    if opened:
        log.warning("KYC refresh: %d approved case(s) expired; review cases opened: %s",
                    len(opened), ", ".join(f"#{pk}" for pk in opened))
    return opened
