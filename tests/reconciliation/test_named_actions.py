"""Each action a person can ask for is its own service; the tables the API and admin use match the
models' transitions."""

from core.transitions import transition_names
from reconciliation.models import ManualMatch, ReconException
from reconciliation.services import exceptions, manual


def test_every_transition_offered_has_its_own_named_action():
    assert exceptions.EXCEPTION_ACTIONS == {
        "request_write_off": exceptions.exception_request_write_off,
        "approve_write_off": exceptions.exception_approve_write_off,
        "reject_write_off": exceptions.exception_reject_write_off,
        "waive": exceptions.exception_waive,
        "approve_waive": exceptions.exception_approve_waive,
        "reject_waive": exceptions.exception_reject_waive,
    }
    assert set(exceptions.EXCEPTION_ACTIONS) == set(transition_names(ReconException))
    assert manual.MANUAL_MATCH_ACTIONS == {
        "approve": manual.manual_match_approve,
        "reject": manual.manual_match_reject,
    }
    assert set(manual.MANUAL_MATCH_ACTIONS) == set(transition_names(ManualMatch))
