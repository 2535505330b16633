"""Formats the API shares across operations, each declared from the rule the server applies.

The patterns come from the validators themselves (repository/core/identity.py, the business
hours and time zone checks, the installed locales), so the OpenAPI document cannot
promise more or less than the server takes.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from contact_center.api.schema_collections import ListOf, MapOf, Pair
from contact_center.api.schema_scalars import Str
from contact_center.i18n.catalogues import supported_locales
from repository.core.identity import EMAIL_PATTERN, phone_pattern
from repository.directory.business_hours import DAYS, HHMM_PATTERN, OPEN_PATTERN

# No format "email": JSON Schema's reading of it (RFC 5321, ASCII) is not the server's rule;
# the pattern is. Spaces around it are trimmed, as people paste them.
EMAIL = Str(
    max_length=320,
    pattern="^ *" + EMAIL_PATTERN[1:-1] + " *$",
    pattern_reason="not a valid email address",
    name="EmailAddress",
)
PHONE = Str(
    max_length=40,
    pattern=phone_pattern(),
    pattern_reason="not a valid phone number",
    name="PhoneNumberText",
    description='"+" and the country code (separators . - or space allowed), or a US number',
)
# The same, or empty to clear it.
PHONE_OR_EMPTY = Str(
    max_length=40,
    pattern=phone_pattern()[:-1] + "?$",
    pattern_reason="not a valid phone number",
    name="PhoneNumberOrEmpty",
)
TIME_ZONE = Str(choices=tuple(sorted(available_timezones())), name="TimeZone")
LANGUAGE = Str(choices=tuple(supported_locales()), name="Locale")
# A day's opening spans: [open, close]; close before open runs past midnight.
_SPAN = Pair(
    first=Str(max_length=5, pattern=OPEN_PATTERN, pattern_reason="%(name)s: a span opens at HH:MM"),
    second=Str(max_length=5, pattern=HHMM_PATTERN, pattern_reason="%(name)s: a span closes at HH:MM"),
    distinct=True,
    reason='%(name)s: each span is ["HH:MM", "HH:MM"] with different open and close',
)
WEEK_HOURS = MapOf(keys=DAYS, value=ListOf(item=_SPAN, max_items=6))
