"""Passwords, signed session cookies, CSRF tokens, sign-in rate limiting and clinic codes.

Security model (see docs/web.md):

* passwords are hashed with Argon2id (argon2-cffi defaults);
* the session cookie is signed and time-stamped (itsdangerous), HTTP-only, SameSite=Lax and
  ``Secure`` when ``Settings.secure_cookies`` is on. It carries the user id and a random
  nonce; the nonce is replaced at sign-in and sign-out (no session fixation);
* every state-changing request carries a CSRF token, an HMAC of the nonce, in a form field
  or the ``X-CSRF-Token`` header;
* sign-ins are kept server-side (``web_sign_ins``, :mod:`spinecoach.web.signins`): the
  cookie's token must name a live, unrevoked, unexpired row, so sign-out, a password change
  or an administrator ends them;
* failed sign-ins are counted per account and per client address in the database
  (:mod:`spinecoach.web.signins`), shared by every worker process;
* Argon2 checks run at most ``max_password_checks`` at once (:class:`PasswordGate`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from spinecoach.domain.i18n import N_, gettext
from spinecoach.errors import InsecureConfiguration, ServerBusy, StorageError
from spinecoach.settings import Settings

log = logging.getLogger(__name__)
COOKIE_NAME = "spinecoach_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


MIN_SECRET_KEY_BYTES = 32
BUSY = N_("The server is busy checking passwords; please try again in a moment.")


def _check_key(key: str, where: str) -> str:
    size = len(key.encode("utf-8"))
    if size < MIN_SECRET_KEY_BYTES:
        raise InsecureConfiguration(
            f"{where}: the cookie-signing key is {size} bytes; at least {MIN_SECRET_KEY_BYTES} "
            "are needed (a short or empty key lets anyone forge a sign-in). "
            + (
                "Delete the file to generate a new key (everyone signs in again)."
                if where.endswith("secret_key")
                else "Set a longer key, e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`."
            )
        )
    return key


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode 0600) so it is either absent or complete.

    The key goes to a temporary file that is flushed to disk, then linked into place; a
    crash or a full disk leaves no half-written key, and two processes starting at once
    agree on one key (the second link fails and that process reads the first one's key).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def resolve_secret_key(settings: Settings) -> str:
    """The cookie-signing key: ``Settings.secret_key`` or one kept in ``data_dir/secret_key``.

    The generated key is written once, atomically, with mode 0600 and reused, so sign-ins
    survive restarts. A key shorter than 32 bytes (from the setting or the file) is refused
    with :class:`InsecureConfiguration`.
    """
    if settings.secret_key is not None:
        return _check_key(settings.secret_key, "setting secret_key (SPINECOACH_SECRET_KEY)")
    path = Path(settings.data_dir) / "secret_key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write_atomically(path, secrets.token_urlsafe(48))
            log.info("generated a new cookie-signing key in %s", path)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        except OSError as exc:
            raise StorageError(
                gettext(
                    "cannot write the cookie-signing key {path}: {strerror}; "
                    "make the data folder writable or choose another with "
                    "--data-dir"
                ).format(path=path, strerror=exc.strerror)
            ) from None
    return _check_key(path.read_text(encoding="utf-8").strip(), str(path))


class PasswordGate:
    """Bounds the Argon2 work of sign-ins: ``slots`` checks at once, ``queue`` waiting.

    Each Argon2id check takes ~64 MB and tens of milliseconds of one core; a flood of
    sign-ins would otherwise run one per worker thread. Beyond the queue, or after
    ``wait_s`` in it, :class:`ServerBusy` (HTTP 503) is raised at once.
    """

    def __init__(self, slots: int, queue: int, wait_s: float = 10.0) -> None:
        self._slots = threading.BoundedSemaphore(max(1, slots))
        self._queue = max(0, queue)
        self._waiting = 0
        self._lock = threading.Lock()
        self.wait_s = wait_s

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one password-check slot (raises :class:`ServerBusy` when too many wait)."""
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self._queue:
                    raise ServerBusy(gettext(BUSY))
                self._waiting += 1
            try:
                if not self._slots.acquire(timeout=self.wait_s):
                    raise ServerBusy(gettext(BUSY))
            finally:
                with self._lock:
                    self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


class Passwords:
    """Argon2id password hashing."""

    def __init__(self, gate: PasswordGate | None = None) -> None:
        self._hasher = PasswordHasher()
        self.gate = gate or PasswordGate(2, 16)

    def hash(self, password: str) -> str:
        """Return the Argon2id hash of ``password`` (waits for a :class:`PasswordGate` slot)."""
        with self.gate.slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; a missing or malformed hash never matches."""
        with self.gate.slot():
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
    """What the session cookie says: the signed-in user (if any), the CSRF nonce and, when
    signed in, the token of the server-side sign-in (``web_sign_ins``) that must still be
    valid."""

    user_id: int | None
    nonce: str
    token: str | None = None

    @classmethod
    def new(cls, user_id: int | None = None, token: str | None = None) -> WebSession:
        """A fresh session with a new random nonce."""
        return cls(user_id=user_id, nonce=secrets.token_urlsafe(24), token=token)


class SessionSigner:
    """Signs and checks session cookies and derives CSRF tokens and clinic codes."""

    def __init__(self, secret_key: str, max_age_s: int) -> None:
        self._secret = secret_key.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret_key, salt="spinecoach-session")
        self.max_age_s = max_age_s

    def dumps(self, session: WebSession) -> str:
        """Cookie value for ``session``."""
        return self._serializer.dumps(
            {"u": session.user_id, "n": session.nonce, "s": session.token}
        )

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
        token = data.get("s")
        if user_id is not None and not isinstance(token, str):
            return None  # signed in, but not by a server-side sign-in: refused
        return WebSession(user_id=user_id, nonce=data["n"], token=token)

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


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str] = ()) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy.

    Behind trusted proxies the right-most address of ``X-Forwarded-For`` that is not itself
    a trusted proxy is the client (earlier entries can be forged by the client).
    """
    address = peer or "unknown"
    networks = _networks(tuple(trusted))
    if not networks or not forwarded_for or not _in(address, networks):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _in(hop, networks):
            return hop[:64]
    return address


@functools.lru_cache(maxsize=16)
def _networks(
    trusted: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(t.strip(), strict=False) for t in trusted if t.strip())


def _in(address: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)
