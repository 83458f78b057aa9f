"""The planning window and the hand-over from a forecast to a reorder rule.

One rule for every caller (the command line, :func:`invplan.planning.run_plan`, the Odoo
addons and the benchmarks):

- :func:`planning_window`: the history a plan reads is made of *complete* buckets only.
  It ends at the plan's as-of date (the first day the plan is for), never at the last
  date that happened to have demand: the bucket holding the as-of date has only begun
  and is left out, and so is a bucket cut by the start of the window.
- :func:`mask_before_introduction`: an item introduced inside the window has no demand
  before its introduction because it did not exist, not because nobody wanted it; its
  periods before the first complete period of activity are missing, not zero.
- :func:`protection_demand`: the demand a reorder rule protects is the forecast over the
  protection interval that starts on the as-of date (the rest of the current bucket,
  then the next ones), and its uncertainty the forecast-error deviation over that
  interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: pandas period frequency per bucket name; ISO weeks run Monday to Sunday.
FREQUENCIES = {"day": "D", "week": "W-SUN", "month": "M"}
#: Average length of a bucket in days (a month is a twelfth of a Julian year).
BUCKET_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


@dataclass(frozen=True)
class PlanWindow:
    """Complete buckets of history before ``as_of``.

    Attributes
    ----------
    as_of : Timestamp
        The plan's date: the first day that is not history.
    start, end : Timestamp
        First and last day of the window (``end`` is the last day of the last complete
        bucket, at most the day before ``as_of``).
    periods : PeriodIndex
        The complete buckets, oldest first (may be empty).
    bucket : str
        ``day``, ``week`` or ``month``.
    current_start : Timestamp
        First day of the bucket holding ``as_of`` (the first forecast bucket).
    """

    as_of: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    periods: pd.PeriodIndex
    bucket: str
    current_start: pd.Timestamp

    @property
    def offset_days(self) -> int:
        """Days of the current bucket already elapsed on the as-of date."""
        return int((self.as_of - self.current_start).days)


def default_as_of(dates) -> pd.Timestamp:
    """The day after the last date of an export (today's date when it is empty)."""
    d = pd.to_datetime(pd.Series(dates))
    if d.empty or d.isna().all():
        return pd.Timestamp.today().normalize()
    return d.max().normalize() + pd.Timedelta(days=1)


def planning_window(as_of, bucket: str = "week", window_days: int = 730) -> PlanWindow:
    """The complete buckets of the ``window_days`` days before ``as_of``.

    The window's days are ``[as_of - window_days, as_of - 1]``; it keeps the buckets that
    lie wholly inside: the bucket holding ``as_of`` has only begun, and the first bucket
    may be cut by the window's start. A week is an ISO week (Monday to Sunday, ISO 8601),
    a month a calendar month. Examples: with ``as_of`` a Wednesday, the last week is the
    one that ended the Sunday before; with ``as_of`` a Monday, it is the week that ended
    the day before. Raises ``ValueError`` for an unknown bucket or a window shorter than
    one day.
    """
    if bucket not in FREQUENCIES:
        raise ValueError(f"bucket: expected one of {sorted(FREQUENCIES)}, got {bucket!r}")
    if not window_days or int(window_days) < 1:
        raise ValueError(f"window_days: expected a positive number of days, got {window_days!r}")
    freq = FREQUENCIES[bucket]
    as_of = pd.Timestamp(as_of).normalize()
    first_day = as_of - pd.Timedelta(days=int(window_days))
    current = as_of.to_period(freq)
    last = current - 1
    first = first_day.to_period(freq)
    if first.start_time.normalize() < first_day:
        first = first + 1
    periods = (
        pd.period_range(first, last, freq=freq) if first <= last else pd.PeriodIndex([], freq=freq)
    )
    start = first.start_time.normalize()
    end = last.end_time.normalize()
    if len(periods) == 0:
        start = end = as_of - pd.Timedelta(days=1)
    return PlanWindow(
        as_of=as_of,
        start=start,
        end=end,
        periods=periods,
        bucket=bucket,
        current_start=current.start_time.normalize(),
    )


def mask_before_introduction(
    demand: np.ndarray, first_active: np.ndarray, min_gap_periods: float = 3.0
) -> np.ndarray:
    """Missing (NaN) instead of zero for the periods before an item was introduced.

    ``first_active[i]`` is the index of the period that holds item i's first recorded
    activity (fractional: 2.4 means 40 % into period 2; ``-inf`` or less than 0: active
    before the window; NaN: never active). An item counts as introduced inside the
    window when the zero stretch before its first activity is longer than its own
    demand rhythm explains: more than ``min_gap_periods`` times its average demand
    interval after that date (Syntetos-Boylan ADI), and more than one period; a slow
    mover whose first sale of the window came late by chance keeps its zeros. For an
    introduced item, every period before the first *complete* period of activity is
    set to NaN (the forecasting methods carry their states over missing periods), so a
    launch mid-bucket does not read as a bucket of low demand.
    """
    y = np.array(demand, dtype=float, copy=True)
    if y.ndim != 2:
        raise ValueError(f"demand: expected items x periods, got shape {y.shape}")
    m, n = y.shape
    fa = np.broadcast_to(np.asarray(first_active, dtype=float), (m,))
    if n == 0:
        return y
    idx = np.arange(n)[None, :]
    lead = np.where(np.isfinite(fa), np.floor(np.maximum(fa, 0.0)), n)
    after = idx >= lead[:, None]
    nz_after = ((y > 0) & after).sum(axis=1)
    len_after = (after & np.isfinite(y)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(nz_after > 0, len_after / np.maximum(nz_after, 1), np.inf)
    gap = np.where(np.isfinite(fa), np.maximum(fa, 0.0), 0.0)
    introduced = np.isfinite(fa) & (fa > 0) & (gap > 1.0) & (gap > min_gap_periods * adi)
    # First complete period of activity: a fractional start means a partial period.
    first_full = np.ceil(np.where(np.isfinite(fa), np.maximum(fa, 0.0), 0.0) - 1e-9)
    cut = np.where(introduced, np.minimum(first_full, n), 0)
    y[idx < cut[:, None]] = np.nan
    return y


def sigma_over(periods, sigma_1, sigma_h, h) -> np.ndarray:
    """Forecast-error deviation of the cumulative demand over ``periods`` periods.

    The back-test gives the deviation of one period's error :math:`\\sigma_1` and of the
    cumulated error over ``h`` periods :math:`\\sigma_h`. Between and beyond them the
    deviation is interpolated on a power law, :math:`\\sigma_p = \\sigma_1 p^{a}` with
    :math:`a = \\ln(\\sigma_h / \\sigma_1) / \\ln h` clipped to [0.5, 1]: a = 0.5 is the
    square-root law of independent errors, a = 1 errors that persist over the horizon
    (a level error); the cumulative forecast-error form of safety stock is in Silver,
    Pyke & Peterson, *Inventory and Production Management in Supply Chains* (4th ed.),
    section 6.9 / eq. 6.19 and Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, section 5.5 (multi-step forecast variance). Below one period (a lead time
    shorter than a bucket) the square-root law applies: the days inside a bucket add
    their own, nearly independent noise. Where ``h`` equals ``periods``
    the back-test value is returned as it is. Where only one of the two is known the
    square-root law applies.
    """
    p = np.asarray(periods, dtype=float)
    s1 = np.asarray(sigma_1, dtype=float)
    sh = np.asarray(sigma_h, dtype=float)
    hh = np.asarray(h, dtype=float)
    with np.errstate(all="ignore"):
        good = (s1 > 0) & (sh > 0) & (hh > 1) & np.isfinite(s1) & np.isfinite(sh)
        a = np.where(
            good, np.log(np.where(good, sh / s1, 1.0)) / np.log(np.where(hh > 1, hh, 2.0)), 0.5
        )
        a = np.clip(np.where(np.isfinite(a), a, 0.5), 0.5, 1.0)
        # Within one period the days' errors are close to independent: square-root law.
        a = np.where(p < 1.0, 0.5, a)
        from_1 = s1 * np.power(np.maximum(p, 0.0), a)
        from_h = sh * np.sqrt(np.maximum(p, 0.0) / np.where(hh > 0, hh, 1.0))
        out = np.where(
            good,
            np.where(np.abs(p - hh) < 1e-9, sh, from_1),
            np.where((s1 > 0) & np.isfinite(s1), s1 * np.sqrt(np.maximum(p, 0.0)), from_h),
        )
    return np.where(np.isfinite(out) & (out > 0), out, 0.0)


def protection_demand(forecast, period_days: float, offset_days, protection_days):
    """Mean demand per day over the protection interval, from per-bucket forecasts.

    ``forecast`` (items x H) holds the forecast of each bucket from the one holding the
    as-of date on; each bucket's quantity is spread evenly over its ``period_days``
    days. The protection interval starts ``offset_days`` into the first bucket (the days
    of the current bucket already gone) and lasts ``protection_days`` (lead time, plus
    the review period for periodic review). Its demand is the integral of that step
    function; past the last bucket the last bucket's rate continues. Returns
    ``(demand per day, demand over the interval)``, both >= 0 and finite. With a flat
    forecast this is the forecast per period / period length, so a trend or a season in
    the forecast reaches the rule for the days the rule actually covers.
    """
    f = np.asarray(forecast, dtype=float)
    if f.ndim == 1:
        f = f[:, None]
    m, H = f.shape
    f = np.where(np.isfinite(f) & (f > 0), f, 0.0)
    off = np.broadcast_to(np.asarray(offset_days, dtype=float), (m,))
    P = np.broadcast_to(np.asarray(protection_days, dtype=float), (m,))
    P = np.where(np.isfinite(P) & (P > 0), P, 0.0)
    if H == 0:
        return np.zeros(m), np.zeros(m)
    rate = f / float(period_days)  # per day within each bucket
    edges = np.arange(H + 1) * float(period_days)  # bucket boundaries in days
    a = np.maximum(off, 0.0)[:, None]
    b = (np.maximum(off, 0.0) + P)[:, None]
    overlap = np.clip(np.minimum(b, edges[None, 1:]) - np.maximum(a, edges[None, :-1]), 0.0, None)
    total = (overlap * rate).sum(axis=1)
    beyond = np.clip(b[:, 0] - np.maximum(a[:, 0], edges[-1]), 0.0, None)
    total = total + beyond * rate[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_day = np.where(P > 0, total / P, rate[:, 0] if H else 0.0)
    per_day = np.where(np.isfinite(per_day), per_day, 0.0)
    total = np.where(np.isfinite(total), total, 0.0)
    return per_day, total
