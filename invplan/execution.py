"""Execution by segment: customer tiers, rationing, shortage allocation, promising, slotting, counts.

Planning decides how much stock to hold; these functions decide who gets it, when it can be
promised, where it sits and how often it is counted. Every function is vectorised over many
rows (order lines, products, counts) given as 1-D arrays; groups (product x warehouse) are
integer codes ``0 .. G-1`` that index per-group arrays. Days are integer offsets from today
(day 0). Bad input (NaN, negative quantities, unknown lead time) never raises inside a batch
and never produces NaN: each function documents what such a row becomes.

Functions
---------
customer_cumulative_share, classify_customers
    Pareto tiers of customers on 12-month revenue or margin, with a hysteresis band.
reservation_rank
    Reservation order from customer tier, product segment and requested date.
critical_level
    Critical-level rationing threshold kept for the tiers allowed to use protected stock.
allocate_shortage
    Shortage allocation: strict priority, fair share within a level, minimum line fill,
    whole lines, protected stock.
available_to_promise
    Tier-aware time-phased cumulative available-to-promise with look-ahead.
pick_velocity_class, slotting_plan, slotting_travel
    Velocity ABC on pick lines, cube-per-order index slotting, pick-travel model.
cycle_count_schedule, count_load, record_accuracy
    ABC cycle counting spread over working days, inventory record accuracy.
fill_and_on_time
    Fill rate, on-time and on-time-in-full against the promised date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

#: Tier names for the ranks returned by :func:`classify_customers` (default four cuts).
CUSTOMER_TIERS = ("strategic", "key", "standard", "spot")


# ============================================================================ customer tiers
def customer_cumulative_share(
    revenue,
    margin=None,
    *,
    measure: str = "revenue",
    before: bool = False,
) -> np.ndarray:
    """Cumulative share of the measure per customer on the Pareto curve.

    Customers are ranked by the measure (``revenue`` or ``margin``), largest first, ties
    broken by input position. With :math:`m_{(1)} \\ge m_{(2)} \\ge \\dots` the positive
    values in rank order and :math:`M = \\sum_j \\max(m_j, 0)`, the cumulative share of the
    customer at rank i is

    .. math:: C_i = \\frac{1}{M} \\sum_{j \\le i} m_{(j)}

    (``before=True``: :math:`\\sum_{j < i}`, the share of the customers ranked above it,
    which is what :func:`classify_customers` compares with the cuts). Source: the Pareto
    (ABC) analysis applied to customers, Silver, Pyke & Peterson, *Inventory Management and
    Production Planning and Scheduling*, 3rd ed. (1998), section 3.6 "The A-B-C
    classification"; customer ABC by sales or profit contribution.

    Parameters
    ----------
    revenue : array-like, shape (n,)
        12-month revenue per customer (currency).
    margin : array-like, shape (n,), optional
        12-month gross margin per customer (currency); required when
        ``measure="margin"``.
    measure : {"revenue", "margin"}
    before : bool
        Return the share of the customers ranked strictly above (default: including the
        customer itself).

    Returns
    -------
    ndarray of float, shape (n,), in [0, 1]. Customers with a non-positive or NaN measure
    get 1.0 (they sit at the end of the curve); all zero -> all 1.0.
    """
    raise NotImplementedError


def classify_customers(
    revenue,
    margin=None,
    *,
    measure: str = "revenue",
    cuts: Sequence[float] = (0.50, 0.80, 0.95),
    current=None,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Customer tier by Pareto analysis of revenue or margin, with a hysteresis band.

    With :math:`B_i` the cumulative share *before* the customer (see
    :func:`customer_cumulative_share` with ``before=True``) and ``cuts``
    :math:`c_0 < c_1 < \\dots < c_{K-1}`, the proposed tier is the number of cuts
    :math:`c_k \\le B_i`: tier 0 (Strategic) while :math:`B_i < c_0`, tier 1 (Key) while
    :math:`B_i < c_1`, tier 2 (Standard) while :math:`B_i < c_2`, tier K (Spot) otherwise.
    Comparing the share before the customer puts the customer that crosses a cut in the
    higher tier, so the largest customer is always tier 0 (same convention as
    :func:`invplan.classify.classify_abc`; Silver, Pyke & Peterson 1998, section 3.6).
    Customers with a non-positive or NaN measure are always tier K.

    Hysteresis (to avoid customers flapping between tiers at each nightly run): with the
    ``current`` tier k of a customer, valid in ``0..K``, the customer keeps tier k while

    .. math:: c_{k-1} - \\tau \\le B_i < c_k + \\tau

    (:math:`c_{-1} = 0`, :math:`c_K = +\\infty`, :math:`\\tau` = ``tolerance``, a share);
    outside that band it takes the proposed tier. ``tolerance=0`` gives the plain proposal.

    Parameters
    ----------
    revenue, margin : array-like, shape (n,)
        12-month revenue and gross margin per customer (currency).
    measure : {"revenue", "margin"}
    cuts : increasing shares in (0, 1]
        Default (0.50, 0.80, 0.95): four tiers.
    current : array-like of int, shape (n,), optional
        Current tier per customer; negative, NaN or > K means "no tier yet".
    tolerance : float
        Hysteresis band as a share of the measure (e.g. 0.02); NaN / negative -> 0.

    Returns
    -------
    ndarray of int64, shape (n,), values in ``0..len(cuts)``.

    Examples
    --------
    >>> classify_customers([60, 25, 10, 5, 0]).tolist()
    [0, 1, 2, 3, 3]
    """
    raise NotImplementedError


def reservation_rank(tier_rank, segment_rank=None, requested_day=None) -> np.ndarray:
    """Dense reservation rank from customer tier, product segment and requested date.

    Lines are ordered lexicographically by customer tier rank (0 = Strategic first), then
    product segment rank (0 = most important segment first), then requested day (earliest
    first); equal keys share a rank. The result is a dense integer code (0 = served first)
    usable as ``priority`` in :func:`allocate_shortage` and as the order of lines in
    :func:`available_to_promise`. Source: priority (customer class) rationing with
    first-come-first-served inside a class, Vollmann, Berry, Whybark & Jacobs,
    *Manufacturing Planning and Control for Supply Chain Management*, 5th ed. (2005),
    ch. 3 "Demand management" (allocation of scarce supply to customer segments).

    Parameters
    ----------
    tier_rank : array-like, shape (n,)
        Tier rank per line; NaN / negative (no tier) sorts after every tier.
    segment_rank : array-like, shape (n,), optional
        Segment rank per line; NaN (no segment) sorts last within the tier.
    requested_day : array-like, shape (n,), optional
        Requested day per line; NaN sorts last within tier and segment.

    Returns
    -------
    ndarray of int64, shape (n,).
    """
    raise NotImplementedError


# ============================================================================ rationing
def critical_level(
    demand_mean,
    demand_std,
    lead_time_days,
    service,
    *,
    safety_stock=None,
) -> np.ndarray:
    """Critical level: stock kept back for the tiers allowed to use protected stock.

    A critical-level (stock rationing) policy serves every demand class while stock on hand
    is above the critical level :math:`c`, and only the protected (high-priority) classes
    once it falls to :math:`c` or below (Veinott 1965; Nahmias & Demmy 1981, "Operating
    characteristics of an inventory system with rationing", *Management Science* 27(11);
    Dekker, Hill & Kleijn 1998, "On the (S-1, S) lost sales inventory model with priority
    demand classes", *Naval Research Logistics* 45(2)). Teunter & Klein Haneveld (2008),
    "Dynamic inventory rationing strategies for inventory systems with two demand classes,
    Poisson demand and backordering", *EJOR* 190(1), show that the right critical level is
    the stock needed for the protected classes over the time until the next replenishment
    arrives.

    Implemented (a static critical level, the lead-time form with a normal approximation,
    not the exact optimum of those papers): protected-class demand per day has mean
    :math:`\\mu` and standard deviation :math:`\\sigma`, independent across days, so over
    the replenishment lead time :math:`L` (the longest time until the next arrival) it is
    approximately normal with mean :math:`\\mu L` and deviation :math:`\\sigma\\sqrt{L}`.
    The critical level is its quantile at the protected tiers' service target :math:`\\alpha`

    .. math:: c = \\max\\left(0,\\ \\mu L + z_\\alpha\\, \\sigma \\sqrt{L}\\right),
              \\qquad z_\\alpha = \\Phi^{-1}(\\alpha)

    i.e. the stock that covers protected demand until the next receipt with probability
    :math:`\\alpha`, then capped at the plan's safety stock when given:
    :math:`c = \\min(c, \\max(SS, 0))`, so rationing never holds back more than the plan
    buffers against.

    Parameters
    ----------
    demand_mean : array-like, shape (n,)
        Mean demand per day of the protected tiers (units/day).
    demand_std : array-like, shape (n,)
        Standard deviation of that daily demand (units/day).
    lead_time_days : array-like, shape (n,)
        Replenishment lead time (days).
    service : array-like, shape (n,)
        Service target of the protected tiers (probability, e.g. 0.98); values >= 1 are
        taken as 0.9999.
    safety_stock : array-like, shape (n,), optional
        The plan's safety stock (units); NaN means no cap for that row.

    Returns
    -------
    ndarray of float, shape (n,), >= 0 (units). A row with NaN, zero or negative mean,
    lead time or service gets 0 (nothing protected); a NaN or negative deviation counts
    as 0.

    Examples
    --------
    Mean 4/day, deviation 2/day, lead time 9 days, service 0.95:
    :math:`c = 36 + 1.6449 \\times 2 \\times 3 = 45.87`.
    """
    raise NotImplementedError


# ============================================================================ allocation
def allocate_shortage(
    group,
    demand,
    priority,
    available,
    *,
    may_use_protected=None,
    protected=None,
    min_line_fill: float = 0.0,
    allow_partial: bool = True,
    sequence=None,
    pass_down: bool = False,
) -> np.ndarray:
    """Allocate scarce stock to open lines: strict priority, fair share within a level.

    Lines (one per open move) belong to groups (product x warehouse). In each group the
    lines are served level by level, lowest ``priority`` first (strict priority: a level
    is served only from what the levels before it left). Within a level, the lines allowed
    to use protected stock form a first sub-level and the others a second one. A sub-level
    whose demand :math:`D` fits the usable stock :math:`u` is served in full; otherwise it
    is rationed by fair share, every line getting the same fill fraction
    :math:`f = u / D`, i.e. :math:`a_i = d_i\\,u / D` (proportional / fair-share
    allocation of a shortage, APICS Dictionary, 16th ed. (2019), "fair-share quantity
    logic" and "allocation"; Vollmann et al., *Manufacturing Planning and Control for Supply
    Chain Management*, 5th ed. (2005), ch. on distribution requirements planning,
    allocation of scarce stock in proportion to requirements).

    Minimum line fill :math:`m` (``min_line_fill``): a line must not be filled below
    :math:`m`. Since all lines of a rationed sub-level share the same fill, lines are
    dropped from the end of the ``sequence`` order (last requested first) and their share
    redistributed to the others, keeping the longest prefix in ``sequence`` order whose
    cumulative demand :math:`D_k` satisfies :math:`u / D_k \\ge m`; the kept lines get
    :math:`d_i \\min(1, u / D_k)`. ``allow_partial=False`` (whole lines only) is the same
    rule with :math:`m = 1`: lines are served whole in ``sequence`` order until the next
    one does not fit.

    Protected stock (critical-level rationing, see :func:`critical_level`): with
    :math:`R` the group's remaining stock and :math:`c` its ``protected`` quantity, lines
    allowed to use protected stock may use :math:`R`, the others only
    :math:`\\max(R - c, 0)`: stock below the critical level serves allowed lines only.

    Stock a rationed sub-level leaves unused (minimum fill, whole lines) is held back from
    later levels (strict priority) unless ``pass_down=True``.

    Parameters
    ----------
    group : array-like of int, shape (n,)
        Group code per line, ``0 <= group < len(available)``; a line with an invalid code
        gets 0.
    demand : array-like, shape (n,)
        Open quantity per line (units); NaN / negative -> 0.
    priority : array-like, shape (n,)
        Priority per line, lower served first (e.g. :func:`reservation_rank`); NaN last.
    available : array-like, shape (G,)
        Available stock per group (units); NaN / negative -> 0.
    may_use_protected : array-like of bool, shape (n,), optional
        Default all True.
    protected : array-like, shape (G,), optional
        Protected quantity per group (units); default 0; NaN / negative -> 0.
    min_line_fill : float in [0, 1]
        Minimum fill fraction of a partially served line.
    allow_partial : bool
        False: whole lines only.
    sequence : array-like, shape (n,), optional
        Order within a level for the minimum-fill and whole-line rules (lower first,
        e.g. the order date); default input position.
    pass_down : bool
        Let later levels use stock a rationed level left unused.

    Returns
    -------
    ndarray of float, shape (n,): allocated quantity per line, ``0 <= a_i <= d_i`` and per
    group :math:`\\sum a_i \\le` available.

    Examples
    --------
    Available 10, lines (priority, demand) = (0, 4), (1, 6), (1, 12): the first gets 4;
    the level-1 lines share 6 in proportion 6:12, getting 2 and 4.
    """
    raise NotImplementedError


# ============================================================================ promising
class ATPResult(NamedTuple):
    """Result of :func:`available_to_promise` (one value per line)."""

    #: Promised day (int64, offset from today); -1 when neither supply nor a lead time
    #: can cover the line.
    promised_day: np.ndarray
    #: Quantity this line could be promised on its requested day (float, >= 0), before
    #: it consumed anything.
    available_on_requested_day: np.ndarray
    #: Part of the line promised from on-hand and scheduled receipts (float); the rest
    #: comes from new replenishment.
    from_supply: np.ndarray
    #: True when the whole line is covered by on-hand and scheduled receipts.
    covered: np.ndarray


def available_to_promise(
    on_hand,
    line_group,
    line_qty,
    line_day,
    *,
    receipt_group=None,
    receipt_day=None,
    receipt_qty=None,
    committed_group=None,
    committed_day=None,
    committed_qty=None,
    may_use_protected=None,
    protected=None,
    lead_time_days=None,
) -> ATPResult:
    """Tier-aware time-phased cumulative available-to-promise with look-ahead.

    Per group g, the net cumulative position on day t is

    .. math:: N_g(t) = OH_g + \\sum_{s \\le t} R_g(s) - \\sum_{s \\le t} C_g(s)

    (on hand, scheduled receipts, committed demand: reservations and lines already
    promised). The cumulative ATP with look-ahead is the least future position,

    .. math:: A_g(t) = \\min_{s \\ge t} N_g(s),

    so a promise on day t never takes stock a later commitment needs (APICS cumulative ATP
    with look-ahead: Vollmann, Berry, Whybark & Jacobs, *Manufacturing Planning and Control
    for Supply Chain Management*, 5th ed. (2005), ch. 3 "Demand management", available to
    promise; APICS Dictionary, 16th ed. (2019), "cumulative available-to-promise").

    Lines are promised one after the other in the order given (give them in priority order,
    e.g. by :func:`reservation_rank`). For a line of quantity q requested on day r, with
    :math:`p = c_g` (the group's ``protected`` quantity) when the line may not use protected
    stock and :math:`p = 0` otherwise:

    * covered from supply: the first day :math:`t \\ge r` with :math:`A_g(t) - p \\ge q`;
    * otherwise (or if earlier) from replenishment: day :math:`t_0 = \\max(r, L_g)`
      (today plus the group's replenishment lead time :math:`L_g`), taking the part
      :math:`\\min(q, \\max(A_g(t_0) - p, 0))` from supply and the rest from new
      replenishment;

    the promised day is the earlier of the two (ties: from supply). The quantity taken from
    supply is committed on the promised day (:math:`N_g(s)` falls by it for
    :math:`s \\ge` that day) before the next line is promised.

    Parameters
    ----------
    on_hand : array-like, shape (G,)
        On hand per group today (units). NaN -> 0; negative stock is kept (it lowers ATP).
    line_group : array-like of int, shape (n,)
        Group code per line to promise; invalid code -> promised day -1.
    line_qty : array-like, shape (n,)
        Quantity per line (units); NaN / negative -> 0 (promised on the requested day).
    line_day : array-like, shape (n,)
        Requested day per line (offset from today); NaN / negative -> 0.
    receipt_group, receipt_day, receipt_qty : array-like, shape (m,), optional
        Scheduled receipts; overdue (negative day) -> day 0; NaN day, NaN / negative
        quantity or invalid group -> ignored.
    committed_group, committed_day, committed_qty : array-like, shape (k,), optional
        Committed demand (reservations, promised lines); negative / NaN day -> day 0
        (conservative); NaN / negative quantity or invalid group -> ignored.
    may_use_protected : array-like of bool, shape (n,), optional
        Default all True.
    protected : array-like, shape (G,), optional
        Protected quantity per group (e.g. :func:`critical_level`); NaN / negative -> 0.
    lead_time_days : array-like, shape (G,), optional
        Replenishment lead time per group (days); NaN / negative / missing -> no
        replenishment promise (a line supply cannot cover gets -1).

    Returns
    -------
    ATPResult (promised_day, available_on_requested_day, from_supply, covered).
    """
    raise NotImplementedError


# ============================================================================ slotting
def pick_velocity_class(picks, *, cuts: Sequence[float] = (0.80, 0.95)) -> np.ndarray:
    """Velocity ABC on pick lines: 'A', 'B' or 'C' per product (or product x location).

    Products are ranked by number of pick lines (hits) in the period, largest first; a
    product is A while the cumulative share of pick lines before it is below ``cuts[0]``,
    B below ``cuts[1]``, C otherwise (the Pareto rule of
    :func:`invplan.classify.classify_abc` applied to pick frequency, the "popularity"
    measure of Frazelle, *World-Class Warehousing and Material Handling* (2002), ch. 3
    "Warehouse activity profiling", pick-line (order-line) ABC).

    Parameters
    ----------
    picks : array-like, shape (n,)
        Pick lines per product in the period; NaN / non-positive -> 'C'.
    cuts : (a, b)
        Cumulative share cutoffs, ``0 < a <= b <= 1``.

    Returns
    -------
    ndarray of str (object), shape (n,).
    """
    raise NotImplementedError


class SlottingPlan(NamedTuple):
    """Result of :func:`slotting_plan` (one value per product)."""

    #: 'forward' or 'reserve' (object array).
    zone: np.ndarray
    #: 1 = lowest cube-per-order index (first candidate for forward space); int64.
    rank: np.ndarray
    #: Cube-per-order index (volume per pick); +inf for products without picks.
    coi: np.ndarray
    #: Forward volume the product needs (volume units).
    space: np.ndarray


def slotting_plan(
    picks,
    unit_volume,
    forward_capacity: float,
    *,
    forward_qty=None,
    current_forward=None,
    min_gain: float = 0.0,
) -> SlottingPlan:
    """Forward (golden-zone) versus reserve slotting by cube-per-order index (COI).

    The cube-per-order index of product i is the storage space it needs over its picks per
    period,

    .. math:: COI_i = \\frac{s_i}{h_i}, \\qquad s_i = v_i\\, q_i

    (:math:`v_i` unit volume, :math:`q_i` units held in the forward slot, :math:`h_i` pick
    lines). Products with the lowest COI are given the locations closest to the pick
    front: Heskett (1963), "Cube-per-order index - a key to warehouse stock location",
    *Transportation and Distribution Management* 3; Kallina & Lynn (1976), "Application of
    the cube-per-order index rule for stock location in a distribution warehouse",
    *Interfaces* 7(1) (optimal for single-command travel with dedicated storage); Frazelle,
    *World-Class Warehousing and Material Handling* (2002), ch. 7 "Slotting".

    Forward space: products are taken in increasing COI order and each goes forward if its
    space still fits the remaining ``forward_capacity`` (a product that does not fit is
    skipped, the next ones may still fit). Products without picks stay in reserve.

    Hysteresis: products in ``current_forward`` have their COI divided by
    :math:`1 + g` (``min_gain``), so a newcomer displaces an incumbent only when its COI is
    lower by more than that factor (avoids re-slotting for marginal gains).

    Parameters
    ----------
    picks : array-like, shape (n,)
        Pick lines per product in the period; NaN / negative -> 0.
    unit_volume : array-like, shape (n,)
        Volume of one unit; NaN / non-positive (unknown) -> 1.0.
    forward_capacity : float
        Total forward volume (same unit as ``unit_volume``); NaN / negative -> 0.
    forward_qty : array-like, shape (n,), optional
        Units held in the forward slot (e.g. a week of demand); default 1; NaN / values
        below 1 -> 1.
    current_forward : array-like of bool, shape (n,), optional
    min_gain : float
        Relative COI advantage a newcomer needs over an incumbent; NaN / negative -> 0.

    Returns
    -------
    SlottingPlan (zone, rank, coi, space).
    """
    raise NotImplementedError


def slotting_travel(
    picks,
    forward,
    *,
    forward_distance: float = 10.0,
    reserve_distance: float = 40.0,
) -> float:
    """Pick travel of a slotting: one round trip from the pick-and-drop point per pick line.

    .. math:: T = \\sum_i 2\\, h_i\\, d_{z(i)}

    with :math:`h_i` pick lines of product i and :math:`d_z` the one-way distance to its
    zone (forward or reserve). This is the single-command (one pick per trip) travel model
    under which the COI rule is optimal (Kallina & Lynn 1976; Francis, McGinnis & White,
    *Facility Layout and Location: An Analytical Approach*, 2nd ed. (1992), dedicated
    storage). The estimated saving of a new slotting is
    ``1 - slotting_travel(h, new) / slotting_travel(h, old)``.

    Parameters
    ----------
    picks : array-like, shape (n,)
        Pick lines per product; NaN / negative -> 0.
    forward : array-like of bool, shape (n,)
        True when the product is in the forward zone.
    forward_distance, reserve_distance : float
        One-way distance to each zone (metres); NaN / negative -> 0.

    Returns
    -------
    float: total travel distance (metres) for the period.
    """
    raise NotImplementedError


# ============================================================================ cycle counts
class CountSchedule(NamedTuple):
    """Result of :func:`cycle_count_schedule` (one value per item)."""

    #: Working-day index of the next count (int64, >= ``start_day``); -1 when never
    #: counted (no valid frequency).
    next_day: np.ndarray
    #: Interval between counts in working days (float); 0 when never counted.
    interval: np.ndarray


def cycle_count_schedule(
    count_per_year,
    working_days: int = 250,
    *,
    start_day: int = 0,
    last_counted_days_ago=None,
) -> CountSchedule:
    """ABC cycle counting: counts per segment frequency spread evenly over working days.

    Item i is counted :math:`f_i` times a year (e.g. A 12, B 4, C 1), i.e. every
    :math:`T_i = W / f_i` working days (:math:`W` = ``working_days``). The :math:`m` items
    sharing an interval :math:`T` are given evenly spaced phases: the j-th of them
    (j = 0..m-1) is counted on working days

    .. math:: d_{j,k} = \\left\\lfloor \\left(\\frac{j}{m} + k\\right) T \\right\\rfloor,
              \\qquad k = 0, 1, \\dots

    so each interval class puts :math:`\\lfloor m/T \\rfloor` or :math:`\\lceil m/T \\rceil`
    counts on every working day and the daily workload varies by at most one count per
    class (ABC cycle counting with a constant daily count load: APICS Dictionary, 16th ed.
    (2019), "cycle counting"; Brooks & Wilson, *Inventory Record Accuracy: Unleashing the
    Power of Cycle Counting*, 2nd ed. (2007), ch. on the ABC approach). The returned
    ``next_day`` is ``start_day + d_{j,0}``.

    Parameters
    ----------
    count_per_year : array-like, shape (n,)
        Counts per year per item; NaN / non-positive -> never counted (next_day -1);
        values above ``working_days`` -> counted every working day.
    working_days : int
        Working days per year (>= 1).
    start_day : int
        Working-day index of the first day of the schedule (today).
    last_counted_days_ago : array-like, shape (n,), optional
        Within an interval class, items counted longest ago (NaN = never) get the first
        phases; default input order.

    Returns
    -------
    CountSchedule (next_day, interval).
    """
    raise NotImplementedError


def count_load(next_day, interval, horizon: int) -> np.ndarray:
    """Number of counts on each working day ``0 .. horizon-1`` of a :func:`cycle_count_schedule`.

    Item i is counted on days :math:`\\lfloor d_i + k T_i \\rfloor` (k = 0, 1, ...) where
    :math:`d_i` = ``next_day`` (exact phase kept in the float arithmetic of the schedule).

    Returns
    -------
    ndarray of int64, shape (horizon,).
    """
    raise NotImplementedError


class RecordAccuracy(NamedTuple):
    """Result of :func:`record_accuracy`."""

    #: Per count: True when the count is valid and within tolerance.
    within: np.ndarray
    #: Per count: False when the count is NaN (not counted) and left out.
    valid: np.ndarray
    #: Per count: counted - system quantity (0 for invalid counts).
    adjustment_qty: np.ndarray
    #: Per count: adjustment_qty * unit_cost (0 when no cost).
    adjustment_value: np.ndarray
    #: Share of valid counts within tolerance: float, or per group (G,) when ``group`` is
    #: given; 0.0 where there is no valid count (check ``n_valid``).
    accuracy: float | np.ndarray
    #: Number of valid counts (int, or per group).
    n_valid: int | np.ndarray
    #: Sum of absolute adjustment values (float, or per group).
    abs_adjustment_value: float | np.ndarray


def record_accuracy(
    system_qty,
    counted_qty,
    *,
    abs_tolerance=0.0,
    pct_tolerance=0.0,
    unit_cost=None,
    group=None,
    n_groups: int | None = None,
) -> RecordAccuracy:
    """Inventory record accuracy: share of counts within tolerance, value of adjustments.

    A count is a hit when

    .. math:: |Q_{counted} - Q_{system}| \\le \\max(t_{abs},\\ t_{pct} |Q_{system}|)

    and record accuracy is the share of hits among the counts (APICS Dictionary, 16th ed.
    (2019), "inventory accuracy" / "counting tolerance"; Brooks & Wilson, *Inventory Record
    Accuracy* (2007): accuracy measured as the percentage of counts within tolerance,
    tolerances set per ABC class). The adjustment value is
    :math:`(Q_{counted} - Q_{system}) \\times` unit cost.

    Parameters
    ----------
    system_qty, counted_qty : array-like, shape (n,)
        Quantity on record and counted. NaN counted -> invalid count (left out); NaN
        system -> 0 on record.
    abs_tolerance, pct_tolerance : float or array-like, shape (n,)
        Absolute (units) and relative (share of the system quantity) tolerance, per count
        (e.g. tighter for A items); NaN / negative -> 0.
    unit_cost : array-like, shape (n,), optional
        Cost per unit; NaN / negative -> 0.
    group : array-like of int, shape (n,), optional
        Group code per count (segment x location); aggregates are then per group.
    n_groups : int, optional
        Number of groups (default ``max(group) + 1``).

    Returns
    -------
    RecordAccuracy.
    """
    raise NotImplementedError


# ============================================================================ KPIs
class FillOnTime(NamedTuple):
    """Result of :func:`fill_and_on_time`."""

    #: Per line: shipped / ordered, in [0, 1] (1 for zero-quantity lines).
    line_fill: np.ndarray
    #: Per line: shipped (anything) no later than the promised day.
    on_time: np.ndarray
    #: Per line: on time and in full.
    otif: np.ndarray
    #: Quantity fill rate sum(min(shipped, ordered)) / sum(ordered): float or per group.
    fill_rate: float | np.ndarray
    #: Share of lines on time: float or per group.
    on_time_rate: float | np.ndarray
    #: Share of lines on time in full: float or per group.
    otif_rate: float | np.ndarray
    #: Number of lines counted (int or per group).
    n_lines: int | np.ndarray


def fill_and_on_time(
    promised_day,
    shipped_day,
    ordered_qty,
    shipped_qty,
    *,
    group=None,
    n_groups: int | None = None,
) -> FillOnTime:
    """Fill rate, on-time and on-time-in-full (OTIF) against the promised date.

    .. math:: \\text{fill rate} = \\frac{\\sum_i \\min(s_i, o_i)}{\\sum_i o_i},\\quad
              \\text{on time}_i = [t^{ship}_i \\le t^{prom}_i],\\quad
              \\text{OTIF}_i = \\text{on time}_i \\wedge [s_i \\ge o_i]

    (fill rate as the quantity fraction of demand met, Silver, Pyke & Peterson (1998),
    section 7.1 "fill rate"; on-time in full as the share of lines delivered complete by
    the promised date, APICS Dictionary, 16th ed. (2019), "perfect order"/"on-time
    delivery").

    Parameters
    ----------
    promised_day, shipped_day : array-like, shape (n,)
        Days (any common origin); NaN shipped day = not shipped (late); NaN promised day
        -> the line is left out of the on-time rates (counted as not on time per line).
    ordered_qty, shipped_qty : array-like, shape (n,)
        NaN / negative -> 0.
    group : array-like of int, shape (n,), optional
        Group code per line (tier, segment); rates are then per group.
    n_groups : int, optional

    Returns
    -------
    FillOnTime. Rates are 0.0 where there are no lines (check ``n_lines``).
    """
    raise NotImplementedError
