"""Dated quantities to dense items x periods matrices, outlier and event flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import as_matrix

#: pandas period frequency per bucket name; ISO weeks run Monday to Sunday.
FREQUENCIES = {"day": "D", "week": "W-SUN", "month": "M"}


@dataclass
class DemandBuckets:
    """Bucketed demand, one row per series, one column per period (oldest first).

    Attributes
    ----------
    keys : Index
        Series keys, sorted.
    periods : PeriodIndex
        Period labels (days, ISO weeks Monday-Sunday, or months), no gaps.
    demand : ndarray (m, n)
        Baseline quantity per period: every quantity not flagged as an event.
    event_qty : ndarray (m, n)
        Quantity of event / promotion rows, reported apart from the baseline.
    censored : ndarray of bool (m, n)
        Period contains a censored (stockout) row.
    event : ndarray of bool (m, n)
        Period contains an event row.
    """

    keys: pd.Index
    periods: pd.PeriodIndex
    demand: np.ndarray
    event_qty: np.ndarray
    censored: np.ndarray
    event: np.ndarray

    def baseline(self, exclude_events: bool = True, exclude_censored: bool = True):
        """Demand with censored and event periods set to NaN (missing) for forecasting.

        A censored period understates demand and an event period is not baseline demand;
        the forecasting methods carry their states through missing periods.
        """
        d = self.demand.copy()
        mask = np.zeros_like(self.censored)
        if exclude_censored:
            mask |= self.censored
        if exclude_events:
            mask |= self.event
        d[mask] = np.nan
        return d


def bucket_demand(
    data: pd.DataFrame,
    freq: str = "week",
    key="item",
    date: str = "date",
    quantity: str = "quantity",
    censored: str | None = None,
    event: str | None = None,
    start=None,
    end=None,
) -> DemandBuckets:
    """Sum dated quantities into dense day / ISO-week / month buckets per series.

    Every series gets every period from ``start`` (default: the first date in the data)
    to ``end`` (default: the last), zero where nothing was recorded. Rows flagged in the
    boolean ``event`` column go to ``event_qty`` instead of ``demand`` and flag their
    period; rows flagged ``censored`` flag their period as censored (a stockout: the
    recorded quantity understates demand). ``key`` may be a column name or a list of
    names (e.g. product and warehouse): the keys are then a MultiIndex.
    Weeks are ISO weeks, Monday to Sunday (ISO 8601).
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq: expected one of {sorted(FREQUENCIES)}, got {freq!r}")
    keys = [key] if isinstance(key, str) else list(key)
    need = keys + [date, quantity] + [c for c in (censored, event) if c]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise ValueError(f"data: missing columns {missing}")
    dates = pd.to_datetime(data[date])
    per = dates.dt.to_period(FREQUENCIES[freq])
    lo = pd.Timestamp(start).to_period(FREQUENCIES[freq]) if start is not None else per.min()
    hi = pd.Timestamp(end).to_period(FREQUENCIES[freq]) if end is not None else per.max()
    periods = pd.period_range(lo, hi, freq=FREQUENCIES[freq])
    if len(data) == 0 or len(periods) == 0:
        empty = np.zeros((0, len(periods)))
        return DemandBuckets(pd.Index([]), periods, empty, empty, empty > 0, empty > 0)
    col = pd.PeriodIndex(per).asi8 - lo.ordinal
    inside = (col >= 0) & (col < len(periods))
    if len(keys) == 1:
        codes, uniq = pd.factorize(data[keys[0]], sort=True)
        index = pd.Index(uniq, name=keys[0])
    else:
        mi = pd.MultiIndex.from_frame(data[keys])
        codes, uniq = pd.factorize(mi, sort=True)
        index = pd.MultiIndex.from_tuples(list(uniq), names=keys)
    m, n = len(index), len(periods)
    qty = pd.to_numeric(data[quantity], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    is_event = (
        data[event].fillna(False).to_numpy(dtype=bool) if event else np.zeros(len(data), bool)
    )
    is_cens = (
        data[censored].fillna(False).to_numpy(dtype=bool) if censored else np.zeros(len(data), bool)
    )
    flat = codes * n + col
    sel = inside & (codes >= 0)
    demand = np.bincount(flat[sel & ~is_event], qty[sel & ~is_event], minlength=m * n)
    ev_qty = np.bincount(flat[sel & is_event], qty[sel & is_event], minlength=m * n)
    ev = np.bincount(flat[sel & is_event], minlength=m * n) > 0
    cen = np.bincount(flat[sel & is_cens], minlength=m * n) > 0
    return DemandBuckets(
        keys=index,
        periods=periods,
        demand=demand.reshape(m, n),
        event_qty=ev_qty.reshape(m, n),
        censored=cen.reshape(m, n),
        event=ev.reshape(m, n),
    )


@dataclass
class OutlierFlags:
    """Result of :func:`flag_outliers`: flags, the rolling median, and a cleaned copy."""

    flags: np.ndarray
    median: np.ndarray
    scale: np.ndarray
    cleaned: np.ndarray


def flag_outliers(y, window: int = 7, n_sigmas: float = 3.0, min_scale: float = 0.0):
    """Hampel identifier: flag values far from a centred rolling median.

    .. math::

        r_t = y_t - \\operatorname{med}(y_{t-k..t+k}), \\quad
        S_t = 1.4826\\,\\operatorname{med}|y_{t-k..t+k} - \\operatorname{med}(y_{t-k..t+k})|,
        \\quad \\text{outlier if } |r_t| > n\\,\\max(S_t, S^{\\text{row}}, s_{\\min})

    with window :math:`2k + 1` (``window`` rounded up to odd), 1.4826 the factor that
    makes the MAD a consistent estimate of a normal standard deviation (Hampel, F.R.
    (1974), "The influence curve and its role in robust estimation", *JASA* 69(346);
    Pearson, R.K. (2002), "Outliers in process modeling and identification", *IEEE
    Trans. Control Systems Technology* 10(1)). :math:`S^{\\text{row}}` is the MAD scale
    of the row's residuals :math:`r_t`: it stops a locally flat stretch (scale 0, common in
    intermittent demand) from flagging every ordinary demand. NaN values are skipped and
    never flagged. ``cleaned`` replaces flagged values by the rolling median.
    """
    y = as_matrix(y)
    m, T = y.shape
    k = max(1, int(window) // 2)
    pad = np.pad(y, ((0, 0), (k, k)), constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * k + 1, axis=1)
    ok = np.isfinite(y)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(win, axis=2)
            mad = np.nanmedian(np.abs(win - med[:, :, None]), axis=2)
            resid = np.where(ok, y - med, np.nan)
            rmed = np.nanmedian(resid, axis=1)
            row_scale = 1.4826 * np.nanmedian(np.abs(resid - rmed[:, None]), axis=1)
    med = np.where(np.isfinite(med), med, 0.0)
    local = np.where(np.isfinite(mad), 1.4826 * mad, 0.0)
    row_scale = np.where(np.isfinite(row_scale), row_scale, 0.0)
    scale = np.maximum(np.maximum(local, row_scale[:, None]), float(min_scale))
    flags = ok & (np.abs(np.where(ok, y, 0.0) - med) > n_sigmas * scale) & (scale > 0)
    cleaned = np.where(flags, med, y)
    return OutlierFlags(flags=flags, median=med, scale=scale, cleaned=cleaned)
