"""Click's own words (the help frame and usage errors) in the bound language.

Typer vendors Click (``typer._click``), whose help frame is literal English ("Usage: ", the
help option's "Show this message and exit.", "No such option: ..."), while Typer's rich help
takes its panel titles ("Options", "Commands", "[required]") from the stdlib ``gettext`` once,
when it is imported. Neither follows the bound catalogue, so :func:`click_words` puts
them in the bound language for one command: the words below are Click's own words, listed
with ``N_()`` so that ``make messages`` extracts them, and the catalogue translates them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import typer
import typer.core
import typer.rich_utils
from typer._click.core import Context
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer._click.utils import echo

from spinecoach.domain.i18n import N_, _

#: Click's own words (not in spinecoach's source: listed here for extraction).
USAGE = N_("Usage:")
HELP_OPTION = N_("Show this message and exit.")
NO_SUCH_OPTION = N_("No such option: {name}")
POSSIBLE_OPTIONS = N_("(Possible options: {options})")
TRY_HELP = N_("Try '{command} {option}' for help.")

#: Click's usage errors (``typer._click``: literal English), rebuilt by :func:`usage_message`.
MISSING = {
    "option": N_("Missing option {hint}."),
    "argument": N_("Missing argument {hint}."),
    "parameter": N_("Missing parameter {hint}."),
}
INVALID_VALUE = N_("Invalid value for {hint}: {problem}")
EXTRA_ARGUMENTS = N_("Got unexpected extra argument(s) ({arguments})")
NO_SUCH_COMMAND = N_("No such command '{name}'.")
REQUIRES_VALUE = N_("Option '{name}' requires an argument.")
NO_VALUE_TAKEN = N_("Option '{name}' does not take a value.")
#: Value problems, by pydantic's error type (Typer converts values with pydantic).
VALUE_PROBLEMS = {
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "finite_number": N_("Input should be a finite number"),
}

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
    message = usage_message(exc)
    if exc.ctx is not None:
        hint = ""
        if exc.ctx.command.get_help_option(exc.ctx) is not None:
            hint = _(TRY_HELP).format(
                command=exc.ctx.command_path, option=exc.ctx.help_option_names[0]
            )
            hint += "\n"
        echo(f"{exc.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=exc.ctx.color)
    echo(f"Error: {message}", file=file, err=file is None, color=exc.ctx.color if exc.ctx else None)


def usage_message(exc: UsageError) -> str:
    """Click's message for usage error ``exc`` in the bound language (its English text when
    the error is not one Click's words list)."""
    message = exc.format_message()
    if isinstance(exc, NoSuchOption):
        message = _(NO_SUCH_OPTION).format(name=exc.option_name)
        if exc.possibilities:
            options = ", ".join(sorted(exc.possibilities))
            message += " " + _(POSSIBLE_OPTIONS).format(options=options)
        return message
    if isinstance(exc, MissingParameter):
        hint = message.removeprefix("Missing ").split(" ", 1)
        if len(hint) == 2 and hint[0] in MISSING and hint[1].endswith("."):
            return _(MISSING[hint[0]]).format(hint=hint[1][:-1])
        return message
    if isinstance(exc, BadParameter):
        return _bad_parameter(exc, message)
    if isinstance(exc, BadOptionUsage):
        for words in (REQUIRES_VALUE, NO_VALUE_TAKEN):
            if message == words.format(name=exc.option_name):
                return _(words).format(name=exc.option_name)
        return message
    for words, key in ((EXTRA_ARGUMENTS, "arguments"), (NO_SUCH_COMMAND, "name")):
        pattern = "^" + re.escape(words).replace(re.escape("{" + key + "}"), "(.*)") + "$"
        found = re.match(pattern, message, re.S)
        if found:
            return _(words).format(**{key: found.group(1)})
    return message


def _bad_parameter(exc: BadParameter, message: str) -> str:
    prefix, _sep, problem = message.partition(": ")
    if not prefix.startswith("Invalid value for ") or not problem:
        return message
    hint = prefix.removeprefix("Invalid value for ")
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    kind = errors()[0].get("type") if callable(errors) and errors() else None
    if kind in VALUE_PROBLEMS and problem == VALUE_PROBLEMS[kind]:
        problem = _(VALUE_PROBLEMS[kind])
    return _(INVALID_VALUE).format(hint=hint, problem=problem)
