"""What labels and custom fields share: the records they belong to and the display-name rule.

Both attach to a customer or an interaction (``check_target``, ``require_record``) and
both have human names and options that must be printable and non-blank
(``display_name``, published as ``NAME_PATTERN``). Kept here so that
repository/crm/labels.py and repository/crm/custom_fields.py refuse the same input the
same way without either depending on the other. See docs/labels-and-fields.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from repository.core.ingest import nfc
from repository.core.models import Customer, Interaction
from repository.crm.label_models import TARGETS
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlmodel import Session

# A name: no control character survives display_name (tab and line breaks fold into spaces), and
# something is left once spaces are folded.
NAME_PATTERN = (
    "^[^\\u0000-\\u0008\\u000e-\\u001b]*"
    "[^\\u0000-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    "[^\\u0000-\\u0008\\u000e-\\u001b]*$"
)
RECORD_MODELS = {"customer": Customer, "interaction": Interaction}


def display_name(value: Any, field: str, max_length: int) -> str:
    text = " ".join(nfc(str(value)).split()) if isinstance(value, str) else ""
    if not 1 <= len(text) <= max_length or any(ord(c) < 32 for c in text):
        raise InvalidInput(
            "%(field)s is 1 to %(max)s characters", params={"field": field, "max": max_length}, field=field
        )
    return text


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise InvalidInput("labels and fields belong to a customer or an interaction", field="target")
    return target


def require_record(session: Session, target: str, target_id: int) -> None:
    model: Any = RECORD_MODELS[check_target(target)]
    if session.get(model, target_id) is None:
        raise NotFound("no such %(thing)s", params={"thing": target}, record_id=target_id)
