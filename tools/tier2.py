"""Tier-2 runner: install every addon of ``addons/`` with demo data in a fresh database of
a real Odoo 19 and run their tests; skip with one line when no Odoo is found.

How Odoo is found (first that applies):

1. ``ODOO_PATH``: an Odoo 19 source tree (the folder holding the ``odoo`` package);
2. an ``odoo`` package importable by ``ODOO_PYTHON`` (default: this interpreter), as in
   the official ``odoo:19`` image.

``ODOO_PYTHON`` is the interpreter with Odoo's requirements installed (default: this
one). ``ODOO_ADDONS_PATH`` adds addon folders (default: the tree's ``addons`` folders).
PostgreSQL comes from the standard ``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``
variables (default 127.0.0.1:5432, user ``odoo``: Odoo refuses ``postgres``).
``TIER2_ADDONS`` (comma-separated) restricts the run to some addons; ``TIER2_LOG`` names the
log file (default ``.tier2.log``). An addon whose dependencies are not in the addons path
(an optional bridge to a community addon that is not installed) is skipped with one line.
``ODOO_TEMPLATE_DB``, when set, names a prepared database (stock, purchase, sale, mrp
installed with demo data) that is copied instead of building one from scratch.

Prints ``tier2: N passed, N failed`` and exits non-zero on any failure or error.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"


def skip(reason: str) -> int:
    print(f"tier 2 skipped: {reason}")
    return 0


def find_odoo(python: str) -> tuple[str | None, str]:
    """Return (source tree or None for an importable package, description)."""
    path = os.environ.get("ODOO_PATH")
    if path:
        # Odoo 19's odoo package is a namespace package: look for release.py, not __init__.py.
        if not (Path(path) / "odoo" / "release.py").is_file():
            raise SystemExit(f"ODOO_PATH={path} has no odoo/release.py: not an Odoo source tree")
        return path, f"source tree {path}"
    probe = subprocess.run(
        [python, "-c", "import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))"],
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0 and probe.stdout.strip():
        return probe.stdout.strip(), "importable odoo package"
    return None, ""


def our_addons() -> list[str]:
    """Every addon of addons/, or the comma-separated subset named by TIER2_ADDONS."""
    if not ADDONS.is_dir():
        return []
    found = sorted(p.parent.name for p in ADDONS.glob("*/__manifest__.py"))
    wanted = [a.strip() for a in os.environ.get("TIER2_ADDONS", "").split(",") if a.strip()]
    if wanted:
        unknown = sorted(set(wanted) - set(found))
        if unknown:
            raise SystemExit(f"TIER2_ADDONS names unknown addons: {', '.join(unknown)}")
        return wanted
    return found


def depends(manifest: Path) -> list[str]:
    try:
        return list(ast.literal_eval(manifest.read_text()).get("depends", []))
    except (OSError, SyntaxError, ValueError, AttributeError):
        return []


def missing_dependencies(addon: str, paths: list[str]) -> list[str]:
    """The dependencies of ``addon``, direct or through other addons found, that no
    folder of ``paths`` holds."""
    missing, seen, todo = [], set(), [addon]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        manifest = next(
            (Path(p) / name / "__manifest__.py" for p in paths if (Path(p) / name).is_dir()),
            None,
        )
        if manifest is None or not manifest.is_file():
            missing.append(name)
            continue
        todo += depends(manifest)
    return sorted(missing)


def namespace_addons(python: str, env: dict[str, str]) -> list[str]:
    """The folders of the ``odoo.addons`` namespace seen by ``python``, where addons
    installed from packages land."""
    probe = subprocess.run(
        [python, "-c", "import odoo.addons as a; print('\\n'.join(a.__path__))"],
        capture_output=True,
        text=True,
        env=env,
    )
    return probe.stdout.splitlines() if probe.returncode == 0 else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PGHOST", "127.0.0.1")
    env.setdefault("PGPORT", "5432")
    env.setdefault("PGUSER", "odoo")
    return env


def main() -> int:
    python = os.environ.get("ODOO_PYTHON", sys.executable)
    addons = our_addons()
    if not addons:
        return skip("no addon in addons/ yet")
    tree, how = find_odoo(python)
    if tree is None:
        return skip(
            "no Odoo 19 found (set ODOO_PATH to an Odoo 19 source tree, "
            "or make the odoo package importable; see README.md)"
        )
    env = pg_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [tree, str(ROOT), env.get("PYTHONPATH")]))
    extra = os.environ.get("ODOO_ADDONS_PATH")
    paths = [str(ADDONS)]
    if extra:
        paths += extra.split(",")
    else:
        paths += [
            str(p) for p in (Path(tree) / "addons", Path(tree) / "odoo" / "addons") if p.is_dir()
        ]
    kept = []
    # Odoo also finds the addons installed as packages (``odoo.addons`` is a namespace).
    found_in = paths + namespace_addons(python, env)
    for addon in addons:
        missing = missing_dependencies(addon, found_in)
        if missing:
            print(f"tier 2: {addon} skipped: {', '.join(missing)} not in the addons path")
        else:
            kept.append(addon)
    addons = kept
    if not addons:
        return skip("no addon has its dependencies in the addons path")
    db = f"invplan_t2_{os.getpid()}"
    template = os.environ.get("ODOO_TEMPLATE_DB")
    print(f"tier 2: Odoo from {how}; database {db}; addons {', '.join(addons)}")
    # The template's attachments (images, dashboards' spreadsheets) live in its filestore,
    # under Odoo's data folder (ODOO_DATA_DIR, default Odoo's own): copied with the database.
    data_dir = Path(os.environ.get("ODOO_DATA_DIR") or Path.home() / ".local/share/Odoo")
    filestore = data_dir / "filestore" / db
    if template:
        subprocess.run(["createdb", "-T", template, db], env=env, check=True)
        if (data_dir / "filestore" / template).is_dir():
            shutil.copytree(data_dir / "filestore" / template, filestore)
    cmd = [
        python,
        "-m",
        "odoo",
        "server",
        "-d",
        db,
        f"--db_host={env['PGHOST']}",
        f"--db_port={env['PGPORT']}",
        f"--db_user={env['PGUSER']}",
        f"--addons-path={','.join(paths)}",
        "-i",
        ",".join(addons),
        "--with-demo",
        "--test-enable",
        "--test-tags",
        ",".join(f"/{a}" for a in addons),
        "--stop-after-init",
        "--http-port",
        str(free_port()),
        "--log-level",
        "test",
        "--max-cron-threads",
        "0",
    ]
    if os.environ.get("ODOO_DATA_DIR"):
        cmd.append(f"--data-dir={data_dir}")
    if env.get("PGPASSWORD"):
        cmd.append(f"--db_password={env['PGPASSWORD']}")
    started = time.time()
    log_lines: list[str] = []
    try:
        proc = subprocess.Popen(
            cmd, env=env, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log_lines.append(line)
            if re.search(r"(ERROR|CRITICAL|FAIL:|ERROR:|Ran \d+ tests|tests when loading)", line):
                sys.stdout.write(line)
        rc = proc.wait()
    finally:
        subprocess.run(["dropdb", "--if-exists", db], env=env, check=False)
        shutil.rmtree(filestore, ignore_errors=True)
    log = "".join(log_lines)
    log_path = Path(os.environ.get("TIER2_LOG") or ROOT / ".tier2.log")
    log_path.write_text(log)
    ran = sum(int(n) for n in re.findall(r"Ran (\d+) tests?", log))
    summary = re.findall(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", log)
    failed = sum(int(f) + int(e) for f, e, _ in summary)
    total = sum(int(t) for _, _, t in summary) or ran
    errors = len(re.findall(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", log, re.M))
    if not summary and errors:
        failed = max(failed, errors)
    skipped = re.findall(r" skipped (\S+) : (.*)$", log, re.M)
    passed = max(total - failed - len(skipped), 0)
    print(f"tier2 ({time.time() - started:.0f} s, log in {log_path}):")
    for test, reason in skipped:
        print(f"skipped {test}: {reason}")
    print(f"{passed} passed, {failed} failed, {len(skipped)} skipped")
    if rc != 0 or failed or errors or total == 0:
        print(f"tier 2 FAILED: exit code {rc}, {errors} error lines, {total} tests")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
