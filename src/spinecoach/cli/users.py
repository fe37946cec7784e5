"""``spinecoach users``: a clinic administrator's account tools (no e-mail needed).

``reset-password EMAIL`` gives the account a new temporary password (printed once) and
ends all of its sign-ins; the person signs in with it and changes it on the Account page.
``sign-out EMAIL`` ends all sign-ins of an account (a lost phone, a shared computer).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from spinecoach.cli._common import DATA_DIR_HELP, console, get_settings
from spinecoach.domain.i18n import N_, _, ngettext
from spinecoach.errors import NotFound

users_app = typer.Typer(
    help=N_("Account administration for a clinic server."), no_args_is_help=True
)


def _person(db, email: str):  # type: ignore[no-untyped-def]
    from spinecoach.store.repositories import PersonRepository

    person = PersonRepository(db).by_email(email.strip().lower())
    if person is None:
        raise NotFound(
            _("email: no account with the e-mail {email!r}").format(email=email.strip()[:80])
        )
    return person


@users_app.command("reset-password")
def reset_password(
    email: Annotated[str, typer.Argument(help=N_("The account's e-mail."))],
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Set a new temporary password, print it once, and end every sign-in of the account."""
    from spinecoach.store.db import open_database
    from spinecoach.web.security import Passwords
    from spinecoach.web.signins import SignIns

    settings = get_settings(data_dir)
    _engine, factory = open_database(settings.resolved_database_url)
    with factory() as db:
        person = _person(db, email)
        temporary = secrets.token_urlsafe(12)
        person.password_hash = Passwords().hash(temporary)
        db.commit()
        ended = SignIns(settings.session_max_age_s).revoke_all(db, person.id)
    console.print(
        _("New temporary password for {email}: {password}").format(
            email=person.email, password=f"[bold]{temporary}[/]"
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
def sign_out(
    email: Annotated[str, typer.Argument(help=N_("The account's e-mail."))],
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """End every sign-in of the account (each browser must sign in again)."""
    from spinecoach.store.db import open_database
    from spinecoach.web.signins import SignIns

    settings = get_settings(data_dir)
    _engine, factory = open_database(settings.resolved_database_url)
    with factory() as db:
        person = _person(db, email)
        ended = SignIns(settings.session_max_age_s).revoke_all(db, person.id)
    console.print(
        ngettext("{n} sign-in of {email} ended.", "{n} sign-ins of {email} ended.", ended).format(
            n=ended, email=person.email
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``users`` to the root command."""
    app.add_typer(users_app, name="users")
