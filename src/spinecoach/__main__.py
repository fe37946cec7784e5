"""``python -m spinecoach``: the command line."""

from spinecoach.cli import entry

entry()
