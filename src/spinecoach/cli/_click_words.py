"""Click's own words (the help frame and usage errors) in the bound language.

Typer vendors Click (``typer._click``), whose help frame is literal English ("Usage: ", the
help option's "Show this message and exit.", "No such option: ..."), while Typer's rich help
takes its panel titles ("Options", "Commands", "[required]") from the stdlib ``gettext`` once,
when it is imported. Neither follows the bound catalogue, so :func:`click_words` puts
them in the bound language for one command: the words below are Click's own words, listed
with ``N_()`` so that ``make messages`` extracts them, and the catalogue translates them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import typer
import typer.core
import typer.rich_utils
from typer._click.core import Context
from typer._click.exceptions import ClickException, NoSuchOption, UsageError
from typer._click.formatting import HelpFormatter
from typer._click.utils import echo

from spinecoach.domain.i18n import N_, _

#: Click's own words (not in spinecoach's source: listed here for extraction).
USAGE = N_("Usage:")
HELP_OPTION = N_("Show this message and exit.")
NO_SUCH_OPTION = N_("No such option: {name}")
POSSIBLE_OPTIONS = N_("(Possible options: {options})")
TRY_HELP = N_("Try '{command} {option}' for help.")

#: Typer's rich help words, by the ``typer.rich_utils`` name that holds them.
RICH_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
    "ABORTED_TEXT": N_("Aborted."),
}

#: Words Typer's plain (non-rich) help looks up with ``gettext`` while it writes.
PLAIN_WORDS = (N_("required"), N_("default: {default}"), N_("Missing command."))


class _Formatter(HelpFormatter):
    """Click's help formatter with the usage prefix in the bound language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Write the usage line, prefixed with "Usage: " in the bound language."""
        super().write_usage(prog, args, _(USAGE) + " " if prefix is None else prefix)


@contextmanager
def click_words(command: Any) -> Iterator[None]:
    """Put Click's and Typer's frame words in the bound language while ``command`` runs.

    Typer's rich panel titles are module globals: they are set for the command and put back
    in English afterwards, so nothing leaks into a later command (or a test's runner).

    Parameters
    ----------
    command : click command
        The root command built by ``typer.main.get_command``; its help options (made
        lazily by Click) get their help text from the catalogue.
    """
    Context.formatter_class = _Formatter  # reads the bound language when it writes
    typer.core._ = _  # type: ignore[attr-defined]  # Typer's plain help (gettext at call time)
    _translate_help_option(command)
    for name, words in RICH_WORDS.items():
        setattr(typer.rich_utils, name, _(words))
    try:
        yield
    finally:
        for name, words in RICH_WORDS.items():
            setattr(typer.rich_utils, name, words)


def _translate_help_option(command: Any) -> None:
    original = command.get_help_option

    def get_help_option(ctx: Context) -> Any:
        option = original(ctx)
        if option is not None and option.help == HELP_OPTION:
            option.help = _(HELP_OPTION)
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _translate_help_option(sub)


def show_usage_error(exc: ClickException, file: IO[str] | None = None) -> None:
    """Print a Click usage error like Click does, in the bound language."""
    if not isinstance(exc, UsageError):
        exc.show(file)
        return
    message = exc.format_message()
    if isinstance(exc, NoSuchOption):
        message = _(NO_SUCH_OPTION).format(name=exc.option_name)
        if exc.possibilities:
            options = ", ".join(sorted(exc.possibilities))
            message += " " + _(POSSIBLE_OPTIONS).format(options=options)
    if exc.ctx is not None:
        hint = ""
        if exc.ctx.command.get_help_option(exc.ctx) is not None:
            hint = _(TRY_HELP).format(
                command=exc.ctx.command_path, option=exc.ctx.help_option_names[0]
            )
            hint += "\n"
        echo(f"{exc.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=exc.ctx.color)
    echo(f"Error: {message}", file=file, err=file is None, color=exc.ctx.color if exc.ctx else None)
