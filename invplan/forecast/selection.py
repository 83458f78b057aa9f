"""Automatic method selection by rolling-origin back-test, error sigmas, top-down shares."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import accuracy
from ._base import as_matrix, check_horizon, masked_mean
from .methods import make_method

#: Candidate methods per demand pattern (see invplan.classify.classify_demand_pattern).
SMOOTH_CANDIDATES = ("naive", "moving_average", "ses", "holt", "holt_damped")
SEASONAL_CANDIDATES = ("seasonal_naive", "ses_seasonal", "holt_winters_add", "holt_winters_mul")
INTERMITTENT_CANDIDATES = ("croston", "sba", "tsb", "adida")
SHORT_CANDIDATES = ("naive", "moving_average", "ses")
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "no_demand", "insufficient_history")
#: Preference order when no back-test error is available (simplest robust first).
_DEFAULT_ORDER = ("ses", "sba", "moving_average", "naive", "zero")
#: Method statuses that mean the method did not really run its model for that series.
_NOT_RUN = ("short_history", "not_applicable", "numerical_fallback")


def candidates_for(pattern: str, season_length: int | None = None) -> tuple[str, ...]:
    """Candidate method names for a demand pattern.

    smooth / erratic: naive, moving average, SES, Holt, damped Holt, plus seasonal naive,
    seasonal SES (additive season, no trend) and Holt-Winters additive / multiplicative
    when a season length is given.
    intermittent / lumpy: Croston, SBA, TSB, ADIDA (Syntetos, Boylan & Croston 2005
    recommend SBA for these quadrants; the back-test decides per series).
    no_demand: the zero forecast. insufficient_history: naive, moving average, SES.
    """
    if pattern in ("smooth", "erratic"):
        seasonal = SEASONAL_CANDIDATES if season_length and season_length >= 2 else ()
        return SMOOTH_CANDIDATES + seasonal
    if pattern in ("intermittent", "lumpy"):
        return INTERMITTENT_CANDIDATES
    if pattern == "no_demand":
        return ("zero",)
    if pattern == "insufficient_history":
        return SHORT_CANDIDATES
    raise ValueError(f"pattern: expected one of {PATTERNS}, got {pattern!r}")


@dataclass
class ForecastBatchResult:
    """Result of :func:`forecast_batch`.

    Attributes
    ----------
    forecast : ndarray (m, h)
        Point forecasts of the chosen method, per series.
    table : DataFrame
        One row per series: ``item, pattern, method, metric, metric_value, sigma_1,
        sigma_h, horizon_for_sigma, sigma_source, n_backtest, status``.
    backtest : DataFrame
        Long table ``item, method, metric_value, n_errors`` of every candidate scored.
    origins : ndarray
        The back-test origins (period index of the first forecast period).
    """

    forecast: np.ndarray
    table: pd.DataFrame
    backtest: pd.DataFrame = field(default_factory=pd.DataFrame)
    origins: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def to_frame(self) -> pd.DataFrame:
        """The table with the forecast as columns ``f1 .. fh``."""
        fc = pd.DataFrame(
            self.forecast,
            columns=[f"f{i + 1}" for i in range(self.forecast.shape[1])],
            index=self.table.index,
        )
        return pd.concat([self.table, fc], axis=1)


def backtest_origins(
    T: int, horizon: int, n_origins: int = 8, step: int | None = None, min_train: int = 4
) -> np.ndarray:
    """Rolling-origin positions: the last origin leaves ``horizon`` periods to score.

    Origin ``o`` means: the forecast is made with periods ``0 .. o - 1`` and scored on
    ``o .. o + horizon - 1``. Origins are ``step`` apart (default ``max(1, horizon // 4)``)
    and never before ``min_train``; when the series is too short for full horizons the
    origins move forward and the later ones are scored on fewer periods (Tashman, L.J.
    (2000), "Out-of-sample tests of forecasting accuracy: an analysis and review",
    *International Journal of Forecasting* 16(4), 437-450: rolling origin, "updating"
    without re-calibration).
    """
    step = max(1, horizon // 4) if step is None else max(1, int(step))
    last = T - horizon
    o = last - step * np.arange(n_origins)[::-1]
    o = o[o >= min_train]
    if o.size < min(n_origins, 2):
        o = np.arange(max(min_train, 1), T, step)[:n_origins]
    return np.unique(o[(o >= 1) & (o < T)]).astype(np.int64)


def _metric_values(metric, actual, fc, scale):
    if metric == "mase":
        return accuracy.mase(actual, fc, scale=np.where(scale > 0, scale, 1.0))
    fn = {
        "mae": accuracy.mae,
        "rmse": accuracy.rmse,
        "mape": accuracy.mape,
        "smape": accuracy.smape,
        "wape": accuracy.wape,
    }.get(metric)
    if fn is None:
        raise ValueError(
            f"metric: expected one of mase, mae, rmse, mape, smape, wape; got {metric!r}"
        )
    if metric == "wape":
        # WAPE ranks like MAE per series; use MAE where all actuals are 0
        w = fn(actual, fc)
        return np.where(np.nansum(np.abs(actual), axis=1) > 0, w, accuracy.mae(actual, fc))
    return fn(actual, fc)


def forecast_batch(
    y,
    h: int,
    pattern=None,
    methods="auto",
    season_length: int | None = None,
    metric: str = "mase",
    horizon_for_sigma=None,
    n_origins: int = 8,
    origin_step: int | None = None,
    censored=None,
    nonnegative: bool = True,
    ids=None,
    group=None,
    top_down_min_demands: int | None = None,
    share_periods: int | None = None,
    statsmodels_rows=None,
    statsmodels_models=("ets", "arima"),
    time_budget: float = 30.0,
) -> ForecastBatchResult:
    """Forecast many series, choosing a method per series by rolling-origin back-test.

    Steps, each vectorised over the series of the batch:

    1. candidates per series from its demand ``pattern`` (:func:`candidates_for`;
       computed by :func:`invplan.classify.classify_demand_pattern` when not given);
    2. each candidate is fitted once on the data before the first origin (all series that
       consider it, in one call), then run with fixed parameters over the whole history,
       producing forecasts from every origin (:func:`backtest_origins`); the errors over
       the first ``h`` steps give the back-test ``metric`` (default MASE, Hyndman &
       Koehler 2006, scaled by the in-sample naive / seasonal naive MAE);
    3. the candidate with the least metric wins; it is refitted on the full history and
       forecasts ``h`` periods;
    4. error sigmas from the winner's back-test errors:

       .. math::

           \\sigma_1 = \\sqrt{\\tfrac1{|O|}\\sum_{o \\in O} e_{o,1}^2}, \\qquad
           \\sigma_H = \\sqrt{\\tfrac1{|O_H|}\\sum_{o \\in O_H}
           \\Big(\\sum_{k=1}^{H} e_{o,k}\\Big)^2}

       with :math:`e_{o,k}` the k-step error from origin o and :math:`O_H` the origins
       with H scored steps; H = ``horizon_for_sigma`` (lead time + review period, in
       periods; per series). Taken about zero, so a biased method carries its bias into
       the sigma used for safety stock. With fewer than two usable origins,
       :math:`\\sigma_H = \\sigma_1\\sqrt{H}` (``sigma_source = 'sqrt_h'``), the
       independent-errors approximation (Silver, Pyke & Peterson 1998, section 7.5).

    Parameters
    ----------
    y : array (m, T)
        Demand per series and period, oldest first; NaN marks a missing period.
    h : int
        Forecast horizon in periods.
    pattern : array of str (m,), optional
        Demand pattern per series.
    methods : 'auto', a list of names, or a dict pattern -> list of names
        Candidate sets; a list applies to every series.
    season_length : int, optional
        Periods per season (7 for daily data with a weekly cycle, 52 weekly, 12 monthly).
    metric : str
        Back-test metric: mase, mae, rmse, mape, smape or wape.
    horizon_for_sigma : int or array (m,), optional
        H for sigma_h; default ``h``.
    n_origins, origin_step : int
        Back-test origins and their spacing.
    censored : bool array (m, T), optional
        Censored (stockout) periods, treated as missing.
    nonnegative : bool
        Clip forecasts at 0 (demand cannot be negative).
    ids : array (m,), optional
        Item keys for the ``item`` column.
    group, top_down_min_demands, share_periods :
        Top-down for sparse series: see :func:`top_down_forecast`. Series of a group
        with fewer than ``top_down_min_demands`` non-zero periods get the group total's
        forecast times their historical share (method ``top_down``).
    statsmodels_rows : bool or int array, optional
        Series that also try statsmodels ETS / ARIMA (:func:`statsmodels_candidates`),
        within ``time_budget`` seconds; they replace the batch choice when their
        back-test metric is lower.

    Returns
    -------
    :class:`ForecastBatchResult`
    """
    y = as_matrix(y)
    h = check_horizon(h)
    m, T = y.shape
    if censored is not None:
        c = np.asarray(censored, dtype=bool).reshape(y.shape)
        y = np.where(c, np.nan, y)
    item = np.arange(m) if ids is None else np.asarray(ids)
    if pattern is None:
        from ..classify import classify_demand_pattern

        pattern = classify_demand_pattern(y)["pattern"].to_numpy()
    pattern = np.asarray(pattern, dtype=object).reshape(-1)
    if pattern.size != m:
        raise ValueError(f"pattern: expected {m} values, got {pattern.size}")
    bad = ~np.isin(pattern, PATTERNS)
    if bad.any():
        raise ValueError(f"pattern: unknown value {pattern[bad][0]!r}; expected one of {PATTERNS}")
    hs = np.broadcast_to(
        np.asarray(h if horizon_for_sigma is None else horizon_for_sigma, dtype=np.int64), (m,)
    ).copy()
    if (hs < 1).any():
        raise ValueError("horizon_for_sigma: expected positive integers")
    H = int(max(h, hs.max()))
    s = int(season_length) if season_length else None

    cand = _candidate_sets(pattern, methods, s)
    names = sorted({n for c in cand for n in c}, key=_order_key)
    origins = backtest_origins(T, H, n_origins, origin_step, min_train=4)
    first = int(origins[0]) if origins.size else T
    # MASE scale: in-sample (seasonal) naive MAE before the first origin
    scale = accuracy.naive_scale(y[:, :first], s if s and first > 2 * s else 1)
    if not (scale > 0).all():
        scale = np.where(scale > 0, scale, accuracy.naive_scale(y[:, :first], 1))
    scale = np.where(scale > 0, scale, 1.0)

    n_o = origins.size
    # target[i, j, k] = y[i, origins[j] + k] (NaN beyond the end)
    tgt_idx = origins[:, None] + np.arange(H)[None, :]
    inside = tgt_idx < T
    target = np.where(inside[None], y[:, np.minimum(tgt_idx, T - 1)], np.nan)

    best_val = np.full(m, np.inf)
    best_name = np.full(m, "", dtype=object)
    best_err = np.full((m, n_o, H), np.nan)
    rows_bt = []
    member = {n: np.array([n in c for c in cand]) for n in names}
    for name in names:
        rows = np.flatnonzero(member[name])
        method = make_method(name, s)
        if not n_o or first < method.min_train:
            continue
        params = method.fit(y[rows, :first])
        res = method.predict(y[rows], params, H, origins)
        err = target[rows] - res.origin_forecasts
        act = target[rows][:, :, :h].reshape(rows.size, -1)
        fc = res.origin_forecasts[:, :, :h].reshape(rows.size, -1)
        val = _metric_values(metric, act, fc, scale[rows])
        n_err = np.isfinite(act).sum(axis=1)
        usable = (n_err > 0) & ~np.isin(res.status, _NOT_RUN)
        val = np.where(usable, val, np.inf)
        better = val < best_val[rows] - 1e-12
        r = rows[better]
        best_val[r] = val[better]
        best_name[r] = name
        best_err[r] = err[better]
        rows_bt.append(
            pd.DataFrame(
                {
                    "item": item[rows],
                    "method": name,
                    "metric_value": np.where(usable, val, 0.0),
                    "n_errors": np.where(usable, n_err, 0),
                }  # fmt: skip
            )
        )

    # series without any scored candidate: first candidate in the preference order
    none = best_name == ""
    for i in np.flatnonzero(none):
        best_name[i] = sorted(cand[i], key=_order_key)[0]

    forecast = np.zeros((m, h))
    status = np.full(m, "ok", dtype=object)
    fitted_rmse = np.zeros(m)
    for name in sorted(set(best_name)):
        rows = np.flatnonzero(best_name == name)
        res = make_method(name, s).forecast(y[rows], h)
        forecast[rows] = res.forecast
        status[rows] = res.status
        resid = np.where(np.isfinite(y[rows]), y[rows] - res.fitted, np.nan)
        cnt = np.isfinite(resid).sum(axis=1)
        fitted_rmse[rows] = np.sqrt(
            np.where(cnt > 0, np.nansum(resid**2, axis=1) / np.maximum(cnt, 1), 0.0)
        )
    status[none & (status == "ok")] = "no_backtest"

    sigma_1, sigma_h, source, n_bt = _sigmas(best_err, hs, fitted_rmse)
    table = pd.DataFrame(
        {
            "item": item,
            "pattern": pattern,
            "method": best_name,
            "metric": metric,
            "metric_value": np.where(np.isfinite(best_val), best_val, 0.0),
            "sigma_1": sigma_1,
            "sigma_h": sigma_h,
            "horizon_for_sigma": hs,
            "sigma_source": source,
            "n_backtest": n_bt,
            "status": status,
        }
    )
    result = ForecastBatchResult(
        forecast=forecast,
        table=table,
        backtest=pd.concat(rows_bt, ignore_index=True) if rows_bt else pd.DataFrame(),
        origins=origins,
    )
    if statsmodels_rows is not None:
        from .statsmodels_models import statsmodels_candidates

        statsmodels_candidates(
            y, result, statsmodels_rows, h, hs, s, metric, scale, statsmodels_models, time_budget
        )
    if group is not None and top_down_min_demands:
        _apply_top_down(y, result, group, h, hs, s, metric, top_down_min_demands, share_periods)
    if nonnegative:
        result.forecast = np.maximum(result.forecast, 0.0)
    return result


def _order_key(name: str):
    return (_DEFAULT_ORDER.index(name) if name in _DEFAULT_ORDER else len(_DEFAULT_ORDER), name)


def _candidate_sets(pattern, methods, s):
    if isinstance(methods, str):
        if methods != "auto":
            return [(methods,)] * len(pattern)
        cache = {p: candidates_for(p, s) for p in PATTERNS}
        return [cache[p] for p in pattern]
    if isinstance(methods, dict):
        cache = {p: tuple(methods.get(p, candidates_for(p, s))) for p in PATTERNS}
        return [cache[p] for p in pattern]
    lst = tuple(methods)
    if not lst:
        raise ValueError("methods: expected at least one method name")
    return [lst] * len(pattern)


def _sigmas(err, hs, fallback):
    """sigma_1 and sigma_H from back-test errors (m, n_origins, H); see forecast_batch."""
    m = err.shape[0]
    if err.shape[1] == 0:
        z = np.zeros(m)
        return fallback, fallback * np.sqrt(hs), np.full(m, "in_sample", dtype=object), z
    e1 = err[:, :, 0]
    ok1 = np.isfinite(e1)
    n1 = ok1.sum(axis=1)
    sigma_1 = np.sqrt(np.where(n1 > 0, np.where(ok1, e1**2, 0).sum(1) / np.maximum(n1, 1), 0.0))
    sigma_1 = np.where(n1 > 0, sigma_1, fallback)
    cum = np.cumsum(err, axis=2)  # NaN propagates: an origin with a gap is not usable
    k = np.minimum(hs, err.shape[2]) - 1
    ch = np.take_along_axis(cum, np.broadcast_to(k[:, None, None], (m, err.shape[1], 1)), 2)[
        :, :, 0
    ]
    okh = np.isfinite(ch)
    nh = okh.sum(axis=1)
    sig_h = np.sqrt(np.where(okh, ch**2, 0).sum(1) / np.maximum(nh, 1))
    use = nh >= 2
    sigma_h = np.where(use, sig_h, sigma_1 * np.sqrt(hs))
    source = np.where(use, "backtest", "sqrt_h").astype(object)
    source[n1 == 0] = "in_sample"
    return sigma_1, sigma_h, source, nh


# --------------------------------------------------------------------------- top-down
def historical_share(y, group, share_periods: int | None = None) -> np.ndarray:
    """Each series' share of its group's total demand over the last ``share_periods``.

    .. math:: w_i = \\frac{\\sum_{t} y_{i,t}}{\\sum_{j \\in g(i)} \\sum_t y_{j,t}}

    the "average historical proportions" of top-down forecasting (Gross, C.W. & Sohl,
    J.E. (1990), "Disaggregation methods to expedite product line forecasting", *Journal
    of Forecasting* 9(3), 233-254; FPP3 section 11.2). Groups with no demand share
    equally.
    """
    y = as_matrix(y)
    g = np.asarray(group).reshape(-1)
    if g.size != y.shape[0]:
        raise ValueError(f"group: expected {y.shape[0]} keys, got {g.size}")
    yy = y if not share_periods else y[:, -int(share_periods) :]
    tot_i = np.where(np.isfinite(yy), np.maximum(yy, 0), 0.0).sum(axis=1)
    _, codes = np.unique(g, return_inverse=True)
    tot_g = np.bincount(codes, weights=tot_i)
    size_g = np.bincount(codes)
    return np.where(tot_g[codes] > 0, tot_i / np.where(tot_g[codes] > 0, tot_g[codes], 1.0),
                    1.0 / size_g[codes])  # fmt: skip


def top_down_forecast(y, group, h: int, share_periods: int | None = None, **kwargs):
    """Forecast the group totals, then split them by historical share.

    Returns ``(forecast (m, h), share (m,), group_result)`` where ``group_result`` is the
    :class:`ForecastBatchResult` of the group totals (keyword arguments go to
    :func:`forecast_batch`).
    """
    y = as_matrix(y)
    g = np.asarray(group).reshape(-1)
    keys, codes = np.unique(g, return_inverse=True)
    total = np.zeros((keys.size, y.shape[1]))
    np.add.at(total, codes, np.where(np.isfinite(y), y, 0.0))
    res = forecast_batch(total, h, ids=keys, **kwargs)
    share = historical_share(y, g, share_periods)
    return res.forecast[codes] * share[:, None], share, res


def _apply_top_down(y, result, group, h, hs, s, metric, min_demands, share_periods):
    g = np.asarray(group).reshape(-1)
    nz = (np.isfinite(y) & (y > 0)).sum(axis=1)
    sparse = nz < int(min_demands)
    if not sparse.any():
        return
    _, codes = np.unique(g, return_inverse=True)
    fc, share, gres = top_down_forecast(
        y, g, h, share_periods, season_length=s, metric=metric,
        horizon_for_sigma=np.bincount(codes, weights=hs) // np.maximum(np.bincount(codes), 1),
    )  # fmt: skip
    t = result.table
    rows = np.flatnonzero(sparse)
    result.forecast[rows] = fc[rows]
    gt = gres.table
    sig1 = gt["sigma_1"].to_numpy()[codes] * share
    sigh = gt["sigma_h"].to_numpy()[codes] * share
    t.loc[rows, "method"] = "top_down:" + gt["method"].to_numpy()[codes][rows].astype(str)
    t.loc[rows, "sigma_1"] = sig1[rows]
    t.loc[rows, "sigma_h"] = sigh[rows]
    t.loc[rows, "sigma_source"] = "top_down"
    t.loc[rows, "status"] = "top_down"


def series_mean(y) -> np.ndarray:
    """Mean of the valid periods per series (0 when none)."""
    y = as_matrix(y)
    return masked_mean(y, np.isfinite(y))
