"""Issue 17's tests borrow the real servers the channel tests start: Prism and the phone
server (tests/telephony), Dovecot and the aiosmtpd sink (tests/email)."""

from __future__ import annotations

from tests.email.conftest import dovecot, email_settings, folder, smtp_sink  # noqa: F401
from tests.telephony.conftest import phone_server, prism  # noqa: F401
