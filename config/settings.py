"""One place for every setting, read from the environment or a ``.env`` file.

Secrets are wrapped in :class:`starlette.datastructures.Secret` so that printing or
logging the settings never reveals them. Tests build their own ``Settings`` with
``load_settings(environ={...})`` instead of patching globals.
"""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from starlette.config import Config
from starlette.datastructures import CommaSeparatedStrings, Secret


@dataclass(frozen=True)
class Settings:
    database_url: str
    bus_url: str
    secret_key: Secret
    data_dir: Path
    public_url: str
    widget_allowed_origins: tuple[str, ...]
    attachment_max_bytes: int
    max_frame_bytes: int
    reservation_timeout_seconds: float
    agent_disconnect_grace_seconds: float
    router_tick_seconds: float
    heartbeat_seconds: float
    session_max_age_seconds: int
    secure_cookies: bool
    resume_buffer_size: int = 10_000
    # Routing (docs/architecture.md): an agent who lets this many offers in a row time out
    # is set Away; the router's lease (Redis) lasts this long, so a standby takes over
    # within about that much after the leader dies.
    missed_offers_before_away: int = 2
    router_lease_seconds: float = 1.2
    # The event pipeline (docs/events.md): a socket whose unsent events pass this many
    # bytes is closed with 4408; outbox rows are kept this long for resume; the relay
    # and the dispatcher's database watchdog poll this often.
    ws_max_pending_bytes: int = 1024 * 1024
    outbox_keep_seconds: float = 3600.0
    outbox_poll_seconds: float = 1.0
    # Tests only: exit the process right after giving outbox rows positions, before publishing.
    fault_exit_after_assign: bool = False
    log_level: str = "INFO"
    # Extra gettext catalogues dropped in by admins, searched before the built-in ones (docs/i18n.md).
    locales_dir: str = ""
    # The single mailbox configured from the environment (docs/email.md); more come from /admin/mailboxes.
    email_address: str = ""
    email_display_name: str = ""
    email_imap_url: Secret = field(default_factory=lambda: Secret(""))
    email_smtp_url: Secret = field(default_factory=lambda: Secret(""))
    email_poll_seconds: float = 60.0
    email_idle_seconds: float = 600.0
    # Email keeps larger files than chat uploads: 25 MiB is what common providers accept.
    email_attachment_max_bytes: int = 25 * 1024 * 1024
    # Customer-value analytics and outbound webhooks (docs/analytics.md, docs/webhooks.md).
    analytics_window_days: int = 365
    analytics_tier_quantiles: str = "platinum:0.95,gold:0.80,silver:0.50,bronze"
    analytics_value_basis: str = "revenue"
    analytics_interval_seconds: float = 3600.0
    webhook_max_attempts: int = 8
    webhook_backoff_seconds: float = 10.0
    webhook_timeout_seconds: float = 10.0
    # Webhook URLs on loopback, private or link-local addresses are refused unless this is
    # set (docs/webhooks.md, "Where webhooks may point"): an admin form must not reach in.
    webhook_allow_private_targets: bool = False
    # Largest HTTP request body; bigger ones get 413 before being read (visitor uploads
    # get ATTACHMENT_MAX_BYTES plus the form around it instead).
    max_body_bytes: int = 1024 * 1024
    twilio_account_sid: str = ""
    twilio_auth_token: Secret = field(default_factory=lambda: Secret(""))
    twilio_api_base_url: str = "https://api.twilio.com"
    # The URL Twilio reaches us at; signatures are checked against it and callbacks name it.
    public_base_url: str = ""
    # Proxies (IPs) whose X-Forwarded-Proto/Host describe the URL the caller used.
    trusted_proxies: tuple[str, ...] = ()
    cti_shared_secret: Secret = field(default_factory=lambda: Secret(""))
    sms_help_reply: str = "Reply STOP to unsubscribe, START to resubscribe."
    # Limits on anonymous web chat (channels/webchat/limits.py, docs/operations.md): rates in
    # the `limits` syntax ("10/5seconds;60/minute"; empty or 0 = off), sockets as a count.
    widget_messages_per_socket: str = "10/5seconds;60/minute"
    widget_sockets_per_address: int = 20
    widget_conversations_per_address: str = "5/minute;30/hour"
    widget_conversations_overall: str = "120/minute"
    widget_uploads_per_visitor: str = "10/minute;50/hour"
    rate_limit_storage_url: str = "async+memory://"
    # `contact-center serve` (contact_center/serving.py): slow or idle clients are cut off.
    serve_header_timeout_seconds: float = 10.0
    serve_keep_alive_seconds: float = 5.0
    serve_limit_concurrency: int = 25000
    # permessage-deflate on websockets: each compressed socket keeps zlib state (tens of KiB).
    serve_ws_compression: bool = False
    # Protocol-level pings from the server (uvicorn's keepalive); 0 = none. Every shipped
    # client pings in the protocol itself, and WS_IDLE_TIMEOUT_SECONDS closes silent sockets.
    serve_ws_ping_seconds: float = 0.0
    # A websocket that has sent nothing for this long is closed (4410); 0 = never.
    ws_idle_timeout_seconds: float = 75.0
    # The supervisor snapshot in a child process (supervision/snapshot_process.py), so a
    # large centre's snapshot does not hold the chat loop's interpreter lock.
    supervisor_snapshot_process: bool = True
    # Messages the company starts (not replies in a live conversation) wait for these
    # hours to pass: "21:00-08:00" in OUTBOUND_TIME_ZONE; empty = none (docs/outbound.md).
    outbound_quiet_hours: str = ""
    outbound_time_zone: str = "UTC"

    def __repr__(self) -> str:
        # DATABASE_URL and BUS_URL may carry passwords; a logged or printed Settings must not.
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["database_url"] = _without_password(self.database_url)
        shown["bus_url"] = _without_password(self.bus_url)
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def attachment_dir(self) -> Path:
        return self.data_dir / "attachments"

    def origin_allowed(self, origin: str | None, own_origin: str | None = None) -> bool:
        """Whether a browser page at ``origin`` may embed the widget."""
        if not origin:
            # Non-browser clients send no Origin; browsers always do for websockets.
            return True
        origin = origin.rstrip("/")
        if own_origin and origin == own_origin.rstrip("/"):
            return True
        return "*" in self.widget_allowed_origins or origin in self.widget_allowed_origins


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}********@{parts.netloc.rsplit('@', 1)[1]}"))


def _secret_key(config: Config, data_dir: Path) -> Secret:
    """An explicit SECRET_KEY, or one generated once and kept under the data dir.

    Keeping the generated key on disk means sessions survive a restart of the
    single-box default without anyone having to configure anything.
    """
    explicit = config("SECRET_KEY", cast=Secret, default=None)
    if explicit is not None and str(explicit):
        return explicit
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return Secret(key_file.read_text().strip())
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return Secret(key)


def load_settings(environ: dict[str, str] | None = None, env_file: str | None = ".env") -> Settings:
    """Build settings from ``environ`` (default: the process environment) and ``.env``."""
    env = dict(os.environ if environ is None else environ)
    config = Config(env_file if env_file and Path(env_file).exists() else None, environ=env)
    data_dir = Path(config("DATA_DIR", default="./data"))
    default_db = f"sqlite:///{data_dir / 'contact_center.db'}"
    return Settings(
        # An empty value (``DATABASE_URL=`` left in a .env or a compose file) means the
        # default, as for SECRET_KEY, not a start-up crash deep inside the migrations.
        database_url=config("DATABASE_URL", default="") or default_db,
        bus_url=config("BUS_URL", default="") or "memory://",
        secret_key=_secret_key(config, data_dir),
        data_dir=data_dir,
        public_url=config("PUBLIC_URL", default="").rstrip("/"),
        widget_allowed_origins=tuple(
            o.rstrip("/") for o in config("WIDGET_ALLOWED_ORIGINS", cast=CommaSeparatedStrings, default="")
        ),
        attachment_max_bytes=config("ATTACHMENT_MAX_BYTES", cast=int, default=10 * 1024 * 1024),
        max_frame_bytes=config("MAX_FRAME_BYTES", cast=int, default=64 * 1024),
        reservation_timeout_seconds=config("RESERVATION_TIMEOUT_SECONDS", cast=float, default=30.0),
        agent_disconnect_grace_seconds=config("AGENT_DISCONNECT_GRACE_SECONDS", cast=float, default=20.0),
        router_tick_seconds=config("ROUTER_TICK_SECONDS", cast=float, default=1.0),
        missed_offers_before_away=config("MISSED_OFFERS_BEFORE_AWAY", cast=int, default=2),
        router_lease_seconds=config("ROUTER_LEASE_SECONDS", cast=float, default=1.2),
        heartbeat_seconds=config("HEARTBEAT_SECONDS", cast=float, default=5.0),
        session_max_age_seconds=config("SESSION_MAX_AGE_SECONDS", cast=int, default=12 * 3600),
        secure_cookies=config("SECURE_COOKIES", cast=bool, default=False),
        log_level=config("LOG_LEVEL", default="INFO"),
        locales_dir=config("LOCALES_DIR", default=""),
        email_address=config("EMAIL_ADDRESS", default=""),
        email_display_name=config("EMAIL_DISPLAY_NAME", default=""),
        email_imap_url=Secret(config("EMAIL_IMAP_URL", default="")),
        email_smtp_url=Secret(config("EMAIL_SMTP_URL", default="")),
        email_poll_seconds=config("EMAIL_POLL_SECONDS", cast=float, default=60.0),
        email_idle_seconds=config("EMAIL_IDLE_SECONDS", cast=float, default=600.0),
        email_attachment_max_bytes=config("EMAIL_ATTACHMENT_MAX_BYTES", cast=int, default=25 * 1024 * 1024),
        analytics_window_days=config("ANALYTICS_WINDOW_DAYS", cast=int, default=365),
        analytics_tier_quantiles=config(
            "ANALYTICS_TIER_QUANTILES", default="platinum:0.95,gold:0.80,silver:0.50,bronze"
        ),
        analytics_value_basis=config("ANALYTICS_VALUE_BASIS", default="revenue"),
        analytics_interval_seconds=config("ANALYTICS_INTERVAL_SECONDS", cast=float, default=3600.0),
        webhook_max_attempts=config("WEBHOOK_MAX_ATTEMPTS", cast=int, default=8),
        webhook_backoff_seconds=config("WEBHOOK_BACKOFF_SECONDS", cast=float, default=10.0),
        webhook_timeout_seconds=config("WEBHOOK_TIMEOUT_SECONDS", cast=float, default=10.0),
        webhook_allow_private_targets=config("WEBHOOK_ALLOW_PRIVATE_TARGETS", cast=bool, default=False),
        max_body_bytes=config("MAX_BODY_BYTES", cast=int, default=1024 * 1024),
        twilio_account_sid=config("TWILIO_ACCOUNT_SID", default=""),
        twilio_auth_token=Secret(config("TWILIO_AUTH_TOKEN", default="")),
        twilio_api_base_url=config("TWILIO_API_BASE_URL", default="https://api.twilio.com").rstrip("/"),
        public_base_url=config("PUBLIC_BASE_URL", default="").rstrip("/"),
        trusted_proxies=tuple(config("TRUSTED_PROXIES", cast=CommaSeparatedStrings, default="")),
        cti_shared_secret=Secret(config("CTI_SHARED_SECRET", default="")),
        sms_help_reply=config("SMS_HELP_REPLY", default="Reply STOP to unsubscribe, START to resubscribe."),
        widget_messages_per_socket=config("WIDGET_MESSAGES_PER_SOCKET", default="10/5seconds;60/minute"),
        widget_sockets_per_address=config("WIDGET_SOCKETS_PER_ADDRESS", cast=int, default=20),
        widget_conversations_per_address=config(
            "WIDGET_CONVERSATIONS_PER_ADDRESS", default="5/minute;30/hour"
        ),
        widget_conversations_overall=config("WIDGET_CONVERSATIONS_OVERALL", default="120/minute"),
        widget_uploads_per_visitor=config("WIDGET_UPLOADS_PER_VISITOR", default="10/minute;50/hour"),
        rate_limit_storage_url=config("RATE_LIMIT_STORAGE_URL", default="async+memory://"),
        serve_header_timeout_seconds=config("SERVE_HEADER_TIMEOUT_SECONDS", cast=float, default=10.0),
        serve_keep_alive_seconds=config("SERVE_KEEP_ALIVE_SECONDS", cast=float, default=5.0),
        serve_limit_concurrency=config("SERVE_LIMIT_CONCURRENCY", cast=int, default=25000),
        serve_ws_compression=config("SERVE_WS_COMPRESSION", cast=bool, default=False),
        serve_ws_ping_seconds=config("SERVE_WS_PING_SECONDS", cast=float, default=0.0),
        ws_idle_timeout_seconds=config("WS_IDLE_TIMEOUT_SECONDS", cast=float, default=75.0),
        supervisor_snapshot_process=config("SUPERVISOR_SNAPSHOT_PROCESS", cast=bool, default=True),
        outbound_quiet_hours=config("OUTBOUND_QUIET_HOURS", default="").strip(),
        outbound_time_zone=config("OUTBOUND_TIME_ZONE", default="UTC").strip(),
        ws_max_pending_bytes=config("WS_MAX_PENDING_BYTES", cast=int, default=1024 * 1024),
        outbox_keep_seconds=config("OUTBOX_KEEP_SECONDS", cast=float, default=3600.0),
        outbox_poll_seconds=config("OUTBOX_POLL_SECONDS", cast=float, default=1.0),
        fault_exit_after_assign=config("FAULT_EXIT_AFTER_ASSIGN", cast=bool, default=False),
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()
