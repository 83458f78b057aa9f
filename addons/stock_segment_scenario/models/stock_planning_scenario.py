"""What-if scenarios: a set of changes against the live planning parameters, evaluated by
the engine (``invplan.scenario``) on the company's real demand with no write to live data,
and rolled out to a pilot through the normal reorder-rule proposals."""

import base64
import io
import logging
import random
import time
from contextlib import closing
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import xlsxwriter
from odoo import api, fields, models
from odoo.addons.stock_segment.models.stock_planning_profile import (
    ABC_CLASSES,
    DEMAND_PATTERNS,
    XYZ_CLASSES,
)
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from invplan import scenario as engine

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "stock_segment.group_planning_manager"
SCENARIO_STATES = [
    ("draft", "Draft"),
    ("evaluated", "Evaluated"),
    ("applied", "Pilot Applied"),
    ("promoted", "Promoted to All"),
    ("rolled_back", "Rolled Back"),
]
JOB_STATES = [
    ("none", "Not Evaluated"),
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]
CHANGE_KINDS = [
    ("service_target", "Service target"),
    ("service_metric", "Service metric"),
    ("policy", "Replenishment policy"),
    ("review_period", "Review period"),
    ("ordering_cost", "Ordering cost"),
    ("order_cover_days", "Order cover (days of demand)"),
    ("abc_cutoffs", "ABC cut-offs (re-segmentation)"),
    ("xyz_thresholds", "XYZ limits (re-segmentation)"),
    ("segment_rule", "Segment rule (re-segmentation)"),
    ("lead_time_days", "Lead-time shock (+ days)"),
    ("lead_time_pct", "Lead-time shock (%)"),
    ("demand_pct", "Demand shock (%)"),
    ("vendor_failure", "Vendor failure (days without supply)"),
]
POLICIES = [
    ("sQ", "Continuous review (s, Q)"),
    ("sS", "Min / max (s, S)"),
    ("RS", "Periodic review (R, S)"),
]
METRICS = [("cycle_service_level", "Cycle service level"), ("fill_rate", "Fill rate")]
ENGINE_METRIC = {"cycle_service_level": "csl", "fill_rate": "fill_rate"}
PILOT_MODES = [
    ("segment", "A segment"),
    ("products", "A product selection"),
    ("random", "A random share, the rest as control"),
]
PILOT_GROUPS = [("pilot", "Pilot"), ("control", "Control")]
SEGMENT_MOVES = [
    ("none", "No Change"),
    ("proposed", "Proposed"),
    ("moved", "Moved and Locked"),
    ("restored", "Restored"),
    ("left", "Left as Changed"),
    ("promoted", "Back in the Promoted Segment"),
]
# The proposal reason a change stands for (stock_segment_replenishment's reasons).
CHANGE_REASON = {
    "service_target": "service",
    "service_metric": "service",
    "policy": "service",
    "review_period": "service",
    "ordering_cost": "cost",
    "order_cover_days": "cost",
    "abc_cutoffs": "segment",
    "xyz_thresholds": "segment",
    "segment_rule": "segment",
    "lead_time_days": "lead_time",
    "lead_time_pct": "lead_time",
    "demand_pct": "forecast",
}
REVIEW_MEASURES = [
    ("fill_rate", "Quantity fill rate (%)"),
    ("stock_value", "Average inventory value"),
    ("stockout_rate", "Stockout rate (%)"),
    ("orders", "Orders per week"),
]
CURVE_TARGETS = (0.80, 0.85, 0.90, 0.95, 0.97, 0.98, 0.99, 0.995)
DEMAND_SOURCES = [
    ("history", "Last days of real demand"),
    ("forecast", "Drawn from the forecast distributions"),
]
SEGMENT_KINDS = ("abc_cutoffs", "xyz_thresholds", "segment_rule")
# A policy change and the segment field it sets (a pilot segment carries it).
POLICY_FIELDS = {
    "service_target": "service_level_target",
    "service_metric": "service_metric",
    "policy": "replenishment_policy",
    "review_period": "review_period_days",
    "ordering_cost": "ordering_cost",
    "order_cover_days": "order_cover_days",
}


class StockPlanningScenario(models.Model):
    """A what-if scenario: changes, their evaluation side by side, and its roll-out."""

    _name = "stock.planning.scenario"
    _description = "Planning Scenario"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    user_id = fields.Many2one(
        "res.users", "Owner", default=lambda self: self.env.user, tracking=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Text()
    state = fields.Selection(
        SCENARIO_STATES, required=True, default="draft", tracking=True, readonly=True
    )
    history_days = fields.Integer(
        "Replay Window (days)",
        default=182,
        required=True,
        help="The last days of real demand both sides are replayed on; the parameters "
        "are estimated on the same days.",
    )
    date_end = fields.Date(
        "Replay Until",
        help="Last day of the replay window. Empty: yesterday.",
    )
    demand_source = fields.Selection(
        DEMAND_SOURCES,
        "Replay On",
        required=True,
        default="history",
        help="Last days of real demand: both sides meet what customers asked for. Drawn "
        "from the forecast distributions: both sides meet demand drawn day by day from each "
        "plan's forecast (mean and error per day; the window's own mean and deviation where "
        "a plan has no forecast), the same draw for the same seed.",
    )
    demand_seed = fields.Integer(
        default=1, help="Same seed, same drawn demand: the evaluation repeats."
    )
    move_ids = fields.One2many(
        "stock.planning.scenario.move", "scenario_id", "Items That Change Segment"
    )
    moved_count = fields.Integer(
        "Plans Changing Segment",
        readonly=True,
        help="Plans the scenario's re-segmentation puts in another segment.",
    )
    change_ids = fields.One2many("stock.planning.scenario.change", "scenario_id", "Changes")
    result_ids = fields.One2many("stock.planning.scenario.result", "scenario_id", "Results")
    curve_ids = fields.One2many("stock.planning.scenario.curve", "scenario_id", "Exchange Curve")
    pilot_line_ids = fields.One2many("stock.planning.scenario.pilot", "scenario_id", "Pilot Items")
    pilot_copy_ids = fields.One2many(
        "stock.segment",
        "scenario_id",
        "Pilot Segments",
        context={"active_test": False},
        readonly=True,
        help="Copies of the segments the scenario's policy changes touch, with the changes: "
        "the approval of a pilot proposal moves the plan into one, so that the nightly run "
        "plans it with the pilot's policy. Archived when the scenario is promoted or rolled "
        "back.",
    )
    segment_values_replaced = fields.Json(
        readonly=True,
        copy=False,
        help="Technical: the live segments' values the promotion replaced "
        "({segment id: {field: value}}), for a rollback.",
    )

    # Evaluation job
    job_state = fields.Selection(
        JOB_STATES, "Evaluation", required=True, default="none", readonly=True, tracking=True
    )
    job_progress = fields.Integer("Progress (%)", readonly=True)
    job_message = fields.Char(readonly=True)
    date_evaluated = fields.Datetime("Evaluated On", readonly=True)
    evaluation_seconds = fields.Float("Evaluation Time (s)", readonly=True, digits=(16, 2))
    item_count = fields.Integer("Items Replayed", readonly=True)
    not_planned_count = fields.Integer(
        "Items Not Planned",
        readonly=True,
        help="Plans the engine could not plan on one of the sides (no demand in the "
        "window, no lead time): left out of both sides.",
    )

    # Totals of the evaluation (over the result lines)
    current_stock_value = fields.Monetary(compute="_compute_totals")
    scenario_stock_value = fields.Monetary(compute="_compute_totals")
    stock_value_change = fields.Monetary(
        "Working Capital Change",
        compute="_compute_totals",
        help="Scenario minus current average stock value: positive = capital needed, "
        "negative = released.",
    )

    # Roll-out
    pilot_mode = fields.Selection(PILOT_MODES, default="random")
    pilot_segment_id = fields.Many2one(
        "stock.segment", check_company=True, domain=[("scenario_id", "=", False)]
    )
    pilot_product_ids = fields.Many2many("product.product", string="Pilot Products")
    pilot_share = fields.Float(
        "Pilot Share (%)", default=20.0, help="Random share of the items that get the change."
    )
    pilot_seed = fields.Integer(
        "Random Seed", default=1, help="Same seed, same random pilot and control groups."
    )
    pilot_count = fields.Integer(compute="_compute_pilot_counts")
    control_count = fields.Integer(compute="_compute_pilot_counts")
    proposal_count = fields.Integer(compute="_compute_pilot_counts")
    decided_by_id = fields.Many2one("res.users", readonly=True, tracking=True)
    date_pilot = fields.Date(
        "Pilot Started On", readonly=True, help="KPI snapshots from this day on count as 'after'."
    )
    review_days = fields.Integer(
        "Review Window (days)",
        default=28,
        help="Pilot review: days of KPI snapshots and orders before the pilot started and "
        "after it.",
    )
    review_ids = fields.One2many("stock.planning.scenario.review", "scenario_id", "Pilot Review")
    date_reviewed = fields.Datetime("Reviewed On", readonly=True)
    date_decided = fields.Datetime("Decided On", readonly=True, tracking=True)

    @api.constrains("history_days")
    def _check_history_days(self):
        for scenario in self:
            if not 28 <= scenario.history_days <= 1095:
                raise ValidationError(
                    self.env._("The replay window must be between 28 and 1095 days.")
                )

    @api.constrains("pilot_share")
    def _check_pilot_share(self):
        for scenario in self:
            if not 0 < scenario.pilot_share < 100:
                raise ValidationError(self.env._("The pilot share must be between 0 and 100 %."))

    @api.depends("result_ids.current_stock_value", "result_ids.scenario_stock_value")
    def _compute_totals(self):
        for scenario in self:
            cur = sum(scenario.result_ids.mapped("current_stock_value"))
            new = sum(scenario.result_ids.mapped("scenario_stock_value"))
            scenario.current_stock_value = cur
            scenario.scenario_stock_value = new
            scenario.stock_value_change = new - cur

    @api.depends("pilot_line_ids.pilot_group", "pilot_line_ids.proposal_id")
    def _compute_pilot_counts(self):
        for scenario in self:
            lines = scenario.pilot_line_ids
            scenario.pilot_count = len(lines.filtered(lambda line: line.pilot_group == "pilot"))
            scenario.control_count = len(lines) - scenario.pilot_count
            scenario.proposal_count = len(lines.proposal_id)

    # ------------------------------------------------------------------ evaluation
    def action_evaluate(self):
        """Queue the evaluation; the scheduled action runs it in the background."""
        for scenario in self:
            if scenario.state != "draft" and scenario.state != "evaluated":
                raise UserError(
                    self.env._(
                        "Scenario %s is rolled out: copy it to evaluate it again.", scenario.name
                    )
                )
            if not scenario.change_ids:
                raise UserError(self.env._("Scenario %s has no change to evaluate.", scenario.name))
        self.sudo().write({"job_state": "queued", "job_progress": 0, "job_message": False})
        for scenario in self:
            scenario.message_post(body=self.env._("Evaluation queued by %s.", self.env.user.name))
        cron = self.env.ref("stock_segment_scenario.ir_cron_scenario_evaluate", False)
        if cron:
            cron.sudo()._trigger()
        return True

    @api.model
    def _cron_evaluate(self):
        """The scheduled action: evaluate the queued scenarios, one after the other."""
        queued = self.sudo().search([("job_state", "=", "queued")], order="id")
        for scenario in queued:
            scenario.with_company(scenario.company_id)._evaluate()

    def _demo_evaluate(self):
        """Demo data: evaluate the demo scenarios at install, in the foreground."""
        for scenario in self:
            scenario._evaluate()

    def _progress(self, pct, message):
        self.sudo().write({"job_progress": pct, "job_message": message})
        # Only the scheduled action commits, so that the user sees the progress.
        if self.env.context.get("cron_id") and self.env["stock.planning.profile"]._may_commit():
            self.env["ir.cron"]._commit_progress(0)

    def _evaluate(self):
        """Run the engine on the live data and store the results. Writes only to the
        scenario and its result and curve lines: no plan, reorder rule, segment or
        proposal changes."""
        self.ensure_one()
        started = time.monotonic()
        self.sudo().write({"job_state": "running"})
        self._progress(5, self.env._("Reading plans and demand"))
        try:
            inputs = self._engine_inputs()
            if inputs is None:
                self.sudo().write(
                    {
                        "job_state": "failed",
                        "job_progress": 100,
                        "job_message": self.env._("No plan with a stock policy to replay."),
                    }
                )
                return False
            items, history, keys = inputs
            changes = self._engine_changes()
            reseg = self._resegmentation(changes)
            moved = self._scenario_segment(items, keys, reseg)
            demand = self._replay_demand(items, history)
            self._progress(30, self.env._("Replaying current and scenario parameters"))
            result = engine.evaluate_scenario(
                items,
                demand,
                changes,
                history=history,
                by=("segment", "warehouse"),
                **moved,
            )
            self._progress(60, self.env._("Tracing the exchange curves"))
            targets = set(CURVE_TARGETS) | set(items["service_target"].round(4))
            targets |= {c.value for c in changes if c.kind == "service_target"}
            curve = engine.exchange_curve(
                items, demand, changes, targets=sorted(targets), history=history, **moved
            )
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError, MemoryError) as exc:
            _logger.warning("Scenario %s: evaluation failed: %s", self.id, exc)
            self.sudo().write(
                {"job_state": "failed", "job_progress": 100, "job_message": str(exc)[:250]}
            )
            return False
        self._store_results(result.summary, curve, items, changes, moved)
        self._store_moves(reseg)
        elapsed = time.monotonic() - started
        self.sudo().write(
            {
                "job_state": "done",
                "job_progress": 100,
                "job_message": False,
                "state": "evaluated",
                "date_evaluated": fields.Datetime.now(),
                "evaluation_seconds": elapsed,
                "item_count": len(keys) - result.extra["not_planned"],
                "not_planned_count": result.extra["not_planned"],
                "moved_count": int(reseg["moves"]["items"].sum()) if reseg else 0,
            }
        )
        self.message_post(
            body=self.env._(
                "Evaluated on %(items)s items in %(seconds)s s: stock value %(cur)s -> %(new)s.",
                items=len(keys) - result.extra["not_planned"],
                seconds=round(elapsed, 1),
                cur=round(self.current_stock_value, 2),
                new=round(self.scenario_stock_value, 2),
            )
        )
        return True

    def _window(self):
        end = self.date_end or (fields.Date.context_today(self) - timedelta(days=1))
        date_to = datetime.combine(end + timedelta(days=1), datetime.min.time())
        return date_to - timedelta(days=self.history_days), date_to

    def _fetch_plans(self, profile_ids=None):
        """The company's plans with a stock policy and their segment's settings, one query."""
        profile_filter = SQL("AND p.id = ANY(%s)", list(profile_ids)) if profile_ids else SQL()
        self.env["stock.planning.profile"].flush_model()
        self.env["stock.segment"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id, p.vendor_id,
                   COALESCE(p.lead_time_days, 0) AS lead_time,
                   COALESCE(p.lead_time_std_days, 0) AS lead_time_std,
                   COALESCE(p.unit_cost_used, 0) AS unit_cost,
                   s.replenishment_policy, s.service_metric, s.service_level_target,
                   COALESCE(s.review_period_days, 7) AS review_period,
                   COALESCE(s.ordering_cost, 0) AS ordering_cost,
                   COALESCE(s.holding_cost_rate, 0) AS holding_rate,
                   COALESCE(s.order_cover_days, 0) AS order_cover_days,
                   COALESCE(s.stockout_cost, 0) AS stockout_cost,
                   p.forecast_date IS NOT NULL AND p.forecast_daily IS NOT NULL AS has_forecast,
                   COALESCE(p.forecast_daily, 0) AS forecast_daily,
                   COALESCE(p.demand_sigma_daily, 0) AS forecast_sigma_daily
              FROM stock_planning_profile p
              JOIN stock_segment s ON s.id = p.segment_id
             WHERE p.company_id = %(company)s AND p.active
               AND s.replenishment_policy IN ('sQ', 'sS', 'RS')
               AND COALESCE(s.stocking_strategy, 'mts') = 'mts'
               %(profile_filter)s
          ORDER BY p.id
            """,
                company=self.company_id.id,
                profile_filter=profile_filter,
            )
        )
        return self.env.cr.dictfetchall()

    def _engine_inputs(self, profile_ids=None):
        """Items frame, daily demand matrix (items x days) and plan ids, set-based."""
        plans = self._fetch_plans(profile_ids)
        if not plans:
            return None
        date_from, date_to = self._window()
        ctx = {"company": self.company_id, "date_from": date_from, "date_to": date_to}
        Profile = self.env["stock.planning.profile"]
        product_ids = sorted({p["product_id"] for p in plans})
        self.env.cr.execute(
            SQL(
                """
            WITH demand AS (%(moves)s)
            SELECT product_id, warehouse_id,
                   FLOOR(EXTRACT(EPOCH FROM (date - %(date_from)s)) / 86400)::int AS day,
                   SUM(qty)
              FROM demand
             WHERE warehouse_id IS NOT NULL
          GROUP BY 1, 2, 3
            """,
                moves=Profile._demand_moves_sql(ctx, product_ids),
                date_from=date_from,
            )
        )
        index = {(p["product_id"], p["warehouse_id"]): i for i, p in enumerate(plans)}
        days = self.history_days
        demand = np.zeros((len(plans), days))
        for product_id, warehouse_id, day, qty in self.env.cr.fetchall():
            i = index.get((product_id, warehouse_id))
            if i is not None and 0 <= day < days:
                demand[i, day] += float(qty or 0.0)
        # Net returns can make a day negative: the replay serves demand, not returns.
        demand = np.maximum(demand, 0.0)
        items = pd.DataFrame(
            {
                "segment": [p["segment_id"] for p in plans],
                "warehouse": [p["warehouse_id"] for p in plans],
                "vendor": [p["vendor_id"] or 0 for p in plans],
                "lead_time": [float(p["lead_time"]) for p in plans],
                "lead_time_std": [float(p["lead_time_std"]) for p in plans],
                "unit_cost": [float(p["unit_cost"]) for p in plans],
                "policy": [p["replenishment_policy"] for p in plans],
                "service_metric": [ENGINE_METRIC.get(p["service_metric"], "csl") for p in plans],
                "service_target": [
                    min(max(float(p["service_level_target"] or 95.0) / 100.0, 0.5), 0.9999)
                    for p in plans
                ],
                "review_period": [float(max(p["review_period"], 1)) for p in plans],
                "ordering_cost": [float(p["ordering_cost"]) for p in plans],
                "holding_rate": [float(p["holding_rate"]) / 100.0 for p in plans],
                "order_cover_days": [float(p["order_cover_days"]) for p in plans],
                "stockout_cost": [float(p["stockout_cost"]) for p in plans],
                "has_forecast": [bool(p["has_forecast"]) for p in plans],
                "forecast_daily": [float(p["forecast_daily"]) for p in plans],
                "forecast_sigma_daily": [float(p["forecast_sigma_daily"]) for p in plans],
            }
        )
        return items, demand, [p["id"] for p in plans]

    def _replay_demand(self, items, history):
        """The days both sides are replayed on: the window's real demand, or demand drawn
        from each plan's forecast distribution (``invplan.scenario.draw_demand``), with
        the window's own mean and deviation where a plan has no forecast."""
        if self.demand_source != "forecast":
            return history
        known = items["has_forecast"].to_numpy(dtype=bool)
        mean = np.where(known, items["forecast_daily"].to_numpy(dtype=float), history.mean(axis=1))
        own_std = history.std(axis=1, ddof=1) if history.shape[1] > 1 else 0.0
        std = np.where(known, items["forecast_sigma_daily"].to_numpy(dtype=float), own_std)
        return engine.draw_demand(mean, std, history.shape[1], seed=self.demand_seed)

    # ------------------------------------------------------------------ re-segmentation
    def _resegmentation(self, changes):
        """The scenario's re-segmentation of every plan of the company, or None when it
        changes no cut-off and no rule: ``{"segment": {plan: scenario segment},
        "segments": policy per segment, "moves": from -> to counts per warehouse}``.
        The classification and the rules are the nightly run's, from the stored classes
        (``invplan.scenario.resegment``); nothing is written."""
        if not any(c.kind in SEGMENT_KINDS for c in changes):
            return None
        Profile = self.env["stock.planning.profile"]
        Profile.flush_model()
        self.env["product.template"].flush_model()
        # The nightly order (product, warehouse): ABC ties are broken by it.
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.segment_id, p.abc_class, p.xyz_class, p.demand_pattern,
                   pt.lifecycle_stage, pt.categ_id, p.warehouse_id,
                   COALESCE(p.annual_value, 0), COALESCE(p.demand_cv, 0),
                   COALESCE(p.segment_locked, FALSE) OR COALESCE(p.data_quarantine, FALSE)
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE p.company_id = %s
          ORDER BY p.product_id, p.warehouse_id
            """,
                self.company_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return None

        def column(pos):
            return pd.Series([r[pos] or None for r in rows], dtype=object)

        classes = pd.DataFrame(
            {
                "segment": column(1),
                "abc": column(2),
                "xyz": column(3),
                "pattern": column(4),
                "lifecycle": column(5),
                "category": column(6),
                "warehouse": column(7),
                "abc_value": [float(r[8]) for r in rows],
                "demand_cv": [float(r[9]) for r in rows],
                "locked": [bool(r[10]) for r in rows],
            }
        )
        params = Profile._classification_params()
        rules = Profile._segment_rules_frame(self.company_id)
        result = engine.resegment(
            classes, rules, changes, params["abc_cutoffs"], params["xyz_thresholds"]
        )
        moves = engine.segment_moves(
            classes["segment"], result["segment"], by={"warehouse": classes["warehouse"]}
        )
        return {
            "segment": dict(zip((r[0] for r in rows), result["segment"], strict=True)),
            "segments": self._segment_policies(),
            "moves": moves,
        }

    def _segment_policies(self):
        """Policy of each stock-keeping segment of the company, as the items carry it."""
        self.env.cr.execute(
            SQL(
                """
            SELECT id, replenishment_policy, service_metric, service_level_target,
                   COALESCE(review_period_days, 7), COALESCE(ordering_cost, 0),
                   COALESCE(holding_cost_rate, 0), COALESCE(order_cover_days, 0),
                   COALESCE(stockout_cost, 0)
              FROM stock_segment
             WHERE active AND (company_id = %s OR company_id IS NULL)
               AND replenishment_policy IN ('sQ', 'sS', 'RS')
               AND COALESCE(stocking_strategy, 'mts') = 'mts'
            """,
                self.company_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        return pd.DataFrame(
            {
                "policy": [r[1] for r in rows],
                "service_metric": [ENGINE_METRIC.get(r[2], "csl") for r in rows],
                "service_target": [
                    min(max(float(r[3] or 95.0) / 100.0, 0.5), 0.9999) for r in rows
                ],
                "review_period": [float(max(r[4], 1)) for r in rows],
                "ordering_cost": [float(r[5]) for r in rows],
                "holding_rate": [float(r[6]) / 100.0 for r in rows],
                "order_cover_days": [float(r[7]) for r in rows],
                "stockout_cost": [float(r[8]) for r in rows],
            },
            index=pd.Index([r[0] for r in rows], dtype=object),
        )

    @staticmethod
    def _scenario_segment(items, keys, reseg):
        """The engine's re-segmentation arguments for these items (none without)."""
        if not reseg:
            return {}
        live = items["segment"].tolist()
        new = [reseg["segment"].get(k, live[i]) for i, k in enumerate(keys)]
        return {"scenario_segment": np.array(new, dtype=object), "segments": reseg["segments"]}

    def _store_moves(self, reseg):
        self.sudo().move_ids.unlink()
        if not reseg or not len(reseg["moves"]):
            return
        self.env["stock.planning.scenario.move"].sudo().create(
            [
                {
                    "scenario_id": self.id,
                    "from_segment_id": int(r["from"]) if r["from"] else False,
                    "to_segment_id": int(r["to"]) if r["to"] else False,
                    "warehouse_id": int(r["warehouse"]) if r["warehouse"] else False,
                    "item_count": int(r["items"]),
                }
                for r in reseg["moves"].to_dict("records")
            ]
        )

    def _engine_changes(self):
        return [line._engine_change() for line in self.change_ids]

    def _store_results(self, summary, curve, items, changes, moved=None):
        """Replace the result and curve lines, one create each."""
        self.sudo().result_ids.unlink()
        self.sudo().curve_ids.unlink()
        rows = []
        for (segment_id, warehouse_id), r in summary.iterrows():
            vals = {
                "scenario_id": self.id,
                "segment_id": int(segment_id),
                "warehouse_id": int(warehouse_id),
                "item_count": int(r["current_items"]),
                "scenario_item_count": int(r["scenario_items"]),
                "items_in": int(r["items_in"]),
                "items_out": int(r["items_out"]),
                "demand_qty": float(max(r["current_demand"], r["scenario_demand"])),
            }
            for side in ("current", "scenario"):
                fill, csl = r[f"{side}_fill_rate"], r[f"{side}_cycle_service"]
                vals.update(
                    {
                        f"{side}_fill_rate": 100.0 * fill if np.isfinite(fill) else False,
                        f"{side}_cycle_service": 100.0 * csl if np.isfinite(csl) else False,
                        f"{side}_stock_value": float(r[f"{side}_stock_value"]),
                        f"{side}_orders_per_year": float(r[f"{side}_orders_per_year"]),
                        f"{side}_holding_cost": float(r[f"{side}_holding_cost"]),
                        f"{side}_ordering_cost": float(r[f"{side}_ordering_cost"]),
                        f"{side}_units_short": float(r[f"{side}_units_short"]),
                        f"{side}_stockout_cost": float(r[f"{side}_stockout_cost"]),
                    }
                )
            vals["service_known"] = bool(
                np.isfinite(r["current_fill_rate"]) or np.isfinite(r["scenario_fill_rate"])
            )
            rows.append(vals)
        self.env["stock.planning.scenario.result"].sudo().create(rows)
        current_target = items.groupby("segment")["service_target"].first().to_dict()
        base = items
        if moved:
            base = engine.move_items(items, moved["scenario_segment"], moved["segments"])
        scen_items = engine.apply_changes(base, np.zeros((len(items), 1)), changes)[0]
        scen_target = scen_items.groupby("segment")["service_target"].first().to_dict()
        points = []
        for r in curve.itertuples(index=False):
            known = bool(np.isfinite(r.fill_rate))
            points.append(
                {
                    "scenario_id": self.id,
                    "segment_id": int(r.segment),
                    "target": 100.0 * r.target,
                    "target_label": f"{100.0 * r.target:.1f} %",
                    "fill_rate": 100.0 * r.fill_rate if known else False,
                    "service_known": known,
                    "cycle_service": 100.0 * r.cycle_service
                    if np.isfinite(r.cycle_service)
                    else False,
                    "stock_value": float(r.stock_value),
                    "total_cost": float(r.total_cost),
                    "is_current": abs(current_target.get(r.segment, -1) - r.target) < 1e-6,
                    "is_scenario": abs(scen_target.get(r.segment, -1) - r.target) < 1e-6,
                }
            )
        self.env["stock.planning.scenario.curve"].sudo().create(points)

    # ------------------------------------------------------------------ roll-out
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                self.env._("Only a Planning Manager can roll out, promote or roll back a scenario.")
            )

    def _population(self, plans):
        """Plans the scenario's changes touch (policy changes, plans that change
        segment; not one-off failures)."""
        reseg = self._resegmentation(self._engine_changes())
        new_segment = reseg["segment"] if reseg else {}
        touched = []
        for p in plans:
            if new_segment.get(p["id"], p["segment_id"]) != p["segment_id"]:
                touched.append(p)
                continue
            for line in self.change_ids:
                if line.kind == "vendor_failure" or line.kind in SEGMENT_KINDS:
                    continue
                if line.segment_id and line.segment_id.id != p["segment_id"]:
                    continue
                if line.vendor_id and line.vendor_id.id != p["vendor_id"]:
                    continue
                touched.append(p)
                break
        return touched

    def _split_pilot(self, population):
        """(pilot plans, control plans) of the population, by the pilot mode."""
        if self.pilot_mode == "segment":
            if not self.pilot_segment_id:
                raise UserError(self.env._("Choose the pilot segment."))
            pilot = [p for p in population if p["segment_id"] == self.pilot_segment_id.id]
        elif self.pilot_mode == "products":
            if not self.pilot_product_ids:
                raise UserError(self.env._("Choose the pilot products."))
            chosen = set(self.pilot_product_ids.ids)
            pilot = [p for p in population if p["product_id"] in chosen]
        else:
            ordered = sorted(population, key=lambda p: p["id"])
            rng = random.Random(self.pilot_seed)
            rng.shuffle(ordered)
            n = max(1, round(len(ordered) * self.pilot_share / 100.0)) if ordered else 0
            pilot = ordered[:n]
        ids = {p["id"] for p in pilot}
        return pilot, [p for p in population if p["id"] not in ids]

    def action_apply_pilot(self):
        """Turn the changes into reorder-rule proposals for the pilot items only; the
        control group is kept out. Proposals wait for the usual approval."""
        self.ensure_one()
        self._check_manager()
        if self.state != "evaluated":
            raise UserError(self.env._("Evaluate the scenario before applying it to a pilot."))
        population = self._population(self._fetch_plans())
        pilot, control = self._split_pilot(population)
        if not pilot:
            raise UserError(self.env._("No plan of the scenario's changes is in the pilot."))
        proposals, new_segment = self._propose([p["id"] for p in pilot], pilot=True)
        by_profile = {p.profile_id.id: p.id for p in proposals}
        lines = [
            {
                "scenario_id": self.id,
                "profile_id": p["id"],
                "pilot_group": "pilot",
                "proposal_id": by_profile.get(p["id"], False),
                "from_segment_id": p["segment_id"],
                "to_segment_id": new_segment.get(p["id"], False),
                "segment_move": "proposed" if p["id"] in new_segment else "none",
            }
            for p in pilot
        ] + [
            {
                "scenario_id": self.id,
                "profile_id": p["id"],
                "pilot_group": "control",
                "from_segment_id": p["segment_id"],
            }
            for p in control
        ]
        self.env["stock.planning.scenario.pilot"].sudo().create(lines)
        self.sudo().write(
            {
                "state": "applied",
                "date_pilot": fields.Date.context_today(self),
                "decided_by_id": self.env.user.id,
                "date_decided": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._(
                "Applied to a pilot of %(pilot)s items by %(user)s (%(control)s kept as "
                "control): %(proposals)s reorder-rule proposals wait for approval.",
                pilot=len(pilot),
                control=len(control),
                user=self.env.user.name,
                proposals=len(proposals),
            )
        )
        return True

    def action_promote(self):
        """Manager's decision: propose the changes for the rest of the items too."""
        self.ensure_one()
        self._check_manager()
        if self.state != "applied":
            raise UserError(self.env._("Only a scenario applied to a pilot can be promoted."))
        self._promote_pilot_segments()
        population = self._population(self._fetch_plans())
        done = set(
            self.pilot_line_ids.filtered(lambda line: line.pilot_group == "pilot").profile_id.ids
        )
        rest = [p["id"] for p in population if p["id"] not in done]
        proposals, new_segment = (
            self._propose(rest) if rest else (self.env["stock.replenishment.proposal"], {})
        )
        by_profile = {p.profile_id.id: p.id for p in proposals}
        for line in self.pilot_line_ids.filtered(lambda line: line.pilot_group == "control"):
            pid = line.profile_id.id
            line.sudo().write(
                {
                    "proposal_id": by_profile.get(pid, False),
                    "to_segment_id": new_segment.get(pid, False),
                    "segment_move": "proposed" if pid in new_segment else "none",
                }
            )
        # Plans the changes reach now but did not when the pilot started: the approval
        # of their proposals moves them as well.
        known = set(self.pilot_line_ids.profile_id.ids)
        segment_of = {p["id"]: p["segment_id"] for p in population}
        self.env["stock.planning.scenario.pilot"].sudo().create(
            [
                {
                    "scenario_id": self.id,
                    "profile_id": pid,
                    "pilot_group": "control",
                    "proposal_id": by_profile.get(pid, False),
                    "from_segment_id": segment_of[pid],
                    "to_segment_id": new_segment.get(pid, False),
                    "segment_move": "proposed" if pid in new_segment else "none",
                }
                for pid in rest
                if pid not in known
            ]
        )
        self.sudo().write(
            {
                "state": "promoted",
                "decided_by_id": self.env.user.id,
                "date_decided": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._(
                "Promoted to all items by %(user)s: %(count)s more proposals wait for approval.",
                user=self.env.user.name,
                count=len(proposals),
            )
        )
        return True

    def action_rollback(self):
        """Manager's decision: reject the scenario's pending proposals and roll back the
        applied ones (the reorder rules get their previous values, audited). The plans
        the approvals moved to the scenario's segment get back the segment and lock
        they had (``stock.replenishment.proposal.action_rollback``)."""
        self.ensure_one()
        self._check_manager()
        if self.state not in ("applied", "promoted"):
            raise UserError(self.env._("Only a rolled-out scenario can be rolled back."))
        proposals = self.pilot_line_ids.proposal_id
        pending = proposals.filtered(lambda p: p.state == "pending")
        applied = proposals.filtered(lambda p: p.state in ("approved", "auto_applied"))
        if pending:
            pending.action_reject()
        if applied:
            applied.action_rollback()
        self._end_pilot_segments(restore=True)
        self.sudo().write(
            {
                "state": "rolled_back",
                "decided_by_id": self.env.user.id,
                "date_decided": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._(
                "Rolled back by %(user)s: %(pending)s pending proposals rejected, "
                "%(applied)s applied ones rolled back.",
                user=self.env.user.name,
                pending=len(pending),
                applied=len(applied),
            )
        )
        return True

    def _propose(self, profile_ids, pilot=False):
        """Pending proposals with the scenario's parameters for these plans, and the
        scenario's segment of the plans that change segment (``{plan: segment}``).

        In a pilot (``pilot``), a plan whose segment (live, or the one the
        re-segmentation gives it) has policy changes changes segment too: to the
        scenario's pilot segment, a copy of that segment with the changes
        (:meth:`_pilot_segments`), so that the nightly run plans it with the pilot's
        policy once the proposal is approved.

        The parameters are the same engine call as the evaluation, restricted to the
        plans. A plan that changes segment gets instead the reorder rule the nightly
        replenishment job gives it in its new segment (:meth:`_nightly_rules`): once
        the proposal is approved, the plan moves to that segment and the next nightly
        run finds its rule as it would set it."""
        items, demand, keys = self._engine_inputs(profile_ids)
        changes = [c for c in self._engine_changes() if c.kind != "vendor_failure"]
        moved = self._scenario_segment(items, keys, self._resegmentation(changes))
        live_segment = items["segment"].tolist()
        new_segment = {}
        if moved:
            new_segment = {
                pid: int(seg)
                for pid, seg, live in zip(
                    keys, moved["scenario_segment"], items["segment"], strict=True
                )
                if seg and seg != live
            }
            items = engine.move_items(items, moved["scenario_segment"], moved["segments"])
        if pilot:
            target = {pid: new_segment.get(pid, live_segment[i]) for i, pid in enumerate(keys)}
            copies = self._pilot_segments({seg for seg in target.values() if seg})
            new_segment.update(
                {pid: copies[seg].id for pid, seg in target.items() if seg in copies}
            )
        nightly = self._nightly_rules(new_segment) if new_segment else {}
        scen_items, _world, _lead = engine.apply_changes(items, demand, changes)
        shock = np.ones(len(items))
        for change in changes:
            if change.kind == "demand_pct":
                shock[engine._mask(items, change)] *= 1 + change.value / 100.0
        params = engine.plan_parameters(scen_items, demand * shock[:, None])
        profiles = self.env["stock.planning.profile"].browse(keys)
        reasons = {CHANGE_REASON.get(line.kind) for line in self.change_ids} - {None}
        reason = reasons.pop() if len(reasons) == 1 else "recompute"
        Proposal = self.env["stock.replenishment.proposal"]
        vals_list = []
        for i, profile in enumerate(profiles):
            rule = nightly.get(profile.id)
            detail = self.env._("Scenario %s", self.name)
            if rule:
                new_min, new_max = rule["min"], rule["max"]
                to_segment = self.env["stock.segment"].browse(new_segment[profile.id])
                detail = self.env._(
                    "Scenario %(scenario)s: the plan moves to segment %(segment)s on "
                    "approval; the reorder rule the nightly run gives it there.",
                    scenario=self.name,
                    segment=to_segment.display_name,
                )
            elif params.at[i, "status"] == "ok":
                new_min = float(np.ceil(max(params.at[i, "min"], 0.0)))
                new_max = float(np.ceil(max(params.at[i, "max"], new_min)))
            else:
                continue
            vals = {
                **Proposal._rule_change_values(
                    profile,
                    new_min,
                    new_max,
                    float(items.at[i, "unit_cost"]),
                    action=rule["action"] if rule else None,
                ),
                "reason": reason,
                "reason_detail": detail,
                "keep_until_decided": True,
                "proposed_by_id": self.env.user.id,
            }
            if rule:
                vals.update(
                    segment_id=new_segment[profile.id],
                    new_multiple_id=rule["multiple"] or False,
                    unit_cost=rule["unit_cost"],
                    stock_value_change=rule["stock_value_change"],
                    abs_value_change=abs(rule["stock_value_change"]),
                )
            vals_list.append(vals)
        proposals = Proposal._propose_in_place_of_pending(vals_list)
        return proposals.sudo(False), new_segment

    def _segment_changes(self, segment):
        """The values of ``segment``'s policy fields the scenario changes (its policy
        changes for that segment or for every segment, in their order), only those that
        differ from the segment's."""
        vals = {}
        for line in self.change_ids:
            if line.kind not in POLICY_FIELDS or (line.segment_id and line.segment_id != segment):
                continue
            if line.kind == "policy":
                value = line.policy
            elif line.kind == "service_metric":
                value = line.service_metric
            elif line.kind == "review_period":
                value = int(round(line.value))
            else:
                value = line.value
            if value not in (None, False):
                vals[POLICY_FIELDS[line.kind]] = value
        vals = {name: value for name, value in vals.items() if segment[name] != value}
        policy = vals.get("replenishment_policy", segment.replenishment_policy)
        period = vals.get("review_period_days", segment.review_period_days)
        if vals and policy == "RS" and (period or 0) <= 0:
            # The replay reviews such a segment every day (a period of at least 1).
            vals["review_period_days"] = 1
        return vals

    def _pilot_segments(self, segment_ids):
        """The scenario's pilot segment of each of these segments its policy changes
        touch (``{segment id: pilot segment}``), created once per scenario and segment:
        a copy of the segment (its company, its other settings) with the changes, that
        no segment rule gives. Audited in the scenario's chatter."""
        Segment = self.env["stock.segment"].sudo().with_context(active_test=False)
        existing = {s.pilot_source_id.id: s for s in self.sudo().pilot_copy_ids if s.active}
        copies = {}
        for segment in Segment.browse(sorted(segment_ids)).exists():
            if segment.scenario_id:
                continue
            if segment.id in existing:
                copies[segment.id] = existing[segment.id]
                continue
            vals = self._segment_changes(segment)
            if not vals:
                continue
            copy = segment.copy(
                {
                    **vals,
                    "name": self.env._(
                        "%(segment)s · pilot %(scenario)s", segment=segment.name, scenario=self.name
                    ),
                    "code": f"{segment.code}-P{self.id}",
                    "company_id": self.company_id.id,
                    "scenario_id": self.id,
                    "pilot_source_id": segment.id,
                }
            )
            copies[segment.id] = copy
            self.message_post(
                body=self.env._(
                    "Pilot segment %(copy)s created from %(segment)s with the scenario's "
                    "changes (%(changes)s): the pilot plans move into it when their "
                    "proposals are approved.",
                    copy=copy.display_name,
                    segment=segment.display_name,
                    changes=", ".join(f"{name} = {value}" for name, value in vals.items()),
                )
            )
        return copies

    def _promote_pilot_segments(self):
        """Promotion of policy changes: the live segments the changes touch (those of
        the pilot segments, and those of the plans the changes reach) get the changed
        values (the values replaced are kept for a rollback), the pilot's plans go back
        from the pilot segment to the live one (the lock the approval set is removed:
        the plan gets back the lock it had, unless it also changes segment in a
        re-segmentation, whose lock stays), and the pilot segments are archived.
        Audited in the scenario's and the plans' chatter."""
        user = self.env.user
        copies = self.sudo().pilot_copy_ids.filtered("active")
        Segment = self.env["stock.segment"].sudo().with_context(active_test=False)
        targets = copies.pilot_source_id | Segment.browse(
            sorted({p["segment_id"] for p in self._population(self._fetch_plans())})
        )
        replaced = dict(self.segment_values_replaced or {})
        for segment in targets.filtered(lambda s: not s.scenario_id):
            vals = self._segment_changes(segment)
            if not vals:
                continue
            old = {name: segment[name] for name in vals}
            replaced.setdefault(str(segment.id), old)
            segment.write(vals)
            self.message_post(
                body=self.env._(
                    "Promoted by %(user)s: segment %(segment)s now has %(new)s (was %(old)s).",
                    user=user.name,
                    segment=segment.display_name,
                    new=", ".join(f"{name} = {value}" for name, value in vals.items()),
                    old=", ".join(f"{name} = {value}" for name, value in old.items()),
                )
            )
        self.sudo().segment_values_replaced = replaced or False
        if not copies:
            return
        back = self.env["stock.planning.scenario.pilot"]
        for line in self.sudo().pilot_line_ids.filtered(lambda x: x.to_segment_id in copies):
            source = line.to_segment_id.pilot_source_id
            if line.segment_move == "proposed":
                same = line.from_segment_id == source
                line.write(
                    {
                        "to_segment_id": False if same else source.id,
                        "segment_move": "none" if same else "proposed",
                    }
                )
                continue
            if line.segment_move != "moved":
                continue
            back |= line._back_to_live_segment(user, source)
        # Any other plan left in a pilot segment goes to the live one as well.
        strays = (
            self.env["stock.planning.profile"]
            .sudo()
            .search([("segment_id", "in", copies.ids), ("company_id", "=", self.company_id.id)])
        )
        for profile in strays:
            profile.write({"segment_id": profile.segment_id.pilot_source_id.id})
        copies.write({"active": False})
        if back or strays:
            self.message_post(
                body=self.env._(
                    "%(count)s plans went back from the pilot segments to the promoted "
                    "segments; the pilot segments are archived.",
                    count=len(back) + len(strays),
                )
            )

    def _end_pilot_segments(self, restore=False):
        """A rollback: the live segments a promotion changed get back their values
        (``restore``), and the pilot segments are archived."""
        if restore and self.segment_values_replaced:
            Segment = self.env["stock.segment"].sudo().with_context(active_test=False)
            for segment_id, old in self.segment_values_replaced.items():
                segment = Segment.browse(int(segment_id)).exists()
                if not segment:
                    continue
                segment.write(old)
                self.message_post(
                    body=self.env._(
                        "Rolled back by %(user)s: segment %(segment)s gets back %(old)s.",
                        user=self.env.user.name,
                        segment=segment.display_name,
                        old=", ".join(f"{name} = {value}" for name, value in old.items()),
                    )
                )
            self.sudo().segment_values_replaced = False
        self.sudo().pilot_copy_ids.filtered("active").write({"active": False})

    def _nightly_rules(self, new_segment):
        """The reorder rule the nightly replenishment job sets for each plan once it is
        in its new segment (``{plan: segment}``): ``{plan: {"min", "max", "multiple",
        "unit_cost", "stock_value_change"}}``.

        The nightly jobs themselves run on these plans with their segment replaced (the
        forecast and the vendors' order cycles, which depend on the segment, then the
        replenishment), in a savepoint that is always rolled back: nothing of it stays
        (plans, forecasts, cycles, reorder rules, proposals, exceptions). A plan the job
        proposes nothing for keeps its active rule's values (the same values, a rule
        locked by hand, data the job does not trust); a plan with neither is missing
        and is proposed with the scenario's parameters."""
        if not new_segment:
            return {}
        ids = sorted(new_segment)
        Profile = (
            self.env["stock.planning.profile"]
            .sudo()
            .with_context(stock_segment_no_commit=True, tracking_disable=True)
        )
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM stock_replenishment_proposal"))
        last_id = self.env.cr.fetchone()[0]
        rules = {}
        try:
            with closing(self.env.cr.savepoint()):
                self.env.cr.execute(
                    SQL(
                        """
                    UPDATE stock_planning_profile p SET segment_id = v.segment
                      FROM (VALUES %s) AS v(id, segment) WHERE p.id = v.id
                        """,
                        SQL(", ").join(SQL("(%s, %s)", pid, new_segment[pid]) for pid in ids),
                    )
                )
                # What waits for approval on the plans would keep the job off them.
                self.env.cr.execute(
                    SQL(
                        """
                    UPDATE stock_replenishment_proposal SET state = 'superseded'
                     WHERE profile_id = ANY(%s) AND state = 'pending'
                        """,
                        ids,
                    )
                )
                self.env.invalidate_all()
                # The nightly steps after the classification (which keeps a locked
                # segment): the forecast, which depends on the segment, the vendors'
                # order cycles, which depend on their plans' segments, then the rules.
                today = self.env["stock.planning.run"]._planning_day()
                Profile._forecast_company(self.company_id, today, profile_ids=ids)
                Profile._compute_vendor_cycles(self.company_id, today)
                Profile._replenish_company(self.company_id, today, profile_ids=ids)
                self.env.flush_all()
                self.env.cr.execute(
                    SQL(
                        """
                    SELECT DISTINCT ON (profile_id) profile_id, action, new_min_qty,
                           new_max_qty, new_multiple_id, unit_cost, stock_value_change
                      FROM stock_replenishment_proposal
                     WHERE id > %s AND profile_id = ANY(%s)
                  ORDER BY profile_id, id DESC
                        """,
                        last_id,
                        ids,
                    )
                )
                for pid, action, new_min, new_max, multiple, cost, change in self.env.cr.fetchall():
                    rules[pid] = {
                        "action": action,
                        "min": float(new_min or 0.0),
                        "max": float(new_max or 0.0),
                        "multiple": multiple,
                        "unit_cost": float(cost or 0.0),
                        "stock_value_change": float(change or 0.0),
                    }
                # No proposal: the job leaves the plan's rule as it is in the new
                # segment too (the same values, a rule locked by hand, data it does
                # not trust).
                self.env.cr.execute(
                    SQL(
                        """
                    SELECT p.id, op.product_min_qty, op.product_max_qty,
                           op.replenishment_uom_id, COALESCE(p.unit_cost_used, 0)
                      FROM stock_planning_profile p
                      JOIN stock_warehouse_orderpoint op ON op.planning_profile_id = p.id
                     WHERE p.id = ANY(%s) AND op.active
                        """,
                        [pid for pid in ids if pid not in rules],
                    )
                )
                for pid, new_min, new_max, multiple, cost in self.env.cr.fetchall():
                    rules.setdefault(
                        pid,
                        {
                            "action": "update",
                            "min": float(new_min or 0.0),
                            "max": float(new_max or 0.0),
                            "multiple": multiple,
                            "unit_cost": float(cost or 0.0),
                            "stock_value_change": 0.0,
                        },
                    )
        except (UserError, ValidationError, ValueError, KeyError, ArithmeticError) as exc:
            _logger.warning(
                "Scenario %s: the nightly rules of the plans that move were not computed "
                "(%s); they are proposed with the scenario's parameters.",
                self.id,
                exc,
            )
            rules = {}
        self.env.invalidate_all()
        return rules

    def action_review_pilot(self):
        """Pilot against control around the pilot's start: service and stock value from the
        product x warehouse KPI snapshots, orders per week counted from the confirmed
        purchase orders (``_review_orders``); a difference-in-differences per measure, each
        item collapsed to its mean before and after (``invplan.scenario.diff_in_diff_units``)."""
        self.ensure_one()
        if not self.date_pilot or not self.pilot_line_ids:
            raise UserError(self.env._("Apply the scenario to a pilot before reviewing it."))
        start = self.date_pilot
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT pl.profile_id, pl.pilot_group = 'pilot', s.date_from >= %(start)s,
                   CASE WHEN s.lines_total > 0 THEN s.qty_fill_rate END,
                   s.avg_inventory_value, s.stockout_rate
              FROM stock_planning_scenario_pilot pl
              JOIN stock_kpi_snapshot s
                ON s.product_id = pl.product_id AND s.warehouse_id = pl.warehouse_id
             WHERE pl.scenario_id = %(scenario)s
               AND s.company_id = %(company)s
               AND s.level = 'product' AND s.period_type = 'day'
               AND s.date_from >= %(date_from)s AND s.date_from < %(date_to)s
            """,
                start=start,
                scenario=self.id,
                company=self.company_id.id,
                date_from=start - timedelta(days=self.review_days),
                date_to=start + timedelta(days=self.review_days),
            )
        )
        rows = self.env.cr.fetchall()
        frame = pd.DataFrame(
            rows, columns=["unit", "pilot", "post", "fill_rate", "stock_value", "stockout_rate"]
        )
        orders, n_orders = self._review_orders()
        lines = []
        for measure, _label in REVIEW_MEASURES:
            vals = {"scenario_id": self.id, "measure": measure, "known": False}
            data = orders if measure == "orders" else frame
            if len(data):
                y = pd.to_numeric(data[measure], errors="coerce").to_numpy(dtype=float)
                res = engine.diff_in_diff_units(
                    y, data["pilot"].to_numpy(), data["post"].to_numpy(), data["unit"]
                )
                known = bool(np.isfinite(res.estimate))
                vals.update(
                    known=known,
                    se_known=bool(np.isfinite(res.std_error)),
                    pilot_change=res.means.get("pilot_change", False),
                    control_change=res.means.get("control_change", False),
                    estimate=res.estimate if known else False,
                    std_error=res.std_error if np.isfinite(res.std_error) else False,
                    ci_low=res.ci_low if np.isfinite(res.ci_low) else False,
                    ci_high=res.ci_high if np.isfinite(res.ci_high) else False,
                )
                for key in ("pilot_change", "control_change"):
                    if vals[key] is not False and not np.isfinite(vals[key]):
                        vals[key] = False
            lines.append(vals)
        self.sudo().review_ids.unlink()
        self.env["stock.planning.scenario.review"].sudo().create(lines)
        self.sudo().date_reviewed = fields.Datetime.now()
        self.message_post(
            body=self.env._(
                "Pilot reviewed by %(user)s on %(rows)s KPI snapshots and %(orders)s "
                "purchase orders of its plans.",
                user=self.env.user.name,
                rows=len(rows),
                orders=n_orders,
            )
        )
        return True

    def _review_orders(self):
        """Replenishment orders per week of each pilot and control plan before and after
        the pilot's start, one set-based query: the confirmed purchase orders (by order
        date, UTC days) with a line for the plan's product delivered to an operation type
        of the plan's warehouse, an order counted once per plan however many lines it has.
        The period before is the review window; the period after ends with the review
        window or the nightly run's day, whichever comes first, so a pilot started a few
        days ago is not diluted by days still to come; a plan without orders counts 0.
        Returns a frame (unit, pilot, post, orders) and the number of orders counted; an
        empty period after (the pilot starts today) leaves the measure unestimated."""
        start = self.date_pilot
        days_pre = max(self.review_days, 0)
        end = min(
            start + timedelta(days=days_pre),
            self.env["stock.planning.run"]._planning_day() + timedelta(days=1),
        )
        days_post = max((end - start).days, 0)
        self.env.cr.execute(
            SQL(
                """
            WITH unit AS (
                SELECT profile_id, pilot_group = 'pilot' AS pilot, product_id, warehouse_id
                  FROM stock_planning_scenario_pilot
                 WHERE scenario_id = %(scenario)s
            ), counted AS (
                SELECT u.profile_id, po.date_order >= %(start)s AS post,
                       COUNT(DISTINCT po.id) AS n
                  FROM unit u
                  JOIN purchase_order_line pol ON pol.product_id = u.product_id
                  JOIN purchase_order po ON po.id = pol.order_id
                  JOIN stock_picking_type pt ON pt.id = po.picking_type_id
                 WHERE pt.warehouse_id = u.warehouse_id
                   AND po.state = 'purchase'
                   AND po.company_id = %(company)s
                   AND po.date_order >= %(date_from)s AND po.date_order < %(date_to)s
                 GROUP BY 1, 2
            )
            SELECT u.profile_id, u.pilot, side.post, COALESCE(c.n, 0)
              FROM unit u
             CROSS JOIN (VALUES (FALSE), (TRUE)) AS side(post)
              LEFT JOIN counted c ON c.profile_id = u.profile_id AND c.post = side.post
            """,
                scenario=self.id,
                company=self.company_id.id,
                start=start,
                date_from=start - timedelta(days=days_pre),
                date_to=end,
            )
        )
        frame = pd.DataFrame(self.env.cr.fetchall(), columns=["unit", "pilot", "post", "count"])
        if not len(frame):
            return frame.assign(orders=[]), 0
        weeks = np.where(frame["post"].to_numpy(dtype=bool), days_post, days_pre) / 7.0
        count = frame["count"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["orders"] = np.where(weeks > 0, count / np.where(weeks > 0, weeks, 1.0), np.nan)
        return frame, int(count.sum())

    # ------------------------------------------------------------------ export
    def action_export_xlsx(self):
        """The side-by-side table and the exchange curves (a scatter chart per segment:
        stock value against fill rate) as an XLSX attachment of the scenario."""
        self.ensure_one()
        if not self.result_ids:
            raise UserError(self.env._("Evaluate the scenario before exporting it."))
        data = self._build_workbook()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"scenario_{self.id}.xlsx",
                    "datas": base64.b64encode(data),
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _build_workbook(self):
        env = self.env
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(
            buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        head = book.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True}
        )
        title = book.add_format({"bold": True, "font_size": 14})
        money = book.add_format({"num_format": "#,##0.00"})
        pct = book.add_format({"num_format": "0.0"})
        na = book.add_format({"font_color": "#808080", "align": "right"})
        no_data = env._("no data")
        sheet = book.add_worksheet(env._("Side by side"))
        sheet.write_string(0, 0, self.name, title)
        columns = [
            (env._("Segment"), lambda r: r.segment_id.display_name or "", None),
            (env._("Warehouse"), lambda r: r.warehouse_id.display_name or "", None),
            (env._("Items"), lambda r: r.item_count, None),
            (env._("Scenario Items"), lambda r: r.scenario_item_count, None),
            (env._("Items In"), lambda r: r.items_in, None),
            (env._("Items Out"), lambda r: r.items_out, None),
            (
                env._("Current Fill Rate (%)"),
                lambda r: r.current_fill_rate if r.service_known else None,
                pct,
            ),
            (
                env._("Scenario Fill Rate (%)"),
                lambda r: r.scenario_fill_rate if r.service_known else None,
                pct,
            ),
            (
                env._("Current Cycle Service (%)"),
                lambda r: r.current_cycle_service if r.service_known else None,
                pct,
            ),
            (
                env._("Scenario Cycle Service (%)"),
                lambda r: r.scenario_cycle_service if r.service_known else None,
                pct,
            ),
            (env._("Current Stock Value"), lambda r: r.current_stock_value, money),
            (env._("Scenario Stock Value"), lambda r: r.scenario_stock_value, money),
            (env._("Working Capital Change"), lambda r: r.stock_value_change, money),
            (env._("Current Orders / Year"), lambda r: r.current_orders_per_year, pct),
            (env._("Scenario Orders / Year"), lambda r: r.scenario_orders_per_year, pct),
            (env._("Current Stockout Cost / Year"), lambda r: r.current_stockout_cost, money),
            (env._("Scenario Stockout Cost / Year"), lambda r: r.scenario_stockout_cost, money),
            (env._("Current Cost / Year"), lambda r: r.current_total_cost, money),
            (env._("Scenario Cost / Year"), lambda r: r.scenario_total_cost, money),
        ]
        for c, (label, _get, _fmt) in enumerate(columns):
            sheet.write_string(2, c, label, head)
            sheet.set_column(c, c, 16)
        for row, line in enumerate(self.result_ids, start=3):
            for c, (_label, get, fmt) in enumerate(columns):
                value = get(line)
                if value is None:
                    sheet.write_string(row, c, no_data, na)
                elif isinstance(value, str):
                    sheet.write_string(row, c, value)
                else:
                    sheet.write_number(row, c, value, fmt)
        sheet.freeze_panes(3, 2)

        if self.move_ids:
            moves = book.add_worksheet(env._("Segment changes"))
            moves.write_string(0, 0, env._("Items that change segment"), title)
            for c, label in enumerate(
                (env._("From Segment"), env._("To Segment"), env._("Warehouse"), env._("Plans"))
            ):
                moves.write_string(2, c, label, head)
                moves.set_column(c, c, 18)
            for row, move in enumerate(self.move_ids, start=3):
                moves.write_string(row, 0, move.from_segment_id.display_name or "")
                moves.write_string(row, 1, move.to_segment_id.display_name or "")
                moves.write_string(row, 2, move.warehouse_id.display_name or "")
                moves.write_number(row, 3, move.item_count)

        curve = book.add_worksheet(env._("Exchange curve"))
        curve.write_string(0, 0, env._("Stock value against fill rate as the target moves"), title)
        heads = [
            env._("Segment"),
            env._("Service Target (%)"),
            env._("Fill Rate (%)"),
            env._("Stock Value"),
            env._("Cost / Year"),
            env._("Point"),
        ]
        for c, label in enumerate(heads):
            curve.write_string(2, c, label, head)
            curve.set_column(c, c, 16)
        row = 3
        chart = book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        for segment in self.curve_ids.segment_id:
            points = self.curve_ids.filtered(lambda p, s=segment: p.segment_id == s).sorted(
                "target"
            )
            first = row
            for point in points:
                curve.write_string(row, 0, segment.display_name)
                curve.write_number(row, 1, point.target, pct)
                if point.service_known:
                    curve.write_number(row, 2, point.fill_rate, pct)
                else:
                    curve.write_string(row, 2, no_data, na)
                curve.write_number(row, 3, point.stock_value, money)
                curve.write_number(row, 4, point.total_cost, money)
                mark = []
                if point.is_current:
                    mark.append(env._("current"))
                if point.is_scenario:
                    mark.append(env._("scenario"))
                curve.write_string(row, 5, ", ".join(mark))
                row += 1
            chart.add_series(
                {
                    "name": segment.display_name,
                    "categories": [curve.name, first, 2, row - 1, 2],
                    "values": [curve.name, first, 3, row - 1, 3],
                }
            )
        chart.set_x_axis({"name": env._("Fill Rate (%)")})
        chart.set_y_axis({"name": env._("Stock Value")})
        chart.set_title({"name": env._("Exchange curves")})
        curve.insert_chart(2, 7, chart, {"x_scale": 1.6, "y_scale": 1.6})
        curve.freeze_panes(3, 1)
        book.close()
        return buffer.getvalue()

    def action_view_proposals(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Proposals of %s", self.name),
            "res_model": "stock.replenishment.proposal",
            "view_mode": "list,form",
            "domain": [("id", "in", self.pilot_line_ids.proposal_id.ids)],
        }

    def action_view_pilot(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pilot and control of %s", self.name),
            "res_model": "stock.planning.scenario.pilot",
            "view_mode": "list",
            "domain": [("scenario_id", "=", self.id)],
        }

    def _scenario_action(self, kind):
        """The window action of this scenario's ``kind`` rows (move, curve, result)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            f"stock_segment_scenario.action_stock_planning_scenario_{kind}"
        )
        action["domain"] = [("scenario_id", "=", self.id)]
        return action

    def action_view_moves(self):
        return self._scenario_action("move")

    def action_view_curve(self):
        return self._scenario_action("curve")

    def action_view_results(self):
        return self._scenario_action("result")


class StockPlanningScenarioChange(models.Model):
    _name = "stock.planning.scenario.change"
    _description = "Planning Scenario Change"
    _order = "scenario_id, sequence, id"
    _check_company_auto = True

    scenario_id = fields.Many2one(
        "stock.planning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(CHANGE_KINDS, "Change", required=True, default="service_target")
    segment_id = fields.Many2one(
        "stock.segment",
        check_company=True,
        domain=[("scenario_id", "=", False)],
        help="Empty: every segment.",
    )
    vendor_id = fields.Many2one("res.partner", help="Empty: every vendor.")
    value = fields.Float(
        help="Service target in %, review period or order cover in days, ordering cost, "
        "shock in days or %, the failure's length in days, the A cut-off in % (ABC) or "
        "the X limit of the coefficient of variation (XYZ).",
    )
    value_2 = fields.Float(
        "Second Value",
        help="ABC cut-offs: the B cut-off in % (cumulative share of the value). XYZ limits: "
        "the Y limit of the coefficient of variation.",
    )
    rule_id = fields.Many2one(
        "stock.segment.rule",
        "Segment Rule",
        check_company=True,
        help="Segment rule change: the live rule the scenario changes.",
    )
    rule_segment_id = fields.Many2one(
        "stock.segment",
        "Rule's New Segment",
        check_company=True,
        help="Segment the changed rule gives. Empty: the rule's own.",
    )
    rule_abc_class = fields.Selection(
        ABC_CLASSES, "Rule's ABC Class", help="The changed rule's condition; empty: any."
    )
    rule_xyz_class = fields.Selection(
        XYZ_CLASSES, "Rule's XYZ Class", help="The changed rule's condition; empty: any."
    )
    rule_demand_pattern = fields.Selection(
        DEMAND_PATTERNS, "Rule's Demand Pattern", help="The changed rule's condition; empty: any."
    )
    rule_drop = fields.Boolean(
        "Switch the Rule Off",
        help="The scenario runs without this rule: its plans go to the next rule that matches.",
    )
    policy = fields.Selection(POLICIES)
    service_metric = fields.Selection(METRICS)
    start_day = fields.Integer(
        "Failure Starts (day)",
        help="Vendor failure: day of the replay window it starts on. 0: at a third of it.",
    )

    @api.onchange("rule_id")
    def _onchange_rule_id(self):
        """Start from the live rule's conditions: the line holds the changed ones."""
        for line in self:
            line.rule_abc_class = line.rule_id.abc_class
            line.rule_xyz_class = line.rule_id.xyz_class
            line.rule_demand_pattern = line.rule_id.demand_pattern

    @api.constrains(
        "kind",
        "value",
        "value_2",
        "policy",
        "service_metric",
        "rule_id",
        "rule_segment_id",
        "rule_drop",
    )
    def _check_change(self):
        for line in self:
            try:
                line._engine_change()
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "Change %(change)s is not valid: %(error)s",
                        change=line.kind,
                        error=str(exc),
                    )
                ) from exc

    def _engine_change(self):
        value, value2 = self.value, None
        if self.kind == "service_target":
            value = self.value / 100.0
        elif self.kind == "abc_cutoffs":
            value, value2 = self.value / 100.0, self.value_2 / 100.0
        elif self.kind == "xyz_thresholds":
            value2 = self.value_2
        text = None
        if self.kind == "policy":
            text = self.policy
        elif self.kind == "service_metric":
            text = ENGINE_METRIC.get(self.service_metric)
        rule = conditions = to_segment = None
        if self.kind == "segment_rule":
            # The engine checks that a rule is given; 0 is no rule of the table.
            rule = self.rule_id.id or None
            if self.rule_drop:
                text = "drop"
            else:
                conditions = {
                    "abc": self.rule_abc_class or None,
                    "xyz": self.rule_xyz_class or None,
                    "pattern": self.rule_demand_pattern or None,
                }
                to_segment = self.rule_segment_id.id or None
        return engine.Change(
            self.kind,
            value=value,
            text=text,
            segment=self.segment_id.id or None,
            vendor=self.vendor_id.id or None,
            start=self.start_day or None,
            value2=value2,
            rule=rule,
            conditions=conditions,
            to_segment=to_segment,
        )


class StockPlanningScenarioResult(models.Model):
    _name = "stock.planning.scenario.result"
    _description = "Planning Scenario Result"
    _order = "scenario_id, segment_id, warehouse_id"

    scenario_id = fields.Many2one(
        "stock.planning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    segment_id = fields.Many2one("stock.segment", index=True)
    warehouse_id = fields.Many2one("stock.warehouse", index=True)
    item_count = fields.Integer("Items")
    demand_qty = fields.Float("Demand Replayed", digits="Product Unit")
    service_known = fields.Boolean(help="Technical: the group had demand to measure a fill rate.")
    current_fill_rate = fields.Float("Current Fill Rate (%)", digits=(16, 1), aggregator="avg")
    scenario_fill_rate = fields.Float("Scenario Fill Rate (%)", digits=(16, 1), aggregator="avg")
    current_cycle_service = fields.Float(
        "Current Cycle Service (%)", digits=(16, 1), aggregator="avg"
    )
    scenario_cycle_service = fields.Float(
        "Scenario Cycle Service (%)", digits=(16, 1), aggregator="avg"
    )
    current_stock_value = fields.Monetary()
    scenario_stock_value = fields.Monetary()
    stock_value_change = fields.Monetary(
        "Working Capital Change",
        compute="_compute_changes",
        store=True,
        help="Positive: capital needed; negative: released.",
    )
    current_orders_per_year = fields.Float("Current Orders / Year", digits=(16, 1))
    scenario_orders_per_year = fields.Float("Scenario Orders / Year", digits=(16, 1))
    current_holding_cost = fields.Monetary("Current Holding Cost / Year")
    scenario_holding_cost = fields.Monetary("Scenario Holding Cost / Year")
    current_ordering_cost = fields.Monetary("Current Ordering Cost / Year")
    scenario_ordering_cost = fields.Monetary("Scenario Ordering Cost / Year")
    current_units_short = fields.Float(
        "Current Units Short / Year",
        digits="Product Unit",
        help="Demand not served from stock at once in the replay, per year.",
    )
    scenario_units_short = fields.Float("Scenario Units Short / Year", digits="Product Unit")
    current_stockout_cost = fields.Monetary(
        "Current Stockout Cost / Year",
        help="Units short x the segment's stockout cost per unit; 0 where the segment "
        "gives no stockout cost.",
    )
    scenario_stockout_cost = fields.Monetary("Scenario Stockout Cost / Year")
    scenario_item_count = fields.Integer(
        "Scenario Items", help="Items of the group on the scenario's side (after re-segmentation)."
    )
    items_in = fields.Integer(help="Items the scenario moves into this segment.")
    items_out = fields.Integer(help="Items the scenario moves out of this segment.")
    current_total_cost = fields.Monetary(
        "Current Cost / Year", compute="_compute_changes", store=True
    )
    scenario_total_cost = fields.Monetary(
        "Scenario Cost / Year", compute="_compute_changes", store=True
    )
    cost_change = fields.Monetary("Cost Change / Year", compute="_compute_changes", store=True)

    @api.depends(
        "current_stock_value",
        "scenario_stock_value",
        "current_holding_cost",
        "scenario_holding_cost",
        "current_ordering_cost",
        "scenario_ordering_cost",
        "current_stockout_cost",
        "scenario_stockout_cost",
    )
    def _compute_changes(self):
        for line in self:
            line.stock_value_change = line.scenario_stock_value - line.current_stock_value
            line.current_total_cost = (
                line.current_holding_cost + line.current_ordering_cost + line.current_stockout_cost
            )
            line.scenario_total_cost = (
                line.scenario_holding_cost
                + line.scenario_ordering_cost
                + line.scenario_stockout_cost
            )
            line.cost_change = line.scenario_total_cost - line.current_total_cost


class StockPlanningScenarioMove(models.Model):
    _name = "stock.planning.scenario.move"
    _description = "Planning Scenario Segment Change"
    _order = "scenario_id, from_segment_id, to_segment_id, warehouse_id"

    scenario_id = fields.Many2one(
        "stock.planning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    from_segment_id = fields.Many2one(
        "stock.segment", index=True, help="Live segment. Empty: none."
    )
    to_segment_id = fields.Many2one(
        "stock.segment",
        index=True,
        help="Segment after the scenario's re-segmentation. Empty: no rule matches.",
    )
    warehouse_id = fields.Many2one("stock.warehouse", index=True)
    item_count = fields.Integer("Plans")


class StockPlanningScenarioCurve(models.Model):
    _name = "stock.planning.scenario.curve"
    _description = "Planning Scenario Exchange Curve Point"
    _order = "scenario_id, segment_id, target"

    scenario_id = fields.Many2one(
        "stock.planning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    segment_id = fields.Many2one("stock.segment", index=True)
    target = fields.Float("Service Target (%)", digits=(16, 1), aggregator="avg")
    target_label = fields.Char("Target")
    service_known = fields.Boolean(help="Technical: the segment had demand to measure.")
    fill_rate = fields.Float("Fill Rate (%)", digits=(16, 1), aggregator="avg")
    cycle_service = fields.Float("Cycle Service (%)", digits=(16, 1), aggregator="avg")
    stock_value = fields.Monetary()
    total_cost = fields.Monetary("Cost / Year")
    is_current = fields.Boolean("Current Point")
    is_scenario = fields.Boolean("Scenario Point")


class StockPlanningScenarioPilot(models.Model):
    _name = "stock.planning.scenario.pilot"
    _description = "Planning Scenario Pilot Item"
    _order = "scenario_id, pilot_group desc, id"

    scenario_id = fields.Many2one(
        "stock.planning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", required=True, ondelete="cascade"
    )
    product_id = fields.Many2one(related="profile_id.product_id", store=True)
    warehouse_id = fields.Many2one(related="profile_id.warehouse_id", store=True)
    segment_id = fields.Many2one(related="profile_id.segment_id", store=True)
    pilot_group = fields.Selection(PILOT_GROUPS, "Group", required=True, index=True)
    proposal_id = fields.Many2one("stock.replenishment.proposal", ondelete="set null", index=True)
    proposal_state = fields.Selection(related="proposal_id.state", string="Proposal Status")
    from_segment_id = fields.Many2one(
        "stock.segment",
        "Segment Before",
        ondelete="set null",
        help="The plan's segment when the pilot started; after the move, the one the "
        "approval moved it from (restored by a rollback).",
    )
    to_segment_id = fields.Many2one(
        "stock.segment",
        "Scenario Segment",
        ondelete="set null",
        index=True,
        help="Segment the scenario's re-segmentation gives the plan. Empty: it keeps its segment.",
    )
    segment_move = fields.Selection(
        SEGMENT_MOVES,
        "Segment Change",
        required=True,
        default="none",
        readonly=True,
        help="Proposed: the plan moves when its proposal is approved. Moved and locked: "
        "the approval moved it and locked its segment, so the nightly run keeps it. "
        "Restored: a rollback gave it back its segment and lock. Left as changed: the "
        "plan's segment or lock was changed by hand after the move; the rollback left it.",
    )
    lock_reason = fields.Char(
        "Lock Set", readonly=True, help="The lock reason the approval set on the plan."
    )
    prev_segment_locked = fields.Boolean("Was Locked", readonly=True)
    prev_lock_reason = fields.Char("Previous Lock Reason", readonly=True)
    prev_locked_by_id = fields.Many2one("res.users", "Previously Locked By", readonly=True)
    prev_locked_date = fields.Datetime("Previously Locked On", readonly=True)
    date_moved = fields.Datetime("Moved On", readonly=True)
    moved_by_id = fields.Many2one("res.users", readonly=True)

    def _move_segment(self, approver):
        """The approval of a pilot proposal: the plan moves to the scenario's segment
        and its segment is locked there (stock_segment's lock), so the nightly
        classification keeps it and the replenishment plans it with that segment's
        policy. The segment and lock the plan had are remembered for a rollback.
        Audited in the plan's and the scenario's chatter. Returns the lines moved."""
        moved = self.browse()
        for line in self.filtered(lambda line: line.segment_move == "proposed"):
            profile = line.profile_id
            if not line.to_segment_id or profile.segment_id == line.to_segment_id:
                continue
            reason = self.env._(
                "Scenario %(scenario)s: pilot approved by %(user)s",
                scenario=line.scenario_id.name,
                user=approver.name,
            )
            line.write(
                {
                    "from_segment_id": profile.segment_id.id,
                    "prev_segment_locked": profile.segment_locked,
                    "prev_lock_reason": profile.segment_lock_reason,
                    "prev_locked_by_id": profile.segment_locked_by_id.id,
                    "prev_locked_date": profile.segment_locked_date,
                    "lock_reason": reason,
                    "segment_move": "moved",
                    "date_moved": fields.Datetime.now(),
                    "moved_by_id": approver.id,
                }
            )
            previous = profile.segment_id
            profile.with_user(approver).sudo().write(
                {
                    "segment_id": line.to_segment_id.id,
                    "segment_locked": True,
                    "segment_lock_reason": reason,
                }
            )
            profile.message_post(
                body=self.env._(
                    "Moved from segment %(old)s to %(new)s and locked there by the approval "
                    "of proposal %(proposal)s (scenario %(scenario)s, %(user)s)%(was)s.",
                    old=previous.display_name or self.env._("none"),
                    new=line.to_segment_id.display_name,
                    proposal=line.proposal_id.display_name,
                    scenario=line.scenario_id.name,
                    user=approver.name,
                    was=self.env._(", in place of the lock: %s", line.prev_lock_reason)
                    if line.prev_segment_locked
                    else "",
                )
            )
            moved |= line
        for scenario in moved.scenario_id:
            mine = moved.filtered(lambda line, s=scenario: line.scenario_id == s)
            scenario.message_post(
                body=self.env._(
                    "%(user)s approved %(count)s proposals of plans that change segment: "
                    "moved and locked in the scenario's segment (%(plans)s).",
                    user=approver.name,
                    count=len(mine),
                    plans=", ".join(mine.profile_id.mapped("display_name")),
                )
            )
        return moved

    def _back_to_live_segment(self, user, source):
        """Promotion: the plan goes from the pilot segment back to the live segment
        ``source``, which now has the pilot's policy. The lock the approval set is
        removed (the plan gets back the lock it had) where the plan came from that
        segment; a plan the re-segmentation moved stays locked there. A lock changed by
        hand since is kept. Returns the line when the plan moved."""
        self.ensure_one()
        profile = self.profile_id
        if profile.segment_id != self.to_segment_id:
            self.write({"segment_move": "left"})
            return self.browse()
        ours = profile.segment_locked and profile.segment_lock_reason == self.lock_reason
        vals = {"segment_id": source.id}
        if ours and self.from_segment_id == source:
            vals.update(
                segment_locked=self.prev_segment_locked,
                segment_lock_reason=self.prev_lock_reason or False,
            )
        profile.with_user(user).sudo().write(vals)
        if ours and self.from_segment_id == source:
            profile.sudo().write(
                {
                    "segment_locked_by_id": self.prev_locked_by_id.id,
                    "segment_locked_date": self.prev_locked_date,
                }
            )
            self.write({"segment_move": "promoted", "to_segment_id": source.id})
        else:
            # Still moved (and locked) by the scenario: a rollback finds it there.
            self.write({"to_segment_id": source.id})
        profile.message_post(
            body=self.env._(
                "Scenario %(scenario)s promoted by %(user)s: back from the pilot segment to "
                "segment %(segment)s, which now has the pilot's policy.",
                scenario=self.scenario_id.name,
                user=user.name,
                segment=source.display_name,
            )
        )
        return self

    def _restore_segment(self, user):
        """A rollback: the plans this scenario moved get back the segment and the lock
        they had, where the lock is still the one the approval set (a segment or lock
        changed by hand since is left as it is). Audited in both chatters. Returns
        (lines restored, lines left)."""
        restored = left = self.browse()
        for line in self.filtered(lambda line: line.segment_move == "moved"):
            profile = line.profile_id
            ours = (
                profile.segment_locked
                and profile.segment_lock_reason == line.lock_reason
                and profile.segment_id == line.to_segment_id
            )
            if not ours:
                line.write({"segment_move": "left"})
                profile.message_post(
                    body=self.env._(
                        "Scenario %s was rolled back; the plan's segment or lock was changed "
                        "since its move and is left as it is.",
                        line.scenario_id.name,
                    )
                )
                left |= line
                continue
            profile.with_user(user).sudo().write(
                {
                    "segment_id": line.from_segment_id.id,
                    "segment_locked": line.prev_segment_locked,
                    "segment_lock_reason": line.prev_lock_reason or False,
                }
            )
            # Who locked it and when, as before (the lock fields of a write are now's).
            profile.sudo().write(
                {
                    "segment_locked_by_id": line.prev_locked_by_id.id,
                    "segment_locked_date": line.prev_locked_date,
                }
            )
            line.write({"segment_move": "restored"})
            profile.message_post(
                body=self.env._(
                    "Scenario %(scenario)s rolled back by %(user)s: segment %(old)s and its "
                    "lock restored (moved to %(new)s on %(date)s).",
                    scenario=line.scenario_id.name,
                    user=user.name,
                    old=line.from_segment_id.display_name or self.env._("none"),
                    new=line.to_segment_id.display_name,
                    date=line.date_moved,
                )
            )
            restored |= line
        return restored, left


class StockPlanningScenarioReview(models.Model):
    _name = "stock.planning.scenario.review"
    _description = "Planning Scenario Pilot Review"
    _order = "scenario_id, id"

    scenario_id = fields.Many2one(
        "stock.planning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    measure = fields.Selection(REVIEW_MEASURES, required=True)
    known = fields.Boolean(
        "Estimated",
        help="Technical: pilot and control both have data (KPI snapshots, or the order "
        "count's days) before and after.",
    )
    se_known = fields.Boolean(help="Technical: enough items on both sides for an uncertainty.")
    pilot_change = fields.Float(
        digits=(16, 2), help="Mean change of the pilot items, after - before."
    )
    control_change = fields.Float(
        digits=(16, 2), help="Mean change of the control items, after - before."
    )
    estimate = fields.Float(
        "Effect (DiD)",
        digits=(16, 2),
        help="Difference in differences: pilot change minus control change (Angrist & "
        "Pischke, Mostly Harmless Econometrics, ch. 5).",
    )
    std_error = fields.Float("Std. Error", digits=(16, 2))
    ci_low = fields.Float("95 % Low", digits=(16, 2))
    ci_high = fields.Float("95 % High", digits=(16, 2))
