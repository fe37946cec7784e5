"""All of spinecoach's settings and defaults, in one place.

Values come from (highest first) explicit arguments, ``SPINECOACH_*`` environment variables,
and the defaults below. ``spinecoach config example`` prints a commented TOML generated from
this model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidSetting

PACKAGE_DIR = Path(__file__).resolve().parent


def default_content_dir() -> Path:
    """Return the folder holding ``exercises/`` and ``rules/``.

    In a wheel the data ships as ``spinecoach/_data``; in a source checkout it is the
    repository's ``data/`` folder.
    """
    packaged = PACKAGE_DIR / "_data"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent.parent / "data"


class Settings(BaseSettings):
    """spinecoach settings (environment prefix ``SPINECOACH_``)."""

    model_config = SettingsConfigDict(env_prefix="SPINECOACH_", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("spinecoach", appauthor=False)),
        description="Per-user folder for the SQLite database and session logs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; unset means SQLite at <data_dir>/spinecoach.db. "
        "A clinic sets postgresql+psycopg://user:pass@host/db.",
    )
    content_dir: Path = Field(
        default_factory=default_content_dir,
        description="Folder with exercises/ and rules/ data files.",
    )
    host: str = Field(default="127.0.0.1", description="Web app bind address.")
    port: int = Field(default=8000, description="Web app port.")
    secret_key: str | None = Field(
        default=None,
        description="Cookie signing key; unset means one is generated and kept in data_dir.",
    )
    secure_cookies: bool = Field(
        default=False, description="Mark cookies Secure (turn on behind HTTPS)."
    )
    session_max_age_s: int = Field(
        default=14 * 24 * 3600, description="Web sign-in lifetime (seconds) of a session cookie."
    )
    login_max_failures: int = Field(
        default=5, description="Failed sign-ins allowed per account in the window."
    )
    login_window_s: float = Field(
        default=900.0, description="Window (seconds) for counting failed sign-ins."
    )
    login_max_failures_per_client: int = Field(
        default=30,
        description="Failed sign-ins (any account) allowed per client address in the window.",
    )
    signup_max_per_client: int = Field(
        default=10, description="Sign-ups allowed per client address in the login window."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For is believed, "
        'as JSON, e.g. \'["127.0.0.1", "10.0.0.0/8"]\'; empty: none.',
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="Host names the app answers to (Host header), as JSON, e.g. "
        '\'["coach.clinic.example"]\'; a leading dot allows subdomains, "*" any (not '
        "recommended: DNS rebinding). Default: localhost, 127.0.0.1, ::1.",
    )
    hsts_max_age_s: int = Field(
        default=0,
        description="Send Strict-Transport-Security with this max-age (seconds) when > 0; turn "
        "on only when the app is served over HTTPS.",
    )
    max_password_checks: int = Field(
        default=2,
        description="Password hashes/checks (Argon2, ~64 MB each) run at once; more wait.",
    )
    max_password_queue: int = Field(
        default=16,
        description="Sign-ins allowed to wait for a password check; beyond: 503, try again.",
    )
    ws_max_message_bytes: int = Field(
        default=512 * 1024,
        description="Largest WebSocket message accepted (a 640x480 JPEG is ~30-60 kB).",
    )
    max_imu_lines_per_message: int = Field(
        default=400, description="Most IMU lines in one WebSocket message (a phone sends 1-10)."
    )
    max_form_bytes: int = Field(
        default=64 * 1024, description="Largest form or JSON body accepted by the web app."
    )
    locale: str | None = Field(
        default=None,
        description="Language of the terminal commands (en, es); unset means the profile's "
        "language, else LANG. The web app uses each person's setting, else the browser's.",
    )
    country: str | None = Field(
        default=None,
        description="Country (ISO code, e.g. GB, US, ES) for the emergency number and wording "
        "when a person has not set theirs; unset means from the language/region (es_MX -> MX), "
        "else GB. See data/emergency.toml.",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Web worker processes (`spinecoach serve --workers N`); more than 1 needs "
        "PostgreSQL (database_url): SQLite is for one process.",
    )
    gil_switch_interval_ms: float = Field(
        default=0.5,
        gt=0,
        le=100,
        description="How long a served process's busy thread may keep Python's GIL from one "
        "that waits for it (Python's default is 5 ms): page requests make many short database "
        "round-trips and wait up to this long after each one beside busy live sessions.",
    )
    live_heartbeat_s: float = Field(
        default=5.0,
        gt=0,
        description="How often a worker refreshes the presence rows of its live sessions.",
    )
    live_stale_s: float = Field(
        default=15.0,
        gt=0,
        description="A live session's presence row not refreshed for this long belongs to a "
        "stopped worker and is taken over.",
    )
    live_max_sessions: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="Live sessions one worker process runs at once; one more is told the "
        "server is busy (docs/deployment.md: patients per core).",
    )
    live_busy_lag_ms: float = Field(
        default=250.0,
        ge=0,
        description="A new live session is told the server is busy while this worker's event "
        "loop runs this late (ms; the sessions it already runs and the pages come first); "
        "0 turns the check off.",
    )
    live_relay_timeout_s: float = Field(
        default=3.0,
        gt=0,
        description="How long a worker waits for another worker's answer about a live session.",
    )
    open_browser: bool = Field(
        default=True, description="`spinecoach run` opens the web app in the browser."
    )
    # Clinical settings where sources conflict (see data/rules/*.toml for the citations).
    static_hold_s: float = Field(
        default=30.0,
        ge=10.0,
        le=60.0,
        description="Default static-stretch hold; 30 s [BANDY][GARBER], 30-60 s for older "
        "adults [ACSMB]. Conflict noted in data/rules/dosing.toml.",
    )
    older_adult_age: int = Field(
        default=65,
        ge=50,
        le=100,
        description="Age from which static holds use older_adult_hold_s [ACSMB].",
    )
    older_adult_hold_s: float = Field(
        default=45.0, ge=10.0, le=60.0, description="Static hold for older adults (10-60 s)."
    )
    pain_limit: int = Field(
        default=5,
        ge=0,
        le=10,
        description="Pain during exercise above this (0-10) counts as too much [EFE][SIL07].",
    )
    session_minutes_default: int = Field(
        default=8, ge=5, le=15, description="Routine length if unset (5-15 minutes)."
    )
    pose_model_complexity: int = Field(
        default=1, description="MediaPipe Pose model; only 1 ships offline."
    )
    min_keypoint_confidence: float = Field(
        default=0.5, description="Keypoints below this visibility count as missing."
    )
    monitor_fps: float = Field(
        default=1.0, gt=0, le=5, description="Posture monitor: frames analysed per second."
    )
    monitor_sitting_nudge_min: float = Field(
        default=30.0, gt=0, description="Posture monitor: nudge a break after this much sitting."
    )
    monitor_posture_nudge_min: float = Field(
        default=5.0, gt=0, description="Posture monitor: nudge a posture reset after slumping."
    )
    monitor_slump_deg: float = Field(
        default=10.0,
        gt=0,
        description="Posture monitor: degrees beyond your upright baseline that count as slumped "
        "(side view or IMU; a behaviour setting, not a clinical norm).",
    )
    monitor_neck_drop_fraction: float = Field(
        default=0.15,
        gt=0,
        lt=1,
        description="Posture monitor (front webcam): fall in ear-above-shoulder height vs your "
        "baseline that counts as slumped.",
    )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Settings from the environment and ``overrides``; a bad value is one clear error.

        Raises
        ------
        InvalidSetting
            Naming the variable, its allowed range and the value given (e.g.
            ``SPINECOACH_PAIN_LIMIT=11``), instead of silently switching a safety rule off.
        """
        try:
            return cls(**overrides)
        except ValidationError as exc:
            err = exc.errors()[0]
            name = str(err["loc"][0]) if err["loc"] else "setting"
            field = cls.model_fields.get(name)
            bounds = ""
            if field is not None:
                low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
                high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
                if low is not None and high is not None:
                    bounds = f"expected a value from {low:g} to {high:g}, "
            raise InvalidSetting(
                _("SPINECOACH_{name}: {bounds}got {err} ({err2})").format(
                    name=name.upper(), bounds=bounds, err=repr(err.get("input")), err2=err["msg"]
                )
            ) from None

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside :attr:`data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'spinecoach.db'}"

    @property
    def exercises_dir(self) -> Path:
        """Folder of exercise data files."""
        return self.content_dir / "exercises"

    @property
    def rules_dir(self) -> Path:
        """Folder of safety and progression rule files."""
        return self.content_dir / "rules"
