"""Accounts: sign-up and sign-in on top of the people repository."""

from __future__ import annotations

import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput
from spinecoach.store import models
from spinecoach.store.repositories import PersonRepository
from spinecoach.web.security import Passwords, SessionSigner

ROLES = ("patient", "clinician")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
#: Said for a taken e-mail exactly as for any other refusal, so sign-up does not reveal
#: which e-mails have accounts.
SIGN_UP_REFUSED = N_(
    "email: we could not create an account with these details. If you already have an "
    "account, sign in; otherwise check the e-mail address."
)


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (lower-case), shipped with the package."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def check_password(password: str, email: str) -> None:
    """The password policy: 10-200 characters, not a common password, not the e-mail.

    Raises :class:`InvalidInput` naming what is wrong.
    """
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(
            _("password: use {min_password_chars} to {max_password_chars} characters").format(
                min_password_chars=MIN_PASSWORD_CHARS, max_password_chars=MAX_PASSWORD_CHARS
            )
        )
    lowered = password.strip().lower()
    if lowered in common_passwords():
        raise InvalidInput(
            _(
                "password: this is one of the most common passwords; choose "
                "a less guessable one (a few unrelated words work well)"
            )
        )
    email = email.strip().lower()
    local = email.split("@", 1)[0]
    if email and (email in lowered or (len(local) >= 4 and local in lowered)):
        raise InvalidInput(_("password: do not use your e-mail address in your password"))


@dataclass(frozen=True)
class SignUp:
    """A validated sign-up request."""

    name: str
    email: str
    password: str
    role: str
    clinic_code: str = ""


def validate_sign_up(name: str, email: str, password: str, role: str, clinic_code: str) -> SignUp:
    """Check the sign-up fields; raise :class:`InvalidInput` naming the first bad one."""
    name = name.strip()
    email = email.strip().lower()
    if not 1 <= len(name) <= 200:
        raise InvalidInput(_("name: please enter your name (up to 200 characters)"))
    if not _EMAIL.match(email) or len(email) > 320:
        raise InvalidInput(
            _("email: '{email}' is not a valid e-mail address").format(email=email[:80])
        )
    check_password(password, email)
    if role not in ROLES:
        raise InvalidInput(
            _("role: expected patient or clinician, got {role}").format(role=repr(role))
        )
    return SignUp(name, email, password, role, clinic_code.strip())


class Accounts:
    """Creates accounts and checks passwords."""

    def __init__(self, db: DbSession, passwords: Passwords, signer: SessionSigner) -> None:
        self.people = PersonRepository(db)
        self.passwords = passwords
        self.signer = signer

    def sign_up(self, request: SignUp) -> models.Person:
        """Create the account; a patient with a valid clinic code is linked to that clinician."""
        clinician_id = None
        if request.clinic_code:
            if request.role != "patient":
                raise InvalidInput(_("clinic_code: only patients join a clinic"))
            clinician_id = self.clinician_for_code(request.clinic_code)
        password_hash = self.passwords.hash(request.password)  # the same work either way
        if self.people.by_email(request.email) is not None:
            raise InvalidInput(_(SIGN_UP_REFUSED))
        try:
            return self.people.create(
                request.name,
                email=request.email,
                password_hash=password_hash,
                role=request.role,
                clinician_id=clinician_id,
            )
        except IntegrityError:  # the same e-mail signed up at the same moment
            self.people.db.rollback()
            raise InvalidInput(_(SIGN_UP_REFUSED)) from None

    def change_password(self, person: models.Person, current: str, new: str) -> None:
        """Replace ``person``'s password after checking the current one and the policy."""
        if not self.passwords.verify(person.password_hash, current):
            raise InvalidInput(_("current_password: this is not your current password"))
        check_password(new, person.email or "")
        if current == new:
            raise InvalidInput(_("new_password: choose a password different from the current one"))
        self.set_password(person, new)

    def set_password(self, person: models.Person, new: str) -> None:
        """Store a new password hash for ``person`` (no checks: callers check)."""
        person.password_hash = self.passwords.hash(new)
        self.people.db.commit()

    def clinician_for_code(self, code: str) -> int:
        """The clinician a clinic code belongs to (raises :class:`InvalidInput` if none)."""
        clinician_id = self.signer.clinician_from_code(code)
        if clinician_id is not None:
            person = self.people.db.get(models.Person, clinician_id)
            if person is not None and person.role == "clinician":
                return clinician_id
        raise InvalidInput(
            _("clinic_code: this clinic code is not valid; check it with your clinician")
        )

    def join_clinic(self, patient: models.Person, code: str) -> models.Person:
        """Share a patient's data with the clinician whose code they entered."""
        patient.clinician_id = self.clinician_for_code(code)
        self.people.db.commit()
        return patient

    def authenticate(self, email: str, password: str) -> models.Person | None:
        """The person with this e-mail and password, else ``None``."""
        person = self.people.by_email(email.strip().lower())
        if not self.passwords.verify(person.password_hash if person else None, password):
            return None
        return person
