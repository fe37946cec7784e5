"""A Babel extractor for the words people see in the data files (``pybabel extract``).

``babel.cfg`` names the files and, per file pattern, the keys whose string values are shown
to people (``keys = text reason label``; ``tables = tier_advice`` takes every string in
those tables). The code shows them through ``_()``, so the catalogue must hold them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any, BinaryIO


def _strings(node: Any, keys: frozenset[str], tables: frozenset[str], take_all: bool = False
             ) -> Iterator[str]:  # fmt: skip
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                if take_all or key in keys:
                    yield value
            elif isinstance(value, list) and key in keys:
                yield from (v for v in value if isinstance(v, str))
            if isinstance(value, dict | list):
                yield from _strings(value, keys, tables, take_all or key in tables)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, keys, tables, take_all)


def extract(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict[str, str]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield ``(line, funcname, message, comments)`` for Babel, one per shown string."""
    raw = fileobj.read()
    data = tomllib.loads(raw.decode("utf-8"))
    keys = frozenset(options.get("keys", "").split())
    tables = frozenset(options.get("tables", "").split())
    text = raw.decode("utf-8")
    for value in _strings(data, keys, tables):
        if not value.strip():
            continue  # an empty cue: nothing is shown
        needle = value.replace("\\", "\\\\").replace('"', '\\"')
        at = text.find(needle)
        line = text.count("\n", 0, at) + 1 if at >= 0 else 1
        yield line, "_", value, []
