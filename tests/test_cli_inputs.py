"""The command line on odd options and files: a message and exit code 2, never a
traceback; checks of options and of --out come before any work."""

import subprocess
import sys

import pandas as pd
import pytest

import invplan
from invplan import cli
from invplan.demo import generate_catalogue


def _run(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "invplan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        env=env,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("csv")
    history, items = generate_catalogue(n_products=6, seed=2)
    history.to_csv(d / "h.csv", index=False)
    items.to_csv(d / "i.csv", index=False)
    return d, history, items


def _plan(d, *extra, history="h.csv", items="i.csv", out=None):
    out = str(d / "out.xlsx") if out is None else out
    return _run(
        "plan", "--history", str(d / history), "--items", str(d / items), "--out", out, *extra
    )


def _assert_refused(res, *words):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert "error" in res.stderr
    for w in words:
        assert w in res.stderr, res.stderr


# --------------------------------------------------------------------------- --out
@pytest.mark.parametrize(
    "out,words",
    [
        ("missing-folder/plan.xlsx", ["--out", "does not exist"]),
        ("h.csv/plan.xlsx", ["--out", "not a folder"]),
        ("adir.xlsx", ["--out", "is a folder"]),
        ("plan.csv", ["--out", ".xlsx"]),
    ],
)
def test_bad_out_is_refused(files, out, words):
    d, _, _ = files
    (d / "adir.xlsx").mkdir(exist_ok=True)
    _assert_refused(_plan(d, out=str(d / out)), *words)


def test_out_is_checked_before_the_work(tmp_path, monkeypatch, capsys):
    """A bad --out stops before the catalogue is generated or planned."""

    def boom(*a, **k):
        raise AssertionError("the work started")

    monkeypatch.setattr(cli, "run_plan", boom)
    monkeypatch.setattr("invplan.demo.generate_catalogue", boom)
    code = cli.main(["demo", "--out", str(tmp_path / "nowhere" / "x.xlsx")])
    assert code == 2
    assert "--out" in capsys.readouterr().err
    # and an unwritable target (a path inside a file) as well
    (tmp_path / "f").write_text("x")
    assert cli.main(["demo", "--out", str(tmp_path / "f" / "x.xlsx")]) == 2


def test_out_check_leaves_no_file_behind(tmp_path):
    p = tmp_path / "new.xlsx"
    cli.check_out_path(str(p))
    assert not p.exists()


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize(
    "args,words",
    [
        (["--window-days", "-5"], ["--window-days", "out of range"]),
        (["--window-days", "0"], ["--window-days", "out of range"]),
        (["--window-days", "abc"], ["--window-days", "not a whole number"]),
        (["--window-days", "3", "--bucket", "month"], ["no complete month"]),
        (["--bucket", "year"], ["--bucket", "invalid choice"]),
        (["--portfolio-fill-rate", "1.5"], ["--portfolio-fill-rate", "between 0 and 1"]),
        (["--portfolio-fill-rate", "0"], ["--portfolio-fill-rate"]),
        (["--portfolio-fill-rate", "nan"], ["--portfolio-fill-rate"]),
        (["--portfolio-fill-rate", "x"], ["--portfolio-fill-rate", "not a number"]),
        (["--as-of", "2026-13-01"], ["--as-of", "YYYY-MM-DD"]),
        (["--as-of", "01/02/2026"], ["--as-of", "YYYY-MM-DD"]),
        (["--as-of", "1990-01-01"], ["--as-of", "first history date"]),
        (["--abc-measure", "profit"], ["--abc-measure"]),
    ],
)
def test_bad_plan_options(files, args, words):
    d, _, _ = files
    _assert_refused(_plan(d, *args), *words)


@pytest.mark.parametrize(
    "args,words",
    [
        (["--seed", "-1"], ["--seed", "out of range"]),
        (["--seed", "1.5"], ["--seed", "not a whole number"]),
        (["--products", "0"], ["--products", "out of range"]),
        (["--products", "-3"], ["--products", "out of range"]),
        (["--products", "10000000"], ["--products", "out of range"]),
    ],
)
def test_bad_demo_options(tmp_path, args, words):
    _assert_refused(_run("demo", "--out", str(tmp_path / "d.xlsx"), *args), *words)


def test_as_of_is_the_plan_date(files):
    d, history, _ = files
    as_of = (pd.to_datetime(history["date"]).max() - pd.Timedelta(days=100)).date()
    res = _plan(d, "--as-of", str(as_of))
    assert res.returncode == 0, res.stderr
    import openpyxl

    wb = openpyxl.load_workbook(d / "out.xlsx")
    notes = [r[0] for r in wb["Summary"].values if r[0]]
    assert f"Plan date (as of): {as_of}" in notes


# --------------------------------------------------------------------------- files
def test_items_with_only_a_header(files):
    d, _, items = files
    items.iloc[:0].to_csv(d / "empty_items.csv", index=False)
    _assert_refused(_plan(d, items="empty_items.csv"), "items: no rows")


def test_history_with_only_a_header(files):
    d, history, _ = files
    history.iloc[:0].to_csv(d / "empty_history.csv", index=False)
    _assert_refused(_plan(d, history="empty_history.csv"), "history: no rows")


def test_empty_file(files):
    d, _, _ = files
    (d / "zero.csv").write_text("")
    _assert_refused(_plan(d, items="zero.csv"), "items:", "empty")


def test_missing_file_and_folder(files):
    d, _, _ = files
    _assert_refused(_plan(d, items="nope.csv"), "items: file not found")
    _assert_refused(_plan(d, items="."), "items:", "folder")


def test_latin1_file_gets_a_utf8_hint(files):
    d, _, items = files
    it = items.copy()
    it["category"] = "Pièces détachées"
    it.to_csv(d / "latin1.csv", index=False, encoding="latin-1")
    _assert_refused(_plan(d, items="latin1.csv"), "UTF-8")


def test_utf8_with_bom_is_read(files):
    d, _, items = files
    items.to_csv(d / "bom.csv", index=False, encoding="utf-8-sig")
    res = _plan(d, items="bom.csv")
    assert res.returncode == 0, res.stderr


def test_semicolon_file_gets_a_delimiter_hint(files):
    d, _, items = files
    items.to_csv(d / "semi.csv", index=False, sep=";")
    _assert_refused(_plan(d, items="semi.csv"), "semicolons", "comma")


def test_duplicate_item_names_both_rows(files):
    d, _, items = files
    pd.concat([items, items.iloc[[1]]]).to_csv(d / "dup.csv", index=False)
    _assert_refused(_plan(d, items="dup.csv"), "appears twice", f"row {len(items) + 2}", "row 3")


def test_wrong_columns(files):
    d, history, _ = files
    history.rename(columns={"quantity": "qty"}).to_csv(d / "cols.csv", index=False)
    _assert_refused(_plan(d, history="cols.csv"), "missing column(s) quantity")


def test_headers_in_capitals_are_read(files):
    d, _, items = files
    items.rename(columns=str.upper).to_csv(d / "upper.csv", index=False)
    res = _plan(d, items="upper.csv")
    assert res.returncode == 0, res.stderr


def test_decimal_comma_gets_a_hint(files):
    d, _, items = files
    it = items.astype(str)
    it.loc[0, "unit_cost"] = "1,5"
    it.to_csv(d / "comma.csv", index=False)
    _assert_refused(_plan(d, items="comma.csv"), "row 2, column 'unit_cost'", "point")


def test_nan_and_inf_text_run_and_are_exceptions(files):
    """The README's promise: a NaN never stops a run."""
    import openpyxl

    d, history, items = files
    it = items.astype(str)
    it.loc[0, "unit_cost"] = "nan"
    it.loc[1, "lead_time_days"] = "inf"
    it.to_csv(d / "naninf.csv", index=False)
    res = _plan(d, items="naninf.csv")
    assert res.returncode == 0, res.stderr
    wb = openpyxl.load_workbook(d / "out.xlsx")
    rows = list(wb["Exceptions"].values)
    col = {h: i for i, h in enumerate(rows[0])}
    found = {(r[col["Product"]], r[col["Field"]]) for r in rows[1:]}
    assert (it.loc[0, "product"], "unit_cost") in found
    assert (it.loc[1, "product"], "lead_time_days") in found


# --------------------------------------------------------------------------- help
def test_help_of_each_subcommand_explains_every_option():
    for sub, options in (
        ("plan", ["--history", "--items", "--out", "--bucket", "--window-days", "--as-of",
                  "--abc-measure", "--portfolio-fill-rate"]),
        ("demo", ["--out", "--products", "--seed", "--bucket", "--window-days", "--as-of",
                  "--abc-measure", "--portfolio-fill-rate"]),
    ):  # fmt: skip
        res = _run(sub, "--help")
        assert res.returncode == 0
        text = res.stdout
        for opt in options:
            assert opt in text, (sub, opt)
        assert text.count("default") >= len(options) - 2  # --history / --items are required
        assert "README" in text and "CSV" in text
        assert "``" not in text and ":func:" not in text
    top = _run("--help")
    assert "``" not in top.stdout and "demo" in top.stdout and "plan" in top.stdout


def test_version():
    res = _run("--version")
    assert res.returncode == 0
    assert res.stdout.strip() == f"python -m invplan {invplan.__version__}"


def test_version_matches_the_package_metadata():
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == invplan.__version__
    assert re.search(r'^invplan = "invplan.cli:main"', text, re.M)


def test_console_script_prints_its_own_name():
    code = (
        "import sys; sys.argv[0] = '/usr/local/bin/invplan'; "
        "from invplan.cli import main; sys.exit(main())"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0
    assert res.stdout.startswith("usage: invplan ")
    res = subprocess.run(
        [sys.executable, "-c", code, "--version"], capture_output=True, text=True, timeout=60
    )
    assert res.stdout.strip() == f"invplan {invplan.__version__}"
