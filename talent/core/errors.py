"""Domain errors raised by models and operations; views turn them into messages or problem+json."""


class DomainError(Exception):
    """An action the rules refuse. `message` is shown to the user, already translated."""

    status_code = 409

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status_code = 422


class IllegalTransition(DomainError):
    status_code = 409
