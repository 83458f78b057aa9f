"""Plausibility layer: absurd values are findings, the item is quarantined, the others
are planned as if it were not there."""

import warnings

import numpy as np
import pandas as pd
import pytest

from invplan import plausibility as P
from invplan.demo import generate_catalogue
from invplan.planning import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
    ITEM_COLUMNS,
    ITEM_OPTIONAL,
    run_plan,
    validate_table,
)


@pytest.fixture(scope="module")
def catalogue():
    history, items = generate_catalogue(n_products=12, seed=7)
    return history.astype(str), items.astype(str)


def _validated(history, items):
    return (
        validate_table(history, "history", HISTORY_COLUMNS, HISTORY_OPTIONAL),
        validate_table(items, "items", ITEM_COLUMNS, ITEM_OPTIONAL),
    )


def _plan(history, items, **kw):
    h, i = _validated(history, items)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return run_plan(h, i, **kw)


def _top_item(history, items):
    """The item with the largest demand (the one an absurd value would hurt most)."""
    q = pd.to_numeric(history["quantity"])
    key = history["product"] + "@" + history["warehouse"]
    return q.groupby(key).sum().idxmax()


# ------------------------------------------------------------------- the layer alone
def test_check_items_flags_each_absurd_field():
    items = pd.DataFrame(
        {
            "product": list("ABCDEFGHI"),
            "warehouse": "W",
            "unit_cost": [2, 1e300, 2, 2, 2, 2, 2, np.nan, 2],
            "unit_price": [3, 3, 3, 3, 3, 3, 3, 3, np.inf],
            "lead_time_days": [7, 7, 7, 7, 10_000, 7, 7, 7, 7],
            "lead_time_std_days": [1, 1, 1, 1e6, 1, 1, 1, np.nan, 1],
            "ordering_cost": [25, 25, 1e12, 25, 25, 25, 25, np.nan, 25],
            "moq": [0, 0, 0, 0, 0, -10, 0, np.nan, 0],
            "pack_multiple": [0, 0, 0, 0, 0, 0, -3, np.nan, 0],
        }
    )
    f = P.check_items(items)
    assert list(f.columns) == P.FINDING_COLUMNS
    got = set(zip(f["item"], f["field"], f["severity"], strict=True))
    assert got == {
        ("B@W", "unit_cost", "error"),
        ("C@W", "ordering_cost", "error"),
        ("D@W", "lead_time_std_days", "error"),
        ("E@W", "lead_time_days", "error"),
        ("F@W", "moq", "error"),
        ("G@W", "pack_multiple", "error"),
        ("H@W", "unit_cost", "error"),  # required NaN; optional NaNs mean "not given"
        ("I@W", "unit_price", "error"),
    }
    assert list(P.quarantine(f)) == ["B@W", "C@W", "D@W", "E@W", "F@W", "G@W", "H@W", "I@W"]
    assert (f["reason"].str.len() > 0).all() and (f["action"].str.len() > 0).all()
    assert f.loc[f["item"] == "B@W", "value"].iloc[0] == "1e+300"


def test_thresholds_are_parameters():
    items = pd.DataFrame(
        {
            "product": ["A"],
            "warehouse": ["W"],
            "unit_cost": [500.0],
            "unit_price": [600.0],
            "lead_time_days": [90.0],
        }
    )
    assert len(P.check_items(items)) == 0
    f = P.check_items(items, max_unit_cost=100, max_lead_time_days=60)
    assert set(f["field"]) == {"unit_cost", "lead_time_days"}


def test_check_history_nan_huge_future_and_spikes_anywhere():
    dates = pd.date_range("2026-01-01", periods=60, freq="D")
    base = pd.DataFrame(
        {"product": "A", "warehouse": "W", "date": dates, "quantity": np.full(60, 10.0)}
    )
    spike_early = base.assign(product="B")
    spike_early.loc[3, "quantity"] = 800.0  # 80 x the median: a warning
    typo = base.assign(product="C")
    typo.loc[30, "quantity"] = 100_000.0  # 10,000 x: an error
    bad = base.assign(product="D")
    bad.loc[10, "quantity"] = np.nan
    bad.loc[11, "quantity"] = np.inf
    huge = base.assign(product="E")
    huge.loc[40, "quantity"] = 1e300
    future = base.assign(product="F")
    future.loc[59, "date"] = pd.Timestamp("2031-01-05")
    h = pd.concat([base, spike_early, typo, bad, huge, future], ignore_index=True)
    f = P.check_history(h, future_after=pd.Timestamp("2026-06-01"))
    got = {(i, s) for i, s in zip(f["item"], f["severity"], strict=True)}
    assert got == {
        ("B@W", "warning"),
        ("C@W", "error"),
        ("D@W", "error"),
        ("E@W", "error"),
        ("F@W", "warning"),
    }
    assert "2031-01-05" in f.loc[f["item"] == "F@W", "value"].iloc[0]
    assert "(2 lines)" in f.loc[f["item"] == "D@W", "reason"].iloc[0]
    assert "2026-01-04" in f.loc[f["item"] == "B@W", "value"].iloc[0]  # early in the window


# ------------------------------------------------------------------- inside a plan run
def _set_item(items, item, **values):
    items = items.copy()
    prod, wh = item.split("@")
    row = (items["product"] == prod) & (items["warehouse"] == wh)
    for k, v in values.items():
        items.loc[row, k] = v
    return items


@pytest.mark.parametrize(
    "field,value",
    [
        ("unit_cost", "1e300"),
        ("ordering_cost", "1e12"),
        ("lead_time_std_days", "1e6"),
        ("lead_time_days", "10000"),
        ("moq", "-10"),
        ("pack_multiple", "-3"),
        ("unit_cost", "nan"),
        ("lead_time_days", "inf"),
    ],
)
def test_absurd_item_value_is_quarantined_not_ok(catalogue, field, value):
    history, items = catalogue
    top = _top_item(history, items)
    res = _plan(history, _set_item(items, top, **{field: value}))
    pol = res.policy.set_index("item")
    assert pol.loc[top, "status"] == "quarantined"
    for col in ("reorder_point", "order_qty", "order_up_to", "erp_min", "erp_max"):
        assert pol.loc[top, col] == 0
    exc = res.exceptions
    rows = exc[(exc["item"] == top) & (exc["field"] == field)]
    assert len(rows) == 1 and rows["severity"].iloc[0] == "error"
    assert rows["reason"].iloc[0] and rows["action"].iloc[0]
    # no other item pays for it: the stocked items' numbers are plain and finite
    others = pol.drop(index=top)
    num = others.select_dtypes("number")
    assert np.isfinite(num.to_numpy(float)).all()
    assert others["reorder_point"].max() < 1e6


def test_absurd_quantity_does_not_rank_the_others(catalogue):
    """One quantity of 1e300: no RuntimeWarning, the item is left out of the ranking and
    every other item keeps the class it has when the item is not there at all."""
    history, items = catalogue
    victim = history["product"].iloc[0] + "@" + history["warehouse"].iloc[0]
    key = history["product"] + "@" + history["warehouse"]
    bad = history.copy()
    bad.loc[bad.index[key == victim][5], "quantity"] = "1e300"
    res = _plan(bad, items)  # RuntimeWarnings raise here
    without = _plan(history[key != victim], items)
    a = res.classification.set_index("item")
    b = without.classification.set_index("item")
    others = a.index.drop(victim)
    assert (a.loc[others, "abc"] == b.loc[others, "abc"]).all()
    assert (a["abc"] == "A").sum() > 1
    assert a.loc[victim, "abc"] == ""  # not ranked
    assert res.matrix.to_numpy().sum() == len(items) - 1
    pol = res.policy.set_index("item")
    assert pol.loc[victim, "status"] == "quarantined"
    exc = res.exceptions
    assert ((exc["item"] == victim) & (exc["field"] == "quantity")).any()


def test_nan_and_inf_text_do_not_stop_the_run(catalogue):
    history, items = catalogue
    key = history["product"] + "@" + history["warehouse"]
    victim = key.iloc[0]
    bad = history.copy()
    rows = bad.index[key == victim]
    bad.loc[rows[2], "quantity"] = "nan"
    bad.loc[rows[3], "quantity"] = "-inf"
    res = _plan(bad, items)
    assert res.policy.set_index("item").loc[victim, "status"] == "quarantined"
    assert (res.exceptions["item"] == victim).any()


def test_future_dates_are_left_out_and_reported(catalogue):
    history, items = catalogue
    h = history.copy()
    victim = h["product"].iloc[-1] + "@" + h["warehouse"].iloc[-1]
    h.loc[h.index[-1], "date"] = "2031-01-05"
    res = _plan(h, items)
    # the plan date is still the day after the real last date
    assert res.policy.attrs["as_of"] <= pd.Timestamp.today().normalize() + pd.Timedelta(days=1)
    exc = res.exceptions
    row = exc[(exc["item"] == victim) & (exc["field"] == "date")]
    assert len(row) == 1 and "2031-01-05" in row["value"].iloc[0]


def test_demand_spike_is_reported(catalogue):
    history, items = catalogue
    key = history["product"] + "@" + history["warehouse"]
    victim = key.iloc[0]
    h = history.copy()
    rows = h.index[key == victim]
    q = pd.to_numeric(h.loc[rows, "quantity"])
    median = q[q > 0].median()
    h.loc[rows[len(rows) // 3], "quantity"] = str(median * 200)  # a third into the window
    res = _plan(h, items)
    exc = res.exceptions
    row = exc[(exc["item"] == victim) & (exc["field"] == "quantity")]
    assert len(row) == 1 and row["severity"].iloc[0] == "warning"
    pol = res.policy.set_index("item")
    assert pol.loc[victim, "status"] == "ok" and "input_warning" in pol.loc[victim, "check"]


def test_short_history_is_an_exception_with_a_reason():
    """One month of history, monthly buckets: the mean is the month's demand, and the
    item is flagged short_history."""
    rng = np.random.default_rng(1)
    dates = pd.date_range("2026-10-01", "2026-10-31")
    h = pd.DataFrame(
        {
            "product": "A",
            "warehouse": "W",
            "date": dates.strftime("%Y-%m-%d"),
            "quantity": rng.poisson(5, len(dates)).astype(str),
        }
    )
    real = pd.to_numeric(h["quantity"]).sum()
    items = pd.DataFrame(
        {
            "product": ["A"],
            "warehouse": ["W"],
            "unit_cost": ["2"],
            "unit_price": ["3"],
            "lead_time_days": ["7"],
        }
    )
    res = _plan(h, items, bucket="month")
    cls = res.classification.iloc[0]
    assert cls["demand_mean"] == pytest.approx(real)
    pol = res.policy.iloc[0]
    assert pol["demand_per_day"] * 365.25 / 12 == pytest.approx(real, rel=0.05)
    assert "short_history" in pol["check"]
    exc = res.exceptions
    row = exc[exc["status"] == "short_history"]
    assert len(row) == 1 and "1 observed period" in row["reason"].iloc[0]


def test_history_only_in_the_running_bucket_is_not_no_demand():
    """A launch in the current month: lines, but no complete month. The item is not
    "no demand"; it gets its own status and an exception row saying why."""
    h = pd.DataFrame(
        {
            "product": ["A"] * 40 + ["B"] * 3,
            "warehouse": "W",
            "date": list(pd.date_range("2026-06-01", periods=40, freq="7D").strftime("%Y-%m-%d"))
            + ["2026-03-02", "2026-03-03", "2026-03-04"],
            "quantity": "5",
        }
    )
    items = pd.DataFrame(
        {
            "product": ["A", "B"],
            "warehouse": "W",
            "unit_cost": "2",
            "unit_price": "3",
            "lead_time_days": "7",
        }
    )
    res = _plan(h, items, bucket="month", as_of="2026-03-05")
    pol = res.policy.set_index("item")
    assert pol.loc["B@W", "status"] == "history_too_short"
    row = res.exceptions[res.exceptions["item"] == "B@W"]
    assert "complete period" in row["reason"].iloc[0]
