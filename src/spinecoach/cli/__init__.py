"""The ``spinecoach`` command: a thin Typer layer over the library.

Each command group lives in its own module in this package and exposes
``register(app: typer.Typer) -> None``; modules are discovered automatically, so adding a
command never touches this file. Every :class:`SpinecoachError` is printed on one line and
exits with the error's exit code (2 for bad input).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from typing import Any

import typer
from rich.console import Console
from typer._click.exceptions import ClickException  # typer vendors click since 0.26

from spinecoach.cli._click_words import click_words, show_usage_error
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import SpinecoachError

app = typer.Typer(
    name="spinecoach",
    help=N_("Sensor-guided coach for low back pain. Not a substitute for a clinician."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def bind_reader() -> None:
    """Bind the terminal's language and country (``SPINECOACH_LOCALE``/``SPINECOACH_COUNTRY``,
    else the local profile's (``spinecoach config language``), else ``LANG``) for every
    command: their words, their errors and the emergency number."""
    import os

    from spinecoach.content.emergency import load_emergency_numbers
    from spinecoach.content.i18n import country_from_locale, normalise_locale, translations
    from spinecoach.domain.emergency import bind_emergency
    from spinecoach.domain.i18n import bind_translator
    from spinecoach.settings import Settings
    from spinecoach.store.language import stored_language

    settings = Settings.load()
    system = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    stored_locale, stored_country = stored_language(settings.resolved_database_url)
    locale = (
        normalise_locale(settings.locale)
        or normalise_locale(stored_locale)
        or normalise_locale(system)
        or "en"
    )
    country = (
        settings.country
        or country_from_locale(settings.locale)
        or stored_country
        or country_from_locale(system)
        or ("ES" if locale == "es" else "GB")
    )
    bind_translator(locale, translations(locale))
    bind_emergency(load_emergency_numbers(settings.content_dir).contact(country))


def translate_help(command: Any) -> None:
    """Put the ``--help`` texts of ``command`` and its subcommands (docstrings and option
    help, marked ``N_``; see ``spinecoach.content.babel_cli``) in the bound language."""
    if command.help:
        command.help = _(command.help)
    if command.short_help:
        command.short_help = _(command.short_help)
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            param.help = _(text)
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        bind_reader()
        command = typer.main.get_command(app)
        translate_help(command)
        with click_words(command):
            try:
                command(args=argv, standalone_mode=False)
            except ClickException as exc:  # usage errors: bad flag, missing argument, value
                show_usage_error(exc)
                return exc.exit_code
    except SpinecoachError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except typer.Abort:
        err_console.print("Aborted.")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except ClickException as exc:  # raised before the command ran
        show_usage_error(exc)
        return exc.exit_code
    return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
