"""Multi-echelon planning on a resupply network.

Modules
-------
graph
    :class:`Network`: nodes joined by arcs (upstream, downstream, lead time, transport
    cost), validated (no cycle; tree or distribution checks naming the bad arc).
gsm
    Guaranteed-service model (Graves & Willems 2000): committed service times, safety
    stock and base-stock levels on serial, assembly, distribution and mixed trees;
    net demand propagated upstream.
serial
    Clark-Scarf serial system (stochastic service): exact echelon base-stock levels
    (Chen-Zheng recursion, discretised) and the Shang-Song approximation.
pooling
    Risk pooling: central against local safety stock, square-root law, correlated
    demand, the saving against the extra transport or delivery cost.
simulate
    Period-by-period simulation of base-stock policies on a distribution network
    (customer service and stock a placement really gives).
drp
    Push or pull by segment, and DRP netting (time-phased net requirements and planned
    releases along the routes).
"""

from .drp import DRPPlan, drp_netting, push_or_pull
from .graph import Arc, Network
from .gsm import GSMResult, gsm_cost, gsm_place, net_demand
from .pooling import pooled_sigma, pooling_analysis, square_root_law
from .serial import SerialPolicy, clark_scarf, echelon_holding_costs, serial_cost, shang_song
from .simulate import simulate_base_stock, simulate_network

__all__ = [
    "Arc",
    "Network",
    "GSMResult",
    "gsm_cost",
    "gsm_place",
    "net_demand",
    "pooled_sigma",
    "pooling_analysis",
    "square_root_law",
    "SerialPolicy",
    "clark_scarf",
    "echelon_holding_costs",
    "serial_cost",
    "shang_song",
    "DRPPlan",
    "drp_netting",
    "push_or_pull",
    "simulate_base_stock",
    "simulate_network",
]
