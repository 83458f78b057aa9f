"""Tier-1 check that every addon is translatable: an ``i18n/<addon>.pot`` that holds every
message the addon's Python marks for translation (``_()``, ``_lt()``, ``env._()``), every
field label given as ``string=`` and every selection label of its fields.

A message added without regenerating the template fails here, with the missing strings
listed. Regenerate with Odoo's own command on a database where the addons are installed:

    python -m odoo i18n export -d <db> --addons-path=... <addon> [<addon> ...]
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON_DIRS = sorted(m.parent for m in (ROOT / "addons").glob("*/__manifest__.py"))
IDS = [d.name for d in ADDON_DIRS]
FIELD_TYPES = {
    "Char", "Text", "Html", "Integer", "Float", "Monetary", "Boolean", "Date", "Datetime",
    "Selection", "Many2one", "One2many", "Many2many", "Binary", "Image", "Json",
}  # fmt: skip


def pot_msgids(pot: Path) -> set[str]:
    """The msgids of a .pot file, multi-line ones joined, escapes decoded."""
    ids, current, in_id = set(), [], False
    for line in pot.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current, in_id = [line[6:]], True
        elif line.startswith('"') and in_id:
            current.append(line)
        else:
            if in_id:
                ids.add("".join(ast.literal_eval(part) for part in current))
            in_id = False
    if in_id:
        ids.add("".join(ast.literal_eval(part) for part in current))
    return ids


def _const(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _selection_labels(node) -> list[str]:
    """The labels of a literal selection list ``[("key", "Label"), ...]``."""
    labels = []
    if isinstance(node, ast.List):
        for item in node.elts:
            if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                if text := _const(item.elts[1]):
                    labels.append(text)
    return labels


def translatable_strings(addon: Path) -> dict[str, str]:
    """String -> where it is, for every string of the addon's Python that a user reads."""
    found = {}
    files = [
        py
        for py in sorted(addon.rglob("*.py"))
        if "tests" not in py.parts and py.name != "__manifest__.py"
    ]
    trees = {py: ast.parse(py.read_text(encoding="utf-8")) for py in files}
    # Selection lists kept in module constants (FORECAST_METHODS = [...]), by name.
    constants = {}
    for tree in trees.values():
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name) and _selection_labels(stmt.value):
                    constants[target.id] = stmt.value
    for py, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            where = f"{py.relative_to(addon)}:{node.lineno}"
            if name in ("_", "_lt") and node.args and (text := _const(node.args[0])):
                found[text] = where
            is_field = (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "fields"
                and func.attr in FIELD_TYPES
            )
            if not is_field:
                continue
            for kw in node.keywords:
                if kw.arg == "string" and (text := _const(kw.value)):
                    found[text] = where
            selection = node.args[0] if func.attr == "Selection" and node.args else None
            for kw in node.keywords:
                if kw.arg in ("selection", "selection_add"):
                    selection = kw.value
            if isinstance(selection, ast.Name):
                selection = constants.get(selection.id)
            for text in _selection_labels(selection):
                found[text] = where
    return found


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=IDS)
def test_addon_has_translation_template(addon):
    pot = addon / "i18n" / f"{addon.name}.pot"
    assert pot.is_file(), f"{addon.name} has no i18n/{addon.name}.pot"
    msgids = pot_msgids(pot)
    assert len(msgids) > 10, f"{pot} holds almost nothing"
    # Odoo's export keeps the text as written and leaves out one-character terms (the
    # classes A, B, C, X, Y, Z), which are no text to translate.
    missing = sorted(
        f"{where}: {text!r}"
        for text, where in translatable_strings(addon).items()
        if len(text.strip()) > 1 and text not in msgids and re.sub(r"\s+", " ", text) not in msgids
    )
    assert not missing, (
        f"{len(missing)} translatable strings of {addon.name} are not in {pot.name}; "
        "regenerate it:\n" + "\n".join(missing[:40])
    )
