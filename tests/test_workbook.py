"""The workbook read back as a buyer would: words for headers, whole units, no NaN, no
absurd number without an exception row, counts that add up, print setup, text as text."""

import math
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from invplan.demo import generate_catalogue

HYPERLINK = '=HYPERLINK("http://example.com","click")'
MAIN = [
    "Product",
    "Warehouse",
    "Segment",
    "Status",
    "Reorder point (min)",
    "Order quantity",
    "Max (order-up-to level)",
    "Lead time (days)",
    "Unit cost",
    "Average stock value",
]
UNITS = [
    "Reorder point (min)",
    "Order quantity",
    "Max (order-up-to level)",
    "ERP min (checked daily)",
    "ERP max (checked daily)",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A CSV plan with a formula-like product code, an absurd cost and a NaN lead time."""
    d = tmp_path_factory.mktemp("wb")
    history, items = generate_catalogue(n_products=40, seed=11)
    history, items = history.astype(str), items.astype(str)
    first = items["product"].iloc[0]
    history.loc[history["product"] == first, "product"] = HYPERLINK
    items.loc[items["product"] == first, "product"] = HYPERLINK
    items.loc[2, "unit_cost"] = "1e300"
    items.loc[3, "lead_time_days"] = "nan"
    history.to_csv(d / "h.csv", index=False)
    items.to_csv(d / "i.csv", index=False)
    out = d / "plan.xlsx"
    res = subprocess.run(
        [sys.executable, "-m", "invplan", "plan", "--history", str(d / "h.csv")]
        + ["--items", str(d / "i.csv"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "Warning" not in res.stderr
    return openpyxl.load_workbook(out), res, items


def _table(ws, totals=False):
    rows = list(ws.values)
    header = list(rows[0])
    body = rows[1:]
    if totals:
        at = [i for i, r in enumerate(body) if str(r[0]).startswith("Total")]
        assert len(at) == 1
        body, total = body[: at[0]], body[at[0]]
    else:
        total = None
    body = [r for r in body if any(v is not None for v in r)]
    df = pd.DataFrame(body, columns=header)
    return df, total


def test_headers_are_words_everywhere(run):
    wb, _, _ = run
    for ws in wb.worksheets:
        header = [c.value for c in ws[1] if c.value is not None]
        assert header, ws.title
        for h in header:
            assert "_" not in h, (ws.title, h)
        assert "undershoot" not in " ".join(header).lower()


def test_policy_sheet_order_sort_and_totals(run):
    wb, _, items = run
    pol, total = _table(wb["Policy"], totals=True)
    assert list(pol.columns[: len(MAIN)]) == MAIN
    assert len(pol) == len(items)
    value = pol["Annual value"].fillna(0).to_numpy()
    assert (value[:-1] >= value[1:]).all()  # largest value first
    col = list(pol.columns).index("Average stock value")
    assert total[col] == pytest.approx(pol["Average stock value"].sum())
    assert "items" in total[0]


def test_quantities_are_whole_units_and_safety_stock_never_negative(run):
    wb, _, _ = run
    pol, _ = _table(wb["Policy"], totals=True)
    for col in UNITS:
        v = pol[col].astype(float)
        assert (v == v.round()).all(), col
        assert (v >= 0).all(), col
    assert (pol["Safety stock"].astype(float) >= 0).all()
    assert (pol["Max (order-up-to level)"] >= pol["Reorder point (min)"]).all()


def test_no_nan_inf_or_formula_in_any_cell(run):
    wb, _, _ = run
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, float):
                    assert math.isfinite(c.value), (ws.title, c.coordinate)
                if isinstance(c.value, str):
                    assert c.value.strip().lower() not in {"nan", "inf", "-inf", "nat"}


def test_formula_like_product_code_is_text(run):
    wb, _, _ = run
    ws = wb["Policy"]
    cells = [c for c in ws["A"] if c.value == HYPERLINK]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    assert not ws["A2"].hyperlink


def test_absurd_values_only_with_an_exception_row(run):
    wb, _, _ = run
    pol, _ = _table(wb["Policy"], totals=True)
    exc, _ = _table(wb["Exceptions"])
    listed = set(zip(exc["Product"], exc["Warehouse"], strict=True))
    numeric = pol.select_dtypes("number")
    for i, row in pol.iterrows():
        big = (numeric.loc[i].abs() > 1e7) & ~numeric.columns.isin(["Annual value"])
        cover = row["Cover (days)"]
        if big.any() or (cover is not None and cover > 730):
            assert (row["Product"], row["Warehouse"]) in listed, row.to_dict()
    # the absurd cost: quarantined, no rule, and its exception names field and value
    q = pol[pol["Status"].str.startswith("quarantined")]
    assert len(q) == 2
    assert (q[UNITS].to_numpy() == 0).all()
    fields = set(exc["Field"].dropna())
    assert {"unit_cost", "lead_time_days"} <= fields
    assert exc.loc[exc["Field"] == "unit_cost", "Value found"].iloc[0] == "1e+300"


def test_every_item_not_ok_is_on_the_exceptions_sheet(run):
    wb, _, _ = run
    pol, _ = _table(wb["Policy"], totals=True)
    exc, _ = _table(wb["Exceptions"])
    listed = set(zip(exc["Product"], exc["Warehouse"], strict=True))
    not_ok = pol[pol["Status"] != "ok"]
    assert len(not_ok)
    for _, r in not_ok.iterrows():
        assert (r["Product"], r["Warehouse"]) in listed, r["Status"]
    assert exc["Reason"].str.len().min() > 0 and exc["What to do"].str.len().min() > 0
    # an ok item never promises no service
    ok = pol[pol["Status"] == "ok"]
    assert (ok["Expected fill rate"] > 0).all()


def test_summary_counts_add_up_and_metrics_are_named(run):
    wb, res, _ = run
    s, total = _table(wb["Summary"], totals=True)
    s = s[s["Segment"].notna() & s["Items"].notna()]
    assert (s["Items"] == s["With a stocking rule"] + s["Without a rule"]).all()
    pol, _ = _table(wb["Policy"], totals=True)
    stocked = pol["Status"].eq("ok") | pol["Status"].str.startswith("to check")
    header = list(s.columns)
    assert total[header.index("Items")] == len(pol)
    assert total[header.index("With a stocking rule")] == stocked.sum()
    assert f"{len(pol)} items: {stocked.sum()} planned with a stocking rule" in res.stdout
    named = s.loc[s["With a stocking rule"] > 0, "Service metric"]
    assert set(named) <= {"fill rate", "cycle service"}
    for _, r in s.dropna(subset=["Expected service (same metric)"]).iterrows():
        own = (
            "Expected fill rate" if r["Service metric"] == "fill rate" else "Expected cycle service"
        )
        assert r["Expected service (same metric)"] == pytest.approx(r[own])


def test_print_setup(run):
    wb, _, _ = run
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (1, None), ws.title
    # one page high (1 is the file format's default, so it may be left out)
    assert wb["Summary"].page_setup.fitToHeight in (1, None)
    assert wb["Policy"].page_setup.fitToHeight == 0  # as many pages as it takes
    chart_sheet = wb["ABC-XYZ"]
    assert chart_sheet.page_setup.fitToHeight in (1, None)
    assert len(chart_sheet._charts) == 1
    area = chart_sheet.print_area
    assert area and "$N$21" in area[0] if isinstance(area, list) else "$N$21" in area


def test_a_run_without_exceptions_writes_an_empty_sheet(tmp_path):
    from invplan.planning import (
        HISTORY_COLUMNS,
        HISTORY_OPTIONAL,
        ITEM_COLUMNS,
        ITEM_OPTIONAL,
        run_plan,
        validate_table,
    )
    from invplan.workbook import write_workbook

    history, items = generate_catalogue(n_products=4, seed=1)
    h = validate_table(history.astype(str), "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    i = validate_table(items.astype(str), "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    res = run_plan(h, i)
    res.exceptions = res.exceptions.iloc[:0]
    write_workbook(res, str(tmp_path / "x.xlsx"))
    rows = list(openpyxl.load_workbook(tmp_path / "x.xlsx")["Exceptions"].values)
    assert rows[0][:3] == ("Product", "Warehouse", "Severity") and len(rows) == 1
