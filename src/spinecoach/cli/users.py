"""``spinecoach users``: a clinic administrator's account tools (no e-mail needed).

``reset-password EMAIL`` gives the account a new temporary password (printed once) and
ends all of its sign-ins; the person signs in with it and changes it on the Account page.
``sign-out EMAIL`` ends all sign-ins of an account (a lost phone, a shared computer).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from spinecoach.cli._common import DataDir, console, get_settings
from spinecoach.domain.i18n import N_, _, ngettext
from spinecoach.errors import NotFound

if TYPE_CHECKING:
    from spinecoach.store.models import Person

users_app = typer.Typer(
    help=N_("Account administration for a clinic server."), no_args_is_help=True
)


Email = Annotated[str, typer.Argument(help=N_("The account's e-mail."))]


def _end_sign_ins(
    email: str, data_dir: Path | None, change: Callable[[Person], None] | None = None
) -> tuple[str | None, int]:
    """Find the account of ``email`` (NotFound if none), apply ``change`` to it and save,
    then end every sign-in of the account. Returns its e-mail and how many sign-ins ended."""
    from spinecoach.store.db import open_database
    from spinecoach.store.repositories import PersonRepository
    from spinecoach.web.signins import SignIns

    settings = get_settings(data_dir)
    _engine, factory = open_database(settings.resolved_database_url)
    with factory() as db:
        person = PersonRepository(db).by_email(email.strip().lower())
        if person is None:
            raise NotFound(
                _("email: no account with the e-mail {email!r}").format(email=email.strip()[:80])
            )
        if change is not None:
            change(person)
            db.commit()
        return person.email, SignIns(settings.session_max_age_s).revoke_all(db, person.id)


@users_app.command("reset-password")
def reset_password(email: Email, data_dir: DataDir = None) -> None:
    """Set a new temporary password, print it once, and end every sign-in of the account."""
    from spinecoach.web.security import Passwords

    temporary = secrets.token_urlsafe(12)

    def set_password(person: Person) -> None:
        person.password_hash = Passwords().hash(temporary)

    address, ended = _end_sign_ins(email, data_dir, set_password)
    console.print(
        _("New temporary password for {email}: {password}").format(
            email=address, password=f"[bold]{temporary}[/]"
        )
    )
    console.print(
        ngettext("{n} sign-in ended.", "{n} sign-ins ended.", ended).format(n=ended)
        + " "
        + _(
            "Give the password to the person in person or by phone; "
            "they change it on the Account page after signing in."
        )
    )


@users_app.command("sign-out")
def sign_out(email: Email, data_dir: DataDir = None) -> None:
    """End every sign-in of the account (each browser must sign in again)."""
    address, ended = _end_sign_ins(email, data_dir)
    console.print(
        ngettext("{n} sign-in of {email} ended.", "{n} sign-ins of {email} ended.", ended).format(
            n=ended, email=address
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``users`` to the root command."""
    app.add_typer(users_app, name="users")
