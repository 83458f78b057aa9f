"""Speed of the vectorised shortage allocation and available-to-promise (run by hand).

    python benchmarks/execution_speed.py [--lines 100000] [--groups 10000] [--days 90]

Generates open order lines spread over product x warehouse groups (a few hundred lines
for the busiest groups, one for the quietest), four customer tiers, protected stock for
the lower tiers, scheduled receipts and reservations over ``--days`` days. Each engine
function (``invplan.execution.allocate_shortage`` and ``available_to_promise``) is timed
against an anchor measured in the same run: a straightforward implementation of the same
rule with a Python loop per group and per line (numpy only for a group's day vector in
the available-to-promise anchor). Both sides get the same input; the results are checked
equal before timing is reported. The two sides run alternately up to 5 times each (fewer
when a loop run takes more than 10 s), and each side's least time is kept. Prints per function the engine's time, the
anchor's, and the ratio anchor / engine.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from invplan.execution import allocate_shortage, available_to_promise


def generate(n_lines: int, n_groups: int, days: int, seed: int = 0) -> dict:
    """Order lines, stock, protection, receipts and reservations for a shortage run."""
    rng = np.random.default_rng(seed)
    # Skewed group sizes: a few groups carry many lines.
    weight = rng.pareto(1.2, n_groups) + 0.05
    group = rng.choice(n_groups, n_lines, p=weight / weight.sum())
    demand = rng.integers(1, 25, n_lines).astype(float)
    tier = rng.choice(4, n_lines, p=[0.1, 0.2, 0.4, 0.3])
    day = rng.integers(0, days, n_lines)
    open_demand = np.bincount(group, weights=demand, minlength=n_groups)
    available = np.floor(open_demand * rng.uniform(0.3, 1.2, n_groups))
    protected = np.floor(available * rng.uniform(0.0, 0.3, n_groups))
    n_ev = 3 * n_groups
    return dict(
        group=group,
        demand=demand,
        priority=tier * days + day,  # tier first, then requested day
        sequence=np.arange(n_lines),
        may_use_protected=tier <= 1,
        available=available,
        protected=protected,
        line_day=day,
        receipt_group=rng.integers(0, n_groups, n_ev),
        receipt_day=rng.integers(0, days, n_ev),
        receipt_qty=rng.integers(5, 200, n_ev).astype(float),
        committed_group=rng.integers(0, n_groups, n_ev),
        committed_day=rng.integers(0, days, n_ev),
        committed_qty=rng.integers(1, 60, n_ev).astype(float),
        lead_time_days=rng.integers(3, 60, n_groups),
    )


# ---------------------------------------------------------------------------- anchors
def allocate_loop(group, demand, priority, available, allowed, protected, m, sequence):
    """The allocation rule line by line: groups, then sub-levels, then lines."""
    by_group: dict[int, list[int]] = {}
    for i in range(len(group)):
        by_group.setdefault(int(group[i]), []).append(i)
    out = np.zeros(len(group))
    for g, lines in by_group.items():
        lines.sort(key=lambda i: (priority[i], not allowed[i], sequence[i], i))
        remaining, held = float(available[g]), 0.0
        for _, sub in itertools.groupby(lines, key=lambda i: (priority[i], not allowed[i])):
            sub = list(sub)
            usable = remaining - held - (0.0 if allowed[sub[0]] else protected[g])
            usable = max(usable, 0.0)
            total = 0.0
            for i in sub:
                total += demand[i]
            if total <= usable * (1 + 1e-9):
                for i in sub:
                    out[i] = demand[i]
                remaining -= total
                continue
            kept, run = [], 0.0
            for i in sub:
                run += demand[i]
                if m > 0 and run > usable / m * (1 + 1e-9):
                    break
                kept.append(i)
            kept_total = 0.0
            for i in kept:
                kept_total += demand[i]
            fill = 1.0 if kept_total <= usable * (1 + 1e-9) else usable / kept_total
            for i in kept:
                out[i] = demand[i] * fill
            used = min(usable, kept_total)
            remaining = max(remaining - used, 0.0)
            held += usable - used
    return out


def atp_loop(on_hand, lines, receipts, committed, allowed, protected, lead):
    """Cumulative ATP with look-ahead line by line, one numpy day vector per group."""
    days = np.unique(np.concatenate(([0], receipts[1], committed[1]))).astype(np.int64)
    net = {}
    for g in np.unique(lines[0]):
        delta = np.zeros(days.size)
        for grp, ev, qty, sign in (receipts + (1.0,), committed + (-1.0,)):
            sel = grp == g
            np.add.at(delta, np.searchsorted(days, ev[sel]), sign * qty[sel])
        net[int(g)] = on_hand[g] + np.cumsum(delta)
    promised = np.full(lines[0].size, -1, dtype=np.int64)
    for i in range(lines[0].size):
        g, qty, day = int(lines[0][i]), float(lines[1][i]), int(lines[2][i])
        n_g = net[g]
        atp = np.minimum.accumulate(n_g[::-1])[::-1]
        p = 0.0 if allowed[i] else protected[g]
        b_req = int(np.searchsorted(days, day, side="right")) - 1
        ok = np.flatnonzero(atp[b_req:] - p >= qty * (1 - 1e-9))
        rep_day = max(day, int(lead[g]))
        if ok.size and (ok[0] == 0 or days[b_req + ok[0]] <= rep_day):
            b = b_req + int(ok[0])
            when, take = (day if ok[0] == 0 else int(days[b])), qty
        else:
            b = int(np.searchsorted(days, rep_day, side="right")) - 1
            when, take = rep_day, min(qty, max(atp[b] - p, 0.0))
        n_g[b:] -= take
        promised[i] = when
    return promised


# ---------------------------------------------------------------------------- timing
def best_times(engine, loop, repeat: int = 5) -> tuple[float, float, object, object]:
    """Least time of each side over alternating runs (engine, loop, engine, ...)."""
    t_eng = t_loop = np.inf
    got = want = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        got = engine()
        t_eng = min(t_eng, time.perf_counter() - t0)
        t0 = time.perf_counter()
        want = loop()
        t_loop = min(t_loop, time.perf_counter() - t0)
        if t_loop > 10:
            break
    return t_eng, t_loop, got, want


def main(argv=None) -> list[tuple[str, float, float]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--groups", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--min-line-fill", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    d = generate(args.lines, args.groups, args.days, args.seed)
    rows = []

    t_eng, t_loop, got, want = best_times(
        lambda: allocate_shortage(
            d["group"],
            d["demand"],
            d["priority"],
            d["available"],
            may_use_protected=d["may_use_protected"],
            protected=d["protected"],
            min_line_fill=args.min_line_fill,
            sequence=d["sequence"],
        ),
        lambda: allocate_loop(
            d["group"].tolist(),
            d["demand"].tolist(),
            d["priority"].tolist(),
            d["available"].tolist(),
            d["may_use_protected"].tolist(),
            d["protected"].tolist(),
            args.min_line_fill,
            d["sequence"].tolist(),
        ),
    )
    diff = float(np.max(np.abs(got - want))) if got.size else 0.0
    if diff > 1e-6:
        raise SystemExit(f"allocate_shortage differs from the loop: max |diff| {diff}")
    rows.append(("allocate_shortage", t_eng, t_loop))

    # Lines promised in priority order (tier, then requested day).
    order = np.argsort(d["priority"], kind="stable")
    lines = (d["group"][order], d["demand"][order], d["line_day"][order])
    allowed = d["may_use_protected"][order]
    on_hand = d["available"]
    receipts = (d["receipt_group"], d["receipt_day"], d["receipt_qty"])
    committed = (d["committed_group"], d["committed_day"], d["committed_qty"])
    t_eng, t_loop, res, want = best_times(
        lambda: available_to_promise(
            on_hand,
            *lines,
            receipt_group=receipts[0],
            receipt_day=receipts[1],
            receipt_qty=receipts[2],
            committed_group=committed[0],
            committed_day=committed[1],
            committed_qty=committed[2],
            may_use_protected=allowed,
            protected=d["protected"],
            lead_time_days=d["lead_time_days"],
        ),
        lambda: atp_loop(
            on_hand, lines, receipts, committed, allowed, d["protected"], d["lead_time_days"]
        ),
    )
    if not np.array_equal(res.promised_day, want):
        bad = int(np.sum(res.promised_day != want))
        raise SystemExit(f"available_to_promise differs from the loop on {bad} lines")
    rows.append(("available_to_promise", t_eng, t_loop))

    print(f"{args.lines} lines over {args.groups} groups, {args.days} days")
    print(f"{'function':<22} {'engine s':>10} {'loop s':>10} {'loop/engine':>12}")
    for name, te, tl in rows:
        print(f"{name:<22} {te:>10.3f} {tl:>10.3f} {tl / te:>12.1f}")
    return rows


if __name__ == "__main__":
    main()
