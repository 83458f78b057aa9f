import logging
import math
from datetime import date as Date
from datetime import datetime as DateTime
from datetime import timedelta

import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.addons.stock_segment_forecast.models.stock_planning_profile import (
    bucket_calendar,
    bucket_shift,
    bucket_start,
)
from odoo.exceptions import UserError
from odoo.tools import SQL

from invplan.costopt import rq_service_normal
from invplan.kpi_report import working_capital_effect
from invplan.leadtime import lead_time_stats
from invplan.lotsizing import discount_annual_cost, epq, quantity_discount
from invplan.planning import SEGMENT_COLUMNS, plan_policy
from invplan.policy import POLICY_OUTPUTS
from invplan.window import BUCKET_DAYS, protection_demand, sigma_over

from . import stock_planning_profile_demo as demo
from .review_calendar import EPOCH, cycle_anchor, next_review

_logger = logging.getLogger(__name__)

SOURCE = "replenishment"
EXCEPTION_TYPES = (
    "data_quality",
    "replenishment_data",
    "lead_time_drift",
    "supplier_on_time",
    "orderpoint_locked",
    "job_failure",
)
STOCKED_STATUSES = ("ok", "conflicting_limits")
SERVICE_METRICS = {"cycle_service_level": "csl", "fill_rate": "fill_rate"}
OBSOLETE_STAGES = ("end_of_life", "obsolete")
LEAD_TIME_SOURCES = [
    ("history_warehouse", "Receipts of this warehouse"),
    ("history_vendor", "Receipts from the vendor"),
    ("vendor_delay", "Vendor price list delay"),
    ("manufacturing", "Manufacturing lead time"),
    ("resupply", "Resupply from another warehouse"),
    ("none", "No lead time"),
]
DIGITS = 6
# Working time a production line is assumed to run in a year, for the production rate of
# the economic production quantity: 8 hours x 250 working days = 120,000 minutes.
WORKING_MINUTES_PER_YEAR = 8 * 60 * 250
DEMAND_SOURCES = [
    ("forecast", "Final forecast"),
    ("history", "Historical average (no forecast)"),
]
# Engine statuses of a plan's policy (invplan.policy.STATUSES and the command line's
# own), with the label a buyer reads; the keys are what the engine writes.
POLICY_STATUSES = [
    ("ok", "Planned"),
    ("conflicting_limits", "Planned, vendor limits conflict"),
    ("no_demand", "No demand"),
    ("make_to_order", "Make to order"),
    ("manual", "Manual (not planned)"),
    ("nan_input", "Missing input"),
    ("invalid_demand", "Invalid demand"),
    ("invalid_service", "Invalid service target"),
    ("invalid_lead_time", "No usable lead time"),
    ("invalid_cost", "No usable cost"),
    ("invalid_policy", "Unknown policy"),
    ("overflow", "Inputs too large"),
    ("quarantined", "Quarantined"),
    ("no_forecast_demand", "No forecast demand"),
    ("history_too_short", "History too short"),
    ("not_stocked", "Not stocked"),
    ("low_fill_rate", "Low fill rate"),
]
# How the reorder point was computed (invplan.policy.compute_policy's method).
POLICY_METHODS = [
    ("normal", "Normal"),
    ("poisson", "Poisson (slow mover)"),
    ("negbin", "Negative binomial (slow mover)"),
    ("cost_based", "Cost-based (r, Q)"),
    ("newsvendor", "Newsvendor"),
    ("make_to_order", "Make to order"),
    ("manual", "Manual"),
]
# Profile columns the policy job writes, with their SQL cast.
POLICY_COLUMNS = {
    "lead_time_days": "float8",
    "lead_time_std_days": "float8",
    "lead_time_source": "varchar",
    "lead_time_receipts": "int4",
    "supplier_on_time_rate": "float8",
    "vendor_id": "int4",
    "unit_cost_used": "float8",
    "moq_qty": "float8",
    "pack_multiple_qty": "float8",
    "policy_status": "varchar",
    "policy_method": "varchar",
    "safety_stock_qty": "float8",
    "reorder_point_qty": "float8",
    "order_qty": "float8",
    "max_qty": "float8",
    "expected_fill_rate": "float8",
    "cycle_service_level": "float8",
    "avg_stock_qty": "float8",
    "avg_stock_value": "float8",
    "coverage_days": "float8",
    "policy_demand_used": "float8",
    "policy_demand_source": "varchar",
    "policy_protection_days": "float8",
    "policy_protection_qty": "float8",
    "policy_error_sigma": "float8",
    "policy_segment_id": "int4",
    "policy_service_target": "float8",
    "policy_explanation": "text",
    "price_break_min_qty": "float8",
    "price_break_price": "float8",
    "price_break_saving": "float8",
    "epq_production_rate": "float8",
    "epq_setup_cost": "float8",
    "epq_qty": "float8",
    "review_calendar": "bool",
}
# Plan columns holding a quantity: never negative, never above the plausible maximum.
QUANTITY_COLUMNS = frozenset(
    {
        "moq_qty",
        "pack_multiple_qty",
        "safety_stock_qty",
        "reorder_point_qty",
        "order_qty",
        "max_qty",
        "avg_stock_qty",
        "policy_demand_used",
        "policy_protection_qty",
        "policy_error_sigma",
        "price_break_min_qty",
        "epq_qty",
    }
)
# Quantity columns that can be below zero by design (shown as max(0, value)).
SIGNED_QUANTITY_COLUMNS = frozenset({"safety_stock_qty"})
STATUS_MESSAGES = {
    "nan_input": "a demand or lead-time input is missing",
    "invalid_demand": "the forecast demand or its error is negative",
    "invalid_service": "the segment's service target is not between 0 and 100 %",
    "invalid_lead_time": "no usable lead time (no vendor with a delay, no receipt "
    "history, no bill of materials, no resupply route)",
    "invalid_cost": "the product cost is missing, zero or not a number",
    "invalid_policy": "the segment's policy is not one the engine knows",
    "overflow": "the inputs are too large to give finite results",
}


# Plan fields the replenishment job computes: users cannot write them (see stock_segment).
REPLENISHMENT_JOB_OWNED_FIELDS = frozenset(
    {
        "lead_time_days",
        "lead_time_std_days",
        "lead_time_source",
        "lead_time_receipts",
        "supplier_on_time_rate",
        "vendor_id",
        "unit_cost_used",
        "moq_qty",
        "pack_multiple_qty",
        "policy_status",
        "policy_method",
        "policy_date",
        "safety_stock_qty",
        "reorder_point_qty",
        "order_qty",
        "max_qty",
        "expected_fill_rate",
        "cycle_service_level",
        "avg_stock_qty",
        "avg_stock_value",
        "coverage_days",
        "policy_explanation",
        "policy_demand_used",
        "policy_demand_source",
        "policy_protection_days",
        "policy_protection_qty",
        "policy_error_sigma",
        "policy_segment_id",
        "policy_service_target",
        "price_break_min_qty",
        "price_break_price",
        "price_break_saving",
        "epq_production_rate",
        "epq_setup_cost",
        "epq_qty",
        "order_cycle_id",
        "cycle_multiple",
        "cycle_review_days",
        "review_calendar",
    }
)
# Policies whose rules follow a vendor order cycle (see stock.vendor.order.cycle).
CYCLE_POLICIES = ("sQ", "sS", "RS")
# Columns of the engine's result (invplan.planning.plan_policy) the job reads per plan.
RESULT_COLUMNS = ("status", "method", *POLICY_OUTPUTS)
# Argument types a message is formatted with as they are: Odoo's translation formats
# lists, lazy translations and markup apart (see BatchTexts).
PLAIN_ARGUMENT_TYPES = frozenset(
    {str, float, int, bool, type(None), np.float64, np.int64, np.bool_, Date, DateTime}
)


class BatchTexts:
    """The messages of a batch's plans in the environment's language, each looked up
    once per batch: :meth:`_` gives what ``env._`` gives (the same translation of the
    same module, formatted the same way) without its lookup per call, and
    :meth:`labels` the selection labels the explanation shows."""

    __slots__ = ("_labels", "_translations", "profiles")

    def __init__(self, profiles):
        self.profiles = profiles
        self._translations = {}
        self._labels = None

    def _(self, source, *args, **kwargs):
        env = self.profiles.env
        translation = self._translations.get(source)
        if translation is None:
            translation = self._translations[source] = env._(source)
        format_args = args or kwargs
        if not format_args:
            return translation
        if not all(type(v) in PLAIN_ARGUMENT_TYPES for v in (args or kwargs.values())):
            return env._(source, *args, **kwargs)
        try:
            return translation % format_args
        except (TypeError, ValueError, KeyError):
            # Odoo's own fallback (the source text) and log of a bad translation.
            return env._(source, *args, **kwargs)

    def labels(self):
        """(policy, lead-time source, method, service metric) labels by key."""
        if self._labels is None:
            profiles = self.profiles
            env = profiles.env
            self._labels = (
                dict(
                    env["stock.segment"]._fields["replenishment_policy"]._description_selection(env)
                ),
                dict(profiles._fields["lead_time_source"]._description_selection(env)),
                dict(profiles._fields["policy_method"]._description_selection(env)),
                {"csl": env._("cycle service"), "fill_rate": env._("fill rate")},
            )
        return self._labels


class StockPlanningProfile(models.Model):
    _inherit = "stock.planning.profile"

    # Lead time
    lead_time_days = fields.Float(
        "Lead Time (days)", readonly=True, digits=(16, 2), help="Mean lead time used by the policy."
    )
    lead_time_std_days = fields.Float("Lead-time Std. Dev. (days)", readonly=True, digits=(16, 2))
    lead_time_source = fields.Selection(LEAD_TIME_SOURCES, readonly=True)
    lead_time_receipts = fields.Integer("Receipts Used", readonly=True)
    supplier_on_time_rate = fields.Float(
        "Supplier On-time Rate (%)",
        readonly=True,
        digits=(16, 1),
        help="Share of the main vendor's receipts done by the promised date; empty (no "
        "data) when the lead time does not come from receipts.",
    )
    vendor_id = fields.Many2one("res.partner", "Main Vendor", readonly=True)
    unit_cost_used = fields.Float(readonly=True, digits="Product Price")
    moq_qty = fields.Float("Vendor MOQ", readonly=True, digits="Product Unit")
    pack_multiple_qty = fields.Float("Pack Multiple", readonly=True, digits="Product Unit")

    # Policy results
    policy_status = fields.Selection(
        POLICY_STATUSES,
        readonly=True,
        help="Planned, or why no policy could be computed.",
    )
    policy_method = fields.Selection(
        POLICY_METHODS,
        "Method",
        readonly=True,
        help="Normal demand over the lead time, Poisson or negative binomial for slow "
        "movers, cost-based (r, Q), make to order.",
    )
    policy_date = fields.Date("Policy Computed On", readonly=True)
    safety_stock_qty = fields.Float(
        "Safety Stock (computed, signed)",
        readonly=True,
        digits="Product Unit",
        help="Technical: the reorder point minus the demand over the protection "
        "interval, as the engine computed it. It can be below zero under a fill-rate "
        "target: each order of a large order quantity already serves most demand from "
        "stock, so the reorder point that reaches the target can sit below the demand "
        "over the lead time. Buyers see the Safety Stock, never below zero.",
    )
    safety_stock_display = fields.Float(
        "Safety Stock",
        compute="_compute_safety_stock_display",
        digits="Product Unit",
        help="Stock held against demand and lead-time variability: the reorder point "
        "minus the demand over the protection interval, shown as 0 when that is below "
        "zero. Under a fill-rate target the reorder point can sit below the demand over "
        "the lead time: with a large order quantity most demand is served from the stock "
        "of the previous order, so the target is met with less than the lead-time "
        "demand at reorder time. The reorder point (min) is kept as computed.",
    )
    reorder_point_qty = fields.Float("Reorder Point (Min)", readonly=True, digits="Product Unit")
    order_qty = fields.Float("Order Quantity", readonly=True, digits="Product Unit")
    max_qty = fields.Float("Order-up-to (Max)", readonly=True, digits="Product Unit")
    expected_fill_rate = fields.Float(
        readonly=True,
        digits=(16, 4),
        help="Share of demand served from stock; empty when no policy is planned.",
    )
    cycle_service_level = fields.Float(
        "Expected Cycle Service",
        readonly=True,
        digits=(16, 4),
        help="Probability of no stockout per cycle; empty when no policy is planned.",
    )
    avg_stock_qty = fields.Float("Average Stock", readonly=True, digits="Product Unit")
    avg_stock_value = fields.Monetary(
        "Average Stock Value", readonly=True, currency_field="currency_id"
    )
    coverage_days = fields.Float(
        "Coverage (days)",
        readonly=True,
        digits=(16, 1),
        help="Average stock over daily demand; empty when there is no demand.",
    )
    policy_explanation = fields.Text(
        "Calculation", readonly=True, help="Inputs, formula and result of the last computation."
    )
    policy_demand_used = fields.Float(
        "Demand Used (per day)",
        readonly=True,
        digits=(16, 6),
        help="Mean demand per day over the protection interval the rule was computed on.",
    )
    policy_demand_source = fields.Selection(
        DEMAND_SOURCES,
        "Demand Source",
        readonly=True,
        help="Final forecast: the forecast lines from today's bucket on, overrides "
        "included. Historical average: the plan has no forecast line from today on.",
    )
    policy_protection_days = fields.Float(
        "Protection Interval (days)",
        readonly=True,
        digits=(16, 2),
        help="Lead time, plus the review period for periodic review.",
    )
    policy_protection_qty = fields.Float(
        "Demand over Protection Interval",
        readonly=True,
        digits="Product Unit",
        help="Forecast demand from today over the protection interval.",
    )
    policy_error_sigma = fields.Float(
        "Forecast Error Sigma over Protection Interval",
        readonly=True,
        digits="Product Unit",
        help="Standard deviation of the forecast error of the demand over the protection "
        "interval (before lead-time variability).",
    )
    policy_segment_id = fields.Many2one("stock.segment", readonly=True)
    price_break_min_qty = fields.Float(
        "Price Break Taken (min. qty)",
        readonly=True,
        digits="Product Unit",
        help="Minimum quantity, in the product's unit, of the vendor price list line the "
        "order quantity was raised to because its lower price pays; 0 when no break is "
        "taken.",
    )
    price_break_price = fields.Monetary(
        "Price Break Unit Price",
        readonly=True,
        currency_field="currency_id",
        help="Unit price of the break taken, per product unit, in the company currency.",
    )
    price_break_saving = fields.Monetary(
        "Price Break Saving (per year)",
        readonly=True,
        currency_field="currency_id",
        help="Annual cost (purchase, ordering and holding) of ordering the EOQ at the base "
        "price minus that of the quantity chosen; 0 when no break is taken.",
    )
    epq_production_rate = fields.Float(
        "Production Rate Used (per year)",
        readonly=True,
        digits="Product Unit",
        help="Units the bill of materials' bottleneck operation can make in a year: the "
        "BoM quantity per cycle over the operation's minutes per cycle (corrected by the "
        "work centre's efficiency), times 120,000 working minutes a year (8 hours x 250 "
        "days); 0 when the item is not manufactured or its BoM has no timed operation.",
    )
    epq_setup_cost = fields.Monetary(
        "Setup Cost Used (per lot)",
        readonly=True,
        currency_field="currency_id",
        help="Cost of one production lot: the work centres' setup and cleanup time "
        "times their hourly cost, plus the segment's ordering cost.",
    )
    epq_qty = fields.Float(
        "Economic Production Quantity",
        readonly=True,
        digits="Product Unit",
        help="Lot size of a manufactured item by the economic production quantity, used "
        "as the order quantity; 0 when it is not used (see the calculation).",
    )
    policy_service_target = fields.Float(readonly=True)
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint", compute="_compute_orderpoint_id", string="Reorder Rule"
    )
    proposal_ids = fields.One2many("stock.replenishment.proposal", "profile_id", "Proposals")
    pending_proposal_count = fields.Integer(compute="_compute_pending_proposal_count")
    # What the buyer acts on, read from Odoo's stock for the plan's warehouse.
    qty_on_hand = fields.Float(
        "On Hand",
        compute="_compute_stock_position",
        digits="Product Unit",
        help="Stock on hand in the plan's warehouse.",
    )
    qty_forecasted = fields.Float(
        "Forecasted Stock",
        compute="_compute_stock_position",
        digits="Product Unit",
        help="On hand plus open receipts minus open deliveries of the plan's warehouse "
        "(Odoo's forecasted quantity).",
    )
    next_receipt_date = fields.Datetime(
        "Next Receipt",
        compute="_compute_stock_position",
        help="Expected date of the earliest open receipt into the plan's warehouse; empty "
        "when nothing is on order.",
    )
    next_receipt_qty = fields.Float(
        "Next Receipt Quantity",
        compute="_compute_stock_position",
        digits="Product Unit",
        help="Quantity of the earliest open receipt into the plan's warehouse.",
    )
    next_receipt_late = fields.Boolean(
        compute="_compute_stock_position",
        help="The earliest open receipt was expected before now.",
    )
    below_safety_stock = fields.Boolean(
        compute="_compute_stock_position",
        help="Stock on hand is below the safety stock.",
    )
    order_cycle_id = fields.Many2one(
        "stock.vendor.order.cycle",
        "Vendor Order Cycle",
        readonly=True,
        index="btree_not_null",
        help="The main vendor's order cycle this item is ordered on.",
    )
    cycle_multiple = fields.Integer(
        "In One Order Out Of",
        readonly=True,
        help="The item is in every N-th order of its vendor's cycle (joint replenishment).",
    )
    cycle_review_days = fields.Integer(
        "Cycle Review Period (days)",
        readonly=True,
        help="The vendor's cycle times the multiple: the item's rule triggers every so "
        "many days, on the vendor's order days.",
    )
    review_calendar = fields.Boolean(
        "Follows a Review Calendar",
        readonly=True,
        help="The reorder rule triggers on review days only (periodic review): it is "
        "manual and snoozed in between. When the plan leaves periodic review, its rule "
        "goes back to the segment's trigger.",
    )

    @api.model
    def _job_owned_fields(self):
        return super()._job_owned_fields() | REPLENISHMENT_JOB_OWNED_FIELDS

    def _compute_orderpoint_id(self):
        ops = (
            self.env["stock.warehouse.orderpoint"]
            .sudo()
            .search(
                [
                    ("product_id", "in", self.product_id.ids),
                    ("warehouse_id", "in", self.warehouse_id.ids),
                ],
                order="id",
            )
        )
        by_key = {}
        for op in ops:
            key = (op.product_id.id, op.warehouse_id.id)
            if key not in by_key or op.location_id == op.warehouse_id.lot_stock_id:
                by_key.setdefault(key, op)
        for profile in self:
            profile.orderpoint_id = by_key.get((profile.product_id.id, profile.warehouse_id.id))

    @api.depends("safety_stock_qty")
    def _compute_safety_stock_display(self):
        for profile in self:
            profile.safety_stock_display = max(profile.safety_stock_qty or 0.0, 0.0)

    @api.depends_context("company")
    def _compute_stock_position(self):
        """On hand and forecasted from Odoo's product quantities per warehouse (one read
        per warehouse), the next receipt from one query on the open incoming moves."""
        values = {}
        for warehouse in self.warehouse_id:
            plans = self.filtered(lambda p, w=warehouse: p.warehouse_id == w)
            products = plans.product_id.with_context(warehouse_id=warehouse.id)
            quantities = {
                row["id"]: row for row in products.read(["qty_available", "virtual_available"])
            }
            for plan in plans:
                row = quantities.get(plan.product_id.id, {})
                values[plan.id] = {
                    "qty_on_hand": row.get("qty_available", 0.0),
                    "qty_forecasted": row.get("virtual_available", 0.0),
                }
        receipts = {}
        if self.ids:
            self.env["stock.move"].flush_model()
            self.env.cr.execute(
                SQL(
                    """
                SELECT DISTINCT ON (m.product_id, w.id)
                       m.product_id, w.id, m.date, SUM(m.product_qty)
                         OVER (PARTITION BY m.product_id, w.id, m.date)
                  FROM stock_move m
                  JOIN stock_location dest ON dest.id = m.location_dest_id
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN stock_warehouse w ON w.id = dest.warehouse_id
                 WHERE m.product_id = ANY(%(products)s)
                   AND w.id = ANY(%(warehouses)s)
                   AND m.state NOT IN ('draft', 'done', 'cancel')
                   AND (src.usage != 'internal' OR src.warehouse_id IS DISTINCT FROM w.id)
                   AND dest.usage = 'internal'
              ORDER BY m.product_id, w.id, m.date
                    """,
                    products=self.product_id.ids,
                    warehouses=self.warehouse_id.ids,
                )
            )
            receipts = {(p, w): (d, q) for p, w, d, q in self.env.cr.fetchall()}
        now = fields.Datetime.now()
        for plan in self:
            vals = values.get(plan.id, {"qty_on_hand": 0.0, "qty_forecasted": 0.0})
            date, qty = receipts.get((plan.product_id.id, plan.warehouse_id.id), (False, 0.0))
            plan.qty_on_hand = vals["qty_on_hand"]
            plan.qty_forecasted = vals["qty_forecasted"]
            plan.next_receipt_date = date
            plan.next_receipt_qty = qty
            plan.next_receipt_late = bool(date and date < now)
            plan.below_safety_stock = bool(
                plan.policy_status in STOCKED_STATUSES
                and plan.safety_stock_display > 0
                and vals["qty_on_hand"] < plan.safety_stock_display
            )

    def _compute_pending_proposal_count(self):
        counts = dict(
            self.env["stock.replenishment.proposal"]._read_group(
                [("profile_id", "in", self.ids), ("state", "=", "pending")],
                ["profile_id"],
                ["__count"],
            )
        )
        for profile in self:
            profile.pending_proposal_count = counts.get(profile, 0)

    # ------------------------------------------------------------------ actions
    def action_view_proposals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_replenishment.action_stock_replenishment_proposal"
        )
        action["domain"] = [("profile_id", "=", self.id)]
        action["context"] = {"default_profile_id": self.id}
        return action

    def action_compute_policy_now(self):
        """Recompute the policy of the selected plans now, in this transaction."""
        self._check_planning_manager()
        quarantined = self.filtered("data_quarantine")
        if quarantined and quarantined == self:
            raise UserError(
                self.env._(
                    "Quarantined plans keep their last good policy and reorder rule: correct "
                    "the data or confirm the values first.\n%s",
                    "\n".join(
                        f"{plan.display_name}: {plan.data_findings or ''}" for plan in quarantined
                    ),
                )
            )
        # Quarantined plans among the selection are left as they are (see the job).
        self.sudo().with_context(stock_segment_no_commit=True)._run_replenishment(
            companies=self.company_id, profile_ids=self.ids
        )
        return True

    # ------------------------------------------------------------------ nightly job
    @api.model
    def _cron_replenishment(self):
        self._run_replenishment()

    @api.model
    def _run_replenishment(self, companies=None, today=None, batch_size=None, profile_ids=None):
        """Lead times, policy, proposals and reorder rules for every active plan.

        Returns per company a dict of counters."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        today = today or self.env["stock.planning.run"]._planning_day()
        stats = {}
        for company in companies:
            result = self._run_company_isolated(
                company,
                "Replenishment",
                lambda company=company: self.with_company(company)._replenish_company(
                    company, today, batch_size=batch_size, profile_ids=profile_ids
                ),
                logger=_logger,
            )
            if result is not None:
                stats[company.id] = result
        return stats

    def _replenishment_params(self):
        def param(key, default, cast):
            return self._config_param("stock_segment_replenishment", key, default, cast)

        return {
            "min_count": max(param("lead_time_min_count", 3, int), 1),
            "history_days": max(param("lead_time_history_days", 730, int), 30),
            "recent": max(param("lead_time_recent", 5, int), 2),
            "drift_threshold": param("drift_threshold", 25.0, float) / 100.0,
            "on_time_threshold": param("on_time_threshold", 80.0, float),
            "batch_size": max(param("batch_size", 2000, int), 1),
            "auto_apply_new_rules": param("auto_apply_new_rules", "", str).lower()
            in ("1", "true", "yes"),
        }

    def _replenish_company(self, company, today, batch_size=None, profile_ids=None):
        params = self._replenishment_params()
        if batch_size:
            params["batch_size"] = batch_size
        self.env.flush_all()
        # A segment that meets its fill-rate target over a group pools its plans with
        # the plans of every segment of the same group and target: the plans of a pool
        # are computed in one batch (see _pool_batches). Plans of a pool come together.
        pool = SQL(
            """CASE WHEN s.allocate_service AND s.service_metric = 'fill_rate'
                     AND COALESCE(s.stockout_cost, 0) = 0
                     AND s.replenishment_policy IN ('sQ', 'sS', 'RS')
                    THEN COALESCE(NULLIF(s.allocation_group, ''), 'segment ' || s.id)
                         || ' | ' || s.service_level_target END"""
        )
        only = None
        if profile_ids:
            # Plans recomputed on demand are computed with their pools (so their targets
            # are allocated as in the nightly run); only they are written.
            only = set(profile_ids)
            self.env.cr.execute(
                SQL(
                    """
                SELECT DISTINCT %s FROM stock_planning_profile p
                  JOIN stock_segment s ON s.id = p.segment_id
                 WHERE p.id = ANY(%s)
                    """,
                    pool,
                    list(profile_ids),
                )
            )
            pools = [r[0] for r in self.env.cr.fetchall() if r[0]]
            selected = (
                SQL("AND (p.id = ANY(%s) OR %s = ANY(%s))", list(only), pool, pools)
                if pools
                else SQL("AND p.id = ANY(%s)", list(only))
            )
        else:
            selected = SQL()
            self._compute_vendor_cycles(company, today)
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, %s FROM stock_planning_profile p
         LEFT JOIN stock_segment s ON s.id = p.segment_id
             WHERE p.company_id = %s AND p.active %s
          ORDER BY 2 NULLS LAST, p.product_id, p.warehouse_id
            """,
                pool,
                company.id,
                selected,
            )
        )
        ids = self.env.cr.fetchall()
        ctx = self._replenishment_context(company, today, params)
        ctx["only_ids"] = only
        batches = self._pool_batches(ids, params["batch_size"])
        ids = [r[0] for r in ids]
        stats = {
            "profiles": len(only) if only else len(ids),
            "batches": len(batches),
            "failed": 0,
            "proposals": 0,
        }
        stats.update(auto_applied=0, pending=0)

        def run(ids):
            self._add_stats(stats, self._replenish_batch(ctx, ids))
            # The batch's records leave the cache: it would otherwise grow with every
            # batch of the company (memory, and each invalidation walking it).
            self.env.flush_all()
            self.env.invalidate_all()

        failed = self._run_batches(
            "Replenishment", batches, run, self._record_replenishment_failure, logger=_logger
        )
        stats["failed"] = len(failed)
        _logger.info(
            "Replenishment of %s: %d plans in %d batches, %d proposals (%d auto-applied, "
            "%d pending), %d failed",
            company.name,
            stats["profiles"],
            stats["batches"],
            stats["proposals"],
            stats["auto_applied"],
            stats["pending"],
            stats["failed"],
        )
        return stats

    def _compute_vendor_cycles(self, company, today):
        """The vendor order cycles of the company, before its plans are computed. A
        failure is logged and leaves the cycles of the last run in place: the plans
        are still computed."""
        try:
            with self.env.cr.savepoint():
                self.env["stock.vendor.order.cycle"].sudo()._compute_cycles(company, today)
        except Exception:
            self.env.invalidate_all()
            _logger.exception("Vendor order cycles of %s were not computed", company.name)

    @staticmethod
    def _pool_batches(rows, size):
        """Batches of at most ``size`` plans from ``(id, pool)`` rows ordered by pool: a
        pool that fits in a batch is never cut in two; a pool larger than a batch is cut
        in batches of ``size`` plans, each of which meets the pool's target on its own
        (so the pool as a whole meets it too, with a little more stock than one pool)."""
        batches, current = [], []
        k = 0
        while k < len(rows):
            key = rows[k][1]
            j = k + 1
            if key is not None:
                while j < len(rows) and rows[j][1] == key:
                    j += 1
            members = [r[0] for r in rows[k:j]]
            if len(current) + len(members) > size and current:
                batches.append(current)
                current = []
            while len(members) > size:
                batches.append(members[:size])
                members = members[size:]
            current += members
            k = j
        if current:
            batches.append(current)
        return batches

    @staticmethod
    def _add_stats(stats, batch_stats):
        for key, value in batch_stats.items():
            stats[key] = stats.get(key, 0) + value

    def _record_replenishment_failure(self, pid, error):
        profile = self.sudo().browse(pid)
        try:
            with self.env.cr.savepoint():
                self.env["stock.planning.exception"]._raise_job_failure(
                    SOURCE,
                    profile,
                    self.env._("The replenishment job failed on this plan: %s", str(error)[:500]),
                )
        except Exception:
            self.env.invalidate_all()
            _logger.exception("Could not record the replenishment failure of plan %s", pid)

    def _replenishment_context(self, company, today, params):
        return {
            "company": company,
            "today": today,
            "params": params,
            "date_from": today - timedelta(days=params["history_days"]),
            "has_mrp": "mrp.bom" in self.env,
            "job_user": self.env.ref("base.user_root").id,
            # Plausibility limits, shared with the nightly screen's settings.
            "max_lead_time": self._config_param(
                "stock_segment", "plausibility_max_lead_time_days", 730.0, float
            ),
            "max_quantity": self._config_param(
                "stock_segment", "plausibility_max_quantity", 1e9, float
            ),
        }

    @api.model
    def _load_demo_replenishment(self, hand_rules=()):
        """Demo: reorder rules a buyer set by hand, then the policy job on the demo
        company, right after install."""
        company = self.env.ref("base.main_company")
        warehouse = self.env.ref("stock.warehouse0")
        if self.search_count(
            [("company_id", "=", company.id), ("policy_date", "!=", False)], limit=1
        ):
            return  # loaded already (a module update runs the demo's functions again)
        self.env["stock.warehouse.orderpoint"].sudo().create(
            [
                {
                    "product_id": self.env.ref(xmlid).product_variant_id.id,
                    "warehouse_id": warehouse.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "product_min_qty": min_qty,
                    "product_max_qty": max_qty,
                }
                for xmlid, min_qty, max_qty in hand_rules
            ]
        )
        self.sudo().with_context(stock_segment_no_commit=True)._run_replenishment(companies=company)

    @api.model
    def _load_demo_receipts(self, receipts=None):
        """Demo: a year of received purchase orders (see the demo module)."""
        return demo.load_demo_receipts(self, receipts)

    @api.model
    def _load_demo_stock(self):
        """Demo: stock on hand, open receipts and one shortage (see the demo module)."""
        return demo.load_demo_stock(self)

    # ------------------------------------------------------------------ extraction
    def _fetch_policy_inputs(self, ctx, profile_ids):
        """Plans of the batch with their segment, product and forecast, in one query."""
        company = ctx["company"]
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id, pt.id AS tmpl_id,
                   pt.categ_id, pt.lifecycle_stage, pt.uom_id,
                   (pp.standard_price ->> %(company_key)s)::float8 AS unit_cost,
                   COALESCE(p.avg_daily_demand, 0) AS demand,
                   COALESCE(p.demand_sigma_daily, 0) AS sigma,
                   p.forecast_date, p.forecast_bucket,
                   COALESCE(p.forecast_sigma, 0) AS forecast_sigma,
                   COALESCE(p.forecast_sigma_horizon, 0) AS forecast_sigma_horizon,
                   COALESCE(p.forecast_sigma_buckets, 0) AS forecast_sigma_buckets,
                   COALESCE(p.data_quarantine, FALSE) AS data_quarantine,
                   (pp.active AND pt.active) AS product_active,
                   s.replenishment_policy, s.service_metric, s.service_level_target,
                   s.review_period_days, s.holding_cost_rate, s.ordering_cost,
                   s.stockout_cost, s.auto_apply_tolerance, s.orderpoint_trigger,
                   s.review_anchor_date, s.stocking_strategy,
                   COALESCE(p.cycle_review_days, 0) AS cycle_review_days,
                   p.cycle_multiple, c.id AS cycle_id, c.partner_id AS cycle_partner,
                   cp.name AS cycle_vendor_name,
                   c.cycle_days AS cycle_base_days, c.order_on AS cycle_order_on,
                   c.order_weekday AS cycle_weekday, c.anchor_date AS cycle_anchor_date,
                   w.lot_stock_id, w.code AS warehouse_code,
                   %(columns)s
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN stock_warehouse w ON w.id = p.warehouse_id
         LEFT JOIN stock_segment s ON s.id = p.segment_id
         LEFT JOIN stock_vendor_order_cycle c
                ON c.id = p.order_cycle_id AND c.active AND c.cycle_days > 0
         LEFT JOIN res_partner cp ON cp.id = c.partner_id
             WHERE p.id = ANY(%(ids)s)
          ORDER BY p.id
            """,
                company_key=str(company.id),
                columns=SQL(", ").join(
                    SQL("p.%s AS %s", SQL.identifier(c), SQL.identifier(f"old_{c}"))
                    for c in POLICY_COLUMNS
                ),
                ids=list(profile_ids),
            )
        )
        rows = self.env.cr.dictfetchall()
        self._attach_forecast(ctx, rows)
        return rows

    def _attach_forecast(self, ctx, rows):
        """The final forecast of each plan, bucket by bucket from the bucket holding
        today, in one query for the batch: ``final_qty`` of the open lines (statistical,
        or overridden where an override is approved) of the plan's forecast bucket.

        Sets per row ``forecast`` (the quantities, or None when no line holds today's
        bucket: the plan was never forecast, or its forecast is older than its lines),
        ``forecast_offset`` (days of the current bucket already gone) and, when the plan
        does not store it, ``forecast_sigma_buckets`` (the forecast horizon in buckets,
        from the forecast settings)."""
        today = ctx["today"]
        for r in rows:
            r["forecast"], r["forecast_offset"] = None, 0.0
        planned = [r["id"] for r in rows if r["forecast_bucket"] in BUCKET_DAYS]
        if not planned:
            return
        self.env.cr.execute(
            SQL(
                """
            SELECT f.profile_id, f.date_start, f.final_qty
              FROM stock_demand_forecast f
              JOIN stock_planning_profile p ON p.id = f.profile_id
             WHERE f.profile_id = ANY(%s) AND f.state <> 'closed'
               AND f.bucket = p.forecast_bucket AND f.date_end > %s
          ORDER BY f.profile_id, f.date_start
            """,
                planned,
                today,
            )
        )
        lines = {}
        for pid, start, qty in self.env.cr.fetchall():
            lines.setdefault(pid, []).append((start, qty))
        horizon_days = None
        # Per bucket size, the start of the bucket holding today, the starts of the
        # buckets after it (as far as a plan's lines reach) and the horizon in buckets:
        # the same for every plan of the batch.
        calendars, horizons = {}, {}
        for r in rows:
            found = lines.get(r["id"])
            if not found:
                continue
            bucket = r["forecast_bucket"]
            if bucket not in calendars:
                calendars[bucket] = (bucket_start(today, bucket), [])
            current, starts = calendars[bucket]
            quantities = []
            # Consecutive buckets from the one holding today; a gap ends the forecast.
            for k, (start, qty) in enumerate(found):
                if k == len(starts):
                    starts.append(bucket_shift(current, bucket, k))
                if start != starts[k]:
                    break
                quantities.append(float(qty or 0.0))
            if not quantities:
                continue
            r["forecast"] = quantities
            r["forecast_offset"] = float((today - current).days)
            if not r["forecast_sigma_buckets"]:
                if bucket not in horizons:
                    if horizon_days is None:
                        horizon_days = self._forecast_params()["horizon_days"]
                    horizons[bucket] = len(bucket_calendar(bucket, today, 0, horizon_days)[1])
                r["forecast_sigma_buckets"] = horizons[bucket]

    def _fetch_main_vendors(self, ctx, tmpl_ids, product_ids):
        """Main vendor per product with its delay, minimum quantity and purchase unit, in
        one query: the first price list line by sequence whose delay is plausible (at
        most ``max_lead_time`` days). Lines above it are never chosen: they are returned
        apart, per product, for the data-quality exception.

        Returns ``(vendors, implausible)``."""
        self.env.cr.execute(
            SQL(
                """
            SELECT pp.id, si.partner_id, si.delay, si.min_qty, si.product_uom_id,
                   su.factor / NULLIF(pu.factor, 0) AS pack, rp.buyer_id, rp.name
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN product_supplierinfo si ON si.product_tmpl_id = pt.id
                   AND (si.product_id IS NULL OR si.product_id = pp.id)
                   AND (si.company_id IS NULL OR si.company_id = %(company)s)
                   AND (si.date_end IS NULL OR si.date_end >= %(today)s)
              JOIN res_partner rp ON rp.id = si.partner_id
              JOIN uom_uom su ON su.id = si.product_uom_id
              JOIN uom_uom pu ON pu.id = pt.uom_id
             WHERE pp.id = ANY(%(products)s) AND pt.id = ANY(%(tmpls)s)
          ORDER BY pp.id, si.sequence, si.min_qty, si.price, si.id
            """,
                company=ctx["company"].id,
                today=ctx["today"],
                products=list(product_ids),
                tmpls=list(tmpl_ids),
            )
        )
        max_lead_time = ctx["max_lead_time"]
        vendors, implausible = {}, {}
        for product, partner, delay, min_qty, uom, pack, buyer, name in self.env.cr.fetchall():
            if product in vendors:
                continue
            delay = float(delay or 0)
            if not (math.isfinite(delay) and 0 <= delay <= max_lead_time):
                implausible.setdefault(product, []).append(
                    {"partner": partner, "name": name, "delay": delay}
                )
                continue
            vendors[product] = {
                "partner": partner,
                "name": name,
                "delay": delay,
                "moq": float(min_qty or 0) * float(pack or 1.0),
                "uom": uom,
                "pack": float(pack or 1.0),
                "buyer": buyer,
            }
        return vendors, implausible

    def _fetch_price_lines(self, ctx, vendors):
        """The price list lines of each product's main vendor, in one query for the batch:
        per product a list of ``(min_qty, price)`` in the product's unit (the purchase
        unit converted) and the company currency at today's rate, the line's discount
        taken off (the price Odoo puts on the purchase order line), ordered by minimum
        quantity. Lines of the vendor for this company or all companies, valid today,
        for the product or its template, as Odoo's vendor selection reads them."""
        pairs = [(p, v["partner"]) for p, v in vendors.items()]
        if not pairs:
            return {}
        self.env.cr.execute(
            SQL(
                """
            SELECT pp.id, si.min_qty::float8 * (su.factor / NULLIF(pu.factor, 0))::float8,
                   si.price::float8 * (1 - COALESCE(si.discount, 0)::float8 / 100)
                       / (su.factor / NULLIF(pu.factor, 0))::float8,
                   si.currency_id
              FROM unnest(%(products)s::int[], %(partners)s::int[]) AS v(product, partner)
              JOIN product_product pp ON pp.id = v.product
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN product_supplierinfo si ON si.product_tmpl_id = pt.id
                   AND si.partner_id = v.partner
                   AND (si.product_id IS NULL OR si.product_id = pp.id)
                   AND (si.company_id IS NULL OR si.company_id = %(company)s)
                   AND (si.date_start IS NULL OR si.date_start <= %(today)s)
                   AND (si.date_end IS NULL OR si.date_end >= %(today)s)
              JOIN uom_uom su ON su.id = si.product_uom_id
              JOIN uom_uom pu ON pu.id = pt.uom_id
          ORDER BY pp.id, si.min_qty, si.sequence, si.id
            """,
                products=[p for p, _v in pairs],
                partners=[v for _p, v in pairs],
                company=ctx["company"].id,
                today=ctx["today"],
            )
        )
        found = self.env.cr.fetchall()
        company = ctx["company"]
        Currency = self.env["res.currency"]
        rates = {}
        out = {}
        for product, min_qty, price, currency in found:
            if currency not in rates:
                rates[currency] = (
                    float(
                        Currency._get_conversion_rate(
                            Currency.browse(currency), company.currency_id, company, ctx["today"]
                        )
                    )
                    if currency
                    else 1.0
                )
            min_qty = math.nan if min_qty is None else float(min_qty)
            price = math.nan if price is None else float(price) * rates[currency]
            out.setdefault(product, []).append((min_qty, price))
        return out

    def _fixed_lot_blocker(self, inputs, i):
        """Why the segment of plan ``i`` sets its order quantity itself (periodic
        review, no rule, cost-based (r, Q), order cycle), so that neither a price break
        nor a production lot may; None when a lot size may apply."""
        policy = inputs["policy"][i]
        stockout = inputs["stockout_cost"][i]
        if policy == "RS":
            return self.env._("periodic review orders the demand of a review period (d x R)")
        if policy not in ("sQ", "sS"):
            return self.env._("the plan keeps no stock by a reorder rule")
        if np.isfinite(stockout) and stockout > 0:
            return self.env._("the cost-based (r, Q) of the segment sets the order quantity")
        if inputs["order_cover_days"][i] > 0:
            return self.env._("the segment orders a fixed number of days of demand")
        return None

    def _price_break_schedule(self, ctx, lines):
        """The all-units break schedule Odoo applies from a vendor's price list lines, and
        a note per line left out. Odoo orders at the cheapest line whose minimum quantity
        the order reaches, so a line is a break only when its price is below that of
        every line of a lower or equal minimum quantity; a line whose price or minimum
        quantity is not a number, negative (or a zero price) is not trusted."""
        breaks, notes = [], []
        limit = ctx["max_quantity"]
        for min_qty, price in lines:
            label = self.env._(
                "the line from %(q)g at %(c)g", q=round(min_qty, 4), c=round(price, 4)
            )
            if not math.isfinite(price) or price <= 0:
                notes.append(
                    self.env._(
                        "%(line)s is ignored: its price is %(why)s",
                        line=label,
                        why=self.env._("not a number")
                        if not math.isfinite(price)
                        else self.env._("negative")
                        if price < 0
                        else self.env._("zero"),
                    )
                )
            elif not math.isfinite(min_qty) or min_qty < 0 or min_qty > limit:
                notes.append(
                    self.env._(
                        "%(line)s is ignored: its minimum quantity is not a plausible quantity",
                        line=label,
                    )
                )
            elif breaks and min_qty == breaks[-1][0] and price == breaks[-1][1]:
                continue  # the same break twice (on the product and on its template)
            elif breaks and price >= breaks[-1][1]:
                notes.append(
                    self.env._(
                        "%(line)s is ignored: a lower or equal minimum quantity already "
                        "has the price %(prev)g (minimum quantities must rise as prices "
                        "fall)",
                        line=label,
                        prev=round(breaks[-1][1], 4),
                    )
                )
            elif breaks and min_qty == breaks[-1][0]:
                # A cheaper line at the same quantity replaces the dearer one.
                notes.append(
                    self.env._(
                        "the line from %(q)g at %(c)g is ignored: the same minimum quantity "
                        "has a lower price %(low)g",
                        q=round(breaks[-1][0], 4),
                        c=round(breaks[-1][1], 4),
                        low=round(price, 4),
                    )
                )
                breaks[-1] = (min_qty, price)
            else:
                breaks.append((min_qty, price))
        return breaks, notes

    def _price_breaks(self, ctx, rows, lead, price_lines, inputs):
        """Where a purchased item's main vendor has at least two price breaks, the order
        quantity from :func:`invplan.lotsizing.quantity_discount` (all units), in one
        engine call for the batch: annual demand = demand per day x 365, the segment's
        ordering cost and holding rate.

        Returns ``fixed`` (the order quantity where a break pays, else NaN: the engine's
        EOQ stays) and per plan ``info`` (None for a plan with fewer than two price list
        lines: it is planned as before), for the plan fields and the explanation."""
        n = len(rows)
        fixed = np.full(n, np.nan)
        info = [None] * n
        idx = []
        for i, r in enumerate(rows):
            vendor = lead[i]["vendor"]
            lines = price_lines.get(r["product_id"], []) if vendor else []
            if len(lines) < 2:
                continue
            breaks, notes = self._price_break_schedule(ctx, lines)
            item = {"vendor": vendor["name"], "breaks": breaks, "notes": notes, "why": None}
            info[i] = item
            if len(breaks) < 2:
                item["why"] = self.env._("fewer than two usable breaks remain")
            elif lead[i]["source"] in ("resupply", "manufacturing"):
                item["why"] = self.env._("the item is not bought by this warehouse")
            elif blocker := self._fixed_lot_blocker(inputs, i):
                item["why"] = blocker
            elif not inputs["ordering_cost"][i] > 0:
                item["why"] = self.env._("the segment has no ordering cost")
            elif not (inputs["demand"][i] > 0 and inputs["holding_rate"][i] > 0):
                item["why"] = self.env._("no demand or no holding rate")
            else:
                idx.append(i)
        if not idx:
            return fixed, info
        width = max(len(info[i]["breaks"]) for i in idx)
        sched = [
            info[i]["breaks"] + [info[i]["breaks"][-1]] * (width - len(info[i]["breaks"]))
            for i in idx
        ]
        q = np.array([[b[0] for b in row] for row in sched], dtype=float)
        c = np.array([[b[1] for b in row] for row in sched], dtype=float)
        annual = np.array([inputs["demand"][i] * 365.0 for i in idx], dtype=float)
        K = np.array([inputs["ordering_cost"][i] for i in idx], dtype=float)
        rate = np.array([inputs["holding_rate"][i] for i in idx], dtype=float)
        try:
            res = quantity_discount(annual, K, rate, q, c)
            next_cost = discount_annual_cost(q[:, 1], annual, K, rate, q, c)
        except ValueError as exc:
            for i in idx:
                info[i]["why"] = str(exc)
            return fixed, info
        for k, i in enumerate(idx):
            j = int(res["break_index"].iat[k])
            item = info[i]
            item.update(
                annual=float(annual[k]),
                ordering=float(K[k]),
                rate=float(rate[k]),
                qty=float(res["order_qty"].iat[k]),
                cost=float(res["annual_cost"].iat[k]),
                base_qty=float(res["base_eoq"].iat[k]),
                base_cost=float(res["base_eoq_cost"].iat[k]),
                next_cost=float(next_cost[k]),
                taken=j > 0,
                index=j,
                saving=float(res["saving"].iat[k]) if j > 0 else 0.0,
            )
            if j > 0:
                fixed[i] = item["qty"]
        return fixed, info

    def _explain_price_breaks(self, item, values):
        """The sentence of the explanation on the vendor's price breaks."""
        if item is None:
            return []
        lines = []
        if item["notes"]:
            lines.append(
                self.env._(
                    "Data quality of the price list of vendor %(vendor)s: %(notes)s.",
                    vendor=item["vendor"],
                    notes="; ".join(item["notes"]),
                )
            )
        shown = ", ".join(f"{q:g} -> {c:.2f}" for q, c in item["breaks"])
        if item["why"]:
            lines.append(
                self.env._(
                    "Price breaks of vendor %(vendor)s (from quantity -> unit price: "
                    "%(breaks)s) not used: %(why)s; the order quantity is computed as "
                    "without breaks.",
                    vendor=item["vendor"],
                    breaks=shown or "-",
                    why=item["why"],
                )
            )
            return lines
        intro = self.env._(
            "Price breaks of vendor %(vendor)s (from quantity -> unit price, per product "
            "unit, all units): %(breaks)s; annual demand D = %(d).1f, ordering cost K = "
            "%(k).2f, holding %(h).0f %%/year of the price.",
            vendor=item["vendor"],
            breaks=shown,
            d=item["annual"],
            k=item["ordering"],
            h=100 * item["rate"],
        )
        if item["taken"]:
            q, c = item["breaks"][item["index"]]
            lines.append(
                intro
                + " "
                + self.env._(
                    "The break from %(q)g at %(c).2f pays: ordering Q = %(qty).2f costs "
                    "%(cost).2f a year (purchase, ordering and holding) against %(base).2f "
                    "for the EOQ at the base price, %(bq).2f (bought at %(bc).2f, the price "
                    "of that quantity), a saving of %(saving).2f a year.",
                    q=q,
                    c=c,
                    qty=item["qty"],
                    cost=item["cost"],
                    base=item["base_cost"],
                    bq=item["base_qty"],
                    bc=min(
                        (
                            price
                            for m, price in item["breaks"]
                            if m <= item["base_qty"] * (1 + 1e-12)
                        ),
                        default=item["breaks"][0][1],
                    ),
                    saving=item["saving"],
                )
            )
        else:
            q, c = item["breaks"][1]
            lines.append(
                intro
                + " "
                + self.env._(
                    "No break pays: the EOQ %(bq).2f at the base price costs %(base).2f a "
                    "year; ordering from the next break, %(q)g at %(c).2f, would cost "
                    "%(next).2f (the larger lot's holding cost outweighs the lower price). "
                    "Saving 0.",
                    bq=item["base_qty"],
                    base=item["base_cost"],
                    q=q,
                    c=c,
                    next=item["next_cost"],
                )
            )
        return lines

    def _fetch_production_data(self, ctx, product_ids):
        """Per product, its bill of materials for the economic production quantity, in
        one query: the first active normal BoM of the product or its template that the
        company may use (Odoo's order: sequence, variant BoM first, id), its quantity per
        cycle, its active operations, the bottleneck's minutes per cycle (the operation's
        duration over the work centre's efficiency) and the setup cost of a lot (setup and
        cleanup minutes of each operation's work centre at its hourly cost)."""
        if not ctx["has_mrp"]:
            return {}
        self.env.cr.execute(
            SQL(
                """
            WITH bom AS (
                SELECT DISTINCT ON (pp.id) pp.id AS product_id, b.id AS bom_id,
                       b.product_qty
                  FROM product_product pp
                  JOIN mrp_bom b
                    ON b.active AND b.type = 'normal'
                   AND (b.product_id = pp.id
                        OR (b.product_id IS NULL AND b.product_tmpl_id = pp.product_tmpl_id))
                   AND (b.company_id IS NULL OR b.company_id = %(company)s)
                 WHERE pp.id = ANY(%(products)s)
              ORDER BY pp.id, b.sequence, b.product_id, b.id
            )
            SELECT bom.product_id, bom.product_qty, count(o.id),
                   max(o.time_cycle_manual * 100.0
                       / COALESCE(NULLIF(w.time_efficiency, 0), 100.0)),
                   sum((COALESCE(w.time_start, 0) + COALESCE(w.time_stop, 0)) / 60.0
                       * COALESCE(w.costs_hour, 0))
              FROM bom
         LEFT JOIN mrp_routing_workcenter o ON o.bom_id = bom.bom_id AND o.active
         LEFT JOIN mrp_workcenter w ON w.id = o.workcenter_id
          GROUP BY bom.product_id, bom.product_qty
            """,
                company=ctx["company"].id,
                products=list(product_ids),
            )
        )
        return {
            r[0]: {
                "qty": float(r[1] or 0.0),
                "operations": int(r[2]),
                "minutes": float(r[3] or 0.0),
                "setup": float(r[4] or 0.0),
            }
            for r in self.env.cr.fetchall()
        }

    def _production_lots(self, rows, lead, production, inputs):
        """For a manufactured item (lead time from its bill of materials), the lot size by
        :func:`invplan.lotsizing.epq` in one engine call for the batch: annual demand D =
        demand per day x 365, production rate P = BoM quantity per cycle / bottleneck
        minutes per cycle x WORKING_MINUTES_PER_YEAR, setup cost K = the work centres'
        setup cost plus the segment's ordering cost, holding h = holding rate x unit cost.

        Returns ``fixed`` (the EPQ where it applies, else NaN: the engine's quantity
        stays) and per plan ``info`` (None for an item that is not manufactured)."""
        n = len(rows)
        fixed = np.full(n, np.nan)
        info = [None] * n
        idx = []
        for i, r in enumerate(rows):
            if lead[i]["source"] != "manufacturing":
                continue
            bom = production.get(r["product_id"])
            item = {"why": None}
            info[i] = item
            cost = inputs["unit_cost"][i]
            D = inputs["demand"][i] * 365.0
            if bom is not None and bom["operations"] and bom["minutes"] > 0 and bom["qty"] > 0:
                rate = bom["qty"] / bom["minutes"] * WORKING_MINUTES_PER_YEAR
            else:
                rate = 0.0
            setup = (bom["setup"] if bom else 0.0) + max(inputs["ordering_cost"][i], 0.0)
            item.update(rate=rate, setup=setup, annual=D)
            if bom is None:
                item["why"] = self.env._("no bill of materials of the product was found")
            elif not bom["operations"]:
                item["why"] = self.env._(
                    "its bill of materials has no operations, so no production rate is known"
                )
            elif not rate > 0:
                item["why"] = self.env._(
                    "its operations have no duration per cycle, so no production rate is known"
                )
            elif blocker := self._fixed_lot_blocker(inputs, i):
                item["why"] = blocker
            elif not (D > 0 and inputs["holding_rate"][i] > 0 and np.isfinite(cost)):
                item["why"] = self.env._("no demand, no holding rate or no unit cost")
            elif not setup > 0:
                item["why"] = self.env._("a lot has no setup cost")
            elif not rate > D:
                item["why"] = self.env._(
                    "the production rate %(p).1f a year does not exceed the annual demand %(d).1f",
                    p=rate,
                    d=D,
                )
            else:
                item["holding"] = float(inputs["holding_rate"][i] * cost)
                idx.append(i)
        if not idx:
            return fixed, info
        try:
            res = epq(
                np.array([info[i]["annual"] for i in idx], dtype=float),
                np.array([info[i]["setup"] for i in idx], dtype=float),
                np.array([info[i]["holding"] for i in idx], dtype=float),
                np.array([info[i]["rate"] for i in idx], dtype=float),
            )
        except ValueError as exc:
            for i in idx:
                info[i]["why"] = str(exc)
            return fixed, info
        for k, i in enumerate(idx):
            q = float(res["lot_size"].iat[k])
            if math.isfinite(q) and q > 0:
                info[i].update(qty=q, annual_cost=float(res["annual_cost"].iat[k]))
                fixed[i] = q
            else:
                info[i]["why"] = self.env._("the economic production quantity is not finite")
        return fixed, info

    def _explain_production_lot(self, item, values):
        """The sentence of the explanation on the lot size of a manufactured item."""
        if item is None:
            return []
        if item["why"] or not values["epq_qty"]:
            return [
                self.env._(
                    "Manufactured item: no economic production quantity (%(why)s); the "
                    "order quantity is computed as for a bought item.",
                    why=item["why"] or self.env._("the plan keeps no stock"),
                )
            ]
        return [
            self.env._(
                "Manufactured item: lot size by the economic production quantity "
                "EPQ = sqrt(2 D K / (h (1 - D/P))) with annual demand D = %(d).1f, "
                "production rate P = %(p).1f a year (bill of materials quantity per cycle "
                "over the bottleneck operation's minutes, %(m)g working minutes a year), "
                "setup cost K = %(k).2f per lot (work centre setup and cleanup time at its "
                "hourly cost, plus the segment's ordering cost), holding h = %(h).4f per "
                "unit a year: EPQ = %(q).2f, annual setup and holding cost %(c).2f.",
                d=item["annual"],
                p=item["rate"],
                m=WORKING_MINUTES_PER_YEAR,
                k=item["setup"],
                h=item["holding"],
                q=item["qty"],
                c=item["annual_cost"],
            )
        ]

    def _fetch_receipts(self, ctx, product_ids):
        """Receipts of purchase orders of the window: (vendor, product, warehouse, days from
        confirmation to receipt done, late against the planned date, receipt date)."""
        self.env.cr.execute(
            SQL(
                """
            SELECT po.partner_id, m.product_id, spt.warehouse_id,
                   EXTRACT(EPOCH FROM (m.date - po.date_approve)) / 86400.0,
                   m.date::date > pol.date_planned::date,
                   m.date
              FROM stock_move m
              JOIN purchase_order_line pol ON pol.id = m.purchase_line_id
              JOIN purchase_order po ON po.id = pol.order_id
              JOIN stock_location ld ON ld.id = m.location_dest_id
         LEFT JOIN stock_picking_type spt ON spt.id = po.picking_type_id
             WHERE m.state = 'done' AND ld.usage = 'internal'
               AND po.company_id = %(company)s AND po.date_approve IS NOT NULL
               AND m.product_id = ANY(%(products)s)
               AND m.date >= %(date_from)s
            """,
                company=ctx["company"].id,
                products=list(product_ids),
                date_from=ctx["date_from"],
            )
        )
        return self.env.cr.fetchall()

    def _fetch_manufacturing_delays(self, ctx, tmpl_ids):
        """Days to manufacture per template (BoM manufacturing lead time plus days to
        prepare the order), from its first normal bill of materials."""
        if not ctx["has_mrp"]:
            return {}
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT ON (b.product_tmpl_id) b.product_tmpl_id,
                   COALESCE(b.produce_delay, 0) + COALESCE(b.days_to_prepare_mo, 0)
              FROM mrp_bom b
             WHERE b.active AND b.type = 'normal' AND b.product_tmpl_id = ANY(%s)
               AND (b.company_id IS NULL OR b.company_id = %s)
          ORDER BY b.product_tmpl_id, b.sequence, b.id
            """,
                list(tmpl_ids),
                ctx["company"].id,
            )
        )
        return {r[0]: float(r[1] or 0) for r in self.env.cr.fetchall()}

    def _fetch_resupply(self, ctx, warehouse_ids, tmpl_ids, categ_ids):
        """Resupply routes into the warehouses (sum of their rules' delays) and the
        templates / categories that use them: two queries."""
        self.env.cr.execute(
            SQL(
                """
            SELECT r.id, r.supplied_wh_id, COALESCE(SUM(ru.delay), 0)
              FROM stock_route r
              JOIN stock_rule ru ON ru.route_id = r.id AND ru.active
             WHERE r.active AND r.supplied_wh_id = ANY(%s)
          GROUP BY r.id, r.supplied_wh_id
            """,
                list(warehouse_ids),
            )
        )
        routes = {r[0]: (r[1], float(r[2] or 0)) for r in self.env.cr.fetchall()}
        if not routes:
            return {}
        self.env.cr.execute(
            SQL(
                """
            SELECT 'tmpl', product_id, route_id FROM stock_route_product
             WHERE route_id = ANY(%(routes)s) AND product_id = ANY(%(tmpls)s)
             UNION ALL
            SELECT 'categ', categ_id, route_id FROM stock_route_categ
             WHERE route_id = ANY(%(routes)s) AND categ_id = ANY(%(categs)s)
            """,
                routes=list(routes),
                tmpls=list(tmpl_ids),
                categs=list(categ_ids),
            )
        )
        out = {}
        for kind, rec_id, route_id in self.env.cr.fetchall():
            wh, delay = routes[route_id]
            out[(kind, rec_id, wh)] = delay
        return out

    def _fetch_onhand(self, ctx, product_ids):
        found = self._onhand_by_warehouse(ctx["company"].id, product_ids)
        return {k: float(q or 0) for k, q in found.items()}

    def _fetch_orderpoints(self, ctx, product_ids, warehouse_ids):
        """Reorder rules (archived too) of the batch: the one on the warehouse's stock
        location first, active before archived."""
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT ON (op.product_id, op.warehouse_id)
                   op.product_id, op.warehouse_id, op.id, op.product_min_qty,
                   op.product_max_qty, op.replenishment_uom_id, op.trigger, op.active,
                   op.planning_locked, op.snoozed_until, op.planning_profile_id
              FROM stock_warehouse_orderpoint op
              JOIN stock_warehouse w ON w.id = op.warehouse_id
             WHERE op.product_id = ANY(%s) AND op.warehouse_id = ANY(%s)
          ORDER BY op.product_id, op.warehouse_id, op.active DESC,
                   (op.location_id = w.lot_stock_id) DESC, op.id
            """,
                list(product_ids),
                list(warehouse_ids),
            )
        )
        return {
            (r[0], r[1]): {
                "id": r[2],
                "min": float(r[3] or 0),
                "max": float(r[4] or 0),
                "uom": r[5],
                "trigger": r[6],
                "active": r[7],
                "locked": r[8],
                "snoozed_until": r[9],
                "profile": r[10],
            }
            for r in self.env.cr.fetchall()
        }

    def _fetch_pending(self, profile_ids):
        self.env.cr.execute(
            SQL(
                """
            SELECT profile_id, id, action, new_min_qty, new_max_qty, new_multiple_id,
                   COALESCE(keep_until_decided, FALSE)
              FROM stock_replenishment_proposal
             WHERE profile_id = ANY(%s) AND state = 'pending'
          ORDER BY id
            """,
                list(profile_ids),
            )
        )
        out = {}
        for pid, prop_id, action, mn, mx, mult, kept in self.env.cr.fetchall():
            out.setdefault(pid, []).append(
                {"id": prop_id, "action": action, "min": mn, "max": mx, "uom": mult, "kept": kept}
            )
        return out

    # ------------------------------------------------------------------ lead times
    def _lead_times(self, ctx, rows, vendors, receipts, mfg, resupply, implausible=None):
        """Lead time per plan (mean, std, source, receipts, on-time rate, drift) and the
        vendor x product statistics, from one engine call over both key kinds.

        Each plan's ``findings`` name the vendor data planning did not trust: a delay
        above the plausible maximum (``implausible``, the vendor not chosen), or a
        declared delay far from what the vendor's receipts took."""
        implausible = implausible or {}
        params = ctx["params"]
        rec = pd.DataFrame(
            receipts, columns=["partner", "product", "warehouse", "lead_time_days", "late", "date"]
        )
        frames = []
        if len(rec):
            rec["late"] = rec["late"].astype(bool)
            rec["lead_time_days"] = rec["lead_time_days"].astype(float)
            frames.append(
                rec.assign(key="v" + rec["partner"].astype(str) + "p" + rec["product"].astype(str))
            )
            main = rec["product"].map(lambda p: vendors.get(p, {}).get("partner"))
            used = rec[(main == rec["partner"]) & rec["warehouse"].notna()]
            if len(used):
                frames.append(
                    used.assign(
                        key="w"
                        + used["warehouse"].astype(int).astype(str)
                        + "p"
                        + used["product"].astype(str)
                    )
                )
        fallback = pd.Series(
            {f"v{v['partner']}p{p}": v["delay"] for p, v in vendors.items()}, dtype=float
        )
        columns = ["key", "lead_time_days", "late", "date"]
        data = (
            pd.concat(frames, ignore_index=True)[columns]
            if frames
            else pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        )
        if len(data) or len(fallback):
            table = lead_time_stats(
                data.astype({"key": str}),
                fallback=fallback,
                min_count=params["min_count"],
                recent=params["recent"],
                drift_threshold=params["drift_threshold"],
            )
        else:
            table = pd.DataFrame()
        stats = table.to_dict("index") if len(table) else {}

        out = []
        for r in rows:
            product, wh = r["product_id"], r["warehouse_id"]
            vendor = vendors.get(product)
            res = {
                "mean": 0.0,
                "std": 0.0,
                "source": "none",
                "n": 0,
                "on_time": None,
                "stat": None,
                "vendor": vendor,
                "findings": self._vendor_findings(ctx, product, vendor, implausible, stats),
            }
            resupply_delay = resupply.get(("tmpl", r["tmpl_id"], wh))
            if resupply_delay is None:
                resupply_delay = resupply.get(("categ", r["categ_id"], wh))
            wh_stat = stats.get(f"w{wh}p{product}")
            v_stat = stats.get(f"v{vendor['partner']}p{product}") if vendor else None
            if resupply_delay is not None and resupply_delay > 0:
                res.update(mean=resupply_delay, source="resupply")
            elif vendor and wh_stat and wh_stat["source"] == "history":
                res.update(source="history_warehouse", stat=wh_stat)
            elif vendor and v_stat and v_stat["source"] == "history":
                res.update(source="history_vendor", stat=v_stat)
            elif vendor and v_stat and v_stat["source"] == "fallback":
                res.update(mean=float(v_stat["mean"]), source="vendor_delay")
            elif mfg.get(r["tmpl_id"], 0) > 0:
                res.update(mean=mfg[r["tmpl_id"]], source="manufacturing")
            stat = res["stat"]
            if stat is not None:
                res.update(
                    mean=float(stat["mean"]),
                    std=float(stat["std"]),
                    n=int(stat["n"]),
                    on_time=100.0 * float(stat["on_time_rate"]) if int(stat["n"]) else None,
                )
            out.append(res)
        supplier_rows = []
        for p, v in vendors.items():
            s = stats.get(f"v{v['partner']}p{p}")
            if s is None:
                continue
            supplier_rows.append(
                (
                    v["partner"],
                    p,
                    int(s["n"]),
                    float(s["mean"]),
                    float(s["std"]),
                    100.0 * float(s["on_time_rate"]) if s["n"] else None,
                    float(s["recent_mean"]) if s["n"] else None,
                    bool(s["drift"]),
                    s["source"],
                )
            )
        return out, supplier_rows

    def _vendor_findings(self, ctx, product, vendor, implausible, stats):
        """Messages on the vendor data of one product that planning does not trust."""
        findings = []

        def observed(partner):
            stat = stats.get(f"v{partner}p{product}")
            if stat is None or stat["source"] != "history" or not stat["n"]:
                return None
            return stat

        for bad in implausible.get(product, []):
            stat = observed(bad["partner"])
            findings.append(
                self.env._(
                    "vendor %(vendor)s: delivery lead time (delay) %(value)g days on its "
                    "price list line is above the plausible maximum of %(max)g days%(seen)s; "
                    "it is not used for planning%(instead)s. Correct the delay on the "
                    "vendor's price list line.",
                    vendor=bad["name"],
                    value=bad["delay"],
                    max=ctx["max_lead_time"],
                    seen=self.env._(
                        " (its %(n)d receipts took %(mean).1f days on average)",
                        n=int(stat["n"]),
                        mean=float(stat["mean"]),
                    )
                    if stat is not None
                    else "",
                    instead=self.env._("; vendor %s is used instead", vendor["name"])
                    if vendor
                    else self.env._(
                        "; no other vendor has a plausible delay, so no reorder rule is planned"
                    ),
                )
            )
        stat = observed(vendor["partner"]) if vendor else None
        if stat is not None and vendor["delay"] > 0:
            declared, mean = vendor["delay"], float(stat["mean"])
            # Far: off by more than the observed mean itself and by more than a week.
            if abs(declared - mean) > max(mean, 7.0):
                findings.append(
                    self.env._(
                        "warning: vendor %(vendor)s declares a delivery lead time (delay) "
                        "of %(value)g days, but its %(n)d receipts took %(mean).1f days on "
                        "average; planning uses the receipts. Check the delay on the "
                        "vendor's price list line.",
                        vendor=vendor["name"],
                        value=declared,
                        n=int(stat["n"]),
                        mean=mean,
                    )
                )
        return findings

    def _write_supplier_lead_times(self, ctx, supplier_rows):
        """One INSERT ... ON CONFLICT for the vendor x product statistics of the batch."""
        if not supplier_rows:
            return
        values = SQL(", ").join(
            SQL("(%s, %s, %s, %s, %s, %s::float8, %s::float8, %s, %s)", *row)
            for row in supplier_rows
        )
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO stock_supplier_lead_time
                   (partner_id, product_id, receipt_count, lead_time_mean, lead_time_std,
                    on_time_rate, recent_mean, drift, source, company_id, date_computed,
                    create_uid, write_uid, create_date, write_date)
            SELECT v.*, %(company)s, %(today)s, %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (VALUES %(values)s) AS v(partner, product, n, mean, std, on_time, recent,
                                            drift, source)
            ON CONFLICT (company_id, partner_id, product_id) DO UPDATE
               SET receipt_count = EXCLUDED.receipt_count,
                   lead_time_mean = EXCLUDED.lead_time_mean,
                   lead_time_std = EXCLUDED.lead_time_std,
                   on_time_rate = EXCLUDED.on_time_rate,
                   recent_mean = EXCLUDED.recent_mean, drift = EXCLUDED.drift,
                   source = EXCLUDED.source, date_computed = EXCLUDED.date_computed,
                   write_date = EXCLUDED.write_date
             WHERE (stock_supplier_lead_time.receipt_count, stock_supplier_lead_time.source,
                    round(stock_supplier_lead_time.lead_time_mean::numeric, 4),
                    round(stock_supplier_lead_time.lead_time_std::numeric, 4),
                    round(stock_supplier_lead_time.on_time_rate::numeric, 4),
                    round(stock_supplier_lead_time.recent_mean::numeric, 4),
                    stock_supplier_lead_time.drift)
                   IS DISTINCT FROM
                   (EXCLUDED.receipt_count, EXCLUDED.source,
                    round(EXCLUDED.lead_time_mean::numeric, 4),
                    round(EXCLUDED.lead_time_std::numeric, 4),
                    round(EXCLUDED.on_time_rate::numeric, 4),
                    round(EXCLUDED.recent_mean::numeric, 4), EXCLUDED.drift)
            """,
                company=ctx["company"].id,
                today=ctx["today"],
                uid=self.env.uid,
                values=values,
            )
        )
        self.env["stock.supplier.lead.time"].invalidate_model()

    # ------------------------------------------------------------------ demand
    def _policy_demand(self, rows, lead_time, review):
        """Demand per day and forecast-error sigma over each plan's protection interval
        P (lead time, plus the review period for periodic review), as
        :func:`invplan.planning.run_plan` hands them to the engine.

        With forecast lines: the final forecast over P from today
        (:func:`invplan.window.protection_demand`) and the forecast-error sigma over P
        from the one-bucket and horizon sigmas (:func:`invplan.window.sigma_over`).
        Without: the historical average per day and the daily sigma, read as a flat
        forecast of one-day buckets (the same functions, so sigma_P is the daily sigma
        over P days by the square-root law).

        Returns arrays ``demand`` (per day), ``total`` (over P), ``error_std`` (sigma
        over P), ``protection_days``, ``source`` and ``periods`` (P in buckets)."""
        m = len(rows)
        prot = np.where(np.isfinite(lead_time), np.maximum(lead_time, 0.0), 0.0) + review
        # Returns net of sales (a returns-only product) are no demand to protect: demand
        # and sigma stop at 0 (a missing one stays missing: the engine's status). The
        # historical average's demand over P is that of a flat forecast.
        hist_d = _clip0([r["demand"] for r in rows])
        hist_s = _clip0([r["sigma"] for r in rows])
        demand = hist_d.copy()
        total = protection_demand(hist_d[:, None], 1.0, 0.0, prot)[1]
        error_std = sigma_over(prot, hist_s, 0.0, 0.0)
        source = np.array(["history"] * m, dtype=object)
        periods = prot.copy()
        buckets = {r["forecast_bucket"] for r in rows if r["forecast"]}
        for bucket in sorted(buckets):
            idx = np.array(
                [i for i, r in enumerate(rows) if r["forecast"] and r["forecast_bucket"] == bucket]
            )
            width = max(len(rows[i]["forecast"]) for i in idx)
            # A shorter forecast goes on at its last bucket's rate, as the engine does.
            forecast = _clip0(
                [
                    np.pad(rows[i]["forecast"], (0, width - len(rows[i]["forecast"])), "edge")
                    for i in idx
                ]
            )
            period_days = BUCKET_DAYS[bucket]
            offset = np.array([rows[i]["forecast_offset"] for i in idx], dtype=float)
            demand[idx], total[idx] = protection_demand(forecast, period_days, offset, prot[idx])
            periods[idx] = prot[idx] / period_days
            error_std[idx] = sigma_over(
                periods[idx],
                _clip0([rows[i]["forecast_sigma"] for i in idx]),
                _clip0([rows[i]["forecast_sigma_horizon"] for i in idx]),
                [rows[i]["forecast_sigma_buckets"] for i in idx],
            )
            source[idx] = "forecast"
        return {
            "demand": demand,
            "total": total,
            "error_std": error_std,
            "protection_days": prot,
            "source": source,
            "periods": periods,
        }

    @api.model
    def _policy_segments(self, rows):
        """The segments of the batch as the engine's segment table
        (:data:`invplan.planning.DEFAULT_SEGMENTS`), keyed by segment id."""
        segment_ids = sorted({r["segment_id"] for r in rows if r["segment_id"]})
        data = []
        for seg in (
            self.env["stock.segment"].sudo().with_context(active_test=False).browse(segment_ids)
        ):
            metric = SERVICE_METRICS.get(seg.service_metric, "csl")
            data.append(
                {
                    "code": seg.id,
                    "name": seg.name,
                    "service_metric": metric,
                    "service_target": seg.service_level_target / 100.0,
                    "policy": seg.replenishment_policy or "manual",
                    "review_days": float(seg.review_period_days or 0),
                    "holding_rate": (seg.holding_cost_rate or 0.0) / 100.0,
                    "order_cover_days": float(seg.order_cover_days or 0.0),
                    # A cost-based segment derives its service from costs: not pooled.
                    "allocate": bool(
                        seg.allocate_service and metric == "fill_rate" and not seg.stockout_cost
                    ),
                    "allocation_group": (seg.allocation_group or "").strip() or f"segment {seg.id}",
                }
            )
        return pd.DataFrame(data, columns=list(SEGMENT_COLUMNS)).astype({"code": object})

    # ------------------------------------------------------------------ one batch
    def _replenish_batch(self, ctx, profile_ids):
        """Lead times, one engine call, profile update, proposals, auto-apply,
        exceptions and the review calendar for the plans of the batch.

        Quarantined plans (the nightly screen does not trust their data) are left as
        they are: no policy, no proposal, no change of their rule or exceptions, and
        they take no part in the engine call (nor in a pool's allocation). Plans of an
        archived product are not planned; a rule the job manages for them is archived.

        A constant number of queries whatever the batch size."""
        rows = self._fetch_policy_inputs(ctx, profile_ids)
        if not rows:
            return {}
        only = ctx.get("only_ids")
        product_ids = sorted({r["product_id"] for r in rows})
        warehouse_ids = sorted({r["warehouse_id"] for r in rows})
        orderpoints = self._fetch_orderpoints(ctx, product_ids, warehouse_ids)
        pending = self._fetch_pending([r["id"] for r in rows])
        archived = [r for r in rows if not r["data_quarantine"] and not r["product_active"]]
        rows = [r for r in rows if not r["data_quarantine"] and r["product_active"]]
        batch = {
            "supplier_rows": [],
            "updates": [],
            "found": {},
            "creates": [],
            "supersede": [],
            "review_toggles": [],
            "calendar_releases": [],
            "periodic": set(),
            # Exceptions are synced for the plans planned or archived, never quarantined.
            "synced": [r["id"] for r in rows + archived if not only or r["id"] in only],
        }
        self._archive_rules_of_archived_products(ctx, archived, orderpoints, pending, batch)
        if rows:
            self._plan_batch(ctx, rows, orderpoints, pending, batch)
        return self._write_batch(ctx, batch)

    def _archive_rules_of_archived_products(self, ctx, archived, orderpoints, pending, batch):
        """An archived product keeps no active rule the job manages: an archive proposal,
        applied at once (Odoo itself archives a product's rules when it is archived);
        proposals waiting for approval would bring the rule back and are superseded."""
        only = ctx.get("only_ids")
        for r in archived:
            if only and r["id"] not in only:
                continue
            batch["supersede"] += [p["id"] for p in pending.get(r["id"], [])]
            op = orderpoints.get((r["product_id"], r["warehouse_id"]))
            if not (op and op["active"] and op["profile"] == r["id"]):
                continue
            r["buyer_id"] = False
            cost = r["unit_cost"]
            values = {"unit_cost_used": cost if cost and math.isfinite(cost) else 0.0}
            target = {"action": "archive", "min": op["min"], "max": op["max"], "uom": op["uom"]}
            vals = self._proposal_vals(ctx, r, values, op, target, op["trigger"] or "auto")
            vals["within_tolerance"] = True
            vals["reason_detail"] = self.env._(
                "The product is archived: its reorder rule is archived too."
            )
            batch["creates"].append(vals)

    def _plan_batch(self, ctx, rows, orderpoints, pending, batch):
        """The engine call over ``rows`` and what follows from it, into ``batch``."""
        product_ids = sorted({r["product_id"] for r in rows})
        tmpl_ids = sorted({r["tmpl_id"] for r in rows})
        # Odoo 19 allows a product without a category: no category, no category route.
        categ_ids = sorted({r["categ_id"] for r in rows if r["categ_id"]})
        warehouse_ids = sorted({r["warehouse_id"] for r in rows})
        vendors, implausible = self._fetch_main_vendors(ctx, tmpl_ids, product_ids)
        receipts = self._fetch_receipts(ctx, product_ids)
        mfg = self._fetch_manufacturing_delays(ctx, tmpl_ids)
        resupply = self._fetch_resupply(ctx, warehouse_ids, tmpl_ids, categ_ids)
        onhand = self._fetch_onhand(ctx, product_ids)
        lead, supplier_rows = self._lead_times(
            ctx, rows, vendors, receipts, mfg, resupply, implausible
        )
        batch["supplier_rows"] = supplier_rows
        price_lines = self._fetch_price_lines(ctx, vendors)
        production = self._fetch_production_data(ctx, product_ids)

        # Engine inputs, one array per argument.
        def col(name, default=np.nan):
            return np.array([default if r[name] is None else r[name] for r in rows], dtype=float)

        stage = [r["lifecycle_stage"] for r in rows]
        policy = np.array(
            [
                "mto"
                if (
                    stage[i] in OBSOLETE_STAGES
                    or r["stocking_strategy"] == "mto"
                    or r["replenishment_policy"] == "mto"
                )
                else (r["replenishment_policy"] or "manual")
                for i, r in enumerate(rows)
            ],
            dtype=object,
        )
        cost = col("unit_cost")
        cost = np.where(np.isfinite(cost) & (cost > 0), cost, np.nan)
        stockout = col("stockout_cost", 0.0)
        review = np.where(policy == "RS", col("review_period_days", 0.0), 0.0)
        self._follow_vendor_cycles(rows, lead, policy, review)
        lt_mean = np.array([x["mean"] for x in lead], dtype=float)
        lt_std = np.array([x["std"] for x in lead], dtype=float)
        moq = np.array([(x["vendor"] or {}).get("moq", 0.0) for x in lead], dtype=float)
        # A purchase unit other than the product's own is the pack multiple.
        pack = np.array(
            [
                x["vendor"]["pack"] if x["vendor"] and abs(x["vendor"]["pack"] - 1.0) > 1e-9 else 0
                for x in lead
            ],
            dtype=float,
        )
        # Demand and its sigma stop at 0: net returns are no demand to protect.
        sigma = _clip0([r["sigma"] for r in rows])
        demand_in = self._policy_demand(rows, lt_mean, review)
        demand = demand_in["demand"]
        target = col("service_level_target", 95.0) / 100.0
        metric = np.array(
            [SERVICE_METRICS.get(r["service_metric"], "csl") for r in rows], dtype=object
        )
        stockout = np.where(stockout > 0, stockout, np.nan)
        ordering = col("ordering_cost", 0.0)
        # One path with the command line: the segments of the batch as the engine's
        # segment table, what the job decides per plan (lifecycle stage policy and service
        # cap, periodic review, cost-based segments) as per-plan overrides.
        segments = self._policy_segments(rows)
        seg_rows = segments.set_index("code").reindex(
            pd.Series([r["segment_id"] or 0 for r in rows], dtype=object)
        )
        # Price breaks of the main vendor: the order quantity where a break pays.
        fixed_qty, break_info = self._price_breaks(
            ctx,
            rows,
            lead,
            price_lines,
            {
                "policy": policy,
                "stockout_cost": stockout,
                "order_cover_days": seg_rows["order_cover_days"].fillna(0.0).to_numpy(float),
                "ordering_cost": ordering,
                "holding_rate": seg_rows["holding_rate"].fillna(0.25).to_numpy(float),
                "demand": demand,
            },
        )
        # Manufactured items: the economic production quantity where it applies.
        epq_qty, lot_info = self._production_lots(
            rows,
            lead,
            production,
            {
                "policy": policy,
                "stockout_cost": stockout,
                "order_cover_days": seg_rows["order_cover_days"].fillna(0.0).to_numpy(float),
                "ordering_cost": ordering,
                "holding_rate": seg_rows["holding_rate"].fillna(0.25).to_numpy(float),
                "demand": demand,
                "unit_cost": cost,
            },
        )
        fixed_qty = np.where(np.isfinite(epq_qty), epq_qty, fixed_qty)
        overrides = {
            "policy": policy,
            "service_metric": metric,
            "service_target": target,
            "review_period": review,
            "stockout_cost": stockout,
        }
        if np.isfinite(fixed_qty).any():
            overrides["fixed_order_qty"] = fixed_qty
        result = plan_policy(
            demand,
            sigma,
            demand_in["error_std"],
            lt_mean,
            lt_std,
            np.array([r["segment_id"] or 0 for r in rows], dtype=object),
            segments,
            unit_cost=cost,
            ordering_cost=ordering,
            moq=moq,
            pack_multiple=pack,
            as_of=pd.Timestamp(ctx["today"]),
            overrides=overrides,
        )
        inputs = {
            "policy": policy,
            "service_metric": result["service_metric"].to_numpy(object),
            "service_target": result["service_target"].to_numpy(float),
            "class_target": target,
            "review_period": review,
            "holding_rate": seg_rows["holding_rate"].fillna(0.25).to_numpy(float),
            "ordering_cost": ordering,
            "order_cover_days": seg_rows["order_cover_days"].fillna(0.0).to_numpy(float),
            "allocation_group": seg_rows["allocation_group"].fillna("").to_numpy(object),
            "price_breaks": break_info,
            "production_lots": lot_info,
            "texts": BatchTexts(self),
        }
        segment_names = seg_rows["name"].fillna("").to_numpy(object)
        # The engine's result columns read once as arrays (a pandas access per plan and
        # value would cost more than the engine call).
        result = {name: result[name].to_numpy() for name in RESULT_COLUMNS}
        status = result["status"]
        with np.errstate(divide="ignore", invalid="ignore"):
            cover = np.where(demand > 0, result["avg_stock"] / demand, 0.0)

        updates, found = batch["updates"], batch["found"]
        creates, supersede = batch["creates"], batch["supersede"]
        review_toggles = batch["review_toggles"]
        only = ctx.get("only_ids")
        for i, r in enumerate(rows):
            pid = r["id"]
            if only and pid not in only:
                continue  # computed with its pool for the plans asked for, not written
            lt = lead[i]
            vendor = lt["vendor"] or {}
            r["buyer_id"] = vendor.get("buyer")
            st = str(status[i])
            values = {
                "lead_time_days": lt["mean"],
                "lead_time_std_days": lt["std"],
                "lead_time_source": lt["source"],
                "lead_time_receipts": lt["n"],
                "supplier_on_time_rate": lt["on_time"],
                "vendor_id": vendor.get("partner"),
                "unit_cost_used": float(cost[i]) if np.isfinite(cost[i]) else 0.0,
                "moq_qty": float(moq[i]),
                "pack_multiple_qty": float(pack[i]),
                "policy_status": st,
                "policy_method": str(result["method"][i]) or None,
                "safety_stock_qty": float(result["safety_stock"][i]),
                "reorder_point_qty": float(result["reorder_point"][i]),
                "order_qty": float(result["order_qty"][i]),
                "max_qty": float(result["order_up_to"][i]),
                # No planned policy, no service to expect: empty, not 0 %.
                "expected_fill_rate": float(result["expected_fill_rate"][i])
                if st in STOCKED_STATUSES
                else None,
                "cycle_service_level": float(result["expected_csl"][i])
                if st in STOCKED_STATUSES
                else None,
                "avg_stock_qty": float(result["avg_stock"][i]),
                "avg_stock_value": float(result["avg_stock_value"][i]),
                "coverage_days": float(cover[i])
                if np.isfinite(cover[i]) and demand[i] > 0 and st in STOCKED_STATUSES
                else None,
                "policy_demand_used": float(demand[i]),
                "policy_demand_source": demand_in["source"][i],
                "policy_protection_days": float(demand_in["protection_days"][i]),
                "policy_protection_qty": float(demand_in["total"][i]),
                "policy_error_sigma": float(demand_in["error_std"][i]),
                "policy_segment_id": r["segment_id"],
                "policy_service_target": float(target[i]) if r["segment_id"] else 0.0,
                "price_break_min_qty": 0.0,
                "price_break_price": 0.0,
                "price_break_saving": 0.0,
                "epq_production_rate": 0.0,
                "epq_setup_cost": 0.0,
                "epq_qty": 0.0,
                "review_calendar": bool(policy[i] == "RS"),
            }
            lot = lot_info[i]
            if lot and lot.get("qty") and st in STOCKED_STATUSES:
                values.update(
                    epq_production_rate=float(lot["rate"]),
                    epq_setup_cost=float(lot["setup"]),
                    epq_qty=float(lot["qty"]),
                )
            item = break_info[i]
            if item and item.get("taken") and st in STOCKED_STATUSES:
                q_break, c_break = item["breaks"][item["index"]]
                values.update(
                    price_break_min_qty=float(q_break),
                    price_break_price=float(c_break),
                    price_break_saving=float(item["saving"]),
                )
            for key, value in values.items():
                if isinstance(value, float):
                    values[key] = round(value, DIGITS)

            base = {
                "product_id": r["product_id"],
                "warehouse_id": r["warehouse_id"],
                "segment_id": r["segment_id"],
                "company_id": ctx["company"].id,
            }
            # The last guard: a value that is not a number, negative or beyond the
            # plausible maximum is never written to the plan or its rule.
            implausible_values = self._implausible_values(ctx, values)
            quality = list(lt["findings"])
            if implausible_values:
                quality.append(
                    self.env._(
                        "No reorder rule change and the plan keeps its last values: "
                        "%(values)s (plausible maximum quantity %(max)g, setting "
                        "stock_segment.plausibility_max_quantity). Check the demand, the "
                        "stock on hand and the vendor's minimum quantity and unit.",
                        values="; ".join(implausible_values),
                        max=ctx["max_quantity"],
                    )
                )
            if quality:
                found[(pid, "data_quality")] = dict(
                    base,
                    severity="high" if implausible_values or not vendor else "medium",
                    message="\n".join(quality),
                    financial_impact=0.0,
                )
            if implausible_values:
                continue

            values["policy_explanation"] = self._explain(
                r, values, result, i, inputs, demand_in, ctx["today"]
            )
            if any(not _same_value(r[f"old_{c}"], values[c]) for c in POLICY_COLUMNS):
                updates.append((pid, values))

            # Data problems: an exception, no change to the reorder rule.
            problems = []
            if policy[i] == "RS" and not review[i] > 0:
                problems.append(
                    self.env._(
                        "the segment %(segment)s uses periodic review (R, S) with a review "
                        "period of 0 days: set its Review Period (days), or give it a "
                        "continuous-review policy",
                        segment=segment_names[i],
                    )
                )
            else:
                if st in STATUS_MESSAGES:
                    problems.append(STATUS_MESSAGES[st])
                if (
                    st != "make_to_order"
                    and not vendor
                    and lt["source"] in ("none", "vendor_delay")
                ):
                    problems.append(
                        self.env._("no vendor has a plausible delivery lead time")
                        if lt["findings"]
                        else self.env._("the product has no vendor")
                    )
            qty_onhand = onhand.get((r["product_id"], r["warehouse_id"]), 0.0)
            if qty_onhand < 0:
                problems.append(self.env._("negative stock on hand (%s)", round(qty_onhand, 2)))
            if problems and st not in ("manual", "no_demand"):
                found[(pid, "replenishment_data")] = dict(
                    base,
                    severity="high",
                    message=self.env._(
                        "No reorder rule change: %s.", "; ".join(dict.fromkeys(problems))
                    ),
                    financial_impact=0.0,
                )
            stat = lt["stat"]
            if stat is not None and stat["drift"]:
                found[(pid, "lead_time_drift")] = dict(
                    base,
                    severity="medium",
                    message=self.env._(
                        "Recent receipts take %(recent).1f days against %(mean).1f days "
                        "on average (%(rel)+.0f %%): safety stock is recomputed with the "
                        "new figures.",
                        recent=stat["recent_mean"],
                        mean=stat["mean"],
                        rel=100.0 * stat["relative_drift"],
                    ),
                    financial_impact=0.0,
                )
            if (
                stat is not None
                and lt["n"] >= ctx["params"]["min_count"]
                and lt["on_time"] is not None
                and lt["on_time"] < ctx["params"]["on_time_threshold"]
            ):
                found[(pid, "supplier_on_time")] = dict(
                    base,
                    severity="medium",
                    message=self.env._(
                        "The vendor delivered %(rate).0f %% of %(n)d receipts on time "
                        "(threshold %(threshold).0f %%).",
                        rate=lt["on_time"],
                        n=lt["n"],
                        threshold=ctx["params"]["on_time_threshold"],
                    ),
                    financial_impact=0.0,
                )
            if problems:
                continue

            # Target state of the reorder rule.
            op = orderpoints.get((r["product_id"], r["warehouse_id"]))
            op_active = bool(op and op["active"])
            if st == "make_to_order":
                if not op_active:
                    continue
                target_vals = {"action": "archive", "min": op["min"], "max": op["max"]}
                target_vals["uom"] = op["uom"]
            elif st in STOCKED_STATUSES:
                new_min = _ceil(values["reorder_point_qty"])
                new_max = max(_ceil(values["max_qty"]), new_min)
                uom = vendor.get("uom") if pack[i] > 0 else None
                # An archived rule (left by make to order) is reactivated: a second rule on
                # the same product and location would break Odoo's unique constraint.
                target_vals = {
                    "action": "update" if op else "create",
                    "min": new_min,
                    "max": new_max,
                    "uom": uom,
                }
            else:
                continue
            trigger = r["orderpoint_trigger"] or "auto"
            if op_active and op["locked"]:
                if target_vals["action"] == "archive" or not (
                    _same(op["min"], target_vals["min"]) and _same(op["max"], target_vals["max"])
                ):
                    found[(pid, "orderpoint_locked")] = dict(
                        base,
                        severity="low",
                        message=self.env._(
                            "The reorder rule was edited by hand and is locked: planning "
                            "computes min %(min)s / max %(max)s, the rule keeps %(omin)s / "
                            "%(omax)s.",
                            min=target_vals["min"],
                            max=target_vals["max"],
                            omin=op["min"],
                            omax=op["max"],
                        ),
                        financial_impact=abs(
                            (values["unit_cost_used"] or 0.0)
                            * (target_vals["min"] + target_vals["max"] - op["min"] - op["max"])
                            / 2.0
                        ),
                    )
                continue
            if policy[i] == "RS" and target_vals["action"] != "archive":
                # Rules created or reactivated today get their review-day trigger too.
                batch["periodic"].add(pid)
                if op_active:
                    review_toggles.append((op, r))
            elif op_active and r["old_review_calendar"]:
                # Periodic review no more: the rule leaves the review calendar.
                batch["calendar_releases"].append((op, r))
            same = op_active and (
                target_vals["action"] != "archive"
                and _same(op["min"], target_vals["min"])
                and _same(op["max"], target_vals["max"])
                and (op["uom"] or None) == (target_vals["uom"] or None)
            )
            waiting = pending.get(pid, [])
            if any(p["kept"] for p in waiting):
                continue  # a pilot's proposal waits for its decision: the job keeps off
            if same:
                supersede += [p["id"] for p in waiting]
                continue
            if any(
                p["action"] == target_vals["action"]
                and _same(p["min"], target_vals["min"])
                and _same(p["max"], target_vals["max"])
                and (p["uom"] or None) == (target_vals["uom"] or None)
                for p in waiting
            ):
                continue  # the same change already waits for approval
            supersede += [p["id"] for p in waiting]
            creates.append(self._proposal_vals(ctx, r, values, op, target_vals, trigger))
        batch["rows"] = {r["id"]: r for r in rows}

    def _implausible_values(self, ctx, values):
        """The plan values that must not be written: not a number, negative quantities,
        quantities above the plausible maximum. One 'label = value' per value."""
        limit = ctx["max_quantity"]
        bad = []
        for name, value in values.items():
            if not isinstance(value, float):
                continue
            quantity = name in QUANTITY_COLUMNS
            # The safety stock may be negative (a fill-rate target with a large order
            # quantity): only its size is bounded.
            signed = name in SIGNED_QUANTITY_COLUMNS
            if math.isfinite(value) and not (
                quantity and ((value < 0 and not signed) or abs(value) > limit)
            ):
                continue
            bad.append(
                self.env._(
                    "%(field)s = %(value)g%(why)s",
                    field=self._fields[name].string,
                    value=value,
                    why=self.env._(" (not a number)")
                    if not math.isfinite(value)
                    else self.env._(" (negative)")
                    if value < 0
                    else self.env._(" (above the plausible maximum)"),
                )
            )
        return bad

    def _write_batch(self, ctx, batch):
        """Bulk writes of a batch: lead-time statistics, plans, proposals (auto-applied
        within tolerance), the review calendar and the exceptions."""
        stats = {"proposals": 0, "auto_applied": 0, "pending": 0}
        self._write_supplier_lead_times(ctx, batch["supplier_rows"])
        self._write_policy(batch["updates"], ctx["today"])
        Proposal = (
            self.env["stock.replenishment.proposal"]
            .sudo()
            .with_context(
                tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
            )
        )
        if batch["supersede"]:
            Proposal.browse(batch["supersede"])._supersede_by_job()
        review_toggles = batch["review_toggles"]
        if batch["creates"]:
            proposals = Proposal._insert_job_proposals(batch["creates"])
            auto = proposals.filtered("within_tolerance")
            # Odoo's quantity to order of the changed rules is recomputed now: its
            # Replenishment screen shows the stored value, and a buyer ordering from it
            # must see the new max, not wait for the scheduler's next run.
            auto._apply()
            waiting = proposals - auto
            waiting._schedule_approval_activities()
            stats.update(proposals=len(proposals), auto_applied=len(auto), pending=len(waiting))
            # A periodic-review rule created or reactivated today is switched to its
            # review-day trigger now, not on the next run.
            toggled = {r["id"] for _op, r in review_toggles}
            rows = batch.get("rows", {})
            if batch["periodic"]:
                auto.orderpoint_id.fetch(["trigger", "snoozed_until"])
            for proposal in auto:
                pid = proposal.profile_id.id
                if proposal.action == "archive" or pid not in batch["periodic"] or pid in toggled:
                    continue
                op = proposal.orderpoint_id
                review_toggles.append(
                    (
                        {"id": op.id, "trigger": op.trigger, "snoozed_until": op.snoozed_until},
                        rows[pid],
                    )
                )
        self._apply_review_calendar(ctx, review_toggles)
        self._release_review_calendar(batch.get("calendar_releases", []))
        found = batch["found"]
        for vals in found.values():
            # An impact is a size of money at stake: never negative, never NaN.
            impact = float(vals.get("financial_impact") or 0.0)
            vals["financial_impact"] = abs(impact) if math.isfinite(impact) else 0.0
        self.env["stock.planning.exception"]._sync_exceptions(
            SOURCE, EXCEPTION_TYPES, batch["synced"], found
        )
        return stats

    def _proposal_vals(self, ctx, r, values, op, target, trigger):
        old_min = op["min"] if op else 0.0
        old_max = op["max"] if op else 0.0
        cost = values["unit_cost_used"] or 0.0
        # An archived rule holds nothing: its new min and max count as 0.
        new_min, new_max = (
            (0.0, 0.0) if target["action"] == "archive" else (target["min"], target["max"])
        )
        change = float(working_capital_effect(old_min, old_max, new_min, new_max, cost)[0])
        pct_min = _pct(old_min, target["min"])
        pct_max = _pct(old_max, target["max"])
        tolerance = r["auto_apply_tolerance"] if r["auto_apply_tolerance"] is not None else 0.0
        if target["action"] in ("create", "archive") or not op["active"]:
            # Creating, archiving or reactivating a rule is a 100 % change: applied at once
            # only when the segment accepts any change or the setting says so.
            within = tolerance >= 100.0 or ctx["params"]["auto_apply_new_rules"]
        else:
            within = max(pct_min, pct_max) <= tolerance and (op["uom"] or None) == (
                target["uom"] or None
            )
        reason, detail = self._proposal_reason(r, values, op, target)
        return {
            "profile_id": r["id"],
            "segment_id": r["segment_id"],
            "orderpoint_id": op["id"] if op else False,
            "buyer_id": r.get("buyer_id") or False,
            "action": target["action"],
            "old_min_qty": old_min,
            "new_min_qty": target["min"],
            "old_max_qty": old_max,
            "new_max_qty": target["max"],
            "old_multiple_id": op["uom"] if op else False,
            "new_multiple_id": target["uom"] or False,
            "new_trigger": trigger,
            # A change from zero has no percentage: emptied on create, "from zero".
            "min_change_pct": pct_min if math.isfinite(pct_min) else 0.0,
            "max_change_pct": pct_max if math.isfinite(pct_max) else 0.0,
            "unit_cost": cost,
            "stock_value_change": change,
            "abs_value_change": abs(change),
            "reason": reason,
            "reason_detail": detail,
            "state": "pending",
            "within_tolerance": within,
            "proposed_by_id": ctx["job_user"],
        }

    def _proposal_reason(self, r, values, op, target):
        if target["action"] == "archive":
            return "obsolete", self.env._(
                "The plan is make to order or the product is end of life / obsolete: "
                "no stock is kept."
            )
        if not op:
            return "new", self.env._("Stocked plan without a reorder rule.")
        if not op["active"]:
            return "new", self.env._("Stocked plan whose reorder rule is archived: reactivated.")
        changes = []
        reason = None
        if r["old_policy_segment_id"] and r["old_policy_segment_id"] != r["segment_id"]:
            changes.append(self.env._("segment changed"))
            reason = reason or "segment"
        if r["old_policy_service_target"] and not _same(
            r["old_policy_service_target"], values["policy_service_target"]
        ):
            changes.append(
                self.env._(
                    "service target %(old).1f %% -> %(new).1f %%",
                    old=100 * r["old_policy_service_target"],
                    new=100 * values["policy_service_target"],
                )
            )
            reason = reason or "service"
        if r["old_policy_demand_used"] and _rel(
            r["old_policy_demand_used"], values["policy_demand_used"]
        ):
            changes.append(
                self.env._(
                    "demand %(old).3f -> %(new).3f per day",
                    old=r["old_policy_demand_used"],
                    new=values["policy_demand_used"],
                )
            )
            reason = reason or "forecast"
        if r["old_lead_time_days"] and _rel(r["old_lead_time_days"], values["lead_time_days"]):
            changes.append(
                self.env._(
                    "lead time %(old).1f -> %(new).1f days",
                    old=r["old_lead_time_days"],
                    new=values["lead_time_days"],
                )
            )
            reason = reason or "lead_time"
        if not changes:
            return "recompute", self.env._(
                "The rule differs from the computed policy (set by hand or by an earlier policy)."
            )
        return reason, "; ".join(changes)

    def _explain(self, r, values, result, i, inputs, demand_in, today):
        """Inputs -> formula -> result, in words a buyer can check.

        ``result`` holds the engine's result columns (arrays indexed like the batch's
        plans); ``inputs["texts"]``, when given, the batch's :class:`BatchTexts` (the
        messages' translations and the labels looked up once per batch)."""
        tr = inputs.get("texts") or BatchTexts(self)
        st = values["policy_status"]
        method = values["policy_method"]
        policy = inputs["policy"][i]
        lines = [self._explain_demand(r, values, i, inputs, demand_in, today)]
        # Labels, not keys, in what the buyer reads.
        policy_labels, source_labels, method_labels, metric_labels = tr.labels()
        lines.append(
            tr._(
                "Inputs: demand %(d).3f/day (forecast-error sigma over P %(s).3f), lead "
                "time %(lt).1f days (std %(lts).1f, source %(src)s), review period %(r).0f "
                "days, policy %(pol)s, %(metric)s target %(target).1f %%, unit cost "
                "%(c).2f, holding %(h).0f %%/year, ordering cost %(k).2f, MOQ %(moq)s, pack "
                "%(pack)s.",
                d=values["policy_demand_used"],
                s=values["policy_error_sigma"],
                lt=values["lead_time_days"],
                lts=values["lead_time_std_days"],
                src=source_labels.get(values["lead_time_source"], values["lead_time_source"]),
                r=inputs["review_period"][i],
                pol=policy_labels.get(policy, policy),
                metric=metric_labels.get(inputs["service_metric"][i], inputs["service_metric"][i]),
                target=100 * inputs["service_target"][i],
                c=values["unit_cost_used"],
                h=100 * inputs["holding_rate"][i],
                k=inputs["ordering_cost"][i],
                moq=values["moq_qty"],
                pack=values["pack_multiple_qty"] or "-",
            )
        )
        allocated = inputs["service_target"][i]
        if st in STOCKED_STATUSES and not _same(allocated, inputs["class_target"][i]):
            lines.append(
                tr._(
                    "Target met over the group %(group)s: the group reaches %(goal).1f %% "
                    "fill rate as a whole at the least stock value; this item's share is "
                    "%(item).2f %%.",
                    group=inputs["allocation_group"][i],
                    goal=100 * inputs["class_target"][i],
                    item=100 * allocated,
                )
            )
        if st not in STOCKED_STATUSES:
            lines.append(
                tr._(
                    "Result: no policy (%(status)s%(why)s).",
                    status=st,
                    why=(": " + STATUS_MESSAGES[st]) if st in STATUS_MESSAGES else "",
                )
            )
            return "\n".join(lines)
        mu_p = float(result["demand_mean_p"][i])
        sigma_p = float(result["demand_sigma_p"][i])
        k = float(result["safety_factor"][i])
        # Only the formula of the plan's method is written.
        if method == "normal":
            formula = tr._(
                "Protection interval P = L%(plus_r)s = %(p).1f days; mu_P = d x P = "
                "%(mu).2f; sigma_P = sqrt(sigma_F^2 + d^2 x sigma_L^2) = %(sp).2f with "
                "sigma_F = %(sf).2f the forecast-error sigma over P; safety factor k = "
                "%(k).3f; SS = k x sigma_P; s = mu_P + SS + undershoot %(u).2f.",
                plus_r=" + R" if policy == "RS" else "",
                p=values["policy_protection_days"],
                sf=values["policy_error_sigma"],
                mu=mu_p,
                sp=sigma_p,
                k=k,
                u=float(result["undershoot"][i]),
            )
        elif method == "cost_based":
            formula = tr._(
                "Cost-based (r, Q) (Hadley-Whitin): mu_P = %(mu).2f, sigma_P = %(sp).2f; "
                "r and Q minimise holding + ordering + stockout cost.%(implied)s",
                mu=mu_p,
                sp=sigma_p,
                implied=self._implied_service_sentence(
                    values, mu_p, sigma_p, float(result["undershoot"][i])
                ),
            )
        else:
            formula = tr._(
                "Slow mover: lead-time demand %(dist)s with mean %(mu).2f (sigma %(sp).2f); "
                "s is the smallest integer with P(D <= s) >= the target.",
                dist=method_labels.get(method, method),
                mu=mu_p,
                sp=sigma_p,
            )
        lines.append(formula)
        cover = inputs["order_cover_days"][i]
        lines.append(
            tr._(
                "Order quantity Q = %(q).2f (%(how)s, then MOQ and pack); max = %(max)s.",
                q=values["order_qty"],
                how=tr._("price break, see below")
                if values["price_break_min_qty"]
                else tr._("economic production quantity, see below")
                if values["epq_qty"]
                else tr._("%(n)g days of demand, d x %(n)g", n=cover)
                if cover > 0 and policy != "RS"
                else tr._("EOQ or d x R"),
                max="s + Q" if policy in ("sQ", "sS") else "S",
            )
        )
        lines += self._explain_price_breaks(inputs["price_breaks"][i], values)
        lines += self._explain_production_lot(inputs["production_lots"][i], values)
        lines += self._explain_order_cycle(r)
        lines.append(
            tr._(
                "Result: safety stock %(ss).2f%(signed)s, min %(min).2f, max %(max).2f, "
                "expected fill rate %(fr).1f %%, cycle service %(csl).1f %%, average stock "
                "%(avg).2f (value %(val).2f), coverage %(cov).1f days.",
                ss=max(values["safety_stock_qty"], 0.0),
                signed=tr._(
                    " (the reorder point is %(gap).2f below the demand over the protection "
                    "interval: the order quantity alone reaches the fill-rate target)",
                    gap=-values["safety_stock_qty"],
                )
                if values["safety_stock_qty"] < 0
                else "",
                min=values["reorder_point_qty"],
                max=values["max_qty"],
                fr=100 * (values["expected_fill_rate"] or 0.0),
                csl=100 * (values["cycle_service_level"] or 0.0),
                avg=values["avg_stock_qty"],
                val=values["avg_stock_value"],
                cov=values["coverage_days"] or 0.0,
            )
        )
        return "\n".join(lines)

    def _explain_demand(self, r, values, i, inputs, demand_in, today):
        """Where the demand of the rule comes from: the final forecast over the
        protection interval, or the historical average when there is no forecast."""
        tr = inputs.get("texts") or BatchTexts(self)
        p_days = values["policy_protection_days"]
        interval = tr._(
            "P = lead time %(lt).1f%(review)s = %(p).1f days",
            lt=values["lead_time_days"],
            review=tr._(" + review period %.0f", inputs["review_period"][i])
            if inputs["review_period"][i] > 0
            else "",
            p=p_days,
        )
        if demand_in["source"][i] == "forecast":
            bucket = r["forecast_bucket"]
            forecast = r["forecast"]
            # The buckets the interval reaches into (at least the current one).
            n_shown = min(len(forecast), int(math.ceil(demand_in["periods"][i])) + 1)
            shown = ", ".join(f"{q:.2f}" for q in forecast[:n_shown])
            return tr._(
                "Demand: final forecast (statistical, or overridden where approved) per "
                "%(bucket)s from the %(bucket)s of %(start)s (%(gone)d days of it gone "
                "on %(today)s): %(shown)s%(more)s. Over the protection interval %(interval)s "
                "(%(n).2f %(bucket)ss): %(total).2f, i.e. d = %(d).3f per day. "
                "Forecast-error sigma over P: sigma_F = %(sf).2f, from the one-%(bucket)s "
                "sigma %(s1).2f and the sigma %(sh).2f over %(h)d %(bucket)ss.",
                bucket=bucket,
                start=bucket_start(today, bucket),
                gone=int(r["forecast_offset"]),
                today=today,
                shown=shown,
                more=tr._(" (then %s more)", len(forecast) - n_shown)
                if len(forecast) > n_shown
                else "",
                interval=interval,
                n=demand_in["periods"][i],
                total=values["policy_protection_qty"],
                d=values["policy_demand_used"],
                sf=values["policy_error_sigma"],
                s1=r["forecast_sigma"],
                sh=r["forecast_sigma_horizon"],
                h=r["forecast_sigma_buckets"],
            )
        if r["forecast_date"]:
            why = tr._(
                "no forecast line holds today's bucket (last forecast on %s)", r["forecast_date"]
            )
        else:
            why = tr._("the plan has never been forecast")
        return tr._(
            "Demand: %(why)s, so the historical average is used: d = %(d).3f per day, "
            "over the protection interval %(interval)s: %(total).2f. Forecast-error sigma "
            "over P: sigma_F = daily sigma %(s).3f x sqrt(P) = %(sf).2f.",
            why=why,
            d=values["policy_demand_used"],
            interval=interval,
            total=values["policy_protection_qty"],
            s=r["sigma"],
            sf=values["policy_error_sigma"],
        )

    def _write_policy(self, updates, today):
        """One UPDATE ... FROM unnest(...) for the changed plans of the batch: one array
        per column, whatever their number."""
        if not updates:
            return
        columns = list(POLICY_COLUMNS)
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET %(assignments)s, policy_date = %(today)s,
                   write_date = now() AT TIME ZONE 'UTC', write_uid = %(uid)s
              FROM unnest(%(ids)s::int4[], %(arrays)s) AS v(id, %(names)s)
             WHERE p.id = v.id
            """,
                assignments=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns
                ),
                today=today,
                uid=self.env.uid,
                ids=[pid for pid, _vals in updates],
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", [vals[c] for _pid, vals in updates], SQL(cast))
                    for c, cast in POLICY_COLUMNS.items()
                ),
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
            )
        )
        self.env["stock.planning.profile"].invalidate_model()

    def _follow_vendor_cycles(self, rows, lead, policy, review):
        """Plans on a vendor order cycle (``stock.vendor.order.cycle``): periodic review
        every ``cycle_review_days`` (the vendor's cycle x the item's multiple) on the
        vendor's order days, in place of the segment's policy. Only while the cycle's
        vendor is still the item's main vendor and the segment keeps stock by rule;
        ``policy`` and ``review`` are changed in place, each row gets ``cycle_grouped``."""
        for i, r in enumerate(rows):
            vendor = lead[i]["vendor"] or {}
            grouped = bool(
                r["cycle_id"]
                and r["cycle_review_days"] > 0
                and policy[i] in CYCLE_POLICIES
                and vendor.get("partner") == r["cycle_partner"]
            )
            r["cycle_grouped"] = grouped
            if not grouped:
                continue
            policy[i] = "RS"
            review[i] = float(r["cycle_review_days"])
            r["cycle_anchor"] = cycle_anchor(
                r["cycle_order_on"], r["cycle_weekday"], r["cycle_anchor_date"]
            )

    def _implied_service_sentence(self, values, mu_p, sigma_p, undershoot):
        """What the stockout cost buys in service: the exact fill rate and cycle
        service of the (r, Q) chosen (``invplan.costopt.rq_service_normal``), r without
        the daily check's undershoot allowance (which only keeps that service)."""
        r, q = values["reorder_point_qty"] - undershoot, values["order_qty"]
        if not (sigma_p > 0 and q > 0 and math.isfinite(r) and math.isfinite(mu_p)):
            return ""
        fill, csl = rq_service_normal(r, q, mu_p, sigma_p)
        return self.env._(
            " The stockout cost implies a fill rate of %(fill).2f %% and a cycle service "
            "of %(csl).1f %% (exact, normal lead-time demand).",
            fill=100.0 * fill,
            csl=100.0 * csl,
        )

    def _explain_order_cycle(self, r):
        """The sentence of the explanation on the vendor's order cycle."""
        if not r.get("cycle_grouped"):
            return []
        return [
            self.env._(
                "Vendor order cycle: %(vendor)s is sent one order every %(base)d days "
                "(first order day %(anchor)s); this item is in one order out of %(k)d, so its "
                "rule is reviewed every %(days)d days on the vendor's order days, in place of "
                "the segment's policy (joint replenishment, see the vendor's order cycle).",
                vendor=r["cycle_vendor_name"],
                base=r["cycle_base_days"],
                anchor=r["cycle_anchor"],
                k=r["cycle_multiple"] or 1,
                days=r["cycle_review_days"],
            )
        ]

    def _release_review_calendar(self, releases):
        """Rules of plans that left periodic review (segment changed, vendor cycle left):
        back to the segment's trigger, no snooze. A buyer's own snooze of a rule that
        never followed a calendar is not touched."""
        rows = [
            SQL("(%s, %s)", op["id"], r["orderpoint_trigger"] or "auto")
            for op, r in releases
            if op["trigger"] != (r["orderpoint_trigger"] or "auto") or op["snoozed_until"]
        ]
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_warehouse_orderpoint op
               SET trigger = v.trigger, snoozed_until = NULL,
                   write_date = now() AT TIME ZONE 'UTC', write_uid = %s
              FROM (VALUES %s) AS v(id, trigger)
             WHERE op.id = v.id
            """,
                self.env.uid,
                SQL(", ").join(rows),
            )
        )
        self.env["stock.warehouse.orderpoint"].invalidate_model(["trigger", "snoozed_until"])

    def _apply_review_calendar(self, ctx, toggles):
        """Periodic review with Odoo's own switches: on a review day the rule triggers
        automatically; on other days it is manual and snoozed until the next review.
        The review days are the segment's, or the vendor order cycle's for its items."""
        if not toggles:
            return
        segments = self.env["stock.segment"].sudo().with_context(active_test=False)
        today = ctx["today"]
        rows = []
        for op, r in toggles:
            segment = segments.browse(r["segment_id"])
            if r.get("cycle_grouped"):
                review = next_review(today, r["cycle_anchor"], r["cycle_review_days"])
            else:
                review = next_review(
                    today, segment.review_anchor_date or EPOCH, segment.review_period_days
                )
            trigger, snooze = ("auto", None) if review == today else ("manual", review)
            if op["trigger"] != trigger or (op["snoozed_until"] or None) != snooze:
                rows.append(SQL("(%s, %s, %s::date)", op["id"], trigger, snooze))
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_warehouse_orderpoint op
               SET trigger = v.trigger, snoozed_until = v.snooze,
                   write_date = now() AT TIME ZONE 'UTC', write_uid = %s
              FROM (VALUES %s) AS v(id, trigger, snooze)
             WHERE op.id = v.id
            """,
                self.env.uid,
                SQL(", ").join(rows),
            )
        )
        self.env["stock.warehouse.orderpoint"].invalidate_model()


def _clip0(values):
    """Float array of ``values`` (one value, or one array, per plan) with negatives set
    to 0; None is 0, NaN stays NaN (np.maximum propagates it)."""
    values = [0.0 if v is None else v for v in values]
    return np.maximum(np.array(values, dtype=float), 0.0)


def _ceil(x):
    return float(math.ceil(x - 1e-9)) if x > 0 else 0.0


def _pct(old, new):
    if _same(old, new):
        return 0.0
    if not old:
        return math.inf
    return abs(new - old) / abs(old) * 100.0


def _same_value(old, new):
    """Like :func:`_same`, but an empty value (no data) differs from 0."""
    if (old is None) != (new is None):
        return False
    return _same(old, new)


def _rel(old, new, tol=0.01):
    return abs((new or 0.0) - (old or 0.0)) > tol * max(abs(old or 0.0), 1e-9)


def _same(old, new):
    if isinstance(new, float) or isinstance(old, float):
        if old is None or new is None:
            return (old or 0.0) == (new or 0.0)
        return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-6)
    return (old or None) == (new or None)
