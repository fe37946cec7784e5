"""Passwords, signed session cookies, CSRF tokens, sign-in rate limiting and clinic codes.

Security model (see docs/web.md):

* passwords are hashed with Argon2id (argon2-cffi defaults);
* the session cookie is signed and time-stamped (itsdangerous), HTTP-only, SameSite=Lax and
  ``Secure`` when ``Settings.secure_cookies`` is on. It carries the user id and a random
  nonce; the nonce is replaced at sign-in and sign-out (no session fixation);
* every state-changing request carries a CSRF token, an HMAC of the nonce, in a form field
  or the ``X-CSRF-Token`` header;
* failed sign-ins are counted per (e-mail, client address) in a sliding window.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from spinecoach.errors import RateLimited
from spinecoach.settings import Settings

log = logging.getLogger(__name__)
COOKIE_NAME = "spinecoach_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def resolve_secret_key(settings: Settings) -> str:
    """The cookie-signing key: ``Settings.secret_key`` or one kept in ``data_dir/secret_key``.

    The generated key is written once with mode 0600 and reused, so sign-ins survive restarts.
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    log.info("generated a new cookie-signing key in %s", path)
    return key


class Passwords:
    """Argon2id password hashing."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()

    def hash(self, password: str) -> str:
        """Return the Argon2id hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; a missing or malformed hash never matches."""
        if not password_hash:
            # Spend the same time as a real check so unknown e-mails are not revealed.
            self._hasher.hash(password)
            return False
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class WebSession:
    """What the session cookie says: the signed-in user (if any) and the CSRF nonce."""

    user_id: int | None
    nonce: str

    @classmethod
    def new(cls, user_id: int | None = None) -> WebSession:
        """A fresh session with a new random nonce."""
        return cls(user_id=user_id, nonce=secrets.token_urlsafe(24))


class SessionSigner:
    """Signs and checks session cookies and derives CSRF tokens and clinic codes."""

    def __init__(self, secret_key: str, max_age_s: int) -> None:
        self._secret = secret_key.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret_key, salt="spinecoach-session")
        self.max_age_s = max_age_s

    def dumps(self, session: WebSession) -> str:
        """Cookie value for ``session``."""
        return self._serializer.dumps({"u": session.user_id, "n": session.nonce})

    def loads(self, value: str | None) -> WebSession | None:
        """The session in a cookie value, or ``None`` if absent, forged, expired or malformed."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return None
        user_id = data.get("u")
        if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
            return None
        return WebSession(user_id=user_id, nonce=data["n"])

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def csrf_token(self, session: WebSession) -> str:
        """The CSRF token bound to this session's nonce."""
        return self._mac("csrf", session.nonce)[:40]

    def csrf_ok(self, session: WebSession, token: str | None) -> bool:
        """Constant-time check of a submitted CSRF token."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), str(token))

    def clinic_code(self, clinician_id: int) -> str:
        """A code a clinician gives to patients so they can share their data with them."""
        return f"{clinician_id}-{self._mac('clinic', str(clinician_id))[:10]}"

    def clinician_from_code(self, code: str) -> int | None:
        """The clinician id in a valid clinic code, else ``None``."""
        head, _, _ = code.strip().partition("-")
        if not head.isdigit() or len(head) > 12:
            return None
        clinician_id = int(head)
        return (
            clinician_id
            if hmac.compare_digest(self.clinic_code(clinician_id), code.strip())
            else None
        )


class LoginRateLimiter:
    """Sliding-window count of failed sign-ins per key (e-mail + client address).

    Parameters
    ----------
    max_failures : int
        Failures allowed within ``window_s`` before further attempts are refused.
    window_s : float
        Window length in seconds.
    max_keys : int
        Bound on remembered keys (oldest are dropped) so memory stays bounded.
    """

    def __init__(self, max_failures: int, window_s: float, max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now_s: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and now_s - times[0] > self.window_s:
            times.popleft()
        return times

    def check(self, key: str, now_s: float) -> None:
        """Raise :class:`RateLimited` if ``key`` has used up its attempts."""
        with self._lock:
            times = self._recent(key, now_s)
            if len(times) >= self.max_failures:
                wait_s = int(self.window_s - (now_s - times[0])) + 1
                minutes = max(1, round(wait_s / 60))
                raise RateLimited(
                    f"Too many failed sign-ins. Please wait about {minutes} minute(s) "
                    "and try again."
                )

    def failed(self, key: str, now_s: float) -> None:
        """Record one failed attempt."""
        with self._lock:
            times = self._recent(key, now_s)
            times.append(now_s)
            self._failures[key] = times
            if len(self._failures) > self.max_keys:
                oldest = next(iter(self._failures))
                del self._failures[oldest]

    def succeeded(self, key: str) -> None:
        """Forget failures after a successful sign-in."""
        with self._lock:
            self._failures.pop(key, None)
