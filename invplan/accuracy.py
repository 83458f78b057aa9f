"""Forecast accuracy, vectorised per series and aggregated per group.

Inputs are items x periods matrices of actuals and forecasts (a 1-D input is one series).
A period is scored when both the actual and the forecast are finite. The error is
:math:`e_t = y_t - \\hat y_t` (actual minus forecast, Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, 3rd ed. (FPP3), section 5.8), so a positive
bias means the forecast was too low.

Undefined values (no scored period; MAPE with only zero actuals; MASE with a zero
in-sample scale) are returned as 0 and flagged in the ``status`` column of
:func:`accuracy_table`, never as NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .forecast._base import as_matrix

METRICS = (
    "mae",
    "rmse",
    "mape",
    "smape",
    "wape",
    "mase",
    "bias",
    "relative_bias",
    "tracking_signal",
)


def _pair(actual, forecast):
    a = as_matrix(actual, "actual")
    f = as_matrix(forecast, "forecast")
    if f.shape != a.shape:
        try:
            f = np.broadcast_to(f, a.shape)
        except ValueError as exc:
            raise ValueError(f"forecast: expected shape {a.shape}, got {f.shape}") from exc
    ok = np.isfinite(a) & np.isfinite(f)
    e = np.where(ok, a - f, 0.0)
    return np.where(ok, a, 0.0), np.where(ok, f, 0.0), e, ok


def _div(num, den):
    den = np.asarray(den, dtype=float)
    safe = np.where(den != 0, den, 1.0)
    return np.where(den != 0, num / safe, 0.0)


def naive_scale(insample, season_length: int = 1) -> np.ndarray:
    """In-sample mean absolute (seasonal) naive one-step error per series.

    .. math:: Q_i = \\frac{1}{n - m} \\sum_{t=m+1}^{n} |y_{i,t} - y_{i,t-m}|

    the MASE denominator (Hyndman, R.J. & Koehler, A.B. (2006), "Another look at measures
    of forecast accuracy", *International Journal of Forecasting* 22(4), 679-688, eq. for
    :math:`q_t`; FPP3 section 5.8, "Scaled errors"), m = 1 for the naive method. Pairs with
    a missing value are skipped; 0 when no pair is available.
    """
    y = as_matrix(insample, "insample")
    m = int(season_length)
    if m < 1:
        raise ValueError(f"season_length: expected >= 1, got {season_length!r}")
    if y.shape[1] <= m:
        return np.zeros(y.shape[0])
    d = y[:, m:] - y[:, :-m]
    ok = np.isfinite(d)
    return _div(np.where(ok, np.abs(d), 0.0).sum(1), ok.sum(1))


def _sums(actual, forecast, insample=None, season_length: int = 1, scale=None) -> dict:
    """Per-series sufficient statistics from which every metric (and group) is computed."""
    a, f, e, ok = _pair(actual, forecast)
    n = ok.sum(axis=1).astype(float)
    nz = ok & (a != 0)
    denom = np.abs(a) + np.abs(f)
    sm = ok & (denom > 0)
    if scale is None:
        scale = naive_scale(insample, season_length) if insample is not None else None
    out = {
        "n": n,
        "abs": np.abs(e).sum(1),
        "sq": (e * e).sum(1),
        "err": e.sum(1),
        "abs_actual": np.abs(a).sum(1),
        "actual": a.sum(1),
        "n_nonzero": nz.sum(1).astype(float),
        "ape": np.where(nz, np.abs(e) / np.where(nz, np.abs(a), 1.0), 0.0).sum(1),
        "n_smape": n,
        "sape": np.where(sm, 2 * np.abs(e) / np.where(sm, denom, 1.0), 0.0).sum(1),
    }
    if scale is not None:
        sc = np.broadcast_to(np.asarray(scale, dtype=float), n.shape)
        good = np.isfinite(sc) & (sc > 0)
        out["scaled_abs"] = np.where(good, out["abs"] / np.where(good, sc, 1.0), 0.0)
        out["n_scaled"] = np.where(good, n, 0.0)
    return out


def mae(actual, forecast) -> np.ndarray:
    """Mean absolute error :math:`\\frac1n\\sum|e_t|` per series (FPP3 section 5.8)."""
    s = _sums(actual, forecast)
    return _div(s["abs"], s["n"])


def rmse(actual, forecast) -> np.ndarray:
    """Root mean squared error :math:`\\sqrt{\\frac1n\\sum e_t^2}` per series (FPP3 5.8)."""
    s = _sums(actual, forecast)
    return np.sqrt(_div(s["sq"], s["n"]))


def mape(actual, forecast) -> np.ndarray:
    """Mean absolute percentage error over periods with a non-zero actual, in percent.

    .. math:: \\mathrm{MAPE} = \\frac{100}{|P|}\\sum_{t \\in P} \\left|\\frac{e_t}{y_t}\\right|,
        \\quad P = \\{t : y_t \\ne 0\\}

    (FPP3 section 5.8, "Percentage errors"; Hyndman & Koehler 2006). Skipping zero
    actuals keeps it finite on intermittent series, where it is still a poor measure.
    """
    s = _sums(actual, forecast)
    return 100.0 * _div(s["ape"], s["n_nonzero"])


def smape(actual, forecast) -> np.ndarray:
    """Symmetric MAPE in percent (0..200), periods with actual = forecast = 0 score 0.

    .. math:: \\mathrm{sMAPE} = \\frac{100}{n}\\sum_t \\frac{2|e_t|}{|y_t| + |\\hat y_t|}

    (Makridakis, S. (1993), "Accuracy measures: theoretical and practical concerns",
    *International Journal of Forecasting* 9(4); the form with absolute values in the
    denominator as in Hyndman & Koehler 2006, section 3.3).
    """
    s = _sums(actual, forecast)
    return 100.0 * _div(s["sape"], s["n_smape"])


def wape(actual, forecast) -> np.ndarray:
    """Weighted absolute percentage error (MAD / mean ratio), as a fraction.

    .. math:: \\mathrm{WAPE} = \\frac{\\sum_t |e_t|}{\\sum_t |y_t|}

    (Kolassa, S. & Schütz, W. (2007), "Advantages of the MAD/MEAN ratio over the MAPE",
    *Foresight* 6, 40-43). 0 when every actual is 0.
    """
    s = _sums(actual, forecast)
    return _div(s["abs"], s["abs_actual"])


def mase(actual, forecast, insample=None, season_length: int = 1, scale=None) -> np.ndarray:
    """Mean absolute scaled error (Hyndman & Koehler 2006, FPP3 section 5.8).

    .. math:: \\mathrm{MASE} = \\frac{\\frac1n\\sum_t |e_t|}{Q},\\quad
        Q = \\frac{1}{n_0 - m}\\sum_{t=m+1}^{n_0} |y_t - y_{t-m}|

    with Q the in-sample MAE of the naive (m = 1) or seasonal naive forecast on the
    training data ``insample`` (or ``scale`` given directly). 0 where Q = 0.
    """
    if insample is None and scale is None:
        raise ValueError("mase: give insample (training data) or scale")
    s = _sums(actual, forecast, insample, season_length, scale)
    return _div(s["scaled_abs"], s["n_scaled"])


def bias(actual, forecast) -> np.ndarray:
    """Mean error :math:`\\frac1n\\sum e_t` (positive: forecast too low; FPP3 5.8)."""
    s = _sums(actual, forecast)
    return _div(s["err"], s["n"])


def relative_bias(actual, forecast) -> np.ndarray:
    """Bias relative to demand :math:`\\sum e_t / \\sum y_t` (0 when actuals sum to 0)."""
    s = _sums(actual, forecast)
    return _div(s["err"], s["actual"])


def tracking_signal(actual, forecast) -> np.ndarray:
    """Tracking signal: cumulative error over mean absolute deviation.

    .. math:: TS = \\frac{\\sum_t e_t}{\\mathrm{MAD}}, \\quad
        \\mathrm{MAD} = \\frac1n \\sum_t |e_t|

    (Brown, R.G. (1959), *Statistical Forecasting for Inventory Control*, McGraw-Hill;
    the usual control limits are about ±4 to ±6). It lies in [-n, n]; 0 when MAD = 0.
    """
    s = _sums(actual, forecast)
    return _div(s["err"], _div(s["abs"], s["n"]))


def trigg_tracking_signal(actual, forecast, alpha: float = 0.1) -> np.ndarray:
    """Trigg's smoothed tracking signal at the last period, per series.

    .. math:: T_t = \\frac{E_t}{M_t}, \\quad E_t = \\alpha e_t + (1-\\alpha)E_{t-1}, \\quad
        M_t = \\alpha |e_t| + (1-\\alpha)M_{t-1}

    with :math:`E_0 = M_0 = 0` (Trigg, D.W. (1964), "Monitoring a forecasting system",
    *Operational Research Quarterly* 15(3), 271-274). :math:`|T| \\le 1`; values near
    ±1 signal a biased forecast. Unscored periods leave both sums unchanged.
    """
    if not (0 < alpha <= 1):
        raise ValueError(f"alpha: expected 0 < alpha <= 1, got {alpha!r}")
    _, _, e, ok = _pair(actual, forecast)
    E = np.zeros(e.shape[0])
    M = np.zeros(e.shape[0])
    for t in range(e.shape[1]):
        w = alpha * ok[:, t]
        E = E + w * (e[:, t] - E)
        M = M + w * (np.abs(e[:, t]) - M)
    return _div(E, M)


def _metrics_from_sums(s: dict) -> dict:
    mad = _div(s["abs"], s["n"])
    out = {
        "n": s["n"].astype(np.int64),
        "mae": mad,
        "rmse": np.sqrt(_div(s["sq"], s["n"])),
        "mape": 100.0 * _div(s["ape"], s["n_nonzero"]),
        "smape": 100.0 * _div(s["sape"], s["n_smape"]),
        "wape": _div(s["abs"], s["abs_actual"]),
        "bias": _div(s["err"], s["n"]),
        "relative_bias": _div(s["err"], s["actual"]),
        "tracking_signal": _div(s["err"], mad),
    }
    if "scaled_abs" in s:
        out["mase"] = _div(s["scaled_abs"], s["n_scaled"])
    return out


def accuracy_table(
    actual,
    forecast,
    insample=None,
    season_length: int = 1,
    group=None,
    scale=None,
) -> pd.DataFrame:
    """All metrics per series, or aggregated per group, in one DataFrame.

    Per series: one row per input row. With ``group`` (one key per series), one row per
    group key (sorted), computed from pooled sums, not by averaging ratios: MAE, RMSE,
    bias over all scored periods of the group; WAPE = pooled :math:`\\sum|e| / \\sum|y|`;
    MAPE / sMAPE over all scored periods; MASE = mean absolute *scaled* error over all
    periods, each series scaled by its own Q (Hyndman & Koehler 2006, section 3.4);
    tracking signal = pooled cumulative error / pooled MAD.

    Returns
    -------
    DataFrame with ``n, mae, rmse, mape, smape, wape, bias, relative_bias,
    tracking_signal`` (+ ``mase`` when ``insample`` or ``scale`` is given) and
    ``status``: ``ok``, ``no_data`` (nothing scored), ``zero_actuals`` (MAPE / WAPE
    undefined), ``no_scale`` (MASE undefined: the naive in-sample error is 0).
    """
    s = _sums(actual, forecast, insample, season_length, scale)
    index = None
    if group is not None:
        g = np.asarray(group)
        if g.shape[0] != s["n"].shape[0]:
            raise ValueError(f"group: expected {s['n'].shape[0]} keys, got {g.shape[0]}")
        keys, codes = np.unique(g, return_inverse=True)
        s = {k: np.bincount(codes, weights=v, minlength=keys.size) for k, v in s.items()}
        index = pd.Index(keys, name="group")
    out = _metrics_from_sums(s)
    status = np.full(s["n"].shape[0], "ok", dtype=object)
    if "n_scaled" in s:
        status[(s["n"] > 0) & (s["n_scaled"] == 0)] = "no_scale"
    status[(s["n"] > 0) & (s["abs_actual"] == 0)] = "zero_actuals"
    status[s["n"] == 0] = "no_data"
    out["status"] = status
    return pd.DataFrame(out, index=index)
