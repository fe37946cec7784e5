"""Run every benchmark module in bench/ (``make bench``), or the ones named as arguments."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(names: list[str]) -> int:
    """Run ``bench.<name>.main()`` for each name (default: all modules with a ``main``)."""
    folder = Path(__file__).parent
    available = sorted(
        m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_")
    )
    for name in names or available:
        if name not in available:
            print(f"unknown benchmark '{name}'; available: {', '.join(available)}", file=sys.stderr)
            return 2
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench.{name}", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
