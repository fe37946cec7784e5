"""``python -m spinecoach``: the command-line interface."""

from spinecoach.cli import entry

entry()
