"""The REST API under /api/v1."""

from contact_center.api.plugin import ENDPOINTS, openapi_document, plugin

__all__ = ["ENDPOINTS", "openapi_document", "plugin"]
