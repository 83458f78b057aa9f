import logging
from datetime import timedelta

import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.addons.stock_segment.bulk import product_unit_factors, without_jit
from odoo.tools import SQL, split_every

from invplan.lifecycle import aging_buckets, fifo_age_layers, run_out_days
from invplan.lifecycle_policy import analog_forecast, stage_adjusted_inputs, weeks_of_history

from .product_template import JOB_STAGE_CONTEXT

_logger = logging.getLogger(__name__)


AGING_SOURCE = "lifecycle"
AGING_EXCEPTION_TYPES = ("slow_moving", "disposal_review", "data_quality")
# Stages that take stock away (no purchases, archived rule, disposal, heavier provision):
# acted on only when a person confirmed them.
REMOVING_STAGES = ("phase_out", "end_of_life", "obsolete")
POLICY_SOURCE = "lifecycle_policy"
POLICY_EXCEPTION_TYPES = ("lifecycle_purchase",)
# Profile columns the aging job writes, with their SQL cast.
AGING_COLUMNS = {
    "aging_qty": "float8",
    "aging_value": "float8",
    "stock_age_days": "float8",
    "oldest_stock_days": "float8",
    "unknown_origin_qty": "float8",
    "last_demand_date": "date",
    "days_without_demand": "int4",
    "current_daily_demand": "float8",
    "current_demand_source": "varchar",
    "onhand_coverage_days": "float8",
    "run_out_date": "date",
    "is_slow_moving": "bool",
    "aging_note": "text",
}
HORIZON_DAYS = 3650
ANALOG_METHOD = "analog"
# Without a forecast for today, the current demand is the customer deliveries of this many
# days up to today (days without delivery count as zero).
RECENT_DEMAND_DAYS = 90
DEMAND_SOURCES = [
    ("forecast", "Current forecast"),
    ("recent", "Deliveries of the last 90 days"),
]


# Plan fields the aging job computes: users cannot write them (see stock_segment).
LIFECYCLE_JOB_OWNED_FIELDS = frozenset(
    {
        "aging_date",
        "aging_qty",
        "aging_value",
        "stock_age_days",
        "oldest_stock_days",
        "unknown_origin_qty",
        "last_demand_date",
        "days_without_demand",
        "current_daily_demand",
        "current_demand_source",
        "onhand_coverage_days",
        "run_out_date",
        "is_slow_moving",
        "aging_note",
    }
)


class StockPlanningProfile(models.Model):
    _inherit = "stock.planning.profile"

    aging_date = fields.Date("Aging As of", readonly=True)
    aging_qty = fields.Float("On Hand (aging)", readonly=True, digits="Product Unit")
    aging_value = fields.Monetary(
        "Stock Value", readonly=True, currency_field="currency_id", help="On hand x unit cost."
    )
    stock_age_days = fields.Float(
        "Average Stock Age (days)",
        readonly=True,
        digits=(16, 1),
        help="Quantity-weighted age of the stock on hand, first in first out from receipts.",
    )
    oldest_stock_days = fields.Float("Oldest Stock (days)", readonly=True, digits=(16, 0))
    unknown_origin_qty = fields.Float(
        "On Hand without Receipt",
        readonly=True,
        digits="Product Unit",
        help="Quantity on hand no receipt explains; counted in the oldest bucket.",
    )
    last_demand_date = fields.Date(
        readonly=True, help="Last delivery to a customer from this warehouse."
    )
    days_without_demand = fields.Integer(
        readonly=True,
        help="Days since the last customer delivery (since the oldest receipt when there "
        "never was one; -1 when neither is known).",
    )
    current_daily_demand = fields.Float(
        "Current Demand per Day",
        readonly=True,
        digits="Product Unit",
        help="Demand per day the run-out and the last-time buy use: the plan's forecast "
        "for the period that contains today (after overrides), or, without such a "
        "forecast, the customer deliveries of the last 90 days divided by 90. Unlike the "
        "forecast's average daily demand, a product whose demand stopped shows 0 here.",
    )
    current_demand_source = fields.Selection(DEMAND_SOURCES, "Current Demand From", readonly=True)
    onhand_coverage_days = fields.Float(
        "Coverage (days on hand)",
        readonly=True,
        digits=(16, 1),
        help="Days the stock on hand lasts at the current forecast.",
    )
    run_out_date = fields.Date(
        readonly=True, help="Date the stock on hand runs out at the forecast."
    )
    is_slow_moving = fields.Boolean("Slow Moving", readonly=True, index=True)
    aging_note = fields.Text(readonly=True)
    successor_product_id = fields.Many2one(
        related="product_tmpl_id.successor_product_id", string="Successor"
    )
    aging_report_ids = fields.One2many("stock.aging.report", "profile_id", "Aging")

    # ------------------------------------------------------------------ actions

    @api.model
    def _job_owned_fields(self):
        return super()._job_owned_fields() | LIFECYCLE_JOB_OWNED_FIELDS

    def action_compute_aging_now(self):
        self._check_planning_manager()
        self.sudo().with_context(stock_segment_no_commit=True)._run_aging(
            companies=self.company_id, profile_ids=self.ids
        )
        return True

    def action_open_last_time_buy(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Last-time Buy"),
            "res_model": "stock.last.time.buy",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_product_id": self.product_id.id,
                "default_warehouse_id": self.warehouse_id.id,
            },
        }

    # ------------------------------------------------------------------ stage acted on
    def _apply_lifecycle_suggestions(self, *args, **kwargs):
        """The classification's own stage writes are marked as the job's: a stage it
        applies is a suggestion, which the lifecycle jobs never act on when it takes
        stock away."""
        return super(
            StockPlanningProfile, self.with_context(**{JOB_STAGE_CONTEXT: True})
        )._apply_lifecycle_suggestions(*args, **kwargs)

    @api.model
    def _lifecycle_acting_stages(self, tmpl_ids, today):
        """The stage the lifecycle jobs act on, per product template, in one query.

        - A stage that takes stock away (phase-out, end of life, obsolete) counts only
          when a person confirmed it; one a job applied falls back to the stage a
          person confirmed last (an end-of-life decision is kept; no stage when there
          is none).
        - A new product (introduction date, or first receipt or customer delivery less
          than the "new" period ago) is never treated as obsolete: it stays new.

        Returns {tmpl id: {"stage", "set" (the product's stage), "new", "note"}}.

        The first move of each variant is the first one met in the (product, date)
        index, not the minimum over the product's whole history: the cost of a batch
        does not grow with the years of moves."""
        if not tmpl_ids:
            return {}
        new_days = max(self._config_param("stock_segment", "lifecycle_new_days", 90, int), 0)
        since = today - timedelta(days=new_days)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT pt.id, pt.lifecycle_stage, pt.lifecycle_stage_confirmed,
                   pt.lifecycle_introduction_date,
                   (SELECT MIN(f.first)
                      FROM product_product pp
                     CROSS JOIN LATERAL (
                           SELECT m.date::date AS first
                             FROM stock_move m
                             JOIN stock_location ls ON ls.id = m.location_id
                             JOIN stock_location ld ON ld.id = m.location_dest_id
                            WHERE m.product_id = pp.id AND m.state = 'done'
                              AND m.date IS NOT NULL
                              AND ((ld.usage = 'internal'
                                    AND ls.usage NOT IN ('internal', 'transit'))
                                   OR (ls.usage = 'internal' AND ld.usage = 'customer'))
                         ORDER BY m.date
                            LIMIT 1) f
                     WHERE pp.product_tmpl_id = pt.id) AS first_move
              FROM product_template pt
             WHERE pt.id = ANY(%s)
            """,
                list(tmpl_ids),
            )
        )
        out = {}
        for tmpl, stage, confirmed, intro, first in self.env.cr.fetchall():
            acting, notes = stage or False, []
            if stage in REMOVING_STAGES and stage != confirmed:
                acting = confirmed or False
                notes.append(
                    self.env._(
                        "Stage %(stage)s was applied by the classification, not confirmed by "
                        "a Planning Manager: not acted on (stage used: %(used)s).",
                        stage=self._stage_label(stage),
                        used=self._stage_label(acting) if acting else self.env._("none"),
                    )
                )
            is_new = bool((intro and intro > since) or (first and first > since))
            if is_new and acting == "obsolete":
                acting = "new"
                notes.append(
                    self.env._(
                        "New product (introduced or first received or sold less than %s "
                        "days ago): not treated as obsolete.",
                        new_days,
                    )
                )
            out[tmpl] = {"stage": acting, "set": stage or False, "new": is_new, "note": notes}
        return out

    @api.model
    def _stage_label(self, stage):
        """The lifecycle stage as the user reads it (its label), not its key."""
        labels = dict(
            self.env["product.template"]._fields["lifecycle_stage"]._description_selection(self.env)
        )
        return labels.get(stage, stage or "")

    # ------------------------------------------------------------------ aging job
    @api.model
    def _cron_aging(self):
        """Each company on its own: one that fails (e.g. unusable bucket settings) is
        logged and skipped, the others are aged."""
        for company in self.env["res.company"].search([("active", "=", True)]):
            self._run_company_isolated(
                company,
                "Stock aging",
                lambda company=company: self._run_aging(companies=company),
                logger=_logger,
            )

    @api.model
    def _run_aging(self, companies=None, today=None, batch_size=None, profile_ids=None):
        """Stock aging, coverage, slow-moving and disposal reviews for every active plan.

        Returns per company a dict of counters."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        today = today or self.env["stock.planning.run"]._planning_day()
        stats = {}
        for company in companies:
            stats[company.id] = self.with_company(company)._aging_company(
                company, today, batch_size=batch_size, profile_ids=profile_ids
            )
        return stats

    def _aging_params(self):
        def param(key, default, cast):
            return self._config_param("stock_segment_lifecycle", key, default, cast)

        return {
            "inactivity_days": max(param("inactivity_days", 180, int), 1),
            "review_user_id": param("review_user_id", 0, int),
            "batch_size": max(param("batch_size", 2000, int), 1),
        }

    def _aging_company(self, company, today, batch_size=None, profile_ids=None):
        params = self._aging_params()
        if batch_size:
            params["batch_size"] = batch_size
        buckets, limits = self.env["stock.aging.bucket"]._buckets_for(company)
        ctx = {
            "company": company,
            "today": today,
            "params": params,
            "buckets": buckets,
            "limits": limits,
            "policies": self.env["stock.lifecycle.policy"]._policies_for(company),
        }
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT id FROM stock_planning_profile
             WHERE company_id = %s AND active %s
          ORDER BY product_id, warehouse_id
            """,
                company.id,
                SQL("AND id = ANY(%s)", list(profile_ids)) if profile_ids else SQL(),
            )
        )
        ids = [r[0] for r in self.env.cr.fetchall()]
        batches = list(split_every(params["batch_size"], ids, list))
        stats = {"profiles": len(ids), "batches": len(batches), "failed": 0, "rows": 0}

        def run(ids):
            with without_jit(self.env.cr):
                stats["rows"] += self._aging_batch(ctx, ids)
            # The batch's records leave the cache: it would otherwise grow with every
            # batch of the company (memory, and each invalidation walking it).
            self.env.flush_all()
            self.env.invalidate_all()

        stats["failed"] = len(
            self._run_batches("Aging", batches, run, self._record_aging_failure, logger=_logger)
        )
        try:
            with self.env.cr.savepoint():
                stats["reuse"] = self.env["stock.reuse.suggestion"]._refresh_suggestions(
                    company, today
                )
        except Exception:
            self.env.invalidate_all()
            _logger.exception("Reuse suggestions of %s skipped", company.name)
        _logger.info(
            "Stock aging of %s: %d plans in %d batches, %d report rows, %d failed",
            company.name,
            stats["profiles"],
            stats["batches"],
            stats["rows"],
            stats["failed"],
        )
        return stats

    def _record_aging_failure(self, pid, error):
        profile = self.sudo().browse(pid)
        try:
            with self.env.cr.savepoint():
                self.env["stock.planning.exception"]._raise_job_failure(
                    AGING_SOURCE,
                    profile,
                    self.env._("The stock aging job failed on this plan: %s", str(error)[:500]),
                )
        except Exception:
            self.env.invalidate_all()
            _logger.exception("Could not record the aging failure of plan %s", pid)

    # ------------------------------------------------------------------ extraction
    def _fetch_aging_inputs(self, ctx, profile_ids):
        """Plans of the batch with product, cost, stage and forecast: one query.

        Each plan's product and template are looked up by their key (a lateral read):
        joined, PostgreSQL may walk the products from the first one up to the batch's
        (a merge join), a read growing with the batch's place in the company."""
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id, p.company_id,
                   prod.tmpl_id, prod.categ_id, prod.lifecycle_stage,
                   COALESCE((prod.standard_price ->> %(company_key)s)::float8, 0) AS unit_cost,
                   w.lot_stock_id,
                   COALESCE(p.data_quarantine, FALSE) AS quarantined
              FROM stock_planning_profile p
             CROSS JOIN LATERAL (
                   SELECT pt.id AS tmpl_id, pt.categ_id, pt.lifecycle_stage, pp.standard_price
                     FROM product_product pp
                     JOIN product_template pt ON pt.id = pp.product_tmpl_id
                    WHERE pp.id = p.product_id
                   OFFSET 0) prod
              JOIN stock_warehouse w ON w.id = p.warehouse_id
             WHERE p.id = ANY(%(ids)s)
          ORDER BY p.id
            """,
                company_key=str(ctx["company"].id),
                ids=list(profile_ids),
            )
        )
        return self.env.cr.dictfetchall()

    def _fetch_onhand_by_warehouse(self, ctx, product_ids, warehouse_ids):
        self.env.cr.execute(
            SQL(
                """
            SELECT q.product_id, l.warehouse_id, SUM(q.quantity)
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
             WHERE l.usage = 'internal' AND q.company_id = %s
               AND q.product_id = ANY(%s) AND l.warehouse_id = ANY(%s)
          GROUP BY 1, 2
            """,
                ctx["company"].id,
                list(product_ids),
                list(warehouse_ids),
            )
        )
        return {(p, w): float(q or 0) for p, w, q in self.env.cr.fetchall()}

    def _fetch_receipt_layers(self, ctx, product_ids, locations):
        """Done moves into the warehouse from outside it (vendors, production,
        adjustments, transit), in product units: one query for the batch.

        The moves are read product by product (its index) into the warehouses' internal
        locations (``locations``: ids per warehouse, see :meth:`_internal_locations`),
        and the units of the batch's products only, each product's template read by its
        key: no step reads a whole table of the company."""
        internal = sorted(i for ids in locations.values() for i in ids)
        if not internal or not product_ids:
            return []
        self.env.cr.execute(
            SQL(
                """
            WITH unit AS MATERIALIZED (%(units)s), mv AS MATERIALIZED (
                SELECT m.*
                  FROM unnest(%(products)s::int4[]) AS u(product_id)
                 CROSS JOIN LATERAL (
                       SELECT m.product_id, m.location_id, m.location_dest_id, m.date,
                              m.quantity, m.product_uom
                         FROM stock_move m
                        WHERE m.product_id = u.product_id AND m.state = 'done'
                          AND m.company_id = %(company)s
                          AND m.location_dest_id = ANY(%(internal)s)
                       OFFSET 0) m
            )
            SELECT m.product_id, ld.warehouse_id, m.date::date, SUM(m.quantity * COALESCE(
                       mu.factor / NULLIF(unit.factor, 0), 1.0))
              FROM mv m
              JOIN stock_location ld ON ld.id = m.location_dest_id
              JOIN stock_location ls ON ls.id = m.location_id
              JOIN unit ON unit.id = m.product_id
              JOIN uom_uom mu ON mu.id = m.product_uom
             WHERE ls.usage != 'internal' OR ls.warehouse_id IS DISTINCT FROM ld.warehouse_id
          GROUP BY 1, 2, 3
            """,
                company=ctx["company"].id,
                products=list(product_ids),
                units=product_unit_factors(product_ids),
                internal=internal,
            )
        )
        return self.env.cr.fetchall()

    def _internal_locations(self, warehouse_ids):
        """Internal location ids (archived ones too) per warehouse: one query."""
        self.env.cr.execute(
            SQL(
                """
            SELECT warehouse_id, array_agg(id ORDER BY id) FROM stock_location
             WHERE usage = 'internal' AND warehouse_id = ANY(%s)
          GROUP BY warehouse_id
            """,
                list(warehouse_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _fetch_last_demand(self, ctx, pairs, locations):
        """Last customer delivery per product x warehouse of ``pairs``: one query.

        Each pair walks its product's moves from the newest back (the product / date
        index of the moves) and stops at its first delivery to a customer from one of
        the warehouse's internal locations: the cost of a batch depends on its pairs,
        not on the company's moves. The locations (``locations``: ids per warehouse, see
        :meth:`_internal_locations`) are given as id lists, never joined, so that
        PostgreSQL cannot turn the walk into a scan of every delivery of the company to
        the customer location."""
        pairs = [(p, w) for p, w in pairs if w in locations]
        if not pairs:
            return {}
        self.env.cr.execute(
            SQL(
                """
            SELECT u.product_id, u.warehouse_id, d.day
              FROM unnest(%(products)s::int4[], %(warehouses)s::int4[], %(locations)s::text[])
                   AS u(product_id, warehouse_id, locations)
             CROSS JOIN LATERAL (
                   SELECT m.date::date AS day
                     FROM stock_move m
                    WHERE m.product_id = u.product_id AND m.date IS NOT NULL
                      AND m.state = 'done' AND m.company_id = %(company)s
                      AND m.location_id = ANY(u.locations::int4[])
                      AND m.location_dest_id = ANY(%(customers)s::int4[])
                 ORDER BY m.date DESC
                    LIMIT 1) d
            """,
                products=[p for p, _w in pairs],
                warehouses=[w for _p, w in pairs],
                # One id list per pair: a text array of "{...}" literals (PostgreSQL has
                # no array of arrays of different lengths).
                locations=["{" + ",".join(map(str, locations[w])) + "}" for _p, w in pairs],
                company=ctx["company"].id,
                customers=SQL("ARRAY(SELECT id FROM stock_location WHERE usage = 'customer')"),
            )
        )
        return {(p, w): d for p, w, d in self.env.cr.fetchall()}

    @api.model
    def _current_daily_demand(self, profile_ids, today):
        """Demand per day now, per plan: ``{plan id: (rate, source)}``, two queries.

        The forecast of the period that contains today (final quantity, so overrides
        count, over the days of the period) when the plan has one; otherwise the
        customer deliveries from the plan's warehouse over the ``RECENT_DEMAND_DAYS``
        days up to today, divided by that many days (days without a delivery count as
        zero): each plan's deliveries read on their own (the product / date index of the
        moves), never the company's. Never the mean of past periods with demand: a
        product whose demand stopped months ago has a current demand of 0, not the rate
        it had while it sold."""
        profile_ids = list(profile_ids)
        if not profile_ids:
            return {}
        self.env["stock.demand.forecast"].flush_model(
            ["profile_id", "date_start", "date_end", "final_qty"]
        )
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT ON (f.profile_id) f.profile_id,
                   f.final_qty / GREATEST(f.date_end - f.date_start, 1)
              FROM stock_demand_forecast f
             WHERE f.profile_id = ANY(%(ids)s)
               AND f.date_start <= %(today)s AND f.date_end > %(today)s
          ORDER BY f.profile_id, f.date_start DESC
            """,
                ids=profile_ids,
                today=today,
            )
        )
        # A rate that is not a number is kept: the aging job reports it as data to check.
        out = {
            pid: (float(rate), "forecast")
            for pid, rate in self.env.cr.fetchall()
            if rate is not None
        }
        rest = [pid for pid in profile_ids if pid not in out]
        if rest:
            start = today - timedelta(days=RECENT_DEMAND_DAYS - 1)
            self.env.cr.execute(
                SQL(
                    """
                WITH loc AS MATERIALIZED (
                    SELECT warehouse_id, array_agg(id) AS ids FROM stock_location
                     WHERE usage = 'internal' AND warehouse_id IS NOT NULL
                  GROUP BY warehouse_id
                )
                SELECT p.id, COALESCE(d.qty, 0)
                  FROM stock_planning_profile p
             LEFT JOIN loc ON loc.warehouse_id = p.warehouse_id
             LEFT JOIN LATERAL (
                       SELECT SUM(m.product_qty) AS qty
                         FROM stock_move m
                        WHERE m.product_id = p.product_id
                          AND m.date >= %(start)s AND m.date < %(end)s
                          AND m.state = 'done'
                          AND m.product_qty NOT IN ('NaN', 'Infinity', '-Infinity')
                          AND m.location_id = ANY(loc.ids)
                          AND m.location_dest_id = ANY(ARRAY(
                              SELECT id FROM stock_location WHERE usage = 'customer'))
                   ) d ON TRUE
                 WHERE p.id = ANY(%(ids)s)
                """,
                    ids=rest,
                    start=start,
                    end=today + timedelta(days=1),
                )
            )
            # A move quantity that is not a number is left out of the sum: the plan's
            # screen already quarantines it and names the field (one cause, one exception).
            for pid, qty in self.env.cr.fetchall():
                out[pid] = (max(float(qty or 0.0), 0.0) / RECENT_DEMAND_DAYS, "recent")
        return out

    # ------------------------------------------------------------------ one batch
    def _aging_batch(self, ctx, profile_ids):
        """FIFO layers, buckets, coverage and reviews for the plans of the batch, with a
        constant number of queries. Returns the number of report rows written.

        Data that cannot be trusted does not reach a value: a quarantined plan, a cost
        that is not a finite number and a stock value above the plausible maximum are
        aged in quantity only, their value left out (0) of the plan, of the aging rows
        and so of the provisions; the last two raise a data-quality exception naming the
        product and the field."""
        rows = self._fetch_aging_inputs(ctx, profile_ids)
        if not rows:
            return 0
        today = ctx["today"]
        current = self._current_daily_demand([r["id"] for r in rows], today)
        for r in rows:
            r["demand"], r["demand_source"] = current.get(r["id"], (0.0, "recent"))
        product_ids = sorted({r["product_id"] for r in rows})
        warehouse_ids = sorted({r["warehouse_id"] for r in rows})
        onhand = self._fetch_onhand_by_warehouse(ctx, product_ids, warehouse_ids)
        locations = self._internal_locations(warehouse_ids)
        receipts = self._fetch_receipt_layers(ctx, product_ids, locations)
        last_demand = self._fetch_last_demand(
            ctx, sorted({(r["product_id"], r["warehouse_id"]) for r in rows}), locations
        )
        stages = self._lifecycle_acting_stages({r["tmpl_id"] for r in rows}, today)
        max_amount = self._plausibility_max_amount()

        # Screen the numbers before the engine: NaN or infinity never reaches a column.
        bad = {}  # pid -> [(field label, value)]
        for r in rows:
            pid = r["id"]
            q = onhand.get((r["product_id"], r["warehouse_id"]), 0.0)
            if not np.isfinite(q):
                bad.setdefault(pid, []).append((self.env._("quantity on hand"), q))
                onhand[(r["product_id"], r["warehouse_id"])] = 0.0
            if not np.isfinite(float(r["unit_cost"] or 0.0)):
                bad.setdefault(pid, []).append((self.env._("cost"), r["unit_cost"]))
                r["unit_cost"] = 0.0
            if not np.isfinite(float(r["demand"] or 0.0)):
                bad.setdefault(pid, []).append((self.env._("average daily demand"), r["demand"]))
                r["demand"] = 0.0
        key_of = {(r["product_id"], r["warehouse_id"]): r["id"] for r in rows}
        rec = pd.DataFrame(receipts, columns=["product", "warehouse", "date", "qty"])
        # The plan of each receipt, looked up for all of them at once (NaN: no plan).
        rec["item"] = (
            pd.Series(
                list(key_of.values()),
                index=pd.MultiIndex.from_tuples(list(key_of), names=["product", "warehouse"]),
                dtype=float,
            )
            .reindex(pd.MultiIndex.from_arrays([rec["product"], rec["warehouse"]]))
            .to_numpy()
        )
        rec = rec[rec["item"].notna()].astype({"item": int, "qty": float})
        rec = rec[np.isfinite(rec["qty"].to_numpy(float))]
        qty = pd.Series(
            {r["id"]: onhand.get((r["product_id"], r["warehouse_id"]), 0.0) for r in rows},
            dtype=float,
        )
        cost = pd.Series({r["id"]: float(r["unit_cost"] or 0.0) for r in rows}, dtype=float)
        # Plain dicts for the loops below (a Series lookup per plan costs more than the
        # plan's whole computation).
        qty_of = dict(zip(qty.index.tolist(), qty.tolist(), strict=True))
        cost_of = dict(zip(cost.index.tolist(), cost.tolist(), strict=True))
        # Values left out: quarantined plans and values above the plausible maximum.
        left_out = {}
        for r in rows:
            pid = r["id"]
            value = max(qty_of[pid], 0.0) * cost_of[pid]
            if r["quarantined"]:
                left_out[pid] = self.env._(
                    "Plan quarantined (data to check): its stock value is left out of the "
                    "aging values and the provisions until the data is confirmed."
                )
            elif not np.isfinite(value) or abs(value) > max_amount:
                bad.setdefault(pid, []).append(
                    (
                        self.env._("stock value (on hand x cost %s)", cost_of[pid]),
                        value,
                    )
                )
                left_out[pid] = self.env._(
                    "Stock value above the plausible maximum (%s): left out of the aging "
                    "values and the provisions; check the cost.",
                    max_amount,
                )
            if pid in bad and pid not in left_out:
                left_out[pid] = self.env._(
                    "Data to check: the stock value is left out of the aging values and the "
                    "provisions."
                )
        for pid in left_out:
            cost[pid] = 0.0
            cost_of[pid] = 0.0
        # Product names only for the data-quality messages (the ORM's display name).
        named = {r["product_id"] for r in rows if r["id"] in bad}
        names = {
            p.id: p.display_name
            for p in self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .browse(sorted(named))
        }
        layers = fifo_age_layers(rec[["item", "date", "qty"]], qty, pd.Timestamp(today))
        table = aging_buckets(layers, ctx["limits"], unit_cost=cost)
        labels = [c for c in table.columns if not str(c).startswith("value ")]
        buckets = ctx["buckets"]
        known = layers[~layers["unknown_origin"]]
        weighted = (known["qty"] * known["age_days"]).groupby(known["item"]).sum()
        known_qty = known.groupby("item")["qty"].sum()
        oldest = known.groupby("item")["age_days"].max()
        unknown = layers[layers["unknown_origin"]].groupby("item")["qty"].sum()
        weighted, known_qty, oldest, unknown = (
            dict(zip(x.index.tolist(), x.tolist(), strict=True))
            for x in (weighted, known_qty, oldest, unknown)
        )
        position = {pid: k for k, pid in enumerate(table.index.tolist())}
        bucket_qty_of = table[labels].to_numpy(dtype=float)
        bucket_value_of = table[[f"value {label}" for label in labels]].to_numpy(dtype=float)
        demand = np.array([float(r["demand"] or 0.0) for r in rows])
        cover = run_out_days(qty.reindex([r["id"] for r in rows]).to_numpy(), demand, HORIZON_DAYS)

        inactivity = ctx["params"]["inactivity_days"]
        policies = ctx["policies"]
        updates, report_vals, found = [], [], {}
        for i, r in enumerate(rows):
            pid = r["id"]
            on_hand = qty_of[pid]
            nq = float(known_qty.get(pid, 0.0))
            life = stages.get(r["tmpl_id"]) or {"stage": False, "new": False, "note": []}
            stage = life["stage"]
            last = last_demand.get((r["product_id"], r["warehouse_id"]))
            if last:
                idle = (today - last).days
            elif pid in oldest:
                idle = int(oldest[pid])
            else:
                idle = -1
            notes = list(life["note"])
            if pid in left_out:
                notes.append(left_out[pid])
            if on_hand > 0 and float(unknown.get(pid, 0.0)) > 0:
                notes.append(
                    self.env._(
                        "%(qty)s on hand without receipt history (opening stock or "
                        "adjustments): counted in the oldest bucket.",
                        qty=round(float(unknown[pid]), 4),
                    )
                )
            if on_hand > 0 and cost_of[pid] <= 0 and pid not in left_out:
                notes.append(self.env._("The product has no cost: its stock is valued at 0."))
            if on_hand < 0:
                notes.append(self.env._("Negative stock on hand (%s): not aged.", on_hand))
            # A new product is never without demand: no slow-moving review for it.
            slow = (
                on_hand > 0 and not life["new"] and (idle >= inactivity or (idle < 0 and not last))
            )
            run_out = None
            if on_hand > 0 and demand[i] > 0 and cover[i] < HORIZON_DAYS:
                run_out = today + timedelta(days=int(np.ceil(cover[i])))
            cover_days = float(cover[i]) if np.isfinite(cover[i]) else float(HORIZON_DAYS)
            values = {
                "aging_qty": round(on_hand, 6),
                "aging_value": round(max(on_hand, 0.0) * cost_of[pid], 2),
                "stock_age_days": round(float(weighted.get(pid, 0.0)) / nq, 2) if nq else 0.0,
                "oldest_stock_days": float(oldest.get(pid, 0.0)),
                "unknown_origin_qty": round(float(unknown.get(pid, 0.0)), 6),
                "last_demand_date": last,
                "days_without_demand": idle,
                "current_daily_demand": round(float(demand[i]), 6),
                "current_demand_source": r["demand_source"],
                "onhand_coverage_days": round(cover_days, 2),
                "run_out_date": run_out,
                "is_slow_moving": bool(slow),
                "aging_note": "\n".join(notes) or None,
            }
            updates.append((pid, values))
            base = {
                "product_id": r["product_id"],
                "warehouse_id": r["warehouse_id"],
                "segment_id": r["segment_id"],
                "company_id": r["company_id"],
            }
            if pid in bad:
                found[(pid, "data_quality")] = dict(
                    base,
                    severity="high",
                    message=self.env._(
                        "%(product)s: %(fields)s not plausible. The stock is aged in quantity "
                        "only; its value is left out of the aging values and the provisions "
                        "until the data is corrected.",
                        product=names.get(r["product_id"], r["product_id"]),
                        fields=", ".join(f"{label} = {value!r}" for label, value in bad[pid]),
                    ),
                    financial_impact=0.0,
                )
            if slow:
                found[(pid, "slow_moving")] = dict(
                    base,
                    severity="medium" if idle < 2 * inactivity else "high",
                    message=self.env._(
                        "%(qty)s on hand (value %(value).2f) and no customer demand for "
                        "%(days)s days (review after %(limit)s days); average stock age "
                        "%(age).0f days.",
                        qty=round(on_hand, 2),
                        value=values["aging_value"],
                        days=idle if idle >= 0 else self.env._("an unknown number of"),
                        limit=inactivity,
                        age=values["stock_age_days"],
                    ),
                    financial_impact=values["aging_value"],
                )
            # Only a stage a person confirmed opens a disposal review (see
            # _lifecycle_acting_stages), never a suggestion and never for a new product.
            stage_policy = policies.get(stage) or {}
            if on_hand > 0 and stage_policy.get("disposal_review") and not life["new"]:
                found[(pid, "disposal_review")] = dict(
                    base,
                    severity="high",
                    message=self.env._(
                        "The product is in stage %(stage)s with %(qty)s on hand (value %(value).2f): "
                        "decide on a disposal, a liquidation or a transfer.",
                        stage=self._stage_label(stage),
                        qty=round(on_hand, 2),
                        value=values["aging_value"],
                    ),
                    financial_impact=values["aging_value"],
                )
            if on_hand <= 0 or pid not in position:
                continue
            at = position[pid]
            for j, _label in enumerate(labels):
                bucket_qty = float(bucket_qty_of[at, j])
                if bucket_qty <= 1e-9:
                    continue
                report_vals.append(
                    {
                        "snapshot_date": today,
                        "profile_id": pid,
                        "product_id": r["product_id"],
                        "categ_id": r["categ_id"],
                        "warehouse_id": r["warehouse_id"],
                        "segment_id": r["segment_id"],
                        "lifecycle_stage": stage or False,
                        "bucket_id": buckets[j].id,
                        "bucket_sequence": j,
                        "company_id": r["company_id"],
                        "quantity": round(bucket_qty, 6),
                        "unit_cost": cost_of[pid],
                        "value": round(float(bucket_value_of[at, j]), 2),
                        "unknown_origin": j == len(labels) - 1 and float(unknown.get(pid, 0)) > 0,
                        "left_out": pid in left_out,
                    }
                )
        self._write_aging(updates, today)
        self.env["stock.aging.report"].sudo()._sync_rows(profile_ids, report_vals)
        self._assign_review_owners(found, ctx)
        self.env["stock.planning.exception"]._sync_exceptions(
            AGING_SOURCE, AGING_EXCEPTION_TYPES, [r["id"] for r in rows], found
        )
        return len(report_vals)

    @api.model
    def _plausibility_max_amount(self):
        """Largest amount (stock value, provision) taken as plausible: above it, or not a
        finite number, an amount is data to check and never reaches money."""
        value = self.env["stock.planning.profile"]._config_param(
            "stock_segment", "plausibility_max_amount", 1e12, float
        )
        return value if np.isfinite(value) and value > 0 else 1e12

    def _assign_review_owners(self, found, ctx):
        """Owner of a new review: the configured reviewer, else the product's
        responsible, else the administrator."""
        if not found:
            return
        user_id = ctx["params"]["review_user_id"]
        fallback = self.env.ref("base.user_admin", raise_if_not_found=False)
        products = self.env["product.product"].browse({v["product_id"] for v in found.values()})
        responsible = {
            p.id: p.product_tmpl_id.with_company(ctx["company"]).responsible_id.id for p in products
        }
        for vals in found.values():
            vals["user_id"] = (
                user_id
                or responsible.get(vals["product_id"])
                or (fallback.id if fallback else False)
            )

    def _write_aging(self, updates, today):
        """One UPDATE ... FROM unnest(one array per column) for the plans of the batch.

        The plans are also filtered on their ids: PostgreSQL then reads them by their
        index, where the join alone would read every plan of the table for each batch
        (a run's cost growing with the square of its plans)."""
        if not updates:
            return
        columns = list(AGING_COLUMNS)
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET %(assignments)s, aging_date = %(today)s
              FROM unnest(%(ids)s::int4[], %(arrays)s) AS v(id, %(names)s)
             WHERE p.id = v.id AND p.id = ANY(%(ids)s)
               AND (p.aging_date IS DISTINCT FROM %(today)s OR %(changed)s)
            """,
                assignments=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns
                ),
                changed=SQL(" OR ").join(
                    SQL("p.%s IS DISTINCT FROM v.%s", SQL.identifier(c), SQL.identifier(c))
                    for c in columns
                ),
                today=today,
                ids=[pid for pid, _vals in updates],
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", [vals[c] for _pid, vals in updates], SQL(cast))
                    for c, cast in AGING_COLUMNS.items()
                ),
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
            )
        )
        self.env["stock.planning.profile"].invalidate_model()

    # ------------------------------------------------------------------ forecast hook
    def _forecast_batch(self, ctx, profile_ids):
        """After the statistical forecast, new products with a reference product and too
        little history take the reference's forecast times their scale factor."""
        written = super()._forecast_batch(ctx, profile_ids)
        return written + self._apply_analog_forecast(ctx, profile_ids)

    def _analog_min_weeks(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_segment_lifecycle.analog_min_weeks", 8)
        )
        try:
            return max(float(value), 0.0)
        except (TypeError, ValueError):
            return 8.0

    def _apply_analog_forecast(self, ctx, profile_ids):
        """One query for the batch: the open forecast lines of its new products with a
        reference, next to the reference's line of the same bucket at the same warehouse
        (the reference's last forecast) and the approved override of the line. Then one
        bulk update of the lines and one of the plans. Returns the lines rewritten."""
        self.env["stock.demand.override"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id AS pid, p.demand_history, pt.analog_factor, f.id AS line_id,
                   f.date_start, f.date_end, f.state, f.forecast_date,
                   o.override_type, o.quantity AS o_qty, o.percent AS o_pct,
                   rf.final_qty AS ref_qty, rp.id AS ref_profile
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN stock_demand_forecast f
                   ON f.profile_id = p.id AND f.bucket = %(bucket)s AND f.state <> 'closed'
                  AND f.date_start >= %(current)s
         LEFT JOIN stock_demand_override o ON o.id = f.override_id
         LEFT JOIN stock_planning_profile rp
                   ON rp.product_id = pt.analog_product_id AND rp.warehouse_id = p.warehouse_id
         LEFT JOIN stock_demand_forecast rf
                   ON rf.profile_id = rp.id AND rf.bucket = f.bucket
                  AND rf.date_start = f.date_start AND rf.state <> 'closed'
             WHERE p.id = ANY(%(ids)s) AND pt.lifecycle_stage = 'new'
               AND pt.analog_product_id IS NOT NULL AND pt.analog_product_id <> p.product_id
          ORDER BY p.id, f.date_start
            """,
                bucket=ctx["bucket"],
                current=ctx["future"][0],
                ids=list(profile_ids),
            )
        )
        lines = self.env.cr.dictfetchall()
        if not lines:
            return 0
        today = ctx["today"]
        # Lines the job may rewrite: open future ones, and the current bucket's line only
        # when this run created it (a frozen line of an earlier run stays as it was).
        lines = [
            ln
            for ln in lines
            if ln["state"] == "forecast"
            or (ln["state"] == "frozen" and ln["forecast_date"] == today)
        ]
        plans = list(dict.fromkeys(ln["pid"] for ln in lines))
        if not plans:
            return 0
        first = {}
        for ln in lines:
            first.setdefault(ln["pid"], ln)
        history = ctx["history"]
        demand = np.array(
            [
                (list(first[pid]["demand_history"] or []) + [0.0] * len(history))[: len(history)]
                for pid in plans
            ],
            dtype=float,
        ).reshape(len(plans), len(history))
        weeks = weeks_of_history(demand, history, today)
        starts = sorted({ln["date_start"] for ln in lines})
        col = {d: j for j, d in enumerate(starts)}
        row = {pid: i for i, pid in enumerate(plans)}
        reference = np.full((len(plans), len(starts)), np.nan)
        has_reference = np.zeros(len(plans), dtype=bool)
        for ln in lines:
            if ln["ref_qty"] is not None:
                reference[row[ln["pid"]], col[ln["date_start"]]] = ln["ref_qty"]
                has_reference[row[ln["pid"]]] = True
        scaled, use = analog_forecast(
            reference,
            [float(first[pid]["analog_factor"] or 0.0) for pid in plans],
            weeks,
            self._analog_min_weeks(),
            has_reference,
        )
        digits = ctx["qty_digits"]
        line_updates, totals = [], {}
        for ln in lines:
            i = row[ln["pid"]]
            if not use[i]:
                continue
            stat = round(float(scaled[i, col[ln["date_start"]]]), digits)
            final = stat
            if ln["override_type"] == "percent":
                final = max(stat * (1.0 + (ln["o_pct"] or 0.0) / 100.0), 0.0)
            elif ln["override_type"]:
                final = max(ln["o_qty"] or 0.0, 0.0)
            final = round(final, digits)
            line_updates.append((ln["line_id"], stat, final))
            days = max((ln["date_end"] - ln["date_start"]).days, 1)
            total = totals.setdefault(ln["pid"], [0.0, 0.0, 0])
            total[0] += final
            total[1] += stat
            total[2] += days
        if not line_updates:
            return 0
        cr, uid = self.env.cr, self.env.uid
        cr.execute(
            SQL(
                """
            UPDATE stock_demand_forecast f
               SET statistical_qty = v.stat, final_qty = v.final, method = %s,
                   forecast_date = %s, write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
              FROM (VALUES %s) AS v(id, stat, final)
             WHERE f.id = v.id
                """,
                ANALOG_METHOD,
                today,
                uid,
                SQL(", ").join(
                    SQL("(%s, %s::float8, %s::float8)", *values) for values in line_updates
                ),
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET forecast_method = %s, forecast_status = %s,
                   forecast_horizon_qty = v.horizon, avg_daily_demand = v.daily,
                   write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
              FROM (VALUES %s) AS v(id, horizon, daily)
             WHERE p.id = v.id
                """,
                ANALOG_METHOD,
                ANALOG_METHOD,
                uid,
                SQL(", ").join(
                    SQL("(%s, %s::float8, %s::float8)", pid, final, stat / days)
                    for pid, (final, stat, days) in totals.items()
                ),
            )
        )
        self.env["stock.demand.forecast"].invalidate_model()
        self.env["stock.planning.profile"].invalidate_model(
            ["forecast_method", "forecast_status", "forecast_horizon_qty", "avg_daily_demand"]
        )
        return len(line_updates)

    # ------------------------------------------------------------------ replenishment hook
    def _fetch_policy_inputs(self, ctx, profile_ids):
        """The lifecycle stage policy adjusts the replenishment inputs: damped demand and
        a capped service target; stages that block purchases plan no reorder rule."""
        rows = super()._fetch_policy_inputs(ctx, profile_ids)
        if "lifecycle_policies" not in ctx:
            ctx["lifecycle_policies"] = self.env["stock.lifecycle.policy"]._policies_for(
                ctx["company"]
            )
        policies = ctx["lifecycle_policies"]
        # The stage acted on: one a person confirmed, never a job's suggestion, and never
        # obsolete for a new product. The replenishment job reads the same key, so its
        # own end-of-life handling follows it too.
        acting = self._lifecycle_acting_stages({r["tmpl_id"] for r in rows}, ctx["today"])
        stage_of = ctx.setdefault("lifecycle_acting", {})
        for r in rows:
            life = acting.get(r["tmpl_id"]) or {}
            r["lifecycle_stage"] = life.get("stage") or None
            stage_of[r["id"]] = r["lifecycle_stage"]
        touched = [r for r in rows if r["lifecycle_stage"] in policies]
        if not touched:
            return rows
        stage = [policies[r["lifecycle_stage"]] for r in touched]
        target = np.array(
            [
                np.nan if r["service_level_target"] is None else r["service_level_target"] / 100
                for r in touched
            ],
            dtype=float,
        )
        demand, sigma, target = stage_adjusted_inputs(
            [r["demand"] for r in touched],
            [r["sigma"] for r in touched],
            target,
            [s["demand_factor"] for s in stage],
            [s["service_cap"] for s in stage],
        )
        # The final forecast and its error sigmas, where the plan has them, scale alike.
        sigma_1, sigma_h, _target = stage_adjusted_inputs(
            [r.get("forecast_sigma") or 0.0 for r in touched],
            [r.get("forecast_sigma_horizon") or 0.0 for r in touched],
            np.nan,
            [s["demand_factor"] for s in stage],
            np.nan,
        )
        for i, r in enumerate(touched):
            r["demand"], r["sigma"] = float(demand[i]), float(sigma[i])
            if r.get("forecast"):
                r["forecast"] = stage_adjusted_inputs(
                    r["forecast"], 0.0, np.nan, stage[i]["demand_factor"], np.nan
                )[0].tolist()
                r["forecast_sigma"] = float(sigma_1[i])
                r["forecast_sigma_horizon"] = float(sigma_h[i])
            if np.isfinite(target[i]):
                r["service_level_target"] = float(target[i]) * 100.0
            if stage[i]["block_purchases"]:
                r["replenishment_policy"] = "mto"
        return rows

    def _proposal_vals(self, ctx, r, values, op, target, trigger):
        """Archiving a reorder rule because of a lifecycle stage takes stock away: it is
        a proposal a Planning Manager approves, never applied automatically."""
        vals = super()._proposal_vals(ctx, r, values, op, target, trigger)
        if target.get("action") == "archive" and r.get("lifecycle_stage") in REMOVING_STAGES:
            vals["within_tolerance"] = False
            vals["reason_detail"] = self.env._(
                "The product is in stage %(stage)s (confirmed): no new purchases, the reorder rule "
                "is archived once a Planning Manager approves.",
                stage=self._stage_label(r["lifecycle_stage"]),
            )
        return vals

    def _replenish_batch(self, ctx, profile_ids):
        stats = super()._replenish_batch(ctx, profile_ids)
        only = ctx.get("only_ids")
        self._flag_lifecycle_purchases(ctx, [pid for pid in profile_ids if not only or pid in only])
        return stats

    def _flag_lifecycle_purchases(self, ctx, profile_ids):
        """Flag the open purchase lines of products whose stage asks for it, and raise
        one exception per plan that has such lines: two queries and one sync."""
        policies = ctx.get("lifecycle_policies") or {}
        stages = [s for s, p in policies.items() if p["flag_purchase_lines"]]
        acting = ctx.get("lifecycle_acting") or {}
        flagged = [pid for pid in profile_ids if acting.get(pid) in stages]
        found = {}
        if flagged:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                SELECT p.id, p.product_id, p.warehouse_id, p.segment_id, p.company_id,
                       array_agg(pol.id),
                       SUM(pol.product_qty - pol.qty_received), SUM(pol.price_subtotal)
                  FROM stock_planning_profile p
                  JOIN product_product pp ON pp.id = p.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN purchase_order_line pol ON pol.product_id = p.product_id
                  JOIN purchase_order po ON po.id = pol.order_id
                  JOIN stock_picking_type spt ON spt.id = po.picking_type_id
                 WHERE p.id = ANY(%s)
                   AND spt.warehouse_id = p.warehouse_id
                   AND po.state IN ('draft', 'sent', 'to approve', 'purchase')
                   AND pol.qty_received < pol.product_qty
              GROUP BY p.id
                """,
                    flagged,
                )
            )
            line_ids = []
            for pid, prod, wh, seg, comp, lines, qty, amount in self.env.cr.fetchall():
                stage = acting[pid]
                line_ids += lines
                found[(pid, "lifecycle_purchase")] = {
                    "product_id": prod,
                    "warehouse_id": wh,
                    "segment_id": seg,
                    "company_id": comp,
                    "severity": "high",
                    "message": self.env._(
                        "%(n)s open purchase line(s) for %(qty)s units of a product in stage "
                        "%(stage)s: cancel or reduce them.",
                        n=len(lines),
                        qty=round(float(qty or 0), 2),
                        stage=self._stage_label(stage),
                    ),
                    "financial_impact": float(amount or 0.0),
                }
            if line_ids:
                self.env.cr.execute(
                    SQL(
                        "UPDATE purchase_order_line SET lifecycle_flag = TRUE "
                        "WHERE id = ANY(%s) AND lifecycle_flag IS NOT TRUE",
                        line_ids,
                    )
                )
                self.env["purchase.order.line"].invalidate_model(["lifecycle_flag"])
        self.env["stock.planning.exception"]._sync_exceptions(
            POLICY_SOURCE, POLICY_EXCEPTION_TYPES, list(profile_ids), found
        )

    # ------------------------------------------------------------------ demo
    @api.model
    def _load_demo_lifecycle(self, receipts, successor_id=None):
        """Demo: receipts of past dates into the main warehouse, plans for the products,
        then the aging job and the provision proposals, right after install."""
        company = self.env.ref("base.main_company")
        warehouse = self.env.ref("stock.warehouse0")
        supplier = self.env.ref("stock.stock_location_suppliers")
        today = fields.Date.context_today(self)
        Move = self.env["stock.move"].sudo()
        products = self.env["product.product"].browse([p for p, _r in receipts])
        if successor_id:
            old = products.filtered(lambda p: p.lifecycle_stage == "obsolete")
            old.product_tmpl_id.successor_product_id = successor_id
        for product_id, layers in receipts:
            for days_ago, qty in layers:
                move = Move.create(
                    {
                        "product_id": product_id,
                        "product_uom_qty": qty,
                        "product_uom": self.env["product.product"].browse(product_id).uom_id.id,
                        "location_id": supplier.id,
                        "location_dest_id": warehouse.lot_stock_id.id,
                        "company_id": company.id,
                    }
                )
                move._action_confirm()
                move.quantity = qty
                move.picked = True
                move._action_done()
                when = fields.Datetime.to_datetime(today - timedelta(days=days_ago))
                move.write({"date": when})
                move.move_line_ids.write({"date": when})
        existing = self.sudo().search(
            [("product_id", "in", products.ids), ("warehouse_id", "=", warehouse.id)]
        )
        missing = products - existing.product_id
        self.sudo().create([{"product_id": p.id, "warehouse_id": warehouse.id} for p in missing])
        self.sudo().with_context(stock_segment_no_commit=True)._run_aging(companies=company)
        self.env["stock.provision.proposal"].sudo()._propose_provisions(company)
