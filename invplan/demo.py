"""A realistic synthetic catalogue for the demo run and for tests.

A few hundred products over two warehouses, two years of daily customer demand:

- smooth, erratic, intermittent and lumpy demand (the four Syntetos-Boylan-Croston
  quadrants), with weekly and yearly seasonality on part of the catalogue;
- growth, decline, new and dying products (trend, late introduction, early stop);
- stockout days (flagged: the recorded quantity understates demand);
- Pareto-distributed prices and costs, lead times with variability, MOQs and packs.

Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WAREHOUSES = ("WH-EAST", "WH-WEST")
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
#: Shares of demand patterns (PATTERNS order) and of lifecycles (mature, growth,
#: decline, new, dying) per catalogue mix.
MIXES = {
    "demo": ((0.35, 0.2, 0.3, 0.15), (0.6, 0.12, 0.12, 0.08, 0.08)),
    "hard": ((0.2, 0.2, 0.35, 0.25), (0.35, 0.2, 0.2, 0.12, 0.13)),
}


def generate_catalogue(
    n_products: int = 150,
    days: int = 730,
    end: str = "2026-10-31",
    seed: int = 42,
    mix: str = "demo",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(history, items)`` in the CSV layout of ``python -m invplan plan``.

    ``mix`` chooses the shares of demand patterns and lifecycles: ``demo`` (35 % smooth,
    20 % erratic, 30 % intermittent, 15 % lumpy; 60 % mature) or ``hard`` (20 / 20 / 35 /
    25 %, and only 35 % mature: more growth, decline, launches and phase-outs), which
    the service benchmark uses as a catalogue unlike the demo's.
    """
    if mix not in MIXES:
        raise ValueError(f"mix: expected one of {sorted(MIXES)}, got {mix!r}")
    pattern_p, life_p = MIXES[mix]
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    t = np.arange(days)
    kinds = rng.choice(PATTERNS, size=n_products, p=pattern_p)
    # Pareto-like popularity: a few products sell most.
    base_rate = np.exp(rng.normal(0.5, 1.3, n_products))
    price = np.round(np.exp(rng.normal(3.0, 1.0, n_products)), 2)
    margin = rng.uniform(0.15, 0.55, n_products)
    cost = np.round(price * (1 - margin), 2)
    life = rng.choice(
        ["mature", "growth", "decline", "new", "dying"],
        size=n_products,
        p=life_p,
    )
    seasonal = rng.random(n_products) < 0.3
    categories = rng.choice(["Hardware", "Electrical", "Plumbing", "Garden"], size=n_products)

    hist_parts = []
    item_rows = []
    for i in range(n_products):
        code = f"P{i + 1:04d}"
        for w, wh in enumerate(WAREHOUSES):
            share = 0.65 if w == 0 else 0.35
            rate = base_rate[i] * share * np.ones(days)
            if life[i] == "growth":
                rate *= np.linspace(0.3, 1.7, days)
            elif life[i] == "decline":
                rate *= np.linspace(1.7, 0.2, days)
            elif life[i] == "new":
                if mix == "hard":  # launches spread over the whole period
                    rate[: int(days * rng.uniform(0.3, 0.95))] = 0
                else:
                    rate[: days - rng.integers(30, 80)] = 0
            elif life[i] == "dying":
                rate[days - rng.integers(200, 420) :] = 0
            if seasonal[i]:
                rate *= 1 + 0.4 * np.sin(2 * np.pi * t / 365.25) + 0.15 * np.sin(2 * np.pi * t / 7)
            rate = np.maximum(rate, 0)
            kind = kinds[i]
            if kind == "smooth":
                qty = rng.poisson(rate)
            elif kind == "erratic":
                qty = rng.poisson(rate * rng.lognormal(-0.5, 1.0, days))
            elif kind == "intermittent":
                occurs = rng.random(days) < np.minimum(rate, 1.0) * 0.25
                qty = occurs * (1 + rng.poisson(3, days))
            else:  # lumpy
                occurs = rng.random(days) < np.minimum(rate, 1.0) * 0.12
                qty = occurs * np.ceil(rng.lognormal(2.0, 1.0, days))
            stockout = np.zeros(days, dtype=bool)
            if rng.random() < 0.25:
                start = rng.integers(0, days - 20)
                stockout[start : start + rng.integers(3, 15)] = True
                qty = np.where(stockout, np.floor(qty * 0.2), qty)
            nz = (qty > 0) | stockout
            hist_parts.append(
                pd.DataFrame(
                    {
                        "product": code,
                        "warehouse": wh,
                        "date": dates[nz],
                        "quantity": qty[nz].astype(float),
                        "stockout": stockout[nz].astype(int),
                    }
                )
            )
            lt = float(rng.choice([3, 5, 7, 10, 14, 21, 30]))
            item_rows.append(
                {
                    "product": code,
                    "warehouse": wh,
                    "category": categories[i],
                    "unit_cost": float(cost[i]),
                    "unit_price": float(price[i]),
                    "lead_time_days": lt,
                    "lead_time_std_days": round(lt * rng.uniform(0.0, 0.3), 1),
                    "ordering_cost": float(rng.choice([15, 25, 40, 60])),
                    "moq": float(rng.choice([0, 0, 5, 10, 20])),
                    "pack_multiple": float(rng.choice([0, 1, 6, 12])),
                }
            )
    history = pd.concat(hist_parts, ignore_index=True)
    items = pd.DataFrame(item_rows)
    return history, items
