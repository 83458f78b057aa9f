"""statsmodels ETS and ARIMA for a few high-value series, inside a time budget.

These fit one series at a time (likelihood optimisation), so they are offered only for
the series that ask for them (e.g. A items), after the batch selection. Each requested
series: the configuration is chosen by AICc on the data before the first back-test
origin, re-estimated at every origin (rolling origin with re-calibration, Tashman 2000),
and replaces the batch choice only when its back-test metric is lower. When the time
budget is spent or a fit fails, the batch choice stays and the status says so.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

#: ETS configurations tried (error, trend, damped, seasonal); FPP3 section 8.4, table 8.6.
ETS_CONFIGS = (
    ("add", None, False, None),
    ("add", "add", False, None),
    ("add", "add", True, None),
    ("add", None, False, "add"),
    ("add", "add", True, "add"),
    ("mul", None, False, None),
    ("mul", "add", True, None),
    ("mul", None, False, "mul"),
)
#: ARIMA (p, d, q) orders tried (FPP3 section 9.7 searches a similar small neighbourhood).
ARIMA_ORDERS = (
    (0, 1, 1),
    (1, 1, 0),
    (1, 1, 1),
    (0, 1, 2),
    (2, 1, 1),
    (1, 0, 0),
    (1, 0, 1),
    (2, 0, 0),
)


def _fill(y: np.ndarray) -> np.ndarray:
    """Interpolate missing periods (statsmodels ETS cannot skip them)."""
    ok = np.isfinite(y)
    if ok.all() or not ok.any():
        return np.where(ok, y, 0.0)
    idx = np.arange(y.size)
    return np.interp(idx, idx[ok], y[ok])


def _ets_fit(y, config, s):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    error, trend, damped, seasonal = config
    model = ETSModel(
        y,
        error=error,
        trend=trend,
        damped_trend=damped,
        seasonal=seasonal,
        seasonal_periods=s if seasonal else None,
    )
    return model.fit(disp=False, maxiter=200)


def _arima_fit(y, order, s):
    from statsmodels.tsa.arima.model import ARIMA

    trend = "n" if order[1] > 0 else "c"
    return ARIMA(y, order=order, trend=trend).fit()


def _name(kind, config):
    if kind == "ets":
        e, t, d, s = config
        code = {"add": "A", "mul": "M", None: "N"}
        return f"ets({code[e]},{code[t]}{'d' if d else ''},{code[s]})"
    return "arima({},{},{})".format(*config)


def _configs(kind, y, s):
    if kind == "ets":
        positive = bool((y > 0).all())
        out = []
        for c in ETS_CONFIGS:
            if c[0] == "mul" or c[3] == "mul":
                if not positive:
                    continue
            if c[3] and (not s or s < 2 or y.size < 2 * s + 2):
                continue
            out.append(c)
        return out
    return list(ARIMA_ORDERS)


def select_statsmodels(y, kind: str, season_length: int | None, deadline: float):
    """Best configuration by AICc (Hurvich & Tsai 1989; FPP3 sections 7.5, 8.6, 9.8).

    Returns ``(config, fitted_results)``, or ``(None, None)`` when nothing fitted.
    Raises ``TimeoutError`` when the deadline passes.
    """
    fit = _ets_fit if kind == "ets" else _arima_fit
    best, best_res, best_ic = None, None, np.inf
    for config in _configs(kind, y, season_length):
        if time.monotonic() > deadline:
            raise TimeoutError
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = fit(y, config, season_length)
            ic = float(res.aicc)
        except Exception:  # noqa: BLE001 - any failing configuration is skipped
            continue
        if np.isfinite(ic) and ic < best_ic:
            best, best_res, best_ic = config, res, ic
    return best, best_res


def _forecast(res, h):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(res.forecast(h), dtype=float)


def statsmodels_candidates(y, result, rows, h, hs, s, metric, scale, models, time_budget):
    """Try statsmodels models on ``rows`` and update ``result`` in place (see module doc)."""
    from .selection import _metric_values, _sigmas

    m, T = y.shape
    rows = np.asarray(rows)
    rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
    table = result.table
    sm_status = np.full(m, "", dtype=object)
    sm_status[rows] = "not_better"
    origins = result.origins
    deadline = time.monotonic() + float(time_budget)
    H = int(max(h, np.max(hs)))
    for i in rows:
        if time.monotonic() > deadline:
            sm_status[i] = "budget_exhausted"
            continue
        yi = _fill(y[i])
        for kind in models:
            try:
                first = int(origins[0]) if origins.size else T
                config, _ = select_statsmodels(yi[:first], kind, s, deadline)
                if config is None:
                    sm_status[i] = "failed" if sm_status[i] == "not_better" else sm_status[i]
                    continue
                fit = _ets_fit if kind == "ets" else _arima_fit
                err = np.full((1, origins.size, H), np.nan)
                for j, o in enumerate(origins):
                    if time.monotonic() > deadline:
                        raise TimeoutError
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fc = _forecast(fit(yi[:o], config, s), H)
                    n = min(H, T - o)
                    err[0, j, :n] = y[i, o : o + n] - fc[:n]
                idx = origins[:, None] + np.arange(h)
                act = np.where(idx < T, y[i, np.minimum(idx, T - 1)], np.nan)
                fcs = act - err[0, :, :h]
                val = _metric_values(
                    metric, act.reshape(1, -1), fcs.reshape(1, -1), scale[i : i + 1]
                )
                if not np.isfinite(val[0]) or val[0] >= table.at[i, "metric_value"]:
                    continue
                if time.monotonic() > deadline:
                    raise TimeoutError
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    full = fit(yi, config, s)
                fc = _forecast(full, h)
                if not np.isfinite(fc).all():
                    continue
                resid = yi - np.asarray(full.fittedvalues, dtype=float)
                fb = np.array([np.sqrt(np.nanmean(resid**2))])
                s1, sh, src, nb = _sigmas(err, np.array([hs[i]]), fb)
                result.forecast[i] = fc
                table.loc[i, ["method", "metric_value", "sigma_1", "sigma_h"]] = [
                    _name(kind, config), float(val[0]), float(s1[0]), float(sh[0])
                ]  # fmt: skip
                table.loc[i, ["sigma_source", "n_backtest"]] = [src[0], int(nb[0])]
                sm_status[i] = "chosen"
            except TimeoutError:
                sm_status[i] = "budget_exhausted"
                break
            except Exception:  # noqa: BLE001 - a failing series keeps its batch forecast
                sm_status[i] = "failed" if sm_status[i] != "chosen" else "chosen"
    table["statsmodels_status"] = sm_status
    st = table["status"].to_numpy().copy()
    st[(sm_status == "budget_exhausted") & (st == "ok")] = "budget_exhausted_fallback"
    st[(sm_status == "failed") & (st == "ok")] = "fit_failed_fallback"
    table["status"] = st
