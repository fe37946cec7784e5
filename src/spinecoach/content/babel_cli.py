"""A Babel extractor for the CLI modules: the usual ``_()``/``N_()`` calls plus the docstrings
that Typer shows as a command's ``--help`` text.

``babel.cfg`` maps ``src/spinecoach/cli/*.py`` here (before the general Python rule). A
docstring is extracted when its function is a command (decorated with ``@x.command(...)``,
or registered with ``app.command(...)(function)``); the message is the docstring as Typer
passes it to Click (``inspect.cleandoc``), which ``spinecoach.cli.main`` translates.
"""

from __future__ import annotations

import ast
import inspect
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from babel.messages.extract import extract_python


def _registered(tree: ast.Module) -> set[str]:
    """Names of functions passed to ``something.command(...)(name)``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Call)
            and isinstance(node.func.func, ast.Attribute)
            and node.func.func.attr == "command"
        ):
            names.update(a.id for a in node.args if isinstance(a, ast.Name))
    return names


def _is_command(node: ast.FunctionDef, registered: set[str]) -> bool:
    if node.name in registered:
        return True
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Attribute) and target.attr == "command":
            return True
    return False


def extract(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """Yield Babel's ``(line, funcname, message, comments)``: calls, then command docstrings."""
    raw = fileobj.read()
    yield from extract_python(io.BytesIO(raw), keywords, comment_tags, options)  # type: ignore[arg-type]
    tree = ast.parse(raw.decode("utf-8"))
    registered = _registered(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and _is_command(node, registered):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, "_", inspect.cleandoc(doc), []
