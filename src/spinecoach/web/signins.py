"""Server-side sign-ins and database-backed attempt limits, shared by every worker process.

* :class:`SignIns` keeps one ``web_sign_ins`` row per signed-in browser. The cookie carries
  a random token; the row (found by the token's SHA-256) must exist, belong to the cookie's
  user, be unrevoked and unexpired. Sign-out, a password change and an administrator's
  password reset revoke rows, so a copied cookie stops working at once.
* :class:`AttemptLimiter` counts sign-in attempts per account and per client address (and
  sign-ups per client) in ``login_attempts``. An attempt is *reserved* (inserted and
  committed) before it is counted, so the k-th of many concurrent attempts always sees at
  least k rows: no more than the limit reach the password check, whichever worker they hit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from spinecoach.domain.i18n import _
from spinecoach.errors import RateLimited
from spinecoach.store import models
from spinecoach.store.models import as_utc
from spinecoach.web.security import WebSession

TOUCH_INTERVAL = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignInView:
    """One active sign-in as listed on the account page."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    client: str
    current: bool


class SignIns:
    """Create, check, list and revoke server-side sign-ins.

    Parameters
    ----------
    max_age_s : int
        Lifetime of a sign-in; after it the person signs in again.
    """

    def __init__(self, max_age_s: int) -> None:
        self.max_age_s = max_age_s

    def start(
        self, db: DbSession, person_id: int, *, user_agent: str = "", client: str = ""
    ) -> WebSession:
        """Record a new sign-in and return the session to put in the cookie."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        db.add(
            models.WebSignIn(
                token_hash=_hash(token),
                person_id=person_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(seconds=self.max_age_s),
                user_agent=user_agent[:200],
                client=client[:64],
            )
        )
        db.commit()
        return WebSession.new(person_id, token)

    def _row(self, db: DbSession, session: WebSession) -> models.WebSignIn | None:
        if session.user_id is None or not session.token:
            return None
        row = db.scalar(
            select(models.WebSignIn).where(models.WebSignIn.token_hash == _hash(session.token))
        )
        if row is None or row.person_id != session.user_id or row.revoked_at is not None:
            return None
        return row

    def valid(self, db: DbSession, session: WebSession) -> bool:
        """Whether the cookie's sign-in is live (touches ``last_seen_at`` now and then)."""
        row = self._row(db, session)
        now = datetime.now(UTC)
        if row is None or as_utc(row.expires_at) <= now:
            return False
        if now - as_utc(row.last_seen_at) > TOUCH_INTERVAL:
            row.last_seen_at = now
            db.commit()
        return True

    def revoke(self, db: DbSession, session: WebSession) -> None:
        """End the cookie's sign-in (sign-out)."""
        row = self._row(db, session)
        if row is not None:
            row.revoked_at = datetime.now(UTC)
            db.commit()

    def revoke_one(self, db: DbSession, person_id: int, sign_in_id: int) -> bool:
        """End one of ``person_id``'s sign-ins by id; False when there is no such live one."""
        result = db.execute(
            update(models.WebSignIn)
            .where(
                models.WebSignIn.id == sign_in_id,
                models.WebSignIn.person_id == person_id,
                models.WebSignIn.revoked_at.is_(None),
            )
            .values(revoked_at=datetime.now(UTC))
        )
        db.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def revoke_all(self, db: DbSession, person_id: int, keep: WebSession | None = None) -> int:
        """End every sign-in of ``person_id`` except ``keep``'s; return how many ended."""
        query = update(models.WebSignIn).where(
            models.WebSignIn.person_id == person_id, models.WebSignIn.revoked_at.is_(None)
        )
        if keep is not None and keep.token:
            query = query.where(models.WebSignIn.token_hash != _hash(keep.token))
        result = db.execute(query.values(revoked_at=datetime.now(UTC)))
        db.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]

    def listing(
        self, db: DbSession, person_id: int, current: WebSession | None = None
    ) -> list[SignInView]:
        """The person's live sign-ins, newest first."""
        now = datetime.now(UTC)
        rows = db.scalars(
            select(models.WebSignIn)
            .where(models.WebSignIn.person_id == person_id, models.WebSignIn.revoked_at.is_(None))
            .order_by(models.WebSignIn.id.desc())
        ).all()
        mine = _hash(current.token) if current is not None and current.token else None
        return [
            SignInView(
                r.id,
                as_utc(r.created_at),
                as_utc(r.last_seen_at),
                as_utc(r.expires_at),
                r.user_agent,
                r.client,
                r.token_hash == mine,
            )
            for r in rows
            if as_utc(r.expires_at) > now
        ]


class AttemptLimiter:
    """Counts attempts per ``(kind, key)`` in a sliding window, in the database.

    Parameters
    ----------
    session_factory : sessionmaker
    window_s : float
    limits : mapping
        Attempts allowed per kind within the window (``account``, ``client``, ``signup``).
    """

    def __init__(
        self,
        session_factory: sessionmaker,  # type: ignore[type-arg]
        window_s: float,
        limits: Mapping[str, int],
    ) -> None:
        self.session_factory = session_factory
        self.window_s = window_s
        self.limits = dict(limits)

    def reserve(self, keys: Sequence[tuple[str, str]], message: str) -> list[int]:
        """Count one attempt for each ``(kind, key)``; raise :class:`RateLimited` if any is
        now over its limit (the refused attempt's rows are removed again).

        Returns the ids of the rows, for :meth:`release` when the attempt must not count.
        """
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.window_s)
        with self.session_factory() as db:
            db.execute(delete(models.LoginAttempt).where(models.LoginAttempt.at < cutoff))
            rows = [models.LoginAttempt(kind=k, key=key[:400], at=now) for k, key in keys]
            db.add_all(rows)
            db.commit()
            ids = [r.id for r in rows]
            for kind, key in keys:
                count = db.scalar(
                    select(func.count())
                    .select_from(models.LoginAttempt)
                    .where(
                        models.LoginAttempt.kind == kind,
                        models.LoginAttempt.key == key[:400],
                        models.LoginAttempt.at >= cutoff,
                    )
                )
                if (count or 0) > self.limits[kind]:
                    db.execute(delete(models.LoginAttempt).where(models.LoginAttempt.id.in_(ids)))
                    db.commit()
                    minutes = max(1, round(self.window_s / 60))
                    raise RateLimited(
                        _("{message} Please wait about {minutes} minute(s).").format(
                            message=message, minutes=minutes
                        )
                    )
        return ids

    def release(self, ids: Sequence[int]) -> None:
        """Forget reserved attempts (a successful sign-in does not count as a failure)."""
        with self.session_factory() as db:
            db.execute(delete(models.LoginAttempt).where(models.LoginAttempt.id.in_(list(ids))))
            db.commit()

    def clear(self, kind: str, key: str) -> None:
        """Forget every counted attempt of ``(kind, key)`` (a successful sign-in)."""
        with self.session_factory() as db:
            db.execute(
                delete(models.LoginAttempt).where(
                    models.LoginAttempt.kind == kind, models.LoginAttempt.key == key[:400]
                )
            )
            db.commit()
