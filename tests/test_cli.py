"""The main job end to end: demo run, CSV plan run, bad files."""

import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest

from invplan import policy
from invplan.demo import generate_catalogue
from invplan.planning import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
    ITEM_COLUMNS,
    ITEM_OPTIONAL,
    run_plan,
    validate_table,
)

SHEETS = ["Summary", "ABC-XYZ", "Classification", "Forecast", "Policy", "Exceptions", "Segments"]


def _run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "invplan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo.xlsx"
    res = _run("demo", "--out", str(out), "--products", "60")
    assert res.returncode == 0, res.stderr
    assert "Plan by segment" in res.stdout and "ABC x XYZ" in res.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS
    assert len(wb["ABC-XYZ"]._charts) == 1
    policy_rows = list(wb["Policy"].values)
    header = policy_rows[0]
    assert len(policy_rows) - 2 == 120  # 60 products x 2 warehouses, header and totals
    # the last row is the totals row
    assert policy_rows[-1][0].startswith("Total")
    status = [r[header.index("Status")] for r in policy_rows[1:-1]]
    assert status.count("ok") > 60
    assert wb["Policy"].freeze_panes == "A2"


def test_plan_from_csv(tmp_path):
    history, items = generate_catalogue(n_products=20, seed=3)
    history.to_csv(tmp_path / "h.csv", index=False)
    items.to_csv(tmp_path / "i.csv", index=False)
    out = tmp_path / "plan.xlsx"
    res = _run(
        "plan",
        "--history",
        str(tmp_path / "h.csv"),
        "--items",
        str(tmp_path / "i.csv"),
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    wb = openpyxl.load_workbook(out)
    assert len(list(wb["Classification"].values)) == 41


@pytest.mark.parametrize(
    "mutate,message",
    [
        (
            lambda h, i: h.assign(quantity=["abc"] + list(h["quantity"][1:])),
            "history: row 2, column 'quantity'",
        ),
        (
            lambda h, i: h.assign(date=list(h["date"][:4]) + ["31/02/2026"] + list(h["date"][5:])),
            "history: row 6, column 'date'",
        ),
        (lambda h, i: h.drop(columns=["warehouse"]), "history: missing column(s) warehouse"),
        (
            lambda h, i: i.assign(
                unit_cost=list(i["unit_cost"][:2]) + ["n/a"] + list(i["unit_cost"][3:])
            ),
            "items: row 4, column 'unit_cost'",
        ),
    ],
)
def test_bad_file_names_row_and_column(tmp_path, mutate, message):
    history, items = generate_catalogue(n_products=5, seed=1)
    history = history.astype(str)
    items = items.astype(str)
    h2 = mutate(history, items)
    if h2 is not None and "product" in h2.columns and "unit_cost" in h2.columns:
        items, h2 = h2, history
    h2.to_csv(tmp_path / "h.csv", index=False)
    items.to_csv(tmp_path / "i.csv", index=False)
    res = _run(
        "plan",
        "--history",
        str(tmp_path / "h.csv"),
        "--items",
        str(tmp_path / "i.csv"),
        "--out",
        str(tmp_path / "x.xlsx"),
    )
    assert res.returncode == 2
    assert message in res.stderr


def test_plan_handles_bad_items_as_exceptions():
    """No history, zero cost, negative stock-like returns, NaN lead time: exception rows, no NaN."""
    history = pd.DataFrame(
        {
            "product": ["A", "A", "B", "C", "C"],
            "warehouse": ["W"] * 5,
            "date": ["2026-01-05", "2026-01-12", "2026-01-05", "2026-01-05", "2026-02-02"],
            "quantity": ["10", "12", "-4", "5", "7"],
        }
    )
    items = pd.DataFrame(
        {
            "product": ["A", "B", "C", "D"],
            "warehouse": ["W"] * 4,
            "unit_cost": ["2", "3", "0", "4"],
            "unit_price": ["3", "4", "1", "5"],
            "lead_time_days": ["7", "7", "7", "0"],
        }
    )
    h = validate_table(history, "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    i = validate_table(items, "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    res = run_plan(h, i, window_days=120)
    numeric = res.policy.select_dtypes("number").to_numpy(float)
    assert np.isfinite(numeric).all()
    st = dict(zip(res.policy["item"], res.policy["status"], strict=True))
    assert st["C@W"] == "invalid_cost"
    # D has no history at all: classified no_demand and left to a manual decision
    assert st["D@W"] == "manual"
    cls = res.classification.set_index("item")
    assert cls.loc["D@W", "pattern"] == "no_demand"
    assert set(res.exceptions["item"]) >= {"C@W"}


def test_plan_policy_equals_direct_engine_call():
    """The run's policy numbers are the engine's, for the same inputs (no hidden maths)."""
    history, items = generate_catalogue(n_products=20, seed=5)
    h = validate_table(history.astype(str), "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    i = validate_table(items.astype(str), "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    res = run_plan(h, i)
    seg = res.segments.set_index("code")
    pol = res.policy
    normal = pol[(pol["status"] == "ok") & (pol["method"] == "normal")]
    assert len(normal) > 3
    for _, row in normal.iterrows():
        assert row["segment"] in seg.index
        assert row["order_up_to"] >= row["reorder_point"]
        # whole units: the safety stock takes up what rounding the reorder point up adds
        assert row["reorder_point"] == np.ceil(row["reorder_point"])
        assert row["reorder_point"] == pytest.approx(
            row["demand_mean_p"] + row["safety_stock"] + row["undershoot"]
        )
        if row["service_metric"] == "csl":
            k = policy.safety_factor_cycle(row["service_target"])
            extra = row["safety_stock"] - k * row["demand_sigma_p"]
            assert -1e-9 <= extra < 1.0


def test_portfolio_fill_rate_option(tmp_path):
    """The allocation option runs end to end, and a bad value is refused by name."""
    out = tmp_path / "p.xlsx"
    res = _run("demo", "--out", str(out), "--products", "40", "--portfolio-fill-rate", "0.95")
    assert res.returncode == 0, res.stderr
    rows = list(openpyxl.load_workbook(out)["Policy"].values)[:-1]  # without the totals
    col = {name: i for i, name in enumerate(rows[0])}
    planned = [
        r for r in rows[1:] if r[col["Status"]] == "ok" or r[col["Status"]].startswith("to check")
    ]
    demand = sum(r[col["Forecast per day"]] for r in planned)
    weighted = sum(r[col["Expected fill rate"]] * r[col["Forecast per day"]] for r in planned)
    # the demand-weighted expected fill rate of the plan is the portfolio target
    assert weighted / demand == pytest.approx(0.95, abs=0.01)
    bad = _run("demo", "--out", str(out), "--products", "40", "--portfolio-fill-rate", "1.5")
    assert bad.returncode == 2 and "--portfolio-fill-rate" in bad.stderr


def test_demo_numbers_a_buyer_can_trust():
    """The demo plan: no negative safety stock, whole units, no decades of cover, no ok
    rule that promises no service, segment counts that add up to the items."""
    history, items = generate_catalogue(n_products=60, seed=42)
    h = validate_table(history.astype(str), "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    i = validate_table(items.astype(str), "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    res = run_plan(h, i)
    pol = res.policy
    assert (pol["safety_stock"] >= 0).all()
    for col in ("reorder_point", "order_qty", "order_up_to", "erp_min", "erp_max"):
        assert (pol[col] == np.ceil(pol[col])).all(), col
    stocked = pol["stocked"].to_numpy()
    assert (pol.loc[~stocked, ["reorder_point", "order_up_to", "erp_max"]] == 0).all().all()
    assert (pol.loc[stocked, "order_up_to"] > 0).all()
    flagged = set(res.exceptions["item"])
    long = pol[pol["coverage_days"] > 730]
    assert set(long["item"]) <= flagged
    assert pol["coverage_days"].max() < 365 * 20
    ok = pol[pol["status"] == "ok"]
    low = ok[ok["expected_fill_rate"] < 0.5]
    assert set(low["item"]) <= flagged
    assert (ok["expected_fill_rate"] > 0).all()
    s = res.summary
    assert s["items"].sum() == len(pol)
    assert s["stocked_items"].sum() == stocked.sum()
    assert (s["items"] == s["stocked_items"] + s["without_rule"]).all()
    for status in set(pol["status"]) - {"ok"}:
        assert set(pol.loc[pol["status"] == status, "item"]) <= flagged, status
    # a forecast far from the last 13 weeks' demand is a check (the top A item of the
    # demo was forecast at a third of its recent demand once)
    as_of = pol.attrs["as_of"]
    recent = h[(h["date"] < as_of) & (h["date"] >= as_of - pd.Timedelta(days=91))]
    per_day = recent["quantity"].groupby(recent["product"] + "@" + recent["warehouse"]).sum() / 91
    rate = per_day.reindex(pol["item"]).fillna(0).to_numpy()
    n_obs = res.classification["n_periods"].to_numpy()
    off = stocked & (n_obs >= 8) & (rate > 0)
    off &= (pol["demand_per_day"] < rate / 2) | (pol["demand_per_day"] > 2 * rate)
    assert off.any() and set(pol.loc[off, "item"]) <= flagged
    assert all("forecast_off_recent" in c for c in pol.loc[off, "check"])


def test_nothing_planned_says_so(tmp_path):
    """History of other items only: every item is without a rule, and the terminal says
    0 planned (it used to count every row of the policy table)."""
    history, items = generate_catalogue(n_products=5, seed=1)
    history = history.assign(product="OTHER-" + history["product"])
    history.to_csv(tmp_path / "h.csv", index=False)
    items.to_csv(tmp_path / "i.csv", index=False)
    res = _run(
        "plan",
        "--history",
        str(tmp_path / "h.csv"),
        "--items",
        str(tmp_path / "i.csv"),
        "--out",
        str(tmp_path / "p.xlsx"),
    )
    assert res.returncode == 0, res.stderr
    assert "10 items: 0 planned with a stocking rule" in res.stdout
