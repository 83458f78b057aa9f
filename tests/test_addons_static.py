"""Tier-1 static checks of every Odoo addon in addons/ (no Odoo needed).

Per addon: manifest keys and version, every listed data / demo file exists, every XML
file parses, every model defined in models/ has an access rule, pylint-odoo's checks
pass; for the whole folder: ruff lint and format.
"""

from __future__ import annotations

import ast
import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
MANIFESTS = sorted(ADDONS.glob("*/__manifest__.py"))
ADDON_DIRS = [m.parent for m in MANIFESTS]
IDS = [d.name for d in ADDON_DIRS]
PROJECT_AUTHOR = "Inventory Planning Project"
VERSION_RE = re.compile(r"^19\.0\.\d+\.\d+\.\d+$")
REQUIRED_KEYS = ("name", "version", "license", "depends", "data", "installable")
# pylint-odoo's Odoo checks; the author check is pointed at this project (not OCA), and
# "installable" is kept in manifests on purpose even though it is the default.
PYLINT_ARGS = [
    "--load-plugins=pylint_odoo",
    "--disable=all",
    "--enable=odoolint",
    f"--manifest-required-authors={PROJECT_AUTHOR}",
    "--disable=manifest-superfluous-key",
    "--score=n",
]

pytestmark = pytest.mark.skipif(not MANIFESTS, reason="no addon in addons/")


def read_manifest(addon: Path) -> dict:
    return ast.literal_eval((addon / "__manifest__.py").read_text())


def model_names(addon: Path) -> set[str]:
    """Models an addon defines (``_name = '...'`` in models/ or wizards/), not the ones
    it only extends with ``_inherit``."""
    names = set()
    for folder in ("models", "wizards", "wizard", "report"):
        for py in (addon / folder).glob("*.py"):
            tree = ast.parse(py.read_text())
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                attrs = {}
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        attrs[stmt.targets[0].id] = stmt.value.value
                name = attrs.get("_name")
                # Abstract models need no access rule; transient ones do since Odoo 14.
                is_abstract = any(
                    isinstance(b, ast.Attribute) and b.attr == "AbstractModel" for b in node.bases
                )
                if isinstance(name, str) and not is_abstract:
                    names.add(name)
    return names


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=IDS)
def test_manifest_keys(addon):
    manifest = read_manifest(addon)
    missing = [k for k in REQUIRED_KEYS if k not in manifest]
    assert not missing, f"{addon.name}: manifest lacks {missing}"
    assert VERSION_RE.match(manifest["version"]), manifest["version"]
    assert manifest["license"] == "LGPL-3", "the project's addons are LGPL-3"
    assert isinstance(manifest["depends"], list) and manifest["depends"]
    assert manifest["installable"] is True
    assert PROJECT_AUTHOR in manifest.get("author", ""), "author names the project"


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=IDS)
def test_listed_files_exist(addon):
    manifest = read_manifest(addon)
    listed = manifest.get("data", []) + manifest.get("demo", [])
    missing = [f for f in listed if not (addon / f).is_file()]
    assert not missing, f"{addon.name}: listed but absent: {missing}"
    assert len(listed) == len(set(listed)), "a file is listed twice"


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=IDS)
def test_xml_files_parse(addon):
    files = sorted(addon.rglob("*.xml"))
    for path in files:
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as exc:
            pytest.fail(f"{path.relative_to(ROOT)}: {exc}")
        assert root.tag == "odoo", f"{path.relative_to(ROOT)}: root is <{root.tag}>"


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=IDS)
def test_every_model_has_access_rules(addon):
    models = model_names(addon)
    csv_path = addon / "security" / "ir.model.access.csv"
    if not models:
        return
    assert csv_path.is_file(), f"{addon.name}: security/ir.model.access.csv is missing"
    with csv_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    covered = {row["model_id:id"].split(".")[-1] for row in rows}
    missing = sorted(m for m in models if "model_" + m.replace(".", "_") not in covered)
    assert not missing, f"{addon.name}: no access rule for {missing}"
    manifest = read_manifest(addon)
    assert "security/ir.model.access.csv" in manifest["data"]


def _tool(name: str) -> list[str] | None:
    """Run a tool through this interpreter when it is importable, else from PATH."""
    module = name.replace("-", "_")
    probe = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", module]
    exe = shutil.which(name)
    return [exe] if exe else None


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=IDS)
def test_pylint_odoo(addon):
    pylint = _tool("pylint")
    plugin = subprocess.run(
        [sys.executable, "-c", "import pylint_odoo"], capture_output=True, check=False
    )
    if pylint is None or plugin.returncode != 0:
        pytest.skip("pylint-odoo is not installed")
    run = subprocess.run(
        pylint + PYLINT_ARGS + [str(addon)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_check_and_format():
    ruff = _tool("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for args in (["check", "addons"], ["format", "--check", "addons"]):
        run = subprocess.run(ruff + args, capture_output=True, text=True, cwd=ROOT, check=False)
        assert run.returncode == 0, f"ruff {' '.join(args)}:\n{run.stdout}{run.stderr}"
