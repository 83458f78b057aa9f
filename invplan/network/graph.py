"""A resupply network: nodes (warehouses, stages) joined by arcs with a lead time.

An arc ``(upstream, downstream, lead_time, transport_cost)`` says that ``downstream``
is resupplied from ``upstream``; the lead time is in whole or fractional periods, the
transport cost is money per unit moved along the arc. The network is validated when it
is built: no self-loop, no repeated arc, no missing or negative lead time or cost, no
cycle. Each error names the arc (its position in the list and its two ends).

The guaranteed-service model needs a *spanning tree* (serial lines, assembly trees,
distribution trees and mixes of them: the arcs, read without direction, contain no
cycle); :meth:`Network.check_tree` raises naming the arc that gives a node a second
route. A distribution network (each node resupplied from one node at most, so one root
per product) is checked by :meth:`Network.check_distribution`.

Graph terms: Cormen, Leiserson, Rivest & Stein, *Introduction to Algorithms*, 3rd ed.,
MIT Press 2009, section 22.4 (topological sort, Kahn's order); the spanning-tree
labelling of the guaranteed-service model is Graves & Willems (2000), section 4.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import pandas as pd

__all__ = ["Arc", "Network"]


@dataclass(frozen=True)
class Arc:
    """One resupply link: ``downstream`` is replenished from ``upstream``."""

    upstream: str
    downstream: str
    lead_time: float
    transport_cost: float = 0.0
    units: float = 1.0


def _number(value, what: str, *, allow_none_default: float | None = None) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if allow_none_default is not None:
            return allow_none_default
        raise ValueError(f"{what}: missing")
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: expected a number, got {value!r:.80}") from exc
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{what}: must be a finite number >= 0, got {value!r}")
    return x


def _rows(arcs) -> list[tuple]:
    """Arcs as a list of tuples from tuples, dicts, :class:`Arc` or a DataFrame."""
    if isinstance(arcs, pd.DataFrame):
        missing = {"upstream", "downstream", "lead_time"} - set(arcs.columns)
        if missing:
            raise ValueError(f"arcs: missing column(s) {sorted(missing)}")
        cols = ["upstream", "downstream", "lead_time"]
        cols += [c for c in ("transport_cost", "units") if c in arcs.columns]
        arcs = arcs[cols].to_dict("records")
    rows = []
    for i, a in enumerate(arcs):
        if isinstance(a, Arc):
            rows.append((a.upstream, a.downstream, a.lead_time, a.transport_cost, a.units))
        elif isinstance(a, dict):
            if "upstream" not in a or "downstream" not in a:
                raise ValueError(f"arc {i}: needs 'upstream' and 'downstream', got {a!r:.80}")
            rows.append(
                (
                    a["upstream"],
                    a["downstream"],
                    a.get("lead_time"),
                    a.get("transport_cost", 0.0),
                    a.get("units", 1.0),
                )
            )
        else:
            t = tuple(a)
            if not 2 <= len(t) <= 5:
                raise ValueError(
                    f"arc {i}: expected (upstream, downstream, lead_time[, transport_cost"
                    f"[, units]]), got {a!r:.80}"
                )
            t = t + (None, 0.0, 1.0)[len(t) - 2 :]
            rows.append(t)
    return rows


class Network:
    """A validated resupply network.

    Parameters
    ----------
    arcs
        Iterable of ``(upstream, downstream, lead_time[, transport_cost[, units]])``
        tuples, of dicts with those keys, of :class:`Arc`, or a DataFrame with columns
        ``upstream``, ``downstream``, ``lead_time`` and optionally ``transport_cost``
        (default 0) and ``units`` (units of the upstream item per downstream unit, for
        assembly arcs; default 1). Node names are turned into ``str``.
    nodes
        Optional extra node names (a warehouse with no arc yet); the order of nodes is
        the order of first appearance, these first.

    Raises
    ------
    ValueError
        Naming the arc: a self-loop, a repeated arc, a missing or negative lead time,
        transport cost or units, or an arc that closes a cycle (the cycle is spelled
        out).
    """

    def __init__(self, arcs, nodes=None):
        order: dict[str, None] = {}
        for n in nodes or ():
            order.setdefault(str(n), None)
        self._arcs: list[Arc] = []
        seen: dict[tuple[str, str], int] = {}
        for i, (u, d, lt, cost, units) in enumerate(_rows(arcs)):
            if u is None or d is None:
                raise ValueError(f"arc {i}: upstream and downstream must be given")
            u, d = str(u), str(d)
            label = f"arc {i} ({u} -> {d})"
            if u == d:
                raise ValueError(f"{label}: a node cannot resupply itself")
            if (u, d) in seen:
                raise ValueError(f"{label}: repeats arc {seen[(u, d)]}")
            seen[(u, d)] = i
            lt = _number(lt, f"{label}: lead_time")
            cost = _number(cost, f"{label}: transport_cost", allow_none_default=0.0)
            units = _number(units, f"{label}: units", allow_none_default=1.0)
            if units <= 0:
                raise ValueError(f"{label}: units must be > 0, got {units!r}")
            order.setdefault(u, None)
            order.setdefault(d, None)
            self._arcs.append(Arc(u, d, lt, cost, units))
        self.nodes: tuple[str, ...] = tuple(order)
        self.index = {n: k for k, n in enumerate(self.nodes)}
        self._pred: dict[str, list[Arc]] = {n: [] for n in self.nodes}
        self._succ: dict[str, list[Arc]] = {n: [] for n in self.nodes}
        for a in self._arcs:
            self._pred[a.downstream].append(a)
            self._succ[a.upstream].append(a)
        self._topo = self._topological_order()

    # ------------------------------------------------------------------ structure

    @property
    def arcs(self) -> tuple[Arc, ...]:
        return tuple(self._arcs)

    def arc_table(self) -> pd.DataFrame:
        """The arcs as a DataFrame (upstream, downstream, lead_time, transport_cost, units)."""
        return pd.DataFrame(
            [
                (a.upstream, a.downstream, a.lead_time, a.transport_cost, a.units)
                for a in self._arcs
            ],
            columns=["upstream", "downstream", "lead_time", "transport_cost", "units"],
        )

    def predecessors(self, node) -> list[str]:
        """Nodes that resupply ``node``."""
        return [a.upstream for a in self._pred[self._name(node)]]

    def successors(self, node) -> list[str]:
        """Nodes resupplied by ``node``."""
        return [a.downstream for a in self._succ[self._name(node)]]

    def arc(self, upstream, downstream) -> Arc:
        for a in self._succ[self._name(upstream)]:
            if a.downstream == str(downstream):
                return a
        raise ValueError(f"no arc {upstream} -> {downstream}")

    @property
    def roots(self) -> list[str]:
        """Nodes resupplied by no node of the network (from outside suppliers)."""
        return [n for n in self.nodes if not self._pred[n]]

    @property
    def leaves(self) -> list[str]:
        """Nodes that resupply no node of the network."""
        return [n for n in self.nodes if not self._succ[n]]

    def topological_order(self) -> list[str]:
        """Nodes so that every arc goes from an earlier to a later node (upstream first)."""
        return list(self._topo)

    def kind(self) -> str:
        """``serial``, ``assembly``, ``distribution``, ``tree`` (mixed) or ``general``."""
        try:
            self.check_tree()
        except ValueError:
            return "general"
        many_in = any(len(v) > 1 for v in self._pred.values())
        many_out = any(len(v) > 1 for v in self._succ.values())
        if not many_in and not many_out:
            return "serial"
        if many_in and not many_out:
            return "assembly"
        if many_out and not many_in:
            return "distribution"
        return "tree"

    def components(self) -> list[list[str]]:
        """Connected components (arcs read without direction), in node order."""
        comp: dict[str, int] = {}
        out: list[list[str]] = []
        for start in self.nodes:
            if start in comp:
                continue
            comp[start] = len(out)
            group, queue = [start], deque([start])
            while queue:
                n = queue.popleft()
                for m in self._neighbours(n):
                    if m not in comp:
                        comp[m] = len(out)
                        group.append(m)
                        queue.append(m)
            out.append(sorted(group, key=self.index.__getitem__))
        return out

    # ------------------------------------------------------------------ checks

    def check_tree(self) -> None:
        """Raise ``ValueError`` unless the arcs, read without direction, form a forest.

        The error names the first arc (in list order) that gives a node a second route
        from a node it is already connected to, with that other route spelled out.
        """
        parent: dict[str, str] = {n: n for n in self.nodes}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        adj: dict[str, list[str]] = {n: [] for n in self.nodes}
        for i, a in enumerate(self._arcs):
            ru, rd = find(a.upstream), find(a.downstream)
            if ru == rd:
                path = self._path(adj, a.upstream, a.downstream)
                raise ValueError(
                    f"arc {i} ({a.upstream} -> {a.downstream}) gives {a.downstream} a second "
                    f"route from {a.upstream} (besides {' - '.join(path)}); the "
                    "guaranteed-service model needs a tree: keep one route between two nodes"
                )
            parent[ru] = rd
            adj[a.upstream].append(a.downstream)
            adj[a.downstream].append(a.upstream)

    def check_distribution(self) -> None:
        """Raise unless every node has at most one supplier and each component one root."""
        for n in self.nodes:
            if len(self._pred[n]) > 1:
                i = self._arcs.index(self._pred[n][1])
                a = self._arcs[i]
                raise ValueError(
                    f"arc {i} ({a.upstream} -> {a.downstream}): {n} is already resupplied "
                    f"from {self._pred[n][0].upstream}; a distribution network has one "
                    "supplier per node"
                )

    # ------------------------------------------------------------------ helpers

    def _name(self, node) -> str:
        n = str(node)
        if n not in self.index:
            raise ValueError(f"unknown node {node!r}")
        return n

    def _neighbours(self, n: str) -> list[str]:
        return [a.upstream for a in self._pred[n]] + [a.downstream for a in self._succ[n]]

    @staticmethod
    def _path(adj: dict[str, list[str]], src: str, dst: str) -> list[str]:
        prev = {src: src}
        queue = deque([src])
        while queue:
            n = queue.popleft()
            if n == dst:
                break
            for m in adj[n]:
                if m not in prev:
                    prev[m] = n
                    queue.append(m)
        path = [dst]
        while path[-1] != src:
            path.append(prev[path[-1]])
        return path[::-1]

    def _topological_order(self) -> list[str]:
        indeg = {n: len(self._pred[n]) for n in self.nodes}
        queue = deque(n for n in self.nodes if indeg[n] == 0)
        order = []
        while queue:
            n = queue.popleft()
            order.append(n)
            for a in self._succ[n]:
                indeg[a.downstream] -= 1
                if indeg[a.downstream] == 0:
                    queue.append(a.downstream)
        if len(order) < len(self.nodes):
            self._raise_cycle()
        return order

    def _raise_cycle(self) -> None:
        # Add arcs one by one; the first one whose downstream already reaches its
        # upstream closes a cycle.
        adj: dict[str, list[str]] = {n: [] for n in self.nodes}
        for i, a in enumerate(self._arcs):
            prev = {a.downstream: a.downstream}
            queue = deque([a.downstream])
            while queue:
                n = queue.popleft()
                for m in adj[n]:
                    if m not in prev:
                        prev[m] = n
                        queue.append(m)
            if a.upstream in prev:
                path = [a.upstream]
                while path[-1] != a.downstream:
                    path.append(prev[path[-1]])
                cycle = [a.upstream] + path[::-1]
                raise ValueError(
                    f"arc {i} ({a.upstream} -> {a.downstream}) closes a cycle: {' -> '.join(cycle)}"
                )
            adj[a.upstream].append(a.downstream)
        raise AssertionError("cycle not found")  # pragma: no cover

    def __repr__(self) -> str:
        return f"Network({len(self.nodes)} nodes, {len(self._arcs)} arcs, {self.kind()})"
