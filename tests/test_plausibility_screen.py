"""Per-company plausibility tests the Odoo screen runs: log-scale outliers, line
summaries and quantities (invplan.plausibility)."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from invplan import plausibility as P


def _modified_z(values, x):
    """Iglewicz and Hoaglin's modified z-score of log10(x), computed independently."""
    logs = [math.log10(v) for v in values]
    med = statistics.median(logs)
    mad = statistics.median(abs(v - med) for v in logs)
    return 0.6745 * (math.log10(x) - med) / mad


def test_log_outlier_matches_an_independent_modified_z_score():
    costs = [3.0, 5.0, 8.0, 12.0, 20.0, 35.0, 50.0, 80.0, 120.0, 1e15]
    ids = [f"p{i}" for i in range(len(costs))]
    found = P.check_log_outliers(costs, ids, "unit_cost", what="unit cost")
    assert list(found["item"]) == ["p9"]
    assert found["severity"].iat[0] == "error"
    # The score that made it an outlier, computed by hand, is far above the cut.
    assert _modified_z(costs, 1e15) > 6
    # And the largest real cost's score is below it: the test keeps it.
    assert _modified_z(costs, 120.0) < 6


def test_a_wide_but_real_catalogue_is_not_flagged():
    # Screws at a cent to machines at half a million: seven decades, evenly spread.
    rng = np.random.default_rng(3)
    costs = 10 ** rng.uniform(-2, 5.7, size=500)
    found = P.check_log_outliers(costs, np.arange(500), "unit_cost", what="unit cost")
    assert found.empty


def test_both_conditions_are_needed():
    # Identical prices but one twice as high: the score is infinite, the ratio is 2.
    prices = [10.0] * 20 + [20.0]
    assert P.check_log_outliers(prices, np.arange(21), "p", what="price").empty
    # Far below the median is a warning, never an error.
    prices = [10.0, 12.0, 15.0, 11.0, 13.0, 14.0, 1e-6]
    low = P.check_log_outliers(prices, np.arange(7), "p", what="price")
    assert list(low["item"]) == [6] and low["severity"].iat[0] == "warning"


def test_nan_zero_and_negative_values_are_left_to_other_checks():
    values = [np.nan, 0.0, -5.0, 10.0, 11.0, 12.0, np.inf]
    assert P.check_log_outliers(values, np.arange(7), "c", what="cost").empty


@pytest.mark.parametrize("seed", range(6))
def test_line_summary_gives_the_verdicts_of_check_history(seed):
    """Same lines, two paths: the line-by-line check and the per-item summary."""
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(40):
        n = int(rng.integers(1, 30))
        q = rng.gamma(2.0, 5.0, size=n).round(2) + 0.01
        kind = rng.integers(0, 4)
        if kind == 1:
            q[rng.integers(n)] = float(np.median(q)) * float(rng.uniform(60, 900))
        elif kind == 2:
            q[rng.integers(n)] = float(np.median(q)) * float(rng.uniform(1500, 1e5))
        elif kind == 3:
            q[rng.integers(n)] = 5e9
        for v in q:
            rows.append((f"i{item}", "2026-01-05", float(v)))
    history = pd.DataFrame(rows, columns=["item", "date", "quantity"])
    by_line = P.check_history(history, ids=history["item"].to_numpy(object))
    summary = history.groupby("item")["quantity"].agg(["max", "median", "size"])
    by_summary = P.check_line_summary(
        summary.index.to_numpy(object),
        summary["max"],
        summary["median"],
        summary["size"],
    )

    def verdicts(found):
        return {
            (i, s)
            for i, s in zip(found["item"], found["severity"], strict=True)
            if s in ("error", "warning")
        }

    # The database computes medians only for the spike candidates: every item with a
    # spike finding is one of them.
    line_sum = history.groupby("item")["quantity"].sum().reindex(summary.index)
    candidates = set(summary.index[P.spike_candidates(summary["max"], line_sum, summary["size"])])
    spiked = {i for i, f in zip(by_line["item"], by_line["reason"], strict=True) if "median" in f}
    assert spiked <= candidates
    # A huge line also raises the summary median; both paths call such items errors.
    line_errors = {i for i, s in verdicts(by_line) if s == "error"}
    summary_errors = {i for i, s in verdicts(by_summary) if s == "error"}
    assert line_errors == summary_errors
    line_warnings = {i for i, s in verdicts(by_line) if s == "warning"} - line_errors
    summary_warnings = {i for i, s in verdicts(by_summary) if s == "warning"} - summary_errors
    assert line_warnings == summary_warnings


def test_quantities_huge_negative_and_years_of_demand():
    found = P.check_quantities(
        ["a", "b", "c", "d", "e"],
        [1e12, -3.0, 600.0, 40.0, np.nan],
        "moq",
        what="minimum order quantity",
        annual_demand=[10.0, 10.0, 100.0, 100.0, 1.0],
        max_years=5,
    )
    got = {(i, s) for i, s in zip(found["item"], found["severity"], strict=True)}
    assert got == {("a", "error"), ("b", "warning"), ("c", "warning"), ("e", "error")}
    c = found[found["item"] == "c"]
    assert "6 years" in c["reason"].iat[0]


def test_signature_is_field_and_value():
    found = P.check_quantities(["a"], [1e12], "on_hand", what="quantity on hand")
    assert list(P.signature(found)) == ["on_hand=1e+12"]


def test_vendor_lines_name_the_vendor():
    found = P.check_vendors(
        ["a", "a", "b", "c"],
        ["Far Away Ltd", "Near Co", "Near Co", "Bulk Inc"],
        [10_000, 5, 12, 7],
        [1, 1, 1e12, 400],
        [True, True, True, False],
        annual_demand=[100, 100, 100, 50],
    )
    got = {
        (i, f, s) for i, f, s in zip(found["item"], found["field"], found["severity"], strict=True)
    }
    assert got == {
        ("a", "vendor lead time (Far Away Ltd)", "error"),
        ("b", "vendor minimum quantity (Near Co)", "error"),
        ("c", "vendor minimum quantity (Bulk Inc)", "warning"),
        ("c", "vendor unit (Bulk Inc)", "error"),
    }


def test_finding_lines_read_back_as_signatures():
    found = P.check_quantities(["a", "b"], [1e12, -2.0], "on_hand", what="quantity on hand")
    text = P.finding_lines(found.to_dict("records"))
    assert text.splitlines()[0].startswith("[error] on_hand=1e+12 — ")
    assert P.signatures_of(text) == list(P.signature(found))
