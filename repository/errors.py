"""The project's exceptions. Every error a client can see carries a stable ``code``."""

from __future__ import annotations


class ContactCenterError(Exception):
    """Root of every error this product raises on purpose."""

    code = "error"
    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        params: dict[str, object] | None = None,
        **details: object,
    ) -> None:
        # ``message`` is an English sentence, looked up in the gettext catalogues where it
        # reaches a person (contact_center.errors.localized). Variable parts go in
        # ``params`` as %(name)s placeholders, so the sentence itself stays translatable.
        self.template = message
        self.params = params or {}
        if params:
            message = message % params
        super().__init__(message)
        self.message = message
        # A more specific code than the class's, e.g. "too_large" for an InvalidInput.
        if code is not None:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(ContactCenterError):
    code = "not_found"
    status_code = 404


class Conflict(ContactCenterError):
    code = "conflict"
    status_code = 409


class InvalidInput(ContactCenterError):
    code = "invalid_input"
    status_code = 422


class Forbidden(ContactCenterError):
    code = "forbidden"
    status_code = 403


class InvalidSignature(ContactCenterError):
    code = "invalid_signature"
    status_code = 403
