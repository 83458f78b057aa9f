"""Forecasting methods vectorised across series.

Every method takes an items x periods matrix ``y`` (oldest period first, NaN for a missing
or censored period) and works on all rows at once: the only Python loops run over time
steps, over a small parameter grid, or over blocks of rows that bound memory. Each method
is a small class with the same interface:

``fit(y) -> params``
    Smoothing parameters chosen per series by a vectorised coarse-to-fine search that
    minimises the in-sample one-step sum of squared errors (SSE): a coarse grid, then
    rounds of steps around each series' best value, every grid point an extra row of one
    kernel pass; initial states from the start of ``y`` (Holt: the SSE-minimising ones).
``predict(y, params, h, origins=None) -> MethodResult``
    Runs the recursions with fixed parameters over ``y`` and returns the h-step forecasts
    after the last period, the in-sample one-step fitted values and, for every origin
    ``o`` asked for, the forecasts made after period ``o - 1`` (this is what the
    rolling-origin back-test uses: parameters fixed, states updated).
``forecast(y, h, origins=None) -> MethodResult``
    ``predict(y, fit(y), h, origins)``.

A missing period (NaN) contributes no error and the states are carried through it (the
level moves by the trend, the seasonal index is kept). Series with no data, one point,
all zeros or a constant get a finite forecast and a status, never NaN and never an
exception (see :data:`invplan.forecast.METHOD_STATUSES`).
"""

from __future__ import annotations

import numpy as np

from ._base import (
    MethodResult,
    as_matrix,
    check_horizon,
    check_origins,
    finish,
    first_k_mean,
    valid_mask,
)

#: Rows x grid points x state size processed at once by the smoothing kernels.
_BLOCK_ELEMENTS = 1 << 21

_PHI_GRID = np.array([0.8, 0.88, 0.94, 0.98])
_GAMMA_GRID = np.array([0.01, 0.05, 0.1, 0.3])
_ALPHA_GRID_SEASONAL = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7])
_BETA_GRID_SEASONAL = np.array([0.005, 0.02, 0.05, 0.15, 0.3])
_REFINE = np.array([0.7, 0.85, 1.0, 1.18, 1.4])
#: Coarse-to-fine searches: a coarse grid, then rounds of multiplicative steps around each
#: series' best value (each round evaluated for all series and steps in one kernel pass).
_SES_COARSE = np.array([0.01, 0.04, 0.12, 0.3, 0.6, 0.95])
_SES_ROUNDS = (np.array([0.62, 0.8, 1.25, 1.6]), np.array([0.89, 0.945, 1.06, 1.12]))
#: ADIDA's bucket series are short (T / k points): a coarser first grid is enough.
_ADIDA_COARSE = np.array([0.02, 0.06, 0.15, 0.3, 0.55, 0.9])
_CROSTON_COARSE = np.array([0.03, 0.07, 0.15, 0.3, 0.5])
_CROSTON_ROUNDS = (np.array([0.7, 0.84, 1.2, 1.42]),)
_HOLT_ALPHA_COARSE = np.array([1e-4, 2e-3, 0.01, 0.04, 0.12, 0.3, 0.6, 0.9])
_HOLT_BETA_COARSE = np.array([1e-3, 0.01, 0.05, 0.2, 0.6, 1.0])
_HOLT_ROUNDS = (np.array([0.5, 1.0, 2.0]), np.array([0.75, 1.0, 1.33]), np.array([0.9, 1.0, 1.11]))
_TSB_ALPHA_COARSE = np.array([0.05, 0.15, 0.4])
_TSB_BETA_COARSE = np.array([0.01, 0.04, 0.15])
_TSB_ROUNDS = (np.array([0.6, 1.0, 1.6]), np.array([0.8, 1.0, 1.25]))
_TINY = 1e-12


# =========================================================================== helpers
#: Rows transposed at once by :func:`_time_major` (a block of rows stays in cache).
_TRANSPOSE_ROWS = 256


def _time_major(a: np.ndarray, dtype=float) -> np.ndarray:
    """Contiguous (T, m) copy of an (m, T) matrix.

    The kernels step through time and touch one period of every series per step, so the
    period must be a contiguous row; copying blocks of rows keeps the transpose in cache
    (several times faster than one strided copy of the whole matrix).
    """
    m, T = a.shape
    out = np.empty((T, m), dtype=dtype)
    for start in range(0, m, _TRANSPOSE_ROWS):
        out[:, start : start + _TRANSPOSE_ROWS] = a[start : start + _TRANSPOSE_ROWS].T
    return out


class _Prepared:
    """A demand matrix with the layouts the kernels need, built once per forecast call.

    ``y`` (m, T) as given, ``valid`` its finite mask, ``complete`` whether every period is
    valid, ``yT`` the time-major copy with missing periods as 0 and ``wT`` the time-major
    float mask (None when complete). ``cache`` holds method-specific layouts.
    """

    __slots__ = ("y", "complete", "cache", "_valid", "_yT", "_wT")

    def __init__(self, y):
        self.y = as_matrix(y)
        # a finite total means every value is finite (an overflow only costs the full check)
        self.complete = bool(np.isfinite(self.y.sum())) or bool(np.isfinite(self.y).all())
        self._valid = self._yT = self._wT = None
        self.cache = {}

    @property
    def valid(self) -> np.ndarray:
        if self._valid is None:
            self._valid = valid_mask(self.y)
        return self._valid

    @property
    def yT(self) -> np.ndarray:
        if self._yT is None:
            yz = self.y if self.complete else np.where(self.valid, self.y, 0.0)
            self._yT = _time_major(yz)
        return self._yT

    @property
    def wT(self):
        if self._wT is None and not self.complete:
            self._wT = _time_major(self.valid, float)
        return self._wT

    def yT32(self) -> np.ndarray:
        """float32 time-major copy for parameter searches (cached)."""
        if "yT32" not in self.cache:
            self.cache["yT32"] = self.yT.astype(np.float32)
        return self.cache["yT32"]

    @property
    def valid_or_none(self):
        """The mask, or None when every period is valid (lets :func:`finish` skip it)."""
        return None if self.complete else self.valid

    @classmethod
    def of(cls, y) -> _Prepared:
        return y if isinstance(y, cls) else cls(y)


def _prepare(y):
    """(y matrix, valid mask, y time-major with missing as 0, float mask time-major or None)."""
    d = _Prepared.of(y)
    return d.y, d.valid, d.yT, d.wT


def _blocks(m: int, per_row: int):
    """Row slices such that rows x per_row stays near :data:`_BLOCK_ELEMENTS`."""
    size = max(1, _BLOCK_ELEMENTS // max(per_row, 1))
    for start in range(0, max(m, 1), size):
        yield slice(start, min(start + size, m))


def _refine_grid(best: np.ndarray, lo: float = 0.005, hi: float = 0.995) -> np.ndarray:
    """Local multiplicative grid (len(_REFINE), m) around each series' best value."""
    return np.clip(best[None, :] * _REFINE[:, None], lo, hi)


def _pick(grid_values: np.ndarray, sse: np.ndarray) -> np.ndarray:
    """Per-series value of the grid point with the least SSE (grid is (G, 1) or (G, m))."""
    idx = np.argmin(np.where(np.isfinite(sse), sse, np.inf), axis=0)
    g = np.broadcast_to(grid_values, sse.shape)
    return g[idx, np.arange(sse.shape[1])]


def _uniform_or(x: np.ndarray):
    """A Python float when every entry of ``x`` is the same (a scalar operand is one memory
    stream less per ufunc call in the kernels), else ``x``."""
    if x.size and (x == x.flat[0]).all():
        return float(x.flat[0])
    return x


def _best_of(grid: np.ndarray, sse: np.ndarray, best, best_sse, *extra):
    """Fold a (G, m) evaluation into the running best (value, sse, extra per-point arrays)."""
    sse = np.where(np.isfinite(sse), sse, np.inf)
    idx = np.argmin(sse, axis=0)
    cols = np.arange(sse.shape[1])
    cand_sse = sse[idx, cols]
    better = cand_sse < best_sse
    out = [np.where(better, np.broadcast_to(grid, sse.shape)[idx, cols], best),
           np.where(better, cand_sse, best_sse)]  # fmt: skip
    for new, old in extra:
        out.append(np.where(better, np.broadcast_to(new, sse.shape)[idx, cols], old))
    return out


def _search_1d(evaluate, coarse, rounds, m: int, lo: float, hi: float):
    """Per-series minimiser of ``evaluate(grid (G, m) or (G, 1)) -> sse (G, m)``.

    A coarse grid first, then for each round the best value times each step factor
    (clipped to [lo, hi]): every round is one call, all series and points together.
    """
    best, best_sse = _best_of(coarse[:, None], evaluate(coarse[:, None]), np.zeros(m),
                              np.full(m, np.inf))  # fmt: skip
    for steps in rounds:
        grid = np.clip(best[None, :] * steps[:, None], lo, hi)
        best, best_sse = _best_of(grid, evaluate(grid), best, best_sse)
    return best, best_sse


def _last_valid(y: np.ndarray, valid: np.ndarray, upto: int, default: float = 0.0):
    """Last valid value of each row among periods < upto (``default`` if none)."""
    if upto <= 0:
        return np.full(y.shape[0], default)
    v = valid[:, :upto]
    idx = np.where(v, np.arange(upto), -1).max(axis=1)
    out = y[np.arange(y.shape[0]), np.maximum(idx, 0)]
    return np.where(idx >= 0, out, default)


def _ffill_prev(y: np.ndarray, valid: np.ndarray, default: np.ndarray) -> np.ndarray:
    """(m, T+1): column t holds the last valid value before period t (default if none)."""
    m, T = y.shape
    idx = np.where(valid, np.arange(T), -1)
    idx = np.maximum.accumulate(idx, axis=1)
    vals = np.take_along_axis(y, np.maximum(idx, 0), axis=1)
    vals = np.where(idx >= 0, vals, default[:, None])
    return np.concatenate([default[:, None], vals], axis=1)


# =========================================================================== ES kernel
def _ses_kernel(yT, wT, alpha, l0, want_sse=True, keep=False, origins=(), active=None,
                dtype=float):  # fmt: skip
    """Simple exponential smoothing for many series (and grid points) at once.

    Error-correction form :math:`\\ell_t = \\ell_{t-1} + \\alpha (y_t - \\ell_{t-1})`
    (FPP3 section 8.1), one-step forecast :math:`\\ell_{t-1}`. ``alpha`` broadcasts with
    ``(m,)`` to ``(m,)`` or ``(G, m)``; ``yT`` is time-major (T, m). The step does four
    in-place ufunc calls on contiguous rows. ``active[t]`` (optional, non-increasing) is the
    number of leading columns still running at step t: ragged series sorted by length
    share one pass, each stopping at its own end with its final level kept.

    ``dtype=np.float32`` (with a float32 ``yT``) halves the memory traffic of a parameter
    search, where only the ranking of the SSEs matters; forecasts run in float64.

    Returns ``(sse, fitted (T, m) | None, origin levels (n_o, m), final level)``.
    """
    T, m = yT.shape
    shape = np.broadcast_shapes(np.shape(alpha), (m,))
    level = np.array(np.broadcast_to(l0, shape), dtype=dtype)
    a = np.broadcast_to(np.asarray(alpha, dtype=dtype), shape)
    sse = np.zeros(shape, dtype) if want_sse else None
    e = np.empty(shape, dtype)
    sq = np.empty(shape, dtype) if want_sse else None
    fitted = np.empty((T, m)) if keep else None
    where = {int(o): i for i, o in enumerate(origins)}
    olev = np.empty((len(where),) + shape)
    for t in range(T):
        if t in where:
            olev[where[t]] = level
        if keep:
            fitted[t] = level
        if active is None:
            lv, ee, aa, ss, qq = level, e, a, sse, sq
            yt = yT[t]
        else:
            n = int(active[t])
            if n == 0:
                break
            lv, ee, aa = level[..., :n], e[..., :n], a[..., :n]
            ss = sse[..., :n] if want_sse else None
            qq = sq[..., :n] if want_sse else None
            yt = yT[t, :n]
        np.subtract(yt, lv, out=ee)
        if wT is not None:
            ee *= wT[t] if active is None else wT[t, :n]
        if want_sse:
            np.multiply(ee, ee, out=qq)
            ss += qq
        ee *= aa
        lv += ee
    return sse, fitted, olev, level


def _es_kernel(
    yT,
    wT,
    alpha,
    beta,
    phi,
    gamma,
    l0,
    b0,
    s0,
    multiplicative: bool = False,
    origins=(),
    h: int = 0,
    keep: bool = False,
):
    """Run exponential smoothing in error-correction form for many series at once.

    With one-step forecast :math:`\\hat y_t` and error :math:`e_t = y_t - \\hat y_t`, the
    additive-seasonal recursions (Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 3rd ed. (FPP3), sections 8.1-8.3; Holt 1957, Winters 1960, damping after
    Gardner & McKenzie 1985) are

    .. math::

        \\hat y_t = \\ell_{t-1} + \\phi b_{t-1} + s_{t-m}, \\quad
        \\ell_t = \\ell_{t-1} + \\phi b_{t-1} + \\alpha e_t, \\quad
        b_t = \\phi b_{t-1} + \\alpha\\beta e_t, \\quad
        s_t = s_{t-m} + \\gamma e_t

    which are algebraically the component forms
    :math:`\\ell_t = \\alpha(y_t - s_{t-m}) + (1-\\alpha)(\\ell_{t-1} + \\phi b_{t-1})`,
    :math:`b_t = \\beta(\\ell_t - \\ell_{t-1}) + (1-\\beta)\\phi b_{t-1}`,
    :math:`s_t = \\gamma(y_t - \\ell_{t-1} - \\phi b_{t-1}) + (1-\\gamma)s_{t-m}`.
    Multiplicative seasonality uses :math:`\\hat y_t = (\\ell_{t-1} + \\phi b_{t-1})s_{t-m}`
    and the relative error :math:`u_t = e_t / s_{t-m}` in the level and trend updates,
    :math:`s_t = s_{t-m} + \\gamma e_t / (\\ell_{t-1} + \\phi b_{t-1})`.
    ``beta=None`` drops the trend, ``gamma=None`` the season. A missing period has
    :math:`e_t = 0`, which carries every state through.

    Parameters broadcast to a common shape ``(G, m)`` or ``(m,)`` (G grid points).
    Returns ``(sse, fitted (T, m) | None, origin forecasts (n_o, h, m), forecast (h, m))``.
    """
    T, m = yT.shape
    trend = beta is not None
    seasonal = gamma is not None
    shape = np.broadcast_shapes(
        np.shape(alpha),
        (m,),
        np.shape(beta) if trend else (),
        np.shape(phi) if trend else (),
        np.shape(gamma) if seasonal else (),
    )
    level = np.array(np.broadcast_to(l0, shape), dtype=float)
    b = np.array(np.broadcast_to(b0, shape), dtype=float) if trend else None
    ab = alpha * beta if trend else None
    damped = trend and np.any(np.asarray(phi) != 1.0)
    if seasonal:
        s_len = s0.shape[0]
        S = np.array(np.broadcast_to(s0.reshape((s_len,) + (1,) * (len(shape) - 1) + (m,)),
                                     (s_len,) + shape), dtype=float)  # fmt: skip
    sse = np.zeros(shape)
    fitted = np.empty((T, m)) if keep else None
    where = {int(o): i for i, o in enumerate(origins)}
    ofc = np.empty((len(where), h, m)) if where else np.empty((0, h, m))
    dsum = None
    if h and trend:
        k = np.arange(1, h + 1).reshape((h,) + (1,) * len(shape))
        ph = np.broadcast_to(np.asarray(phi, dtype=float), shape)
        dsum = k * 1.0 if not damped else np.cumsum(ph[None] ** k, axis=0)

    def horizon(t):
        base = level[None] + (b[None] * dsum if trend else 0.0)
        if seasonal:
            idx = (t + np.arange(h)) % s_len
            sea = S[idx]
            return base * sea if multiplicative else base + sea
        return np.broadcast_to(base, (h,) + shape)

    for t in range(T):
        if t in where:
            ofc[where[t]] = horizon(t)
        if trend:
            base = level + phi * b if damped else level + b
        else:
            base = level
        if seasonal:
            j = t % s_len
            sea = S[j]
            f = base * sea if multiplicative else base + sea
        else:
            f = base
        if keep:
            fitted[t] = f
        e = yT[t] - f
        if wT is not None:
            e *= wT[t]
        sse += e * e
        if seasonal and multiplicative:
            u = e / np.where(np.abs(sea) > _TINY, sea, _TINY)
            S[j] = sea + gamma * e / np.where(np.abs(base) > _TINY, base, _TINY)
        else:
            u = e
            if seasonal:
                S[j] = sea + gamma * e
        level = base + alpha * u
        if trend:
            b = (phi * b if damped else b) + ab * u
    fc = horizon(T) if h else np.empty((0, m))
    return sse, fitted, ofc, fc


def _holt_ls_kernel(yT, alpha, beta, phi):
    """Holt SSE per grid point with the SSE-minimising initial level and trend.

    With data :math:`y` and the states started at 0, the one-step errors are
    :math:`e^0_t`; the errors from a start :math:`(\\ell_0, b_0)` are
    :math:`e_t = e^0_t - g_t \\ell_0 - k_t b_0`, where :math:`g_t, k_t` are the one-step
    forecasts of the same recursions run on zero data from (1, 0) and (0, 1) (the
    recursions are linear in the start and the data). So
    :math:`\\mathrm{SSE}(\\ell_0, b_0)` is quadratic; its minimum solves
    :math:`\\begin{pmatrix}\\sum g^2 & \\sum gk \\\\ \\sum gk & \\sum k^2\\end{pmatrix}
    \\binom{\\ell_0}{b_0} = \\binom{\\sum e^0 g}{\\sum e^0 k}` and equals
    :math:`\\sum (e^0)^2 - \\ell_0 \\sum e^0 g - b_0 \\sum e^0 k`. The responses do not
    depend on the data, so they cost one row per grid point. Complete data only (a missing
    period would make the responses differ per series).

    ``alpha``, ``beta``, ``phi`` broadcast to ``(G, 1)`` or ``(G, m)``; ``yT`` (T, m).
    Returns ``(sse, l0, b0)``, each ``(G, m)``.
    """
    T, m = yT.shape
    pshape = np.broadcast_shapes(np.shape(alpha), np.shape(beta), np.shape(phi))
    shape = np.broadcast_shapes(pshape, (m,))
    a = np.broadcast_to(np.asarray(alpha, dtype=float), pshape)
    ph = np.broadcast_to(np.asarray(phi, dtype=float), pshape)
    ab = a * np.asarray(beta, dtype=float)
    level, b = np.zeros(shape), np.zeros(shape)
    base, e, tmp = np.empty(shape), np.empty(shape), np.empty(shape)
    see, seg, sek = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    gl, gb, kl, kb = np.ones(pshape), np.zeros(pshape), np.zeros(pshape), np.ones(pshape)
    sgg, sgk, skk = np.zeros(pshape), np.zeros(pshape), np.zeros(pshape)
    for t in range(T):
        np.multiply(b, ph, out=b)
        np.add(level, b, out=base)
        np.subtract(yT[t], base, out=e)
        g = gl + ph * gb
        k = kl + ph * kb
        np.multiply(e, e, out=tmp)
        see += tmp
        np.multiply(e, g, out=tmp)
        seg += tmp
        np.multiply(e, k, out=tmp)
        sek += tmp
        sgg += g * g
        sgk += g * k
        skk += k * k
        np.multiply(e, a, out=tmp)
        np.add(base, tmp, out=level)
        np.multiply(e, ab, out=tmp)
        b += tmp
        # zero data: the error is minus the forecast
        gl, gb = (1.0 - a) * g, ph * gb - ab * g
        kl, kb = (1.0 - a) * k, ph * kb - ab * k
    det = sgg * skk - sgk * sgk
    ok = np.broadcast_to(det > 1e-12 * np.maximum(sgg * skk, _TINY), shape)
    safe = np.where(det > 0, det, 1.0)
    l0 = np.where(ok, (skk * seg - sgk * sek) / safe, 0.0)
    b0 = np.where(ok, (sgg * sek - sgk * seg) / safe, 0.0)
    sse = np.maximum(see - l0 * seg - b0 * sek, 0.0)
    return sse, l0, b0


# =========================================================================== base class
class ForecastMethod:
    """Common interface: ``fit(y)``, ``predict(y, params, h, origins)``, ``forecast(y, h)``."""

    name = "method"
    #: Minimum number of periods this method needs before a back-test origin.
    min_train = 2

    def fit(self, y) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:  # pragma: no cover
        raise NotImplementedError

    #: Whether fit / predict accept a :class:`_Prepared` matrix (built once by forecast).
    _prepared_input = False

    def forecast(self, y, h: int, origins=None) -> MethodResult:
        """Fit on ``y`` and forecast ``h`` periods ahead (plus origin forecasts if asked)."""
        y = _Prepared.of(y) if self._prepared_input else as_matrix(y)
        return self.predict(y, self.fit(y), h, origins)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# =========================================================================== naive family
class Naive(ForecastMethod):
    """Naive: the forecast is the last observed value.

    .. math:: \\hat y_{T+k|T} = y_T

    (FPP3 section 5.2, "Naïve method"). With missing periods, the last valid value.
    """

    name = "naive"
    min_train = 1

    def fit(self, y) -> dict:
        return {}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        y = as_matrix(y)
        h = check_horizon(h)
        m, T = y.shape
        valid = valid_mask(y)
        first = _first_valid(y, valid)
        prev = _ffill_prev(np.where(valid, y, 0.0), valid, first)  # (m, T+1)
        o = check_origins(origins, T)
        ofc = np.repeat(prev[:, o][:, :, None], h, axis=2) if o.size else None
        fc = np.repeat(prev[:, T][:, None], h, axis=1)
        return finish(self.name, y, valid, fc, prev[:, :T], {}, None, ofc)


def _first_valid(y, valid):
    idx = np.argmax(valid, axis=1)
    out = y[np.arange(y.shape[0]), idx]
    return np.where(valid.any(axis=1), out, 0.0)


class SeasonalNaive(ForecastMethod):
    """Seasonal naive: the forecast is the value of the same season one cycle earlier.

    .. math:: \\hat y_{T+k|T} = y_{T+k-m(\\lfloor (k-1)/m \\rfloor + 1)}

    (FPP3 section 5.2, "Seasonal naïve method"), m the season length. A missing value
    takes the last valid value of the same season; with no earlier value of that season,
    the naive forecast (status ``short_history`` when the history is shorter than m).
    """

    name = "seasonal_naive"

    def __init__(self, season_length: int):
        if int(season_length) < 1:
            raise ValueError(f"season_length: expected >= 1, got {season_length!r}")
        self.season_length = int(season_length)
        self.min_train = self.season_length

    def __repr__(self) -> str:
        return f"SeasonalNaive(season_length={self.season_length})"

    def fit(self, y) -> dict:
        return {}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        y = as_matrix(y)
        h = check_horizon(h)
        m, T = y.shape
        s = self.season_length
        valid = valid_mask(y)
        yz = np.where(valid, y, 0.0)
        first = _first_valid(y, valid)
        prev = _ffill_prev(yz, valid, first)  # naive fallback
        # g[:, t]: value at the most recent valid t' <= t in the same phase as t (NaN if none)
        g = np.where(valid, yz, np.nan)
        for t in range(s, T):
            miss = ~valid[:, t]
            if miss.any():
                g[miss, t] = g[miss, t - s]

        def at(origin: int) -> np.ndarray:
            tau = origin + np.arange(h)
            src = tau - s * ((tau - origin) // s + 1)
            vals = np.where(src >= 0, g[:, np.maximum(src, 0)], np.nan)
            return np.where(np.isfinite(vals), vals, prev[:, origin][:, None])

        fitted = np.where(
            np.arange(T) >= s,
            np.concatenate([np.full((m, s), np.nan), g[:, : max(T - s, 0)]], axis=1)[:, :T],
            np.nan,
        )
        fitted = np.where(np.isfinite(fitted), fitted, prev[:, :T])
        o = check_origins(origins, T)
        ofc = np.stack([at(int(oo)) for oo in o], axis=1) if o.size else None
        status = np.where(T < s, "short_history", "ok").astype(object)
        status = np.broadcast_to(status, (m,)).copy()
        return finish(self.name, y, valid, at(T), fitted, {}, status, ofc)


class MovingAverage(ForecastMethod):
    """Simple moving average over the last w periods, w chosen per series.

    .. math:: \\hat y_{T+k|T} = \\frac{1}{w} \\sum_{j=0}^{w-1} y_{T-j}

    (FPP3 section 3.3 for moving averages; used as a forecast it is the "moving average
    method" of Brown, *Statistical Forecasting for Inventory Control*, 1959). The window
    is chosen per series from ``windows`` by the least in-sample one-step SSE. Missing
    periods in the window are left out of the average (all missing: the last valid value).
    """

    name = "moving_average"

    def __init__(self, windows=(2, 3, 4, 6, 8, 12, 16, 26, 52)):
        self.windows = np.asarray(sorted({int(w) for w in windows if int(w) >= 1}))
        if not self.windows.size:
            raise ValueError("windows: expected at least one positive window")

    def _sums(self, y, valid):
        c = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(np.where(valid, y, 0.0), 1)], 1)
        n = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(valid, 1)], 1)
        return c, n

    def fit(self, y) -> dict:
        y = as_matrix(y)
        m, T = y.shape
        valid = valid_mask(y)
        c, n = self._sums(y, valid)
        yz = np.where(valid, y, 0.0)
        best = np.full(m, np.inf)
        window = np.full(m, float(self.windows[0]))
        usable = [w for w in self.windows if w < max(T, 2)] or [int(self.windows[0])]
        for w in usable:
            lo = np.maximum(np.arange(T) - w, 0)
            cnt = n[:, np.arange(T)] - n[:, lo]
            mean = (c[:, np.arange(T)] - c[:, lo]) / np.maximum(cnt, 1)
            ok = valid & (cnt > 0) & (np.arange(T) >= w)
            sse = np.where(ok, (yz - mean) ** 2, 0.0).sum(axis=1) / np.maximum(ok.sum(1), 1)
            better = sse < best - 1e-12
            best = np.where(better, sse, best)
            window = np.where(better, float(w), window)
        return {"window": window}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        y = as_matrix(y)
        h = check_horizon(h)
        m, T = y.shape
        valid = valid_mask(y)
        w = np.asarray(params["window"], dtype=np.int64).reshape(-1)
        c, n = self._sums(y, valid)
        prev = _ffill_prev(np.where(valid, y, 0.0), valid, _first_valid(y, valid))
        t = np.arange(T + 1)
        lo = np.maximum(t[None, :] - w[:, None], 0)
        cnt = n - np.take_along_axis(n, lo, axis=1)
        mean = (c - np.take_along_axis(c, lo, axis=1)) / np.maximum(cnt, 1)
        mean = np.where(cnt > 0, mean, prev)  # (m, T+1): forecast made at each origin
        o = check_origins(origins, T)
        ofc = np.repeat(mean[:, o][:, :, None], h, axis=2) if o.size else None
        fc = np.repeat(mean[:, T][:, None], h, axis=1)
        return finish(self.name, y, valid, fc, mean[:, :T], {"window": w}, None, ofc)


# =========================================================================== ES family
class SES(ForecastMethod):
    """Simple exponential smoothing with alpha optimised per series.

    .. math::

        \\hat y_{T+k|T} = \\ell_T, \\qquad
        \\ell_t = \\alpha y_t + (1-\\alpha)\\ell_{t-1}

    (FPP3 section 8.1; Brown 1959). :math:`\\alpha` minimises the in-sample one-step SSE
    over a grid evaluated for all series at once, then a local grid around the best
    value. Initial level :math:`\\ell_0` = mean of the first ``init_periods`` valid
    values (returned in ``params['l0']``; pass ``alpha`` to fix it).
    """

    name = "ses"
    min_train = 2

    def __init__(self, alpha: float | None = None, init_periods: int = 10):
        self.alpha = alpha
        self.init_periods = int(init_periods)

    def _init(self, y, valid):
        if valid is None:  # every period valid: the first columns
            k = min(y.shape[1], self.init_periods)
            return y[:, :k].mean(axis=1) if k else np.zeros(y.shape[0])
        n = valid.sum(axis=1)
        k = np.clip(np.minimum(n, self.init_periods), 1, None)
        l0, _, _ = first_k_mean(y, valid, k)
        return l0

    _prepared_input = True

    def fit(self, y) -> dict:
        d = _Prepared.of(y)
        y, wT = d.y, d.wT
        m, T = y.shape
        l0 = self._init(y, d.valid_or_none)
        if self.alpha is not None:
            return {"alpha": np.full(m, float(self.alpha)), "l0": l0}
        alpha = np.empty(m)
        y32 = d.yT32()
        for sl in _blocks(m, _SES_COARSE.size):
            w = None if wT is None else wT[:, sl]
            ys, l0s = y32[:, sl], l0[sl]

            def sse(grid, ys=ys, w=w, l0s=l0s):
                return _ses_kernel(ys, w, grid, l0s, dtype=np.float32)[0].astype(float)

            alpha[sl] = _search_1d(sse, _SES_COARSE, _SES_ROUNDS, ys.shape[1], 0.001, 0.999)[0]
        return {"alpha": alpha, "l0": l0}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        d = _Prepared.of(y)
        y, valid, yT, wT = d.y, d.valid_or_none, d.yT, d.wT
        h = check_horizon(h)
        o = check_origins(origins, y.shape[1])
        _, fitted, olev, level = _ses_kernel(yT, wT, params["alpha"], params["l0"],
                                             want_sse=False, keep=True, origins=o)  # fmt: skip
        m = y.shape[0]
        fc = np.broadcast_to(level[:, None], (m, h))
        ofc = np.broadcast_to(olev.T[:, :, None], (m, o.size, h)).copy() if o.size else None
        return finish(self.name, y, valid, fc, fitted.T, params, None, ofc)


class Holt(ForecastMethod):
    """Holt's linear trend method, optionally damped, parameters optimised per series.

    .. math::

        \\hat y_{T+k|T} = \\ell_T + (\\phi + \\phi^2 + \\dots + \\phi^k) b_T, \\quad
        \\ell_t = \\alpha y_t + (1-\\alpha)(\\ell_{t-1} + \\phi b_{t-1}), \\quad
        b_t = \\beta(\\ell_t - \\ell_{t-1}) + (1-\\beta)\\phi b_{t-1}

    Holt (1957) for :math:`\\phi = 1` (FPP3 section 8.2, "Holt's linear trend method");
    damped trend :math:`0 < \\phi < 1` after Gardner & McKenzie (1985), *Management
    Science* 31(10) (FPP3 section 8.2, "Damped trend methods"). :math:`\\beta` has the
    statsmodels / FPP3 meaning (``smoothing_trend``).

    Search (all series and grid points in one kernel pass per stage): a coarse
    :math:`\\alpha \\times \\beta` grid from 1e-4 (a nearly fixed line) to 0.9, then
    :math:`\\phi` (damped), then rounds of joint multiplicative steps around each series'
    best :math:`(\\alpha, \\beta)`. For every grid point the initial states are the ones
    that minimise the SSE: the one-step errors are linear in :math:`(\\ell_0, b_0)`, so
    the optimum is a 2 x 2 least-squares solve from sums gathered in the same pass (see
    :func:`_holt_ls_kernel`); minimising the SSE over parameters and initial states is the
    maximum-likelihood fit of the additive-error ETS(A,A,N) / ETS(A,Ad,N) model (Hyndman,
    Koehler, Ord & Snyder, *Forecasting with Exponential Smoothing*, 2008, ch. 5).
    Series with missing periods use the heuristic start instead: :math:`b_0` = slope
    between the means of the first two blocks of ``init_periods`` valid values,
    :math:`\\ell_0` = first-block mean moved back to t = 0.
    """

    name = "holt"
    min_train = 4

    def __init__(
        self,
        damped: bool = False,
        alpha: float | None = None,
        beta: float | None = None,
        phi: float | None = None,
        init_periods: int = 10,
    ):
        self.damped = bool(damped)
        self.alpha, self.beta, self.phi = alpha, beta, phi
        self.init_periods = int(init_periods)
        if self.damped:
            self.name = "holt_damped"

    def __repr__(self) -> str:
        return f"Holt(damped={self.damped})"

    def _init(self, y, valid):
        n = valid.sum(axis=1)
        k = np.clip(np.minimum(n // 2, self.init_periods), 1, None)
        m1, c1, p1 = first_k_mean(y, valid, k)
        m2, c2, p2 = first_k_mean(y, valid, k, skip=k)
        both = (c1 > 0) & (c2 > 0) & (p2 > p1)
        b0 = np.where(both, (m2 - m1) / np.where(both, p2 - p1, 1.0), 0.0)
        l0 = m1 - b0 * (p1 + 1.0)
        return l0, b0

    _prepared_input = True

    def fit(self, y) -> dict:
        d = _Prepared.of(y)
        y = d.y
        m, T = y.shape
        l0, b0 = self._init(y, d.valid)
        fixed_phi = 1.0 if not self.damped else self.phi
        phi0 = 0.94 if fixed_phi is None else float(fixed_phi)
        alpha, beta, phi = np.empty(m), np.empty(m), np.empty(m)
        complete = d.valid.all(axis=1) & (T >= 4)
        for rows_complete in (True, False):
            idx = np.flatnonzero(complete == rows_complete)
            if not idx.size:
                continue
            ys = d.yT if idx.size == m else d.yT[:, idx]
            ws = None if d.wT is None else (d.wT if idx.size == m else d.wT[:, idx])
            for bs in _blocks(idx.size, _HOLT_ALPHA_COARSE.size * _HOLT_BETA_COARSE.size * 4):
                r = idx[bs]
                res = self._search(ys[:, bs], None if ws is None else ws[:, bs], l0[r], b0[r],
                                   phi0, fixed_phi, rows_complete)  # fmt: skip
                alpha[r], beta[r], phi[r], l0[r], b0[r] = res
        return {"l0": l0, "b0": b0, "alpha": alpha, "beta": beta, "phi": phi}

    def _search(self, ys, ws, l0h, b0h, phi0, fixed_phi, ls: bool):
        """Coarse grid, phi, then joint refinement rounds; see the class docstring."""
        n = ys.shape[1]

        def evaluate(a, b_, f):
            if ls:
                return _holt_ls_kernel(ys, a, b_, f)
            sse = _es_kernel(ys, ws, a, b_, f, None, l0h, b0h, None)[0]
            return sse, l0h, b0h

        A = _HOLT_ALPHA_COARSE if self.alpha is None else np.array([float(self.alpha)])
        B = _HOLT_BETA_COARSE if self.beta is None else np.array([float(self.beta)])
        aa, bb = (g.reshape(-1, 1) for g in np.meshgrid(A, B, indexing="ij"))
        sse, L, Bt = evaluate(aa, bb, phi0)
        z = np.zeros(n)
        a, best, b_, l0, b0 = _best_of(aa, sse, z, np.full(n, np.inf), (bb, z), (L, z), (Bt, z))
        f = np.full(n, phi0)
        if fixed_phi is None:
            grid = _PHI_GRID[:, None]
            sse, L, Bt = evaluate(a[None], b_[None], grid)
            f, best, l0, b0 = _best_of(grid, sse, f, best, (L, l0), (Bt, b0))
        for steps in _HOLT_ROUNDS:
            if self.alpha is not None and self.beta is not None:
                break
            fa = steps if self.alpha is None else np.ones(1)
            fb = steps if self.beta is None else np.ones(1)
            ga, gb = (g.reshape(-1, 1) for g in np.meshgrid(fa, fb, indexing="ij"))
            ga = np.clip(ga * a[None], 1e-4, 0.999)
            gb = np.clip(gb * b_[None], 1e-4, 1.0)
            sse, L, Bt = evaluate(ga, gb, f[None])
            a, best, b_, l0, b0 = _best_of(ga, sse, a, best, (gb, b_), (L, l0), (Bt, b0))
        return a, b_, f, l0, b0

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        d = _Prepared.of(y)
        y, valid, yT, wT = d.y, d.valid_or_none, d.yT, d.wT
        h = check_horizon(h)
        o = check_origins(origins, y.shape[1])
        _, fitted, ofc, fc = _es_kernel(
            yT, wT, params["alpha"], params["beta"], params["phi"], None,
            params["l0"], params["b0"], None, origins=o, h=h, keep=True,
        )  # fmt: skip
        return finish(self.name, y, valid, fc.T, fitted.T, params, None,
                      ofc.transpose(2, 0, 1) if o.size else None)  # fmt: skip


class HoltWinters(ForecastMethod):
    """Holt-Winters seasonal method, additive or multiplicative, parameters per series.

    Additive (FPP3 section 8.3, "Holt-Winters' additive method"; Winters 1960,
    *Management Science* 6(3); Holt 1957):

    .. math::

        \\hat y_{T+k|T} = \\ell_T + (\\phi + \\dots + \\phi^k) b_T + s_{T+k-m(q+1)},\\;
        q = \\lfloor (k-1)/m \\rfloor

    with :math:`\\ell_t = \\alpha(y_t - s_{t-m}) + (1-\\alpha)(\\ell_{t-1} + \\phi b_{t-1})`,
    :math:`b_t = \\beta(\\ell_t - \\ell_{t-1}) + (1-\\beta)\\phi b_{t-1}`,
    :math:`s_t = \\gamma(y_t - \\ell_{t-1} - \\phi b_{t-1}) + (1-\\gamma)s_{t-m}`.
    Multiplicative ("Holt-Winters' multiplicative method", same section): the season
    multiplies, :math:`\\ell_t = \\alpha y_t / s_{t-m} + \\dots`,
    :math:`s_t = \\gamma y_t / (\\ell_{t-1} + \\phi b_{t-1}) + (1-\\gamma)s_{t-m}`.
    ``damped=True`` adds :math:`\\phi` (Gardner & McKenzie 1985); otherwise
    :math:`\\phi = 1`.

    Initial states (classical decomposition-style, from the first two cycles): the trend
    is the slope between the first two cycle means (0 with one cycle), the level the first
    cycle mean moved back to t = 0, the seasonal indices the first cycle's deviations
    (ratios) from that line, normalised to sum 0 (mean 1). Series shorter than one cycle
    plus two periods run without season (status ``short_history``); a multiplicative fit
    on a series with a zero or negative value runs additive (status ``not_applicable``).
    """

    def __init__(
        self,
        season_length: int,
        seasonal: str = "add",
        damped: bool = False,
        alpha: float | None = None,
        beta: float | None = None,
        gamma: float | None = None,
        phi: float | None = None,
    ):
        if int(season_length) < 2:
            raise ValueError(f"season_length: expected >= 2, got {season_length!r}")
        if seasonal not in ("add", "mul"):
            raise ValueError(f"seasonal: expected 'add' or 'mul', got {seasonal!r}")
        self.season_length = int(season_length)
        self.seasonal = seasonal
        self.damped = bool(damped)
        self.alpha, self.beta, self.gamma, self.phi = alpha, beta, gamma, phi
        self.name = f"holt_winters_{seasonal}" + ("_damped" if damped else "")
        self.min_train = self.season_length + 2

    def __repr__(self) -> str:
        return (
            f"HoltWinters(season_length={self.season_length}, seasonal={self.seasonal!r}, "
            f"damped={self.damped})"
        )

    def _init(self, y, valid):
        m, T = y.shape
        s = self.season_length
        mul = self.seasonal == "mul"
        k = np.full(m, s)
        m1, c1, p1 = _window_mean(y, valid, 0, s)
        m2, c2, p2 = _window_mean(y, valid, s, 2 * s)
        both = (c1 > 0) & (c2 > 0) & (p2 > p1)
        b0 = np.where(both, (m2 - m1) / np.where(both, p2 - p1, 1.0), 0.0)
        l0 = m1 - b0 * (p1 + 1.0)
        j = np.arange(min(s, T))
        line = l0[:, None] + b0[:, None] * (j + 1.0)
        v = valid[:, : j.size]
        yy = y[:, : j.size]
        if mul:
            ok = v & (np.abs(line) > _TINY)
            raw = np.where(ok, yy / np.where(ok, line, 1.0), np.nan)
        else:
            ok = v
            raw = np.where(ok, yy - line, np.nan)
        season = np.full((m, s), 1.0 if mul else 0.0)
        season[:, : j.size] = np.where(ok, raw, 1.0 if mul else 0.0)
        cnt = ok.sum(axis=1)
        if mul:
            mean = np.where(cnt > 0, np.where(ok, raw, 0.0).sum(1) / np.maximum(cnt, 1), 1.0)
            mean = np.where(np.abs(mean) > _TINY, mean, 1.0)
            season = np.where(np.concatenate([ok, np.zeros((m, s - j.size), bool)], 1),
                              season / mean[:, None], 1.0)  # fmt: skip
        else:
            mean = np.where(cnt > 0, np.where(ok, raw, 0.0).sum(1) / np.maximum(cnt, 1), 0.0)
            season = np.where(np.concatenate([ok, np.zeros((m, s - j.size), bool)], 1),
                              season - mean[:, None], 0.0)  # fmt: skip
        short = (T < s + 2) | (c1 < 2)
        del k
        return l0, b0, season, short

    def fit(self, y) -> dict:
        y, valid, yT, wT = _prepare(y)
        m, T = y.shape
        s = self.season_length
        l0, b0, season, short = self._init(y, valid)
        mul_ok = ~(valid & ~(y > 0)).any(axis=1) & valid.any(axis=1)
        add_rows = (~mul_ok) if self.seasonal == "mul" else np.ones(m, bool)
        p = {"l0": l0, "b0": b0}
        for i in range(s):
            p[f"s0_{i}"] = season[:, i]
        alpha, beta, gamma = np.empty(m), np.empty(m), np.empty(m)
        phi = np.full(m, 1.0 if not self.damped else (self.phi or 0.94))
        A = _ALPHA_GRID_SEASONAL if self.alpha is None else np.array([float(self.alpha)])
        C = _GAMMA_GRID if self.gamma is None else np.array([float(self.gamma)])
        aa, cc = (g.reshape(-1, 1) for g in np.meshgrid(A, C, indexing="ij"))
        if self.seasonal == "mul":
            # additive fallback rows need additive seasonal indices
            alt = HoltWinters(s, "add")._init(y, valid)[2]
            season_add = alt
        for mul_flag in (False, True):
            rows = ~add_rows if mul_flag else add_rows
            if not rows.any():
                continue
            idx = np.flatnonzero(rows)
            s0 = (season_add if (self.seasonal == "mul" and not mul_flag) else season)[idx]
            for bs in _blocks(idx.size, aa.size * (s + 4)):
                r = idx[bs]
                ys = yT[:, r]
                w = None if wT is None else wT[:, r]
                s0b = np.ascontiguousarray(s0[bs].T)

                def run(a, b_, f, g, ys=ys, w=w, r=r, s0b=s0b, mul_flag=mul_flag):
                    return _es_kernel(ys, w, a, b_, f, g, l0[r], b0[r], s0b,
                                      multiplicative=mul_flag)[0]  # fmt: skip

                b_fix = 0.05 if self.beta is None else float(self.beta)
                f0 = phi[r]
                sse = run(aa, b_fix, f0, cc)
                a, g = _pick(aa, sse), _pick(cc, sse)
                b_ = np.full(r.size, b_fix)
                if self.beta is None:
                    sse = run(a[None], _BETA_GRID_SEASONAL[:, None], f0, g[None])
                    b_ = _pick(_BETA_GRID_SEASONAL[:, None], sse)
                if self.damped and self.phi is None:
                    sse = run(a[None], b_[None], _PHI_GRID[:, None], g[None])
                    f0 = _pick(_PHI_GRID[:, None], sse)
                if self.alpha is None:
                    grid = _refine_grid(a)
                    sse = run(grid, b_[None], f0[None], g[None])
                    a = _pick(grid, sse)
                alpha[r], beta[r], gamma[r], phi[r] = a, b_, g, f0
        if self.seasonal == "mul":
            for i in range(s):
                p[f"s0_{i}"] = np.where(add_rows, season_add[:, i], season[:, i])
        gamma = np.where(short, 0.0, gamma)
        for i in range(s):
            zero = 1.0 if self.seasonal == "mul" else 0.0
            p[f"s0_{i}"] = np.where(short & ~add_rows, zero, p[f"s0_{i}"])
            p[f"s0_{i}"] = np.where(short & add_rows, 0.0, p[f"s0_{i}"])
        p.update(alpha=alpha, beta=beta, gamma=gamma, phi=phi,
                 multiplicative=(~add_rows).astype(float), short=short.astype(float))  # fmt: skip
        return p

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        y, valid, yT, wT = _prepare(y)
        h = check_horizon(h)
        m, T = y.shape
        s = self.season_length
        o = check_origins(origins, T)
        mul = np.asarray(params.get("multiplicative", np.zeros(m))) > 0
        s0 = np.stack([params[f"s0_{i}"] for i in range(s)], axis=0)
        fitted = np.empty((T, m))
        fc = np.empty((h, m))
        ofc = np.empty((o.size, h, m))
        for mul_flag in (False, True):
            r = np.flatnonzero(mul == mul_flag)
            if not r.size:
                continue
            sel = {k: np.asarray(v)[r] for k, v in params.items() if np.ndim(v) == 1}
            _, fi, of, f = _es_kernel(
                yT[:, r], None if wT is None else wT[:, r], sel["alpha"], sel["beta"],
                sel["phi"], sel["gamma"], sel["l0"], sel["b0"], s0[:, r],
                multiplicative=mul_flag, origins=o, h=h, keep=True,
            )  # fmt: skip
            fitted[:, r], fc[:, r] = fi, f
            if o.size:
                ofc[:, :, r] = of
        status = np.full(m, "ok", dtype=object)
        if self.seasonal == "mul":
            status[~mul] = "not_applicable"
        short = np.asarray(params.get("short", np.zeros(m))) > 0
        status[short] = "short_history"
        return finish(self.name, y, valid, fc.T, fitted.T, params, status,
                      ofc.transpose(2, 0, 1) if o.size else None)  # fmt: skip


class SeasonalES(ForecastMethod):
    """Exponential smoothing with an additive season and no trend, parameters per series.

    .. math::

        \\hat y_{T+k|T} = \\ell_T + s_{T+k-m(q+1)}, \\quad
        \\ell_t = \\ell_{t-1} + \\alpha e_t, \\quad s_t = s_{t-m} + \\gamma e_t, \\quad
        e_t = y_t - \\ell_{t-1} - s_{t-m}

    the point forecasts of ETS(A,N,A) (Hyndman, Koehler, Ord & Snyder, *Forecasting with
    Exponential Smoothing*, 2008, table 2.1; FPP3 section 8.3 with the trend left out):
    for a series whose level wanders with no lasting slope, a trend term only adds the
    noise of an estimated slope to every forecast. Initial states from the first
    ``init_cycles`` full cycles (at most): the level is their mean, each seasonal index the
    mean of its phase minus the level (indices sum to 0). :math:`\\alpha \\times \\gamma`
    from a grid by in-sample one-step SSE, then one joint refinement round. Series
    shorter than one cycle plus two periods run without season (``short_history``).
    """

    _prepared_input = True
    _ALPHA = np.array([5e-4, 2e-3, 0.01, 0.03, 0.08, 0.2, 0.4])
    _GAMMA = np.array([1e-3, 0.01, 0.03, 0.1, 0.3])
    _ROUND = np.array([0.6, 1.0, 1.6])

    def __init__(
        self,
        season_length: int,
        alpha: float | None = None,
        gamma: float | None = None,
        init_cycles: int = 8,
    ):
        if int(season_length) < 2:
            raise ValueError(f"season_length: expected >= 2, got {season_length!r}")
        self.season_length = int(season_length)
        self.alpha, self.gamma = alpha, gamma
        self.init_cycles = max(1, int(init_cycles))
        self.name = "ses_seasonal"
        self.min_train = self.season_length + 2

    def __repr__(self) -> str:
        return f"SeasonalES(season_length={self.season_length})"

    def _init(self, y, valid):
        m, T = y.shape
        s = self.season_length
        K = max(1, min(self.init_cycles, T // s))
        width = min(T, K * s)
        yy = np.zeros((m, K * s))
        vv = np.zeros((m, K * s), dtype=bool)
        yy[:, :width] = np.where(valid[:, :width], y[:, :width], 0.0)
        vv[:, :width] = valid[:, :width]
        n_all = vv.sum(axis=1)
        level = np.where(n_all > 0, yy.sum(axis=1) / np.maximum(n_all, 1), 0.0)
        cnt = vv.reshape(m, K, s).sum(axis=1)
        phase = yy.reshape(m, K, s).sum(axis=1) / np.maximum(cnt, 1)
        season = np.where(cnt > 0, phase - level[:, None], 0.0)
        season -= season.mean(axis=1, keepdims=True)
        short = (T < s + 2) | (valid[:, : min(T, s)].sum(axis=1) < 2)
        season[short] = 0.0
        return level, season, short

    def fit(self, y) -> dict:
        d = _Prepared.of(y)
        m, T = d.y.shape
        s = self.season_length
        l0, season, short = self._init(d.y, d.valid)
        p = {"l0": l0}
        for i in range(s):
            p[f"s0_{i}"] = season[:, i]
        A = self._ALPHA if self.alpha is None else np.array([float(self.alpha)])
        C = self._GAMMA if self.gamma is None else np.array([float(self.gamma)])
        aa, cc = (g.reshape(-1, 1) for g in np.meshgrid(A, C, indexing="ij"))
        alpha, gamma = np.empty(m), np.empty(m)
        for bs in _blocks(m, aa.size * (s + 4)):
            ys = d.yT[:, bs]
            w = None if d.wT is None else d.wT[:, bs]
            s0 = np.ascontiguousarray(season[bs].T)

            def sse(a, g, ys=ys, w=w, s0=s0, bs=bs):
                return _es_kernel(ys, w, a, None, None, g, l0[bs], None, s0)[0]

            n = ys.shape[1]
            z = np.zeros(n)
            a, best, g = _best_of(aa, sse(aa, cc), z, np.full(n, np.inf), (cc, z))
            if self.alpha is None or self.gamma is None:
                fa = self._ROUND if self.alpha is None else np.ones(1)
                fg = self._ROUND if self.gamma is None else np.ones(1)
                ga, gg = (x.reshape(-1, 1) for x in np.meshgrid(fa, fg, indexing="ij"))
                ga = np.clip(ga * a[None], 1e-4, 0.999)
                gg = np.clip(gg * g[None], 1e-4, 0.999)
                a, best, g = _best_of(ga, sse(ga, gg), a, best, (gg, g))
            alpha[bs], gamma[bs] = a, g
        p.update(alpha=alpha, gamma=np.where(short, 0.0, gamma), short=short.astype(float))
        return p

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        d = _Prepared.of(y)
        h = check_horizon(h)
        m, T = d.y.shape
        o = check_origins(origins, T)
        s0 = np.stack([np.asarray(params[f"s0_{i}"], dtype=float)
                       for i in range(self.season_length)], axis=0)  # fmt: skip
        _, fitted, ofc, fc = _es_kernel(
            d.yT, d.wT, params["alpha"], None, None, params["gamma"], params["l0"], None, s0,
            origins=o, h=h, keep=True,
        )  # fmt: skip
        status = np.full(m, "ok", dtype=object)
        status[np.asarray(params.get("short", np.zeros(m))) > 0] = "short_history"
        return finish(self.name, d.y, d.valid_or_none, fc.T, fitted.T, params, status,
                      ofc.transpose(2, 0, 1) if o.size else None)  # fmt: skip


def _window_mean(y, valid, lo, hi):
    """Mean, count and mean position of the valid values in periods lo .. hi - 1."""
    T = y.shape[1]
    lo, hi = min(lo, T), min(hi, T)
    v = valid[:, lo:hi]
    cnt = v.sum(axis=1)
    s = np.where(v, y[:, lo:hi], 0.0).sum(axis=1)
    pos = (v * np.arange(lo, hi)).sum(axis=1)
    safe = np.maximum(cnt, 1)
    return np.where(cnt > 0, s / safe, 0.0), cnt, np.where(cnt > 0, pos / safe, 0.0)


# =========================================================================== intermittent
def _intermittent_init(y, valid, d: _Prepared | None = None):
    """Mean non-zero demand size, mean inter-demand interval, demand probability."""
    if d is not None and d.complete and d._yT is None:
        # every period valid and no time-major copy yet: row reductions on y (the demand
        # mask and counts are kept for the per-demand layout)
        pos = d.cache["demand_rows"] = d.y > 0
        k = d.cache["demand_counts"] = np.count_nonzero(pos, axis=1)
        n = np.full(d.y.shape[0], d.y.shape[1])
        tot = np.einsum("ij,ij->i", d.y, pos)  # sum of the positive values, no temporary
    elif d is not None:
        # time-major reductions on the prepared copies (missing periods are 0 there)
        dem = d.cache.get("demand")
        if dem is None:
            dem = d.cache["demand"] = d.yT > 0
        k = np.count_nonzero(dem, axis=0)
        n = np.full(d.y.shape[0], d.y.shape[1]) if d.wT is None else d.wT.sum(axis=0)
        tot = np.einsum("ij,ij->j", d.yT, dem)  # sum of the positive values, no temporary
    else:
        nz = valid & (y > 0)
        k = nz.sum(axis=1)
        n = valid.sum(axis=1)
        tot = np.where(nz, y, 0.0).sum(1)
    size = np.where(k > 0, tot / np.maximum(k, 1), 0.0)
    interval = np.where(k > 0, n / np.maximum(k, 1), 1.0)
    prob = np.where(n > 0, k / np.maximum(n, 1), 0.0)
    return size, np.maximum(interval, 1.0), prob


def _croston_kernel(yT, wT, dT, alpha, z0, p0, sba: bool, origins=(), h=0, keep=False):
    """Croston / SBA recursions with fixed parameters (see :class:`Croston`).

    Time-major, one period per step, nine in-place ufunc calls on contiguous rows. The
    interval count ``c`` (valid periods since the last demand, this one included) runs
    in the loop; the size and interval states move by ``alpha * demand_t``, which is 0
    in periods without demand (a multiply instead of a masked select).
    Returns ``(fitted (T, m) | None, origin forecasts (n_o, m), final forecast (m,))``.
    """
    T, m = yT.shape
    alpha = _uniform_or(np.broadcast_to(np.asarray(alpha, dtype=float), (m,)))
    z = np.array(np.broadcast_to(z0, (m,)), dtype=float)
    p = np.array(np.broadcast_to(p0, (m,)), dtype=float)
    factor = (1.0 - alpha / 2.0) if sba else None
    c = np.zeros(m)
    tmp = np.empty(m)
    gain = np.empty(m)
    keep_c = np.empty(m)
    f = np.empty(m)
    fitted = np.empty((T, m)) if keep else None
    where = {int(o): i for i, o in enumerate(origins)}
    ofc = np.empty((len(where), m))
    for t in range(T):
        if keep or t in where:
            out = fitted[t] if keep else f
            np.divide(z, p, out=out)
            if sba:
                out *= factor
            if t in where:
                ofc[where[t]] = out
        if wT is None:
            c += 1.0
        else:
            c += wT[t]
        d = dT[t]
        np.multiply(alpha, d, out=gain)
        np.subtract(yT[t], z, out=tmp)
        tmp *= gain
        z += tmp
        np.subtract(c, p, out=tmp)
        tmp *= gain
        p += tmp
        np.logical_not(d, out=keep_c)
        c *= keep_c
    fc = z / p
    if sba:
        fc *= factor
    return fitted, ofc, fc


def _occurrences(d: _Prepared):
    """Demand occurrences of each series in a ragged, time-major layout (cached on ``d``).

    Returns ``(order, active, start, X, Q, tail)``: series ``order[j]`` is column j,
    columns sorted by number of demands (most first); ``active[k]`` is the number of
    columns with more than k demands, so the (k+1)-th demands of all series are the
    ``active[k]`` values from ``start[k]`` of the flat arrays ``X`` (sizes) and ``Q``
    (intervals: valid periods since the previous demand, this one included), in column
    order; ``tail`` the valid periods after the last demand (all valid periods if none).
    Only the demands are stored, each once: no padding, no transpose.
    """
    if "occurrences" in d.cache:
        return d.cache["occurrences"]
    y = d.y
    m, T = y.shape
    if "demand_rows" in d.cache:  # laid out by the initial states
        dem, counts = d.cache["demand_rows"], d.cache["demand_counts"]
    else:
        dem = (y > 0) if d.complete else (d.valid & (y > 0))
        counts = np.count_nonzero(dem, axis=1)
    # flat indices in row-major order: each series' demands in time order, series after
    # series, so per-demand copies of per-series values are repeats (no gather)
    flat = np.flatnonzero(dem)
    rows = np.repeat(np.arange(m), counts)
    cols = flat - rows * T
    if d.complete:
        pos = cols + 1  # valid periods up to and including the demand
        n_valid = np.full(m, T)
    else:
        cv = np.cumsum(d.valid, axis=1)
        pos = np.take(cv, flat)
        n_valid = cv[:, -1] if T else np.zeros(m, np.int64)
    start = np.cumsum(counts) - counts
    rank = np.arange(rows.size) - np.repeat(start, counts)
    has = counts > 0
    first_of = start[has]  # flat position of each series' first demand
    q = np.empty(pos.size)
    np.subtract(pos[1:], pos[:-1], out=q[1:])
    q[first_of] = pos[first_of]
    last = np.zeros(m, np.int64)
    last[has] = pos[first_of + counts[has] - 1]
    tail = (n_valid - last).astype(float)
    order = np.argsort(-counts, kind="stable")
    col = np.empty(m, np.int64)
    col[order] = np.arange(m)
    K = int(counts.max(initial=0))
    active = np.searchsorted(-counts[order], -np.arange(K), side="left")
    first = np.zeros(K + 1, np.int64)
    np.cumsum(active, out=first[1:])
    # every slot is written once: the k-th demand of column j goes to first[k] + j
    at = first[rank] + np.repeat(col, counts)
    X = np.empty(rows.size)
    Q = np.empty(rows.size)
    X[at] = np.take(y, flat)
    Q[at] = q
    d.cache["demand_counts"] = counts
    d.cache["demand_rows"] = dem
    d.cache["occurrences"] = out = (order, active, first, X, Q, tail[order])
    return out


def _croston_sse(occ, alpha, z0, p0, sba: bool, occ32=None):
    """In-sample one-step SSE of Croston / SBA for grid values ``alpha`` (G, 1) or (G, m).

    The forecast only changes at demands, so the SSE is summed per demand instead of per
    period: before the k-th demand the forecast :math:`f` stood for :math:`q_k - 1` valid
    zero periods and then met :math:`x_k`, adding :math:`(q_k - 1) f^2 + (x_k - f)^2`;
    after the last demand it stood for the ``tail`` periods. Work is proportional to the
    number of demands, not periods.
    """
    order, active, first, X, Q, tail = occ
    m = order.size
    G = alpha.shape[0]
    f32 = np.float32
    # float32 copies (made once per matrix): the search only needs the SSE ranking
    X, Q = occ32 if occ32 is not None else (X.astype(f32), Q.astype(f32))
    Q1 = Q - f32(1.0)  # zero periods before each demand
    a = np.ascontiguousarray(np.broadcast_to(alpha, (G, m))[:, order], dtype=f32)
    z = np.ascontiguousarray(np.broadcast_to(z0[order], (G, m)), dtype=f32)
    p = np.ascontiguousarray(np.broadcast_to(p0[order], (G, m)), dtype=f32)
    fac = 1.0 - a / 2.0 if sba else None
    sse = np.zeros((G, m), f32)
    f = np.empty((G, m), f32)
    e = np.empty((G, m), f32)
    for k in range(active.size):
        n = int(active[k])
        zk, pk, fk, ek, ak = z[:, :n], p[:, :n], f[:, :n], e[:, :n], a[:, :n]
        x, q, q1 = (v[first[k] : first[k] + n] for v in (X, Q, Q1))
        np.divide(zk, pk, out=fk)
        if sba:
            fk *= fac[:, :n]
        np.subtract(x, fk, out=ek)
        ek *= ek
        sse[:, :n] += ek
        fk *= fk
        fk *= q1
        sse[:, :n] += fk
        np.subtract(x, zk, out=ek)
        ek *= ak
        zk += ek
        np.subtract(q, pk, out=ek)
        ek *= ak
        pk += ek
    np.divide(z, p, out=f)
    if sba:
        f *= fac
    sse += tail.astype(f32) * f * f
    out = np.empty((G, m))
    out[:, order] = sse
    return out


def _croston_by_demand(d: _Prepared, alpha, z0, p0, sba: bool):
    """Croston / SBA forecasts and fitted values computed per demand occurrence.

    The states move only at demands, so the recursion runs over the k-th demand of every
    series (series sorted by number of demands, a shrinking prefix per step) and the
    per-period fitted values are the forecast after the demands before each period (one
    gather, indexed by the running count of demands). Same numbers as
    :func:`_croston_kernel`.
    Returns ``(fitted (m, T), forecast (m,))``.
    """
    order, active, first, X, Q, _ = _occurrences(d)
    counts = d.cache["demand_counts"]
    m, T = d.y.shape
    a = np.asarray(np.broadcast_to(alpha, (m,)), dtype=float)[order]
    z = np.asarray(np.broadcast_to(z0, (m,)), dtype=float)[order].copy()
    p = np.asarray(np.broadcast_to(p0, (m,)), dtype=float)[order].copy()
    fac = 1.0 - a / 2.0 if sba else None
    K = active.size
    F = np.empty((K + 1, m))
    np.divide(z, p, out=F[0])
    if sba:
        F[0] *= fac
    tmp = np.empty(m)
    for k in range(K):
        n = int(active[k])
        zk, pk, ak, tk = z[:n], p[:n], a[:n], tmp[:n]
        np.subtract(X[first[k] : first[k] + n], zk, out=tk)
        tk *= ak
        zk += tk
        np.subtract(Q[first[k] : first[k] + n], pk, out=tk)
        tk *= ak
        pk += tk
        np.divide(zk, pk, out=F[k + 1, :n])
        if sba:
            F[k + 1, :n] *= fac[:n]
    col = np.empty(m, np.int64)
    col[order] = np.arange(m)
    fc = F[counts, col]
    # the fitted value of period t is the forecast after the demands before t: its row in
    # F is that count, so its flat index is the series' column plus m per demand before t
    # (a running sum), read by one gather
    at = np.empty((m, T), np.int64)
    if T:
        at[:, 0] = col
        np.multiply(d.cache["demand_rows"][:, :-1], m, out=at[:, 1:])
        np.cumsum(at, axis=1, out=at)
    fitted = np.take(F.reshape(-1), at)
    return fitted, fc


class Croston(ForecastMethod):
    """Croston's method for intermittent demand, alpha optimised per series.

    Demand sizes :math:`z` and inter-demand intervals :math:`p` are smoothed only in
    periods with demand (Croston, J.D. (1972), "Forecasting and stock control for
    intermittent demands", *Operational Research Quarterly* 23(3), 289-303; FPP3 section
    13.7):

    .. math::

        z_t = z_{t-1} + \\alpha (y_t - z_{t-1}), \\quad
        p_t = p_{t-1} + \\alpha (q_t - p_{t-1}) \\quad \\text{if } y_t > 0,
        \\qquad \\hat y_{T+k|T} = z_T / p_T

    with :math:`q_t` the number of valid periods since the previous demand (since the
    start for the first one). Initial :math:`z_0` = mean non-zero demand,
    :math:`p_0` = valid periods / demand periods, both over the fitted history. The same
    :math:`\\alpha` smooths both, chosen per series from a grid by in-sample one-step SSE.
    """

    name = "croston"
    sba = False
    min_train = 4

    def __init__(self, alpha: float | None = None):
        self.alpha = alpha

    _prepared_input = True

    @staticmethod
    def _demand_mask(d: _Prepared):
        if "demand" not in d.cache:
            d.cache["demand"] = d.yT > 0  # missing periods are 0 in yT: never a demand
        return d.cache["demand"]

    def fit(self, y) -> dict:
        d = _Prepared.of(y)
        m = d.y.shape[0]
        if self.alpha is not None:
            self._demand_mask(d)  # predict runs per period: lay the data out now, reuse it
        z0, p0, _ = _intermittent_init(d.y, None, d)
        if self.alpha is not None:
            return {"alpha": np.full(m, float(self.alpha)), "z0": z0, "p0": p0}
        occ = _occurrences(d)
        occ32 = (occ[3].astype(np.float32), occ[4].astype(np.float32))

        def sse(grid):
            return _croston_sse(occ, grid, z0, p0, self.sba, occ32)

        alpha = _search_1d(sse, _CROSTON_COARSE, _CROSTON_ROUNDS, m, 0.01, 0.7)[0]
        return {"alpha": alpha, "z0": z0, "p0": p0}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        d = _Prepared.of(y)
        h = check_horizon(h)
        o = check_origins(origins, d.y.shape[1])
        m = d.y.shape[0]
        if not o.size and "occurrences" in d.cache:
            # the search already laid the demands out: recurse per demand
            fitted, fc = _croston_by_demand(d, params["alpha"], params["z0"], params["p0"],
                                            self.sba)  # fmt: skip
            return finish(self.name, d.y, d.valid_or_none, np.broadcast_to(fc[:, None], (m, h)),
                          fitted, params, None, None)  # fmt: skip
        fitted, ofc, fc = _croston_kernel(d.yT, d.wT, self._demand_mask(d), params["alpha"],
                                          params["z0"], params["p0"], self.sba, o, h, True)  # fmt: skip
        ofc = np.broadcast_to(ofc.T[:, :, None], (m, o.size, h)).copy() if o.size else None
        return finish(self.name, d.y, d.valid_or_none, np.broadcast_to(fc[:, None], (m, h)), fitted.T,
                      params, None, ofc)  # fmt: skip


class SBA(Croston):
    """Syntetos-Boylan approximation: Croston's estimate debiased by (1 - alpha/2).

    .. math:: \\hat y_{T+k|T} = \\left(1 - \\frac{\\alpha}{2}\\right) \\frac{z_T}{p_T}

    Syntetos, A.A. & Boylan, J.E. (2005), "The accuracy of intermittent demand
    estimates", *International Journal of Forecasting* 21(2), 303-314. Recursions,
    initial states and the alpha search as in :class:`Croston`.
    """

    name = "sba"
    sba = True


class TSB(ForecastMethod):
    """Teunter-Syntetos-Babai: smooth the demand probability every period.

    .. math::

        d_t = d_{t-1} + \\beta (\\mathbb 1[y_t > 0] - d_{t-1}), \\quad
        z_t = z_{t-1} + \\alpha (y_t - z_{t-1}) \\text{ if } y_t > 0, \\quad
        \\hat y_{T+k|T} = d_T z_T

    Teunter, R.H., Syntetos, A.A. & Babai, M.Z. (2011), "Intermittent demand: linking
    forecasting to inventory obsolescence", *European Journal of Operational Research*
    214(3), 606-615. The probability decays through runs of zeros, so an item that stops
    selling is forecast towards zero. Initial :math:`z_0` = mean non-zero demand,
    :math:`d_0` = share of valid periods with demand; :math:`(\\alpha, \\beta)` from a joint
    grid by in-sample one-step SSE.
    """

    name = "tsb"
    min_train = 4

    def __init__(self, alpha: float | None = None, beta: float | None = None):
        self.alpha, self.beta = alpha, beta

    _prepared_input = True

    @staticmethod
    def _kernel(yT, wT, dT, alpha, beta, z0, d0, want_sse=True, origins=(), keep=False):
        """TSB recursions, time-major and in place; parameters broadcast to (m,) or (G, m).

        Returns ``(sse | None, fitted (T, m) | None, origin forecasts (n_o, ...), final)``.
        """
        T, m = yT.shape
        shape = np.broadcast_shapes(np.shape(alpha), np.shape(beta), (m,))
        a = _uniform_or(np.broadcast_to(np.asarray(alpha, dtype=float), shape))
        b = _uniform_or(np.broadcast_to(np.asarray(beta, dtype=float), shape))
        z = np.array(np.broadcast_to(z0, shape), dtype=float)
        d = np.array(np.broadcast_to(d0, shape), dtype=float)
        sse = np.zeros(shape) if want_sse else None
        e = np.empty(shape)
        tmp = np.empty(shape)
        gain = np.empty(shape)
        fitted = np.empty((T, m)) if keep else None
        where = {int(o): i for i, o in enumerate(origins)}
        ofc = np.empty((len(where),) + shape)
        for t in range(T):
            dem = dT[t]
            yt = yT[t]
            if want_sse or keep or t in where:
                f = fitted[t] if keep else e
                np.multiply(d, z, out=f)
                if t in where:
                    ofc[where[t]] = f
                if want_sse:
                    np.subtract(yt, f, out=e)
                    if wT is not None:
                        e *= wT[t]
                    e *= e
                    sse += e
            np.multiply(a, dem, out=gain)
            np.subtract(yt, z, out=tmp)
            tmp *= gain
            z += tmp
            np.subtract(dem, d, out=tmp)
            tmp *= b
            if wT is not None:
                tmp *= wT[t]
            d += tmp
        return sse, fitted, ofc, d * z

    def fit(self, y) -> dict:
        dd = _Prepared.of(y)
        m = dd.y.shape[0]
        dT = Croston._demand_mask(dd)
        z0, _, d0 = _intermittent_init(dd.y, None, dd)
        if self.alpha is not None and self.beta is not None:
            return {"alpha": np.full(m, float(self.alpha)), "beta": np.full(m, float(self.beta)),
                    "z0": z0, "d0": d0}  # fmt: skip
        A = _TSB_ALPHA_COARSE if self.alpha is None else np.array([float(self.alpha)])
        B = _TSB_BETA_COARSE if self.beta is None else np.array([float(self.beta)])
        alpha, beta = np.empty(m), np.empty(m)
        for sl in _blocks(m, A.size * B.size):
            w = None if dd.wT is None else dd.wT[:, sl]
            ys, ds, z0s, d0s = dd.yT[:, sl], dT[:, sl], z0[sl], d0[sl]
            n = ys.shape[1]

            def sse(aa, bb, ys=ys, ds=ds, w=w, z0s=z0s, d0s=d0s):
                return self._kernel(ys, w, ds, aa, bb, z0s, d0s)[0]

            aa, bb = (g.reshape(-1, 1) for g in np.meshgrid(A, B, indexing="ij"))
            a, best, b = _best_of(aa, sse(aa, bb), np.zeros(n), np.full(n, np.inf),
                                  (bb, np.zeros(n)))  # fmt: skip
            for steps in _TSB_ROUNDS:
                fa = steps if self.alpha is None else np.ones(1)
                fb = steps if self.beta is None else np.ones(1)
                ga, gb = (g.reshape(-1, 1) for g in np.meshgrid(fa, fb, indexing="ij"))
                ga = np.clip(ga * a[None], 0.01, 0.9)
                gb = np.clip(gb * b[None], 0.002, 0.9)
                a, best, b = _best_of(ga, sse(ga, gb), a, best, (gb, b))
            alpha[sl], beta[sl] = a, b
        return {"alpha": alpha, "beta": beta, "z0": z0, "d0": d0}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        dd = _Prepared.of(y)
        h = check_horizon(h)
        m, T = dd.y.shape
        o = check_origins(origins, T)
        _, fitted, ofc, fc = self._kernel(dd.yT, dd.wT, Croston._demand_mask(dd),
                                          params["alpha"], params["beta"], params["z0"],
                                          params["d0"], want_sse=False, origins=o, keep=True)  # fmt: skip
        ofc = np.broadcast_to(ofc.T[:, :, None], (m, o.size, h)).copy() if o.size else None
        return finish(self.name, dd.y, dd.valid_or_none, np.broadcast_to(fc[:, None], (m, h)),
                      fitted.T, params, None, ofc)  # fmt: skip


class ADIDA(ForecastMethod):
    """ADIDA: temporal aggregation, SES on the aggregate, disaggregation.

    The series is summed over non-overlapping buckets of :math:`k` periods ending at the
    forecast origin, the bucket totals are forecast by :class:`SES` (alpha optimised), and
    the per-period forecast is the bucket forecast divided by :math:`k`:

    .. math:: \\hat y_{T+j|T} = \\hat Y^{(k)}_{T/k+1} / k

    Nikolopoulos, K., Syntetos, A.A., Boylan, J.E., Petropoulos, F. & Assimakopoulos, V.
    (2011), "An aggregate-disaggregate intermittent demand approach (ADIDA) to
    forecasting", *Journal of the Operational Research Society* 62(3), 544-554. The
    bucket size is the mean inter-demand interval rounded (at least 1, at most a third of
    the history), so a bucket holds about one demand. A bucket with missing periods is
    scaled up to k periods; a bucket with none is missing.
    """

    name = "adida"
    min_train = 6

    def __init__(self, k: int | None = None):
        self.k = k

    _prepared_input = True

    def _choose_k(self, y, valid, d: _Prepared | None = None):
        m, T = y.shape
        if self.k is not None:
            return np.full(m, int(self.k))
        if d is not None and d.complete:  # only the demand count is needed
            k = np.count_nonzero(y > 0, axis=1)
            interval = np.where(k > 0, T / np.maximum(k, 1), 1.0)
            return np.clip(np.rint(interval), 1, max(1, T // 3)).astype(np.int64)
        _, interval, _ = _intermittent_init(y, valid, d)
        return np.clip(np.rint(interval), 1, max(1, T // 3)).astype(np.int64)

    @staticmethod
    def _aggregate(y, valid, k, upto):
        """Buckets of k periods ending at ``upto`` (oldest partial bucket dropped)."""
        n = upto // k
        if n == 0:
            return np.full((y.shape[0], 1), np.nan), 0
        seg = y[:, upto - n * k : upto].reshape(y.shape[0], n, k)
        if valid is None:  # every period valid
            return seg.sum(axis=2), upto - n * k
        vs = valid[:, upto - n * k : upto].reshape(y.shape[0], n, k)
        cnt = vs.sum(axis=2)
        tot = np.where(vs, seg, 0.0).sum(axis=2)
        agg = np.where(cnt > 0, tot * k / np.maximum(cnt, 1), np.nan)
        return agg, upto - n * k

    @staticmethod
    def _ragged(d: _Prepared, k: np.ndarray):
        """All series' bucket totals in one left-aligned, time-major matrix (complete data).

        Column j holds series ``order[j]``; columns are sorted by number of buckets (most
        first) so ``active[i]`` leading columns have a bucket i, and one SES pass over the
        matrix runs every series to its own end. Returns ``(order, active, A, n)``.
        """
        key = ("adida_buckets", k.tobytes())
        if key in d.cache:
            return d.cache[key]
        m, T = d.y.shape
        n = T // k
        order = np.argsort(-n, kind="stable")
        col = np.empty(m, np.int64)
        col[order] = np.arange(m)
        A = np.zeros((int(n.max(initial=0)), m))
        for kk in np.unique(k):
            r = np.flatnonzero(k == kk)
            kk = int(kk)
            # bucket sums without reshaping a copy: add.reduceat over the bucket starts
            agg = np.add.reduceat(d.y[r], np.arange(T - (T // kk) * kk, T, kk), axis=1)
            A[: agg.shape[1], col[r]] = agg.T
        active = np.searchsorted(-n[order], -np.arange(A.shape[0]), side="left")
        d.cache[key] = out = (order, active, A, n)
        return out

    @staticmethod
    def _ragged_l0(A, n_sorted, init_periods: int = 10):
        """SES initial level of each column: mean of its first buckets (as :class:`SES`)."""
        kk = np.clip(np.minimum(n_sorted, init_periods), 1, None)
        return A[:init_periods].sum(axis=0) / kk

    def fit(self, y) -> dict:
        d = _Prepared.of(y)
        y = d.y
        m, T = y.shape
        k = self._choose_k(y, None, d)
        alpha = np.full(m, 0.1)
        if d.complete and m and T:
            order, active, A, n = self._ragged(d, k)
            l0 = self._ragged_l0(A, n[order])

            A32 = A.astype(np.float32)

            def sse(grid):
                return _ses_kernel(A32, None, grid, l0, active=active, dtype=np.float32)[0]

            alpha[order] = _search_1d(sse, _ADIDA_COARSE, _SES_ROUNDS, m, 0.001, 0.999)[0]
            return {"k": k.astype(float), "alpha": alpha}
        valid = d.valid
        for kk in np.unique(k):
            r = np.flatnonzero(k == kk)
            agg, _ = self._aggregate(y[r], valid[r], int(kk), T)
            alpha[r] = SES().fit(agg)["alpha"]
        return {"k": k.astype(float), "alpha": alpha}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        d = _Prepared.of(y)
        y = d.y
        h = check_horizon(h)
        m, T = y.shape
        o = check_origins(origins, T)
        k = np.asarray(params["k"]).astype(np.int64)
        alpha = np.asarray(params["alpha"], dtype=float)
        fc = np.zeros((m, h))
        fitted = np.zeros((m, T))
        ofc = np.zeros((m, o.size, h)) if o.size else None
        if d.complete and not o.size and m and T and (T // k >= 1).all():
            order, active, A, n = self._ragged(d, k)
            l0 = self._ragged_l0(A, n[order])
            _, fit_b, _, level = _ses_kernel(A, None, alpha[order], l0, want_sse=False,
                                             keep=True, active=active)  # fmt: skip
            fc[order] = (level / k[order])[:, None]
            col = np.empty(m, np.int64)
            col[order] = np.arange(m)
            for kk in np.unique(k):
                r = np.flatnonzero(k == kk)
                kk = int(kk)
                nb = T // kk
                start = T - nb * kk
                per = np.repeat(fit_b[:nb, col[r]].T / kk, kk, axis=1)
                fitted[r, start:] = per
                fitted[r, :start] = per[:, :1]
            return finish(self.name, y, None, fc, fitted, params, None, None)
        valid = d.valid
        for kk in np.unique(k):
            r = np.flatnonzero(k == kk)
            kk = int(kk)
            ses = SES()
            agg, start = self._aggregate(y[r], valid[r], kk, T)
            res = ses.predict(agg, {"alpha": alpha[r], "l0": ses._init(agg, valid_mask(agg))}, 1)
            fc[r] = res.forecast[:, :1] / kk
            per = np.repeat(res.fitted / kk, kk, axis=1)
            fitted[r, start:] = per[:, : T - start]
            fitted[r, :start] = per[:, :1]
            for i, oo in enumerate(o):
                agg_o, _ = self._aggregate(y[r], valid[r], kk, int(oo))
                l0 = ses._init(agg_o, valid_mask(agg_o))
                ro = ses.predict(agg_o, {"alpha": alpha[r], "l0": l0}, 1)
                ofc[r, i, :] = ro.forecast[:, :1] / kk
        return finish(self.name, y, valid, fc, fitted, params, None, ofc)


class Zero(ForecastMethod):
    """The zero forecast, for items with no demand in the history."""

    name = "zero"
    min_train = 1

    def fit(self, y) -> dict:
        return {}

    def predict(self, y, params: dict, h: int, origins=None) -> MethodResult:
        y = as_matrix(y)
        h = check_horizon(h)
        m, T = y.shape
        o = check_origins(origins, T)
        ofc = np.zeros((m, o.size, h)) if o.size else None
        return finish(self.name, y, valid_mask(y), np.zeros((m, h)), np.zeros((m, T)), {},
                      None, ofc)  # fmt: skip


def make_method(name: str, season_length: int | None = None) -> ForecastMethod:
    """A method instance from its name (the names :func:`forecast_batch` reports)."""
    seasonal = {
        "seasonal_naive": lambda s: SeasonalNaive(s),
        "holt_winters_add": lambda s: HoltWinters(s, "add"),
        "holt_winters_mul": lambda s: HoltWinters(s, "mul"),
        "holt_winters_add_damped": lambda s: HoltWinters(s, "add", damped=True),
        "holt_winters_mul_damped": lambda s: HoltWinters(s, "mul", damped=True),
        "ses_seasonal": lambda s: SeasonalES(s),
    }
    plain = {
        "naive": Naive,
        "moving_average": MovingAverage,
        "ses": SES,
        "holt": Holt,
        "holt_damped": lambda: Holt(damped=True),
        "croston": Croston,
        "sba": SBA,
        "tsb": TSB,
        "adida": ADIDA,
        "zero": Zero,
    }
    if name in seasonal:
        if not season_length or int(season_length) < 2:
            raise ValueError(f"method {name!r} needs season_length >= 2")
        return seasonal[name](int(season_length))
    if name in plain:
        return plain[name]()
    raise ValueError(f"unknown method {name!r}; expected one of {sorted(plain) + sorted(seasonal)}")
