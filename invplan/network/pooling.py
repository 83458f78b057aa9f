"""Risk pooling: safety stock held centrally against locally, at the same service.

n locations each face demand per period with standard deviation :math:`\\sigma_i` and
hold safety stock :math:`z\\,\\sigma_i\\sqrt{L_i}` against their replenishment lead time
:math:`L_i`. Served from one central stock with lead time :math:`L_c`, the pooled demand
has standard deviation :math:`\\sigma_c = \\sqrt{\\sigma^\\top R\\,\\sigma}` (R the
correlation matrix between locations) and the central safety stock is
:math:`z\\,\\sigma_c\\sqrt{L_c}`, at the same cycle service level :math:`\\Phi(z)`:

.. math::

    SS_{local} = z \\sum_i \\sigma_i \\sqrt{L_i}, \\qquad
    SS_{central} = z \\sqrt{L_c}\\,\\sqrt{\\textstyle\\sum_i \\sum_k \\rho_{ik}
    \\sigma_i \\sigma_k}.

With n identical independent locations and equal lead times this is the square-root
law: :math:`SS_{central} = SS_{local} / \\sqrt n`; from n to m stocking points,
:math:`SS_m = SS_n \\sqrt{m/n}`. Perfectly correlated demand (:math:`\\rho = 1`) pools
nothing; negatively correlated demand pools more than the square-root law.

Pooling is worth it when the holding cost saved exceeds what central service costs more:
transport or transshipment from the central stock to the customers (a cost per unit)
and the longer delivery (a cost per unit per extra period of delivery time).

Sources:

- Eppen, G. D., "Effects of centralization on expected costs in a multi-location
  newsboy problem", *Management Science* 25(5), 1979, 498-501 (correlated demand).
- Maister, D. H., "Centralisation of inventories and the 'square root law'",
  *International Journal of Physical Distribution* 6(3), 1976, 124-134.
- Chopra, S. & Meindl, P., *Supply Chain Management*, Pearson, chapter "Managing
  Uncertainty in a Supply Chain: Safety Inventory" (impact of aggregation on safety
  inventory, with correlation).
- Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019, section
  12.2 (risk pooling).

Arrays are vectorised over products: ``demand_sigma`` has shape (locations,) or
(products, locations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "pooled_sigma",
    "square_root_law",
    "pooling_analysis",
]


def _matrix(sigma, name="demand_sigma") -> np.ndarray:
    try:
        s = np.asarray(sigma, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {sigma!r:.80}") from exc
    if s.ndim == 1:
        s = s[None, :]
    if s.ndim != 2 or s.shape[1] == 0:
        raise ValueError(f"{name}: expected (locations,) or (products, locations)")
    if not np.isfinite(s).all() or (s < 0).any():
        raise ValueError(f"{name}: must be finite and >= 0")
    return s


def _correlation(corr, n: int) -> np.ndarray:
    """R as (products or 1, n, n), validated (symmetric, unit diagonal, PSD)."""
    if corr is None:
        return np.eye(n)[None]
    R = np.asarray(corr, dtype=float)
    if R.ndim == 0:
        rho = float(R)
        if not -1.0 <= rho <= 1.0:
            raise ValueError(f"corr: a correlation lies in [-1, 1], got {rho!r}")
        R = np.full((n, n), rho)
        np.fill_diagonal(R, 1.0)
    if R.ndim == 2:
        R = R[None]
    if R.ndim != 3 or R.shape[1:] != (n, n):
        raise ValueError(f"corr: expected a ({n}, {n}) matrix, got shape {R.shape}")
    if not np.isfinite(R).all():
        raise ValueError("corr: NaN or infinite entries")
    if not np.allclose(R, np.swapaxes(R, 1, 2)):
        raise ValueError("corr: the matrix must be symmetric")
    if not np.allclose(np.diagonal(R, axis1=1, axis2=2), 1.0):
        raise ValueError("corr: the diagonal must be 1")
    if (np.abs(R) > 1 + 1e-12).any():
        raise ValueError("corr: entries must lie in [-1, 1]")
    if (np.linalg.eigvalsh(R).min(axis=1) < -1e-9).any():
        raise ValueError("corr: not a valid correlation matrix (not positive semi-definite)")
    return R


def _per_location(value, name: str, P: int, n: int) -> np.ndarray:
    """Scalar, (locations,), (products, 1) or (products, locations) -> (P, n)."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {value!r:.80}") from exc
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError(f"{name}: must be finite and >= 0")
    try:
        return np.broadcast_to(a, (P, n))
    except ValueError as exc:
        raise ValueError(
            f"{name}: expected a scalar, ({n},) per location, ({P}, 1) per product or "
            f"({P}, {n}), got shape {a.shape}"
        ) from exc


def pooled_sigma(demand_sigma, corr=None) -> np.ndarray:
    """Standard deviation of the total demand of the locations: :math:`\\sqrt{\\sigma^\\top
    R\\,\\sigma}` (Eppen 1979). ``corr``: None (independent), one common correlation, a
    (locations x locations) matrix or one matrix per product. Returns shape (products,)."""
    s = _matrix(demand_sigma)
    R = _correlation(corr, s.shape[1])
    if R.shape[0] not in (1, s.shape[0]):
        raise ValueError(f"corr: {R.shape[0]} matrices for {s.shape[0]} products")
    var = np.einsum("pi,pij,pj->p", s, np.broadcast_to(R, (s.shape[0],) + R.shape[1:]), s)
    return np.sqrt(np.maximum(var, 0.0))


def square_root_law(safety_stock, locations_from, locations_to):
    """Safety stock when n stocking points become m: :math:`SS_m = SS_n\\sqrt{m/n}`
    (Maister 1976; identical independent locations, equal lead times)."""
    n = np.asarray(locations_from, dtype=float)
    m = np.asarray(locations_to, dtype=float)
    ss = np.asarray(safety_stock, dtype=float)
    if (n < 1).any() or (m < 1).any():
        raise ValueError("locations_from / locations_to: at least one location")
    if (ss < 0).any() or not np.isfinite(ss).all():
        raise ValueError("safety_stock: must be finite and >= 0")
    return ss * np.sqrt(m / n)


def pooling_analysis(
    demand_mean,
    demand_sigma,
    *,
    holding_cost,
    lead_time_local,
    lead_time_central=None,
    holding_cost_central=None,
    z=1.6448536269514722,
    corr=None,
    extra_unit_cost=0.0,
    extra_delivery_time=0.0,
    delay_cost=0.0,
) -> pd.DataFrame:
    """Central against local safety stock for each product, and whether pooling pays.

    Parameters
    ----------
    demand_mean, demand_sigma
        Demand per period at each location: (locations,) or (products, locations).
    holding_cost
        Holding cost per unit per period at the locations: a scalar, one per location
        (locations,), one per product (products, 1) or (products, locations);
        ``holding_cost_central`` at the central stock, per product (default: the mean of
        the local ones).
    lead_time_local, lead_time_central
        Replenishment lead times in periods (local: shaped like ``holding_cost``;
        central: per product, default the demand-weighted mean of the local ones).
    z
        Safety factor, the same at both (same cycle service level).
    corr
        Correlation between the locations' demands (see :func:`pooled_sigma`).
    extra_unit_cost
        Extra cost per unit served centrally (transport or transshipment to the region).
    extra_delivery_time, delay_cost
        Extra periods of delivery time for a customer served centrally, and its cost per
        unit per period.

    Returns one row per product: ``local_safety_stock``, ``central_safety_stock``,
    ``safety_stock_saving`` (units), ``pooling_ratio`` (central / local), ``holding_saving``
    (per period), ``extra_cost`` (transport + delay, per period), ``net_saving`` and
    ``recommendation`` (``central`` when the net saving is positive, else ``local``).
    Sources: Eppen (1979), Maister (1976) (module docstring).
    """
    mu = _matrix(demand_mean, "demand_mean")
    s = _matrix(demand_sigma)
    P = max(mu.shape[0], s.shape[0])
    if mu.shape[1] != s.shape[1] or mu.shape[0] not in (1, P) or s.shape[0] not in (1, P):
        raise ValueError(f"demand_mean / demand_sigma: shapes differ ({mu.shape} / {s.shape})")
    n = s.shape[1]
    mu, s = np.broadcast_to(mu, (P, n)), np.broadcast_to(s, (P, n))
    L = _per_location(lead_time_local, "lead_time_local", P, n)
    h = _per_location(holding_cost, "holding_cost", P, n)
    total_mu = mu.sum(axis=1)
    if lead_time_central is None:
        w = np.where(
            total_mu[:, None] > 0, mu / np.where(total_mu > 0, total_mu, 1)[:, None], 1 / n
        )
        Lc = (w * L).sum(axis=1)
    else:
        Lc = np.broadcast_to(np.asarray(lead_time_central, dtype=float), (P,))
        if not np.isfinite(Lc).all() or (Lc < 0).any():
            raise ValueError("lead_time_central: must be finite and >= 0")
    hc = (
        h.mean(axis=1)
        if holding_cost_central is None
        else np.broadcast_to(np.asarray(holding_cost_central, dtype=float), (P,))
    )
    if not np.isfinite(hc).all() or (hc < 0).any():
        raise ValueError("holding_cost_central: must be finite and >= 0")
    zz = np.broadcast_to(np.asarray(z, dtype=float), (P,))
    if not np.isfinite(zz).all():
        raise ValueError("z: must be finite")
    for name, v in (
        ("extra_unit_cost", extra_unit_cost),
        ("extra_delivery_time", extra_delivery_time),
        ("delay_cost", delay_cost),
    ):
        a = np.asarray(v, dtype=float)
        if not np.isfinite(a).all() or (a < 0).any():
            raise ValueError(f"{name}: must be finite and >= 0")
    local_units = zz[:, None] * s * np.sqrt(L)
    local_ss = local_units.sum(axis=1)
    central_ss = zz * pooled_sigma(s, corr) * np.sqrt(Lc)
    holding_saving = (h * local_units).sum(axis=1) - hc * central_ss
    extra = total_mu * (
        np.asarray(extra_unit_cost, dtype=float)
        + np.asarray(extra_delivery_time, dtype=float) * np.asarray(delay_cost, dtype=float)
    )
    extra = np.broadcast_to(extra, (P,))
    net = holding_saving - extra
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(local_ss > 0, central_ss / np.where(local_ss > 0, local_ss, 1), np.nan)
    return pd.DataFrame(
        {
            "local_safety_stock": local_ss,
            "central_safety_stock": central_ss,
            "safety_stock_saving": local_ss - central_ss,
            "pooling_ratio": ratio,
            "holding_saving": holding_saving,
            "extra_cost": extra,
            "net_saving": net,
            "recommendation": np.where(net > 0, "central", "local"),
        }
    )
