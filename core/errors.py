"""Errors that services raise when they refuse an action. Nothing has been changed
when one of these propagates: services raise them before writing, inside their
transaction.
"""


class Refused(Exception):
    """A business rule refused the action."""

    code = "refused"
    http_status = 409

    def __init__(self, message: str, *, reasons: list[str] | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.reasons = reasons or [message]
        self.field = field


class TransitionNotAllowed(Refused):
    code = "transition_not_allowed"


class GuardFailed(Refused):
    code = "transition_refused"


class NotPermitted(Refused):
    code = "permission_denied"
    http_status = 403


class MakerCheckerViolation(NotPermitted):
    code = "maker_checker"


class InvalidInput(Refused):
    """Input that is well-formed but wrong for this object; reported against ``field``."""

    code = "invalid"
    http_status = 400
