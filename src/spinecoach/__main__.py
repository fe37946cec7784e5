from spinecoach.cli import entry

entry()
