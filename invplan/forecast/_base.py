"""Shared pieces of the forecasting methods: input checks, series status, the result type."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Per-series statuses a method can return (the first that applies).
METHOD_STATUSES = (
    "ok",
    "no_data",  # no valid period: forecast 0
    "single_point",  # one valid period: forecast = that value
    "all_zero",  # every valid period is 0: forecast 0
    "constant",  # every valid period has the same value
    "short_history",  # too short for the method (e.g. < 1 season): a simpler fallback ran
    "not_applicable",  # the method does not apply (e.g. multiplicative on zeros): fallback ran
    "numerical_fallback",  # non-finite values appeared: fallback to the series mean
)


@dataclass
class MethodResult:
    """What every method returns, for all series of the batch at once.

    Attributes
    ----------
    method : str
        Method name.
    forecast : ndarray, shape (m, h)
        Point forecasts for the h periods after the last one.
    fitted : ndarray, shape (m, T)
        In-sample one-step-ahead forecasts: ``fitted[:, t]`` is the forecast of period t
        made at the end of period t - 1 (the initial state for t = 0).
    params : dict of str -> ndarray, shape (m,)
        Smoothing parameters and initial states per series.
    status : ndarray of str, shape (m,)
        One of :data:`METHOD_STATUSES` per series.
    origin_forecasts : ndarray, shape (m, n_origins, h), or None
        Forecasts made at each requested origin ``o`` (after observing periods
        ``0 .. o - 1``) for periods ``o .. o + h - 1``, with the parameters fixed.
    """

    method: str
    forecast: np.ndarray
    fitted: np.ndarray
    params: dict = field(default_factory=dict)
    status: np.ndarray | None = None
    origin_forecasts: np.ndarray | None = None


def as_matrix(y, name: str = "y") -> np.ndarray:
    """Return ``y`` as a float items x periods matrix (a 1-D input is one series)."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {y!r:.80}") from exc
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D items x periods array, got shape {arr.shape}")
    return arr


def check_horizon(h) -> int:
    try:
        hi = int(h)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"h: expected a positive integer, got {h!r}") from exc
    if hi < 1 or hi != h:
        raise ValueError(f"h: expected a positive integer, got {h!r}")
    return hi


def check_origins(origins, T: int) -> np.ndarray:
    o = np.asarray([] if origins is None else origins, dtype=np.int64).reshape(-1)
    if o.size and (o.min() < 1 or o.max() > T):
        raise ValueError(f"origins: expected values in 1..{T}, got {o.tolist()}")
    return o


def valid_mask(y: np.ndarray) -> np.ndarray:
    """Valid periods: finite quantities (NaN marks a missing or censored period)."""
    return np.isfinite(y)


def series_status(y: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Status of each series from its data alone (no_data, single_point, all_zero, ...)."""
    m, T = y.shape
    status = np.full(m, "ok", dtype=object)
    if T and (valid is None or valid.all()):
        # complete data: two reductions instead of masked copies
        big, small = y.max(axis=1), y.min(axis=1)
        status[(T > 1) & (big == small)] = "constant"
        status[(big == 0) & (small == 0)] = "all_zero"
        if T == 1:
            status[:] = "single_point"
        return status
    n = valid.sum(axis=1)
    yz = np.where(valid, y, 0.0)
    big = np.where(valid, y, -np.inf).max(axis=1, initial=-np.inf)
    small = np.where(valid, y, np.inf).min(axis=1, initial=np.inf)
    constant = (n > 1) & (big == small)
    status[constant] = "constant"
    status[(n > 0) & ~(np.abs(yz) > 0).any(axis=1)] = "all_zero"
    status[n == 1] = "single_point"
    status[n == 0] = "no_data"
    return status


def merge_status(base: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Keep ``base`` where it is not ``ok``, else take ``extra``."""
    return np.where(base == "ok", extra, base).astype(object)


def masked_mean(y: np.ndarray, valid: np.ndarray, default: float = 0.0) -> np.ndarray:
    n = valid.sum(axis=1)
    s = np.where(valid, y, 0.0).sum(axis=1)
    return np.where(n > 0, s / np.maximum(n, 1), default)


def first_k_mean(y: np.ndarray, valid: np.ndarray, k: np.ndarray, skip: np.ndarray | None = None):
    """Mean of the valid values number ``skip+1 .. skip+k`` of each row (0 if none).

    Returns (mean, count, mean position of those values).
    """
    lo = np.zeros_like(k) if skip is None else skip
    # only a prefix of the periods can hold those values: widen it until it does
    T = y.shape[1]
    need = int((lo + k).max(initial=0))
    width = min(T, max(need, 1))
    while width < T and (valid[:, :width].sum(axis=1) < lo + k).any():
        width = min(T, 2 * width)
    y, valid = y[:, :width], valid[:, :width]
    rank = np.cumsum(valid, axis=1)  # 1-based rank of each valid value
    sel = valid & (rank > lo[:, None]) & (rank <= (lo + k)[:, None])
    cnt = sel.sum(axis=1)
    s = np.where(sel, y, 0.0).sum(axis=1)
    pos = (sel * np.arange(y.shape[1])).sum(axis=1)
    safe = np.maximum(cnt, 1)
    return np.where(cnt > 0, s / safe, 0.0), cnt, np.where(cnt > 0, pos / safe, 0.0)


def finite_or(x: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Replace non-finite entries of ``x`` (m, ...) by the row's ``fallback``."""
    fb = np.broadcast_to(fallback.reshape((-1,) + (1,) * (x.ndim - 1)), x.shape)
    return np.where(np.isfinite(x), x, fb)


def finish(
    name: str,
    y: np.ndarray,
    valid: np.ndarray,
    forecast: np.ndarray,
    fitted: np.ndarray,
    params: dict,
    method_status: np.ndarray | None,
    origin_forecasts: np.ndarray | None,
) -> MethodResult:
    """Attach statuses and replace any non-finite output by the series mean (flagged).

    ``valid`` may be None when every period of ``y`` is valid.
    """
    status = series_status(y, valid)
    if method_status is not None:
        status = merge_status(status, method_status)
    ok_fc = np.isfinite(forecast).all(axis=1)
    # one whole-array check first (memory order); per-row only when something is off
    ok_fit = ok_fc | True if np.isfinite(fitted.sum()) else np.isfinite(fitted).all(axis=1)
    ok_o = None if origin_forecasts is None else np.isfinite(origin_forecasts).all(axis=(1, 2))
    bad = ~ok_fc | ~ok_fit
    if ok_o is not None:
        bad |= ~ok_o
    if bad.any():
        # only then pay for the fallback mean and the masked copies
        mean = masked_mean(y, valid_mask(y) if valid is None else valid)
        status[bad & np.isin(status, ("ok", "constant"))] = "numerical_fallback"
        forecast = finite_or(forecast, mean) if not ok_fc.all() else forecast
        fitted = finite_or(fitted, mean) if not ok_fit.all() else fitted
        if ok_o is not None and not ok_o.all():
            origin_forecasts = finite_or(origin_forecasts, mean)
    return MethodResult(
        method=name,
        forecast=np.array(forecast, dtype=float),  # small; never a read-only broadcast view
        fitted=fitted,
        params={k: np.asarray(v) for k, v in params.items()},
        status=status,
        origin_forecasts=origin_forecasts,
    )
