"""Accounts: sign-up and sign-in on top of the people repository."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session as DbSession

from spinecoach.errors import InvalidInput
from spinecoach.store import models
from spinecoach.store.repositories import PersonRepository
from spinecoach.web.security import Passwords, SessionSigner

ROLES = ("patient", "clinician")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


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
        raise InvalidInput("name: please enter your name (up to 200 characters)")
    if not _EMAIL.match(email) or len(email) > 320:
        raise InvalidInput(f"email: '{email[:80]}' is not a valid e-mail address")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(f"password: use {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    if role not in ROLES:
        raise InvalidInput(f"role: expected patient or clinician, got {role!r}")
    return SignUp(name, email, password, role, clinic_code.strip())


class Accounts:
    """Creates accounts and checks passwords."""

    def __init__(self, db: DbSession, passwords: Passwords, signer: SessionSigner) -> None:
        self.people = PersonRepository(db)
        self.passwords = passwords
        self.signer = signer

    def sign_up(self, request: SignUp) -> models.Person:
        """Create the account; a patient with a valid clinic code is linked to that clinician."""
        if self.people.by_email(request.email) is not None:
            raise InvalidInput("email: an account with this e-mail already exists; sign in instead")
        clinician_id = None
        if request.clinic_code:
            if request.role != "patient":
                raise InvalidInput("clinic_code: only patients join a clinic")
            clinician_id = self.clinician_for_code(request.clinic_code)
        return self.people.create(
            request.name,
            email=request.email,
            password_hash=self.passwords.hash(request.password),
            role=request.role,
            clinician_id=clinician_id,
        )

    def clinician_for_code(self, code: str) -> int:
        """The clinician a clinic code belongs to (raises :class:`InvalidInput` if none)."""
        clinician_id = self.signer.clinician_from_code(code)
        if clinician_id is not None:
            person = self.people.db.get(models.Person, clinician_id)
            if person is not None and person.role == "clinician":
                return clinician_id
        raise InvalidInput(
            "clinic_code: this clinic code is not valid; check it with your clinician"
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
