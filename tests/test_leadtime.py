"""Lead-time statistics against direct computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from invplan.leadtime import lead_time_stats


def test_lead_time_stats_match_direct_computation():
    rng = np.random.default_rng(4)
    rows = []
    for k in range(6):
        n = int(rng.integers(1, 15))
        lts = rng.gamma(5, 2, n)
        for j, v in enumerate(lts):
            rows.append(
                (
                    f"v{k}",
                    v,
                    bool(rng.random() < 0.2),
                    pd.Timestamp("2026-01-01") + pd.Timedelta(days=j),
                )
            )
    df = pd.DataFrame(rows, columns=["key", "lead_time_days", "late", "date"])
    fb = pd.Series({f"v{k}": 9.0 for k in range(7)})
    res = lead_time_stats(df, fallback=fb, min_count=3)
    for key, g in df.groupby("key"):
        row = res.loc[key]
        if len(g) >= 3:
            assert row["source"] == "history"
            assert row["mean"] == pytest.approx(g["lead_time_days"].mean())
            assert row["std"] == pytest.approx(np.std(g["lead_time_days"], ddof=1))
            assert row["on_time_rate"] == pytest.approx(1 - g["late"].mean())
        else:
            assert row["source"] == "fallback" and row["mean"] == 9.0 and row["std"] == 0
    assert res.loc["v6", "source"] == "fallback" and res.loc["v6", "n"] == 0


def test_drift_detected_by_welch_test():
    old = [10, 11, 9, 10, 10, 11, 9, 10]
    new = [15, 16, 15, 17, 16]
    df = pd.DataFrame(
        {"key": "v", "lead_time_days": old + new, "date": pd.date_range("2026-01-01", periods=13)}
    )
    row = lead_time_stats(df, recent=5).loc["v"]
    t = stats.ttest_ind(new, old, equal_var=False)
    assert row["drift_p_value"] == pytest.approx(t.pvalue)
    assert row["drift"] and row["status"] == "drift"
    stable = pd.DataFrame(
        {
            "key": "w",
            "lead_time_days": old + [10, 11, 9, 10, 10],
            "date": pd.date_range("2026-01-01", periods=13),
        }
    )
    assert not lead_time_stats(stable, recent=5).loc["w", "drift"]


def test_no_history_no_fallback_is_flagged():
    df = pd.DataFrame({"key": ["a", "b"], "lead_time_days": [5.0, np.nan]})
    res = lead_time_stats(df, min_count=1)
    assert res.loc["a", "status"] == "ok"
    assert res.loc["b", "status"] == "no_lead_time"
    assert np.isfinite(res[["mean", "std", "on_time_rate"]].to_numpy(float)).all()
