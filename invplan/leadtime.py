"""Lead-time statistics from receipt history: mean, deviation, on-time rate, drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def lead_time_stats(
    receipts: pd.DataFrame,
    fallback: pd.Series | None = None,
    min_count: int = 3,
    recent: int = 5,
    drift_threshold: float = 0.25,
    drift_alpha: float = 0.05,
) -> pd.DataFrame:
    """Lead-time statistics per key from received orders.

    ``receipts`` has columns ``key`` (e.g. vendor x product), ``lead_time_days`` (order
    confirmation to receipt done), optionally ``late`` (received after the promised
    date) and ``date`` (receipt date, for the recent window). Per key:

    .. math:: \\bar L = \\frac1n\\sum L_j, \\qquad s_L = \\sqrt{\\frac{1}{n-1}\\sum (L_j - \\bar L)^2}

    and the on-time rate :math:`1 - \\#late / n`. With fewer than ``min_count``
    receipts the key falls back to ``fallback[key]`` (e.g. the vendor price list delay)
    with :math:`s_L = 0` and ``source = 'fallback'``; without a fallback, ``source =
    'none'`` and the status says so.

    Drift: the mean of the last ``recent`` receipts against the long-run mean of the
    earlier ones, flagged when the relative deviation exceeds ``drift_threshold`` *and*
    a Welch t-test rejects equal means at ``drift_alpha`` (SPP section 7.12 on revising
    parameters when lead-time behaviour changes; Welch 1947).

    Returns a DataFrame indexed by key: ``n, mean, std, on_time_rate, source,
    recent_mean, drift, drift_p_value, status``.
    """
    r = receipts.copy()
    if "late" not in r.columns:
        r["late"] = False
    if "date" in r.columns:
        r = r.sort_values(["key", "date"], kind="mergesort")
    all_keys = pd.Index(sorted(r["key"].unique()))
    lt = pd.to_numeric(r["lead_time_days"], errors="coerce")
    r = r.assign(lead_time_days=lt)
    r = r[np.isfinite(r["lead_time_days"]) & (r["lead_time_days"] >= 0)]
    g = r.groupby("key", sort=True)
    out = pd.DataFrame(
        {
            "n": g["lead_time_days"].size(),
            "mean": g["lead_time_days"].mean(),
            "std": g["lead_time_days"].std(ddof=1).fillna(0.0),
            "on_time_rate": 1.0 - g["late"].mean().astype(float),
        }
    )
    keys = out.index.union(all_keys)
    if fallback is not None:
        keys = keys.union(fallback.index)
    out = out.reindex(keys)
    out["n"] = out["n"].fillna(0).astype(int)
    fb = fallback.reindex(keys) if fallback is not None else pd.Series(np.nan, index=keys)
    thin = out["n"] < min_count
    use_fb = thin & fb.notna() & (fb > 0)
    out["source"] = np.where(~thin, "history", np.where(use_fb, "fallback", "none"))
    out["mean"] = np.where(use_fb, fb, np.where(thin, 0.0, out["mean"]))
    out["std"] = np.where(thin, 0.0, out["std"])
    out["on_time_rate"] = out["on_time_rate"].fillna(0.0)

    # Drift: last `recent` receipts vs the earlier ones.
    rank = g.cumcount(ascending=False)
    r = r.assign(is_recent=rank.to_numpy() < recent)
    rec = r[r["is_recent"]].groupby("key")["lead_time_days"]
    old = r[~r["is_recent"]].groupby("key")["lead_time_days"]
    stats_df = pd.DataFrame(
        {
            "rm": rec.mean(),
            "rv": rec.var(ddof=1),
            "rn": rec.size(),
            "om": old.mean(),
            "ov": old.var(ddof=1),
            "on": old.size(),
        }
    ).reindex(keys)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(stats_df["rv"] / stats_df["rn"] + stats_df["ov"] / stats_df["on"])
        t = (stats_df["rm"] - stats_df["om"]) / se
        dof = se**4 / (
            (stats_df["rv"] / stats_df["rn"]) ** 2 / (stats_df["rn"] - 1)
            + (stats_df["ov"] / stats_df["on"]) ** 2 / (stats_df["on"] - 1)
        )
        p = 2 * stats.t.sf(np.abs(t), dof)
        rel = (stats_df["rm"] - stats_df["om"]) / stats_df["om"]
    # Identical constant samples: no variance, so a difference in means is certain.
    p = np.where((se == 0) & (stats_df["rm"] != stats_df["om"]), 0.0, p)
    p = np.where(np.isfinite(p), p, 1.0)
    rel = np.where(np.isfinite(rel), rel, 0.0)
    out["recent_mean"] = stats_df["rm"].fillna(0.0).to_numpy()
    out["drift_p_value"] = p
    out["relative_drift"] = rel
    out["drift"] = (
        (np.abs(rel) > drift_threshold)
        & (p < drift_alpha)
        & (stats_df["on"].fillna(0) >= 2).to_numpy()
    )
    out["status"] = np.where(
        out["source"] == "none", "no_lead_time", np.where(out["drift"], "drift", "ok")
    )
    return out
