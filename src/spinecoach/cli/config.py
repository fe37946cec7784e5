"""``spinecoach config``: show settings and print a commented example generated from them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinecoach.cli._common import DATA_DIR_HELP, AppContext, console, get_settings, print_json
from spinecoach.domain.i18n import N_, _
from spinecoach.settings import Settings

config_app = typer.Typer(help=N_("Settings: current values and a commented example."))


def example_env() -> str:
    """A commented ``.env`` example generated from :class:`Settings` (defaults in one place)."""
    lines = ["# spinecoach settings: environment variables (or a .env file). Defaults shown."]
    for name, field in Settings.model_fields.items():
        lines.append(f"# {field.description or name}")
        default = field.default if field.default_factory is None else "(computed)"
        value = "" if default is None else str(default)
        lines.append(f"# SPINECOACH_{name.upper()}={value}")
    return "\n".join(lines) + "\n"


@config_app.command("show")
def show(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Print the effective settings as JSON."""
    settings = get_settings(data_dir)
    print_json(settings.model_dump(mode="json") | {"database": settings.resolved_database_url})


@config_app.command("example")
def example() -> None:
    """Print a commented example of every setting."""
    print(example_env(), end="")


@config_app.command("language")
def language(
    code: Annotated[
        str | None, typer.Argument(help=N_("Language to store: en or es (empty: show it)."))
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", help=N_("Country (ISO code, e.g. ES, MX, GB) for the emergency number.")
        ),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)] = None,
) -> None:
    """Show or store your language and country (the terminal's words and emergency number).

    ``SPINECOACH_LOCALE``/``SPINECOACH_COUNTRY`` override what is stored; with neither,
    ``LANG`` is used."""
    from spinecoach.content.emergency import load_emergency_numbers
    from spinecoach.content.i18n import LANGUAGES, normalise_locale
    from spinecoach.errors import InvalidInput
    from spinecoach.store.repositories import PersonRepository

    with AppContext(data_dir) as ctx:
        person = PersonRepository(ctx.db).local_person()
        if code is not None:
            locale = normalise_locale(code)
            if locale is None:
                raise InvalidInput(
                    _("LANGUAGE: expected one of {choices}, got {value!r}").format(
                        choices=", ".join(LANGUAGES), value=code[:20]
                    )
                )
            person.locale = locale
        if country is not None:
            iso = country.strip().upper()
            if iso not in load_emergency_numbers(ctx.settings.content_dir).countries:
                raise InvalidInput(
                    _("--country: {value!r} is not a country we list (data/emergency.toml)").format(
                        value=country[:20]
                    )
                )
            person.country = iso
        ctx.db.commit()
        stored, where = person.locale, person.country
    console.print(
        _("Language: {language}; country: {country}.").format(
            language=LANGUAGES.get(stored or "", _("not set (LANG decides)")),
            country=where or _("not set"),
        ),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``config`` to the root command."""
    app.add_typer(config_app, name="config")
