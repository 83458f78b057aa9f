import calendar
import logging
import math
from datetime import timedelta

import numpy as np
import pandas as pd
from odoo import api, fields, models, modules
from odoo.addons.stock_segment.bulk import product_unit_factors, without_jit
from odoo.tools import SQL, format_amount, split_every

from invplan.kpi import (
    days_of_supply,
    fill_rates,
    individuals_limits,
    inventory_turns,
    stockout_rate,
    western_electric_alerts,
)
from invplan.kpi_report import (
    end_of_day_stock,
    excess_value,
    pooled_mean,
    pooled_wape,
    rank_within_groups,
    service_status,
    working_capital_effect,
)

_logger = logging.getLogger(__name__)


SPC_SOURCE = "kpi_spc"
SNAPSHOT_SOURCE = "kpi_snapshot"
SPC_METRICS = ("stockout_rate", "avg_inventory_value", "qty_fill_rate")
SPC_RATES = ("stockout_rate", "qty_fill_rate")
# Severity of a control alert from its money at stake against the usual stock value of the
# segment x warehouse: (lowest share, severity), highest first; below them "low".
SPC_SEVERITY_BANDS = ((0.10, "high"), (0.02, "medium"))
PERIOD_TYPES = [("day", "Day"), ("month", "Month")]
LEVELS = [("segment", "Segment x warehouse"), ("product", "Product x warehouse")]
STATUSES = [
    ("green", "On target"),
    ("amber", "Near target"),
    ("red", "Below target"),
    ("none", "No data"),
]
COST_HELP = (
    " Valued at the product cost Odoo keeps (standard or average cost of the valuation) "
    "on the snapshot day, the same cost for inventory and issues."
)
# Columns written by the bulk insert (besides the audit columns), with their SQL type.
COLUMNS = {
    "period_type": "varchar",
    "level": "varchar",
    "date_from": "date",
    "date_to": "date",
    "period_days": "int4",
    "company_id": "int4",
    "warehouse_id": "int4",
    "segment_id": "int4",
    "product_id": "int4",
    "profile_id": "int4",
    "currency_id": "int4",
    "pair_count": "int4",
    "quarantined_count": "int4",
    "failed_count": "int4",
    "avg_inventory_qty": "float8",
    "avg_inventory_value": "float8",
    "end_inventory_value": "float8",
    "issued_qty": "float8",
    "cogs_value": "float8",
    "turns": "float8",
    "days_of_supply": "float8",
    "no_demand": "bool",
    "lines_total": "int4",
    "lines_on_time": "int4",
    "ordered_qty": "float8",
    "shipped_on_time_qty": "float8",
    "line_fill_rate": "float8",
    "qty_fill_rate": "float8",
    "stockout_days": "int4",
    "observed_days": "int4",
    "stockout_rate": "float8",
    "backorder_qty": "float8",
    "excess_value": "float8",
    "wc_effect_value": "float8",
    "slow_moving_value": "float8",
    "obsolete_value": "float8",
    "wape": "float8",
    "forecast_bias": "float8",
    "forecast_scored": "bool",
    "service_target": "float8",
    "service_achieved": "float8",
    "service_status": "varchar",
    "rank_fill_rate": "int4",
    "rank_turns": "int4",
}
# Count columns: 0 is a value, never NULL.
COUNT_COLUMNS = (
    "lines_total",
    "lines_on_time",
    "stockout_days",
    "observed_days",
    "pair_count",
    "quarantined_count",
    "failed_count",
    "period_days",
)
# Ratios that are undefined without their base (no issues: no days of supply; no delivery
# line: no fill rate, no service figure): written as NULL, never as 0, and so left out of
# every average (list group rows, pivots, graphs, the benchmark and the workbook).
NULLABLE_COLUMNS = (
    "turns",
    "days_of_supply",
    "line_fill_rate",
    "qty_fill_rate",
    "stockout_rate",
    "service_achieved",
    "wape",
    "forecast_bias",
)
# A row is one of these keys: a rerun updates the row of the same key.
# The plan x day figures of a batch summed into the day rows, in the rows' column order
# (then the days observed and the backorders).
DAY_FIGURES = (
    "avg_inventory_qty",
    "avg_inventory_value",
    "end_inventory_value",
    "issued_qty",
    "cogs_value",
    "lines_total",
    "lines_on_time",
    "ordered_qty",
    "shipped_on_time_qty",
    "stockout_days",
)
KEY_COLUMNS = ("period_type", "level", "date_from", "warehouse_id", "segment_id", "product_id")
SUM_COLUMNS = (
    "pair_count",
    "quarantined_count",
    "failed_count",
    *DAY_FIGURES,
    "observed_days",
    "backorder_qty",
    "excess_value",
    "wc_effect_value",
    "slow_moving_value",
    "obsolete_value",
)


def month_bounds(day):
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(day.year, day.month)[1])


class StockKpiSnapshot(models.Model):
    """Inventory KPIs of one period for one segment x warehouse (or product x warehouse).

    Rows are written in bulk by :meth:`_run_snapshot`; a rerun of the same period replaces
    them. Every ratio is computed by the engine (:mod:`invplan.kpi`)."""

    _name = "stock.kpi.snapshot"
    _description = "Inventory KPI Snapshot"
    _order = "date_from desc, company_id, warehouse_id, segment_id, product_id"
    _rec_name = "date_from"
    _check_company_auto = True

    period_type = fields.Selection(PERIOD_TYPES, required=True, readonly=True, index=True)
    level = fields.Selection(LEVELS, required=True, readonly=True, index=True)
    date_from = fields.Date("Period Start", required=True, readonly=True, index=True)
    date_to = fields.Date("Period End", required=True, readonly=True)
    period_days = fields.Integer("Days", readonly=True, aggregator="max")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index=True)
    segment_id = fields.Many2one("stock.segment", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    profile_id = fields.Many2one("stock.planning.profile", "Plan", readonly=True)
    pair_count = fields.Integer(
        "Products",
        readonly=True,
        help="Product x warehouse plans in the figures of the row (quarantined plans and "
        "plans the snapshot could not process are not).",
    )
    quarantined_count = fields.Integer(
        "Quarantined Plans",
        readonly=True,
        help="Plans left out of every figure of the row because their data cannot be "
        "trusted: plans in data quarantine, and plans whose cost or quantities are not "
        "numbers (NaN or infinite) on the snapshot day. Each has a data-quality exception "
        "naming the field and its value; its figures return once the data is corrected or "
        "confirmed.",
    )
    failed_count = fields.Integer(
        "Plans Not Snapshotted",
        readonly=True,
        help="Plans the snapshot failed on (a job-failure exception names each): left out of "
        "the figures of the segment, their own product row keeps its last figures.",
    )

    # Inventory and issues
    avg_inventory_qty = fields.Float(
        "Average Stock Qty",
        readonly=True,
        help="Mean of the end-of-day on-hand quantities of the period (negative stock as 0).",
    )
    avg_inventory_value = fields.Monetary(
        "Average Inventory Value",
        readonly=True,
        help="Mean of the end-of-day on-hand quantities times the unit cost." + COST_HELP,
    )
    end_inventory_value = fields.Monetary("Closing Inventory Value", readonly=True)
    issued_qty = fields.Float(readonly=True)
    cogs_value = fields.Monetary(
        "Cost of Goods Issued",
        readonly=True,
        help="Done issues from the warehouse to customers and production." + COST_HELP,
    )
    turns = fields.Float(
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Cost of goods issued / average inventory value of the period, both at the same "
        "product cost (not annualised); empty without stock." + COST_HELP,
    )
    days_of_supply = fields.Float(
        "Days of Supply",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Average inventory value / (cost of goods issued / days), on the same cost basis "
        "as the turns. Undefined (empty, marked No Demand) when nothing was issued in the "
        "period: such rows are left out of every average.",
    )
    no_demand = fields.Boolean(
        readonly=True,
        help="Nothing was issued from the warehouse in the period: the days of supply is "
        "undefined (not infinite, not 0) and the row is left out of its averages.",
    )

    # Service
    lines_total = fields.Integer("Delivery Lines", readonly=True)
    lines_on_time = fields.Integer("Lines Complete On Time", readonly=True)
    ordered_qty = fields.Float("Demand Qty", readonly=True)
    shipped_on_time_qty = fields.Float("Qty Shipped On Time", readonly=True)
    line_fill_rate = fields.Float(
        "Line Fill Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Customer delivery lines promised in the period shipped complete by their "
        "promised date (deadline, else scheduled date) / all such lines. Empty (no data) "
        "without delivery lines, and then left out of averages.",
    )
    qty_fill_rate = fields.Float(
        "Quantity Fill Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Quantity shipped by the promised date / quantity promised in the period. Empty "
        "(no data) without delivery lines, and then left out of averages.",
    )
    stockout_days = fields.Integer("Stockout Product-days", readonly=True)
    observed_days = fields.Integer("Observed Product-days", readonly=True)
    stockout_rate = fields.Float(
        "Stockout Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Share of product-days with no stock on hand at the end of the day while a "
        "customer delivery was due and not shipped.",
    )
    backorder_qty = fields.Float(readonly=True, help="Customer demand past its promise, unshipped.")

    # Forecast and service targets (segment rows)
    wape = fields.Float(
        "WAPE (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Pooled weighted absolute percentage error of the month's forecasts; empty "
        "when no forecast of the month was scored.",
    )
    forecast_bias = fields.Float(
        readonly=True, aggregator="avg", help="Mean forecast error; empty when none was scored."
    )
    forecast_scored = fields.Boolean(
        readonly=True,
        help="A forecast accuracy of the month exists for the segment x warehouse: without "
        "it the WAPE and bias are empty (no data), not 0.",
    )
    service_target = fields.Float("Service Target (%)", readonly=True, aggregator="avg")
    service_achieved = fields.Float(
        "Service Achieved (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Quantity fill rate for fill-rate segments; share of product-days without "
        "stockout for cycle-service segments. Empty (no data) when no delivery line was "
        "promised in the period.",
    )
    service_status = fields.Selection(
        STATUSES,
        "Status",
        readonly=True,
        help="Service achieved against the segment's target; No data when no delivery line "
        "was promised in the period (nothing to measure, so not on target either).",
    )

    # Money
    excess_value = fields.Monetary(
        readonly=True, help="Closing stock above the plan's order-up-to (max) level, at cost."
    )
    wc_effect_value = fields.Monetary(
        "Working Capital Effect",
        readonly=True,
        help="Change of average stock value from reorder-rule changes applied in the period: "
        "cost x (new min + new max - old min - old max) / 2, from the change audit.",
    )

    slow_moving_value = fields.Monetary(
        readonly=True,
        help="Stock value in aging buckets older than the slow-moving threshold (180 days by "
        "default), from the latest stock aging of the lifecycle module when it is installed.",
    )
    obsolete_value = fields.Monetary(
        readonly=True,
        help="Stock value of end-of-life and obsolete products, from the latest stock aging "
        "of the lifecycle module when it is installed.",
    )

    # Benchmark
    rank_fill_rate = fields.Integer(
        "Fill Rate Rank",
        readonly=True,
        aggregator="min",
        help="Rank of the warehouse among the company's warehouses on quantity fill rate for "
        "the same segment and period (1 = best); empty without a fill rate.",
    )
    rank_turns = fields.Integer(
        "Turns Rank",
        readonly=True,
        aggregator="min",
        help="Rank of the segment among the warehouse's segments on turns (1 = best).",
    )

    # ------------------------------------------------------------------ actions
    def action_view_products(self):
        self.ensure_one()
        domain = [
            ("level", "=", "product"),
            ("period_type", "=", "month"),
            ("date_from", "=", self.date_from.replace(day=1)),
            ("company_id", "=", self.company_id.id),
            ("warehouse_id", "=", self.warehouse_id.id),
            ("segment_id", "=", self.segment_id.id),
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Product KPIs"),
            "res_model": "stock.kpi.snapshot",
            "view_mode": "list,pivot,graph",
            "views": [
                (self.env.ref("stock_segment_kpi.stock_kpi_snapshot_view_list_product").id, "list"),
                (False, "pivot"),
                (False, "graph"),
            ],
            "domain": domain,
        }

    def action_view_moves(self):
        self.ensure_one()
        domain = [
            ("date", ">=", fields.Datetime.to_datetime(self.date_from)),
            ("date", "<", fields.Datetime.to_datetime(self.date_to + timedelta(days=1))),
            ("company_id", "=", self.company_id.id),
            ("state", "!=", "cancel"),
            "|",
            ("location_id.warehouse_id", "=", self.warehouse_id.id),
            ("location_dest_id.warehouse_id", "=", self.warehouse_id.id),
        ]
        if self.product_id:
            domain.append(("product_id", "=", self.product_id.id))
        elif self.segment_id:
            profiles = self.env["stock.planning.profile"].search(
                [
                    ("segment_id", "=", self.segment_id.id),
                    ("warehouse_id", "=", self.warehouse_id.id),
                ]
            )
            domain.append(("product_id", "in", profiles.product_id.ids))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Moves behind the figure"),
            "res_model": "stock.move",
            "view_mode": "list,form",
            "domain": domain,
        }

    def action_export_xlsx(self):
        rows = self or self.search([("level", "=", "segment"), ("period_type", "=", "month")])
        today = fields.Date.context_today(self)
        wizard = self.env["stock.kpi.export.wizard"].create(
            {
                "date_from": min(rows.mapped("date_from")) if rows else today,
                "date_to": max(rows.mapped("date_to")) if rows else today,
                "company_ids": [(6, 0, rows.company_id.ids or self.env.companies.ids)],
                "warehouse_ids": [(6, 0, rows.warehouse_id.ids)],
                "segment_ids": [(6, 0, rows.segment_id.ids)],
            }
        )
        return wizard.action_export()

    def _undefined_figures(self):
        """The figures of the rows that have no value (NULL: no demand, no delivery line),
        as {row id: {field: what to show instead}}, read from the table (the ORM reads
        an empty float as 0)."""
        if not self:
            return {}
        self.flush_model()
        columns = (*NULLABLE_COLUMNS, "rank_fill_rate", "rank_turns")
        self.env.cr.execute(
            SQL(
                "SELECT id, no_demand, %s FROM stock_kpi_snapshot WHERE id = ANY(%s)",
                SQL(", ").join(SQL("%s IS NULL", SQL.identifier(c)) for c in columns),
                self.ids,
            )
        )
        no_data, no_demand = self.env._("no data"), self.env._("no demand")
        out = {}
        for rid, demand_none, *nulls in self.env.cr.fetchall():
            missing = {
                col: (no_demand if col == "days_of_supply" and demand_none else no_data)
                for col, null in zip(columns, nulls, strict=True)
                if null
            }
            if missing:
                out[rid] = missing
        return out

    # ------------------------------------------------------------------ cron
    @api.model
    def _cron_snapshot(self):
        """Daily run: the month of yesterday (month rows and one row per day), then SPC."""
        yesterday = fields.Date.context_today(self) - timedelta(days=1)
        self._run_snapshot(yesterday)

    @api.model
    def _run_snapshot(self, day, companies=None, batch_size=None, spc=True):
        """Snapshot the month of ``day`` up to ``day`` for each company.

        Writes month rows (segment and product level) and day rows (segment level) of the
        month to date, replacing the rows of a previous run. Returns per company a dict of
        counters."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        date_from = day.replace(day=1)
        stats = {}
        may_commit = self._may_commit()
        profiles = self.env["stock.planning.profile"]
        for company in companies:

            def run(company=company):
                company_stats = (
                    self.sudo()
                    .with_company(company)
                    ._snapshot_company(company, date_from, day, batch_size=batch_size)
                )
                if spc:
                    company_stats["alerts"] = self.sudo()._run_spc(company, day)
                return company_stats

            result = profiles._run_company_isolated(
                company, "KPI snapshot", run, may_commit=may_commit, logger=_logger
            )
            if result is not None:
                stats[company.id] = result
        return stats

    def _kpi_params(self):
        def param(key, default, cast):
            return self.env["stock.planning.profile"]._config_param(
                "stock_segment_kpi", key, default, cast
            )

        return {
            "batch_size": max(param("batch_size", 5000, int), 1),
            "amber_band": max(param("amber_band", 2.0, float), 0.0),
            "spc_window_days": max(param("spc_window_days", 30, int), 8),
            "slow_moving_days": max(param("slow_moving_days", 180, int), 0),
        }

    def _may_commit(self):
        return not modules.module.current_test and not self.env.context.get("kpi_no_commit")

    def _snapshot_company(self, company, date_from, date_to, batch_size=None):
        params = self._kpi_params()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id FROM stock_planning_profile p
              JOIN stock_warehouse w ON w.id = p.warehouse_id
             WHERE p.company_id = %s AND p.active AND w.active
          ORDER BY p.product_id, p.warehouse_id
            """,
                company.id,
            )
        )
        ids = [r[0] for r in self.env.cr.fetchall()]
        ctx = self._snapshot_context(company, date_from, date_to)
        batches = list(split_every(batch_size or params["batch_size"], ids, list))
        stats = {"profiles": len(ids), "batches": len(batches), "failed": 0}
        monthly, daily = [], []

        def run(batch_ids):
            with without_jit(self.env.cr):
                month_df, day_df = self._snapshot_batch(ctx, batch_ids)
            monthly.append(month_df)
            daily.append(day_df)
            # The batch's records leave the cache: it would otherwise grow with every
            # batch of the company.
            self.env.invalidate_all()

        failed_ids = self.env["stock.planning.profile"]._run_batches(
            "KPI snapshot",
            batches,
            run,
            self._record_snapshot_failure,
            may_commit=self._may_commit(),
            logger=_logger,
            # The batches' rows are gathered and written at the end: not shared.
            shared=False,
        )
        stats["failed"] = len(failed_ids)
        products = pd.concat(monthly, ignore_index=True) if monthly else pd.DataFrame()
        days = pd.concat(daily, ignore_index=True) if daily else pd.DataFrame()
        if failed_ids:
            # One failing plan does not hold the others back: their rows are written, the
            # failing plan keeps its last product row and has a job-failure exception.
            _logger.warning(
                "KPI snapshot of %s %s..%s: %d plans failed, left out of the segment figures",
                company.name,
                date_from,
                date_to,
                len(failed_ids),
            )
        failed = self._fetch_pairs(failed_ids) if failed_ids else pd.DataFrame()
        stats["rows"] = self._replace_rows(ctx, products, days, params, failed)
        done_ids = sorted(set(ids) - set(failed_ids))
        Exc = self.env["stock.planning.exception"]
        Exc._sync_exceptions(SNAPSHOT_SOURCE, ["job_failure"], done_ids, {})
        Exc._sync_exceptions(
            SNAPSHOT_SOURCE, ["data_quality"], done_ids, self._data_findings(company, products)
        )
        stats["quarantined"] = int(products["quarantined_count"].sum()) if len(products) else 0
        _logger.info(
            "KPI snapshot of %s %s..%s: %d plans, %d failed, %d left out as untrusted",
            company.name,
            date_from,
            date_to,
            stats["profiles"],
            stats["failed"],
            stats["quarantined"],
        )
        return stats

    def _data_findings(self, company, products):
        """Data-quality exceptions of the plans left out for values that are not numbers
        (quarantined plans have theirs from the nightly screen)."""
        if not len(products):
            return {}
        found = {}
        bad = products[products["data_issue"].astype(bool) & ~products["quarantined"].astype(bool)]
        for r in bad.itertuples(index=False):
            found[(int(r.profile_id), "data_quality")] = {
                "message": self.env._(
                    "The KPI snapshot left this plan out of the inventory figures: %(issue)s. "
                    "Correct the data; the plan's figures return with the next snapshot.",
                    issue=r.data_issue,
                ),
                "severity": "high",
                "financial_impact": 0.0,
                "product_id": int(r.product_id),
                "warehouse_id": int(r.warehouse_id),
                "segment_id": int(r.segment_id) or False,
                "company_id": company.id,
            }
        return found

    def _record_snapshot_failure(self, pid, error):
        profile = self.env["stock.planning.profile"].sudo().browse(pid)
        try:
            with self.env.cr.savepoint():
                self.env["stock.planning.exception"]._raise_job_failure(
                    SNAPSHOT_SOURCE,
                    profile,
                    self.env._("The KPI snapshot failed on this plan: %s", str(error)[:500]),
                )
        except Exception:  # noqa: BLE001
            self.env.invalidate_all()
            _logger.exception("Could not record the KPI snapshot failure of plan %s", pid)

    def _snapshot_context(self, company, date_from, date_to):
        days = pd.date_range(date_from, date_to, freq="D").date
        return {
            "company": company,
            "date_from": date_from,
            "date_to": date_to,
            "days": list(days),
            "n_days": len(days),
            "month_to": month_bounds(date_from)[1],
        }

    # ------------------------------------------------------------------ extraction
    def _fetch_pairs(self, profile_ids):
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, COALESCE(p.segment_id, 0),
                   COALESCE(p.max_qty, 0), COALESCE(p.data_quarantine, FALSE)
              FROM stock_planning_profile p WHERE p.id = ANY(%s)
          ORDER BY p.product_id, p.warehouse_id
            """,
                list(profile_ids),
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "profile_id",
                "product_id",
                "warehouse_id",
                "segment_id",
                "max_qty",
                "quarantined",
            ],
        )

    def _fetch_onhand(self, product_ids, warehouse_ids):
        self.env.cr.execute(
            SQL(
                """
            SELECT q.product_id, l.warehouse_id, SUM(q.quantity)
              FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
             WHERE l.usage = 'internal' AND q.product_id = ANY(%s) AND l.warehouse_id = ANY(%s)
          GROUP BY q.product_id, l.warehouse_id
            """,
                product_ids,
                warehouse_ids,
            )
        )
        return {(p, w): float(q) for p, w, q in self.env.cr.fetchall()}

    def _locations(self, warehouse_ids):
        """Ids of the internal locations of the warehouses and of the customer locations
        (archived ones too): one query. The batch queries filter the moves on these ids
        instead of joining the locations, so that PostgreSQL reads the batch's products'
        moves (their index) and never every delivery of the company."""
        self.env.cr.execute(
            SQL(
                """
            SELECT COALESCE(array_agg(id ORDER BY id) FILTER (
                       WHERE usage = 'internal' AND warehouse_id = ANY(%s)), '{}'),
                   COALESCE(array_agg(id ORDER BY id) FILTER (WHERE usage = 'customer'), '{}')
              FROM stock_location
            """,
                list(warehouse_ids),
            )
        )
        internal, customers = self.env.cr.fetchone()
        return list(internal), list(customers)

    def _fetch_flows(self, ctx, product_ids, warehouse_ids):
        """Done stock flows of the warehouses per product and UTC day since the period
        start: net flow and issues to customers / production (product unit).

        Each product's moves of the period are read on its own (the product / date index
        of the moves): a batch reads its products' moves, never the company's."""
        self.env.cr.execute(
            SQL(
                """
            WITH unit AS MATERIALIZED (%(units)s), mv AS MATERIALIZED (
                SELECT m.product_id, m.date::date AS day,
                       m.quantity * mu.factor / unit.factor AS qty,
                       ls.usage AS src_usage, ls.warehouse_id AS src_wh,
                       ld.usage AS dst_usage, ld.warehouse_id AS dst_wh
                  FROM unnest(%(products)s::int4[]) AS u(product_id)
                 CROSS JOIN LATERAL (
                       SELECT m.product_id, m.date, m.quantity, m.product_uom,
                              m.location_id, m.location_dest_id
                         FROM stock_move m
                        WHERE m.product_id = u.product_id AND m.date >= %(start)s
                          AND m.state = 'done'
                       OFFSET 0) m
                  JOIN stock_location ls ON ls.id = m.location_id
                  JOIN stock_location ld ON ld.id = m.location_dest_id
                  JOIN unit ON unit.id = m.product_id
                  JOIN uom_uom mu ON mu.id = m.product_uom
            )
            SELECT product_id, dst_wh, day, SUM(qty), 0.0 FROM mv
             WHERE dst_usage = 'internal' AND dst_wh = ANY(%(whs)s)
               AND NOT (src_usage = 'internal' AND src_wh IS NOT DISTINCT FROM dst_wh)
          GROUP BY product_id, dst_wh, day
            UNION ALL
            SELECT product_id, src_wh, day, -SUM(qty),
                   SUM(CASE WHEN dst_usage IN ('customer', 'production') THEN qty ELSE 0 END)
              FROM mv
             WHERE src_usage = 'internal' AND src_wh = ANY(%(whs)s)
               AND NOT (dst_usage = 'internal' AND dst_wh IS NOT DISTINCT FROM src_wh)
          GROUP BY product_id, src_wh, day
            """,
                units=product_unit_factors(product_ids),
                start=fields.Datetime.to_datetime(ctx["date_from"]),
                products=list(product_ids),
                whs=list(warehouse_ids),
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(), columns=["product_id", "warehouse_id", "day", "net", "issued"]
        )

    def _fetch_demand_lines(self, ctx, product_ids, warehouse_ids):
        """Customer delivery lines from the warehouses still open at the period start or
        promised up to its end, with their promised day and shipped quantity.

        Each product's deliveries are read on its own (the product / location index of
        the moves), the picking's date only for a move without a deadline: a batch
        reads its products' deliveries, never the company's. The lines of the period are
        kept as they are read (materialized), then joined to their units once: joined
        inside the per-product read, the units of the whole batch would be scanned again
        for each product (a cost growing with the square of the batch)."""
        internal, customers = self._locations(warehouse_ids)
        columns = ["product_id", "warehouse_id", "line_key", "promised"]
        columns += ["done", "day", "ordered", "shipped"]
        if not internal or not customers:
            return pd.DataFrame([], columns=columns)
        sale_key = "sale_line_id" in self.env["stock.move"]._fields
        self.env.cr.execute(
            SQL(
                """
            WITH unit AS MATERIALIZED (%(units)s), mv AS MATERIALIZED (
                SELECT m.*
                  FROM unnest(%(products)s::int4[]) AS u(product_id)
                 CROSS JOIN LATERAL (
                       SELECT m.id, m.product_id, m.location_id, m.state, m.date,
                              m.product_qty, m.quantity, m.product_uom,
                              %(sale_line)s AS sale_line_id,
                              COALESCE(m.date_deadline, (
                                  SELECT pk.scheduled_date FROM stock_picking pk
                                   WHERE pk.id = m.picking_id), m.date) AS promised
                         FROM stock_move m
                        WHERE m.product_id = u.product_id AND m.state <> 'cancel'
                          AND m.location_id = ANY(%(internal)s)
                          AND m.location_dest_id = ANY(%(customers)s)
                       OFFSET 0) m
                 WHERE m.promised < %(end)s
                   AND (m.state <> 'done' OR m.date >= %(start)s OR m.promised >= %(start)s)
            )
            SELECT m.product_id, ls.warehouse_id,
                   %(line_key)s AS line_key,
                   m.promised::date AS promised,
                   m.state = 'done' AS done,
                   m.date::date AS day,
                   m.product_qty AS ordered,
                   CASE WHEN m.state = 'done'
                        THEN m.quantity * mu.factor / unit.factor ELSE 0 END AS shipped
              FROM mv m
              JOIN stock_location ls ON ls.id = m.location_id
              JOIN unit ON unit.id = m.product_id
              JOIN uom_uom mu ON mu.id = m.product_uom
          ORDER BY m.product_id, m.id
            """,
                units=product_unit_factors(product_ids),
                line_key=SQL("COALESCE('s' || m.sale_line_id::text, 'm' || m.id::text)")
                if sale_key
                else SQL("'m' || m.id::text"),
                sale_line=SQL("m.sale_line_id") if sale_key else SQL("NULL::int4"),
                products=list(product_ids),
                internal=internal,
                customers=customers,
                start=fields.Datetime.to_datetime(ctx["date_from"]),
                end=fields.Datetime.to_datetime(ctx["date_to"] + timedelta(days=1)),
            )
        )
        return pd.DataFrame(self.env.cr.fetchall(), columns=columns)

    def _unit_costs(self, company, product_ids):
        """The company's product cost, read from its column: a cost that is not a number
        (NaN, infinite, text) comes back as NaN for the caller to flag, where the ORM would
        fail on rounding it. Products without a cost of the company get the ORM's (its
        default)."""
        self.env["product.product"].flush_model(["standard_price"])
        self.env.cr.execute(
            SQL(
                "SELECT id, standard_price ->> %s FROM product_product WHERE id = ANY(%s)",
                str(company.id),
                list(product_ids),
            )
        )
        costs, missing = {}, []
        for pid, raw in self.env.cr.fetchall():
            if raw is None:
                missing.append(pid)
                continue
            try:
                costs[pid] = float(raw)
            except ValueError:
                costs[pid] = math.nan
        if missing:
            products = self.env["product.product"].with_company(company).browse(missing)
            costs.update(
                {r["id"]: r["standard_price"] or 0.0 for r in products.read(["standard_price"])}
            )
        return costs

    def _rule_changes(self, ctx):
        """The company's reorder-rule changes applied in the period, per product x
        warehouse in the order they were made: (product, warehouse, old min, old max,
        new min, new max), an archived rule's new values 0. Read once for the company
        and kept in ``ctx`` for its batches (the audit has no product index: read per
        batch, each batch would read the changes of the whole company)."""
        if "rule_changes" in ctx:
            return ctx["rule_changes"]
        self.env.cr.execute(
            SQL(
                """
            SELECT a.product_id, a.warehouse_id,
                   COALESCE(a.old_min_qty, 0), COALESCE(a.old_max_qty, 0),
                   CASE WHEN a.action = 'archive' THEN 0 ELSE COALESCE(a.new_min_qty, 0) END,
                   CASE WHEN a.action = 'archive' THEN 0 ELSE COALESCE(a.new_max_qty, 0) END
              FROM stock_replenishment_audit a
             WHERE a.company_id = %s AND a.product_id IS NOT NULL
               AND a.warehouse_id IS NOT NULL AND a.date >= %s AND a.date < %s
          ORDER BY a.id
            """,
                ctx["company"].id,
                fields.Datetime.to_datetime(ctx["date_from"]),
                fields.Datetime.to_datetime(ctx["date_to"] + timedelta(days=1)),
            )
        )
        changes = {}
        for row in self.env.cr.fetchall():
            changes.setdefault((row[0], row[1]), []).append(row)
        ctx["rule_changes"] = changes
        return changes

    # ------------------------------------------------------------------ computation
    def _snapshot_batch(self, ctx, profile_ids):
        """Product x warehouse figures of the period and per day for one batch of plans.

        Returns (product rows of the period, product x day figures)."""
        pairs = self._fetch_pairs(profile_ids)
        product_ids = sorted(set(pairs["product_id"].tolist()))
        warehouse_ids = sorted(set(pairs["warehouse_id"].tolist()))
        days = ctx["days"]
        day_index = {d: i for i, d in enumerate(days)}
        T = len(days)
        m = len(pairs)
        row_of = {
            (p, w): i
            for i, (p, w) in enumerate(zip(pairs.product_id, pairs.warehouse_id, strict=True))
        }
        # A value that is not a number (NaN, infinite: a hostile import, a broken unit)
        # leaves its plan out of every figure, with the field named; never in a column.
        issues = [""] * m

        def flag(i, what, value):
            if isinstance(value, float) and math.isnan(value):
                value = self.env._("not a number (NaN)")
            elif isinstance(value, float) and math.isinf(value):
                value = self.env._("infinite")
            if not issues[i]:
                issues[i] = self.env._("%(what)s is %(value)s", what=what, value=value)

        costs = self._unit_costs(ctx["company"], product_ids)
        cost = np.array([costs.get(p, 0.0) for p in pairs.product_id], dtype=float)
        for i in np.flatnonzero(~np.isfinite(cost)):
            flag(i, self.env._("the product cost"), cost[i])
        cost = np.where(np.isfinite(cost), cost, 0.0)

        # Stock: end-of-day on-hand rebuilt from today's quants and the done flows.
        onhand = self._fetch_onhand(product_ids, warehouse_ids)
        current = np.array([onhand.get(k, 0.0) for k in row_of], dtype=float)
        for i in np.flatnonzero(~np.isfinite(current)):
            flag(i, self.env._("the on-hand quantity"), current[i])
        current = np.where(np.isfinite(current), current, 0.0)
        flow = np.zeros((m, T))
        issued = np.zeros((m, T))
        after = np.zeros(m)
        flows = self._fetch_flows(ctx, product_ids, warehouse_ids)
        for p, w, d, net, iss in flows.itertuples(index=False):
            i = row_of.get((p, w))
            if i is None:
                continue
            if not (math.isfinite(float(net)) and math.isfinite(float(iss))):
                flag(i, self.env._("the quantity of a done stock move on %s", d), float(net))
                continue
            t = day_index.get(d)
            if t is None:
                after[i] += float(net)
            else:
                flow[i, t] += float(net)
                issued[i, t] += float(iss)
        stock = end_of_day_stock(current, flow, after)
        stock_pos = np.maximum(stock, 0.0)

        # Demand lines: fill rates by promised day, open demand by day.
        lines = self._fetch_demand_lines(ctx, product_ids, warehouse_ids)
        open_demand = np.zeros((m, T), dtype=bool)
        lines_total = np.zeros((m, T))
        lines_ok = np.zeros((m, T))
        ordered = np.zeros((m, T))
        shipped_ok = np.zeros((m, T))
        backorder = np.zeros(m)
        day_arr = np.array(days, dtype="datetime64[D]")
        end = np.datetime64(ctx["date_to"], "D")
        if len(lines):
            lines["row"] = [
                row_of.get((p, w), -1)
                for p, w in zip(lines.product_id, lines.warehouse_id, strict=True)
            ]
            lines = lines[lines["row"] >= 0].copy()
        if len(lines):
            lines["ordered"] = lines["ordered"].astype(float)
            lines["shipped"] = lines["shipped"].astype(float)
            broken = ~(np.isfinite(lines["ordered"]) & np.isfinite(lines["shipped"]))
            for r in lines[broken].itertuples(index=False):
                value = r.ordered if not math.isfinite(r.ordered) else r.shipped
                flag(r.row, self.env._("the quantity of a customer delivery"), value)
            lines = lines[~broken].copy()
        if len(lines):
            lines["on_time"] = lines["done"] & (lines["day"] <= lines["promised"])
            lines["shipped_on_time"] = np.where(
                lines["on_time"], np.minimum(lines["shipped"], lines["ordered"]), 0.0
            )
            promised = lines["promised"].to_numpy(dtype="datetime64[D]")
            done_day = np.where(
                lines["done"].to_numpy(),
                lines["day"].to_numpy(dtype="datetime64[D]"),
                np.datetime64("9999-12-31", "D"),
            )
            # Open on day t: promised by then and not shipped by its end.
            is_open = (promised[:, None] <= day_arr[None, :]) & (
                done_day[:, None] > day_arr[None, :]
            )
            np.logical_or.at(open_demand, lines["row"].to_numpy(), is_open)
            late = (promised <= end) & (done_day > end)
            np.add.at(backorder, lines["row"].to_numpy()[late], lines["ordered"].to_numpy()[late])
            # A line (sale line, else move) is complete when all its moves shipped on time.
            in_period = lines[lines["promised"] >= ctx["date_from"]].copy()
            # The promised day as its index in the period: an integer maximum per line
            # (a maximum of date objects takes pandas' slow path, one call per group).
            in_period["t"] = (
                in_period["promised"].to_numpy(dtype="datetime64[D]")
                - np.datetime64(ctx["date_from"], "D")
            ).astype(int)
            grouped = in_period.groupby(["row", "line_key"], as_index=False).agg(
                t=("t", "max"),
                ordered=("ordered", "sum"),
                shipped_on_time=("shipped_on_time", "sum"),
            )
            rows = grouped["row"].to_numpy()
            t_idx = grouped["t"].to_numpy(dtype=int)
            complete = grouped["shipped_on_time"].to_numpy() >= grouped["ordered"].to_numpy() - 1e-6
            np.add.at(lines_total, (rows, t_idx), 1)
            np.add.at(lines_ok, (rows, t_idx), complete.astype(float))
            np.add.at(ordered, (rows, t_idx), grouped["ordered"].to_numpy())
            np.add.at(shipped_ok, (rows, t_idx), grouped["shipped_on_time"].to_numpy())
        stockout = open_demand & (stock <= 0)

        # Working-capital effect of the reorder-rule changes applied in the period.
        wc = np.zeros(m)
        changes = self._rule_changes(ctx)
        audit = [r for key in row_of for r in changes.get(key, ())]
        if audit:
            arr = np.array([r[2:] for r in audit], dtype=float)
            idx = np.array([row_of.get((r[0], r[1]), -1) for r in audit])
            finite = np.isfinite(arr).all(axis=1)
            for i in idx[(idx >= 0) & ~finite]:
                flag(i, self.env._("a min or max of a reorder-rule change"), math.nan)
            keep = (idx >= 0) & finite
            arr = np.where(np.isfinite(arr), arr, 0.0)
            effect = working_capital_effect(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], cost[idx])
            np.add.at(wc, idx[keep], effect[keep])

        with np.errstate(over="ignore", invalid="ignore"):  # flagged below, never written
            value_daily = stock_pos * cost[:, None]
            cogs_daily = issued * cost[:, None]
            period = pairs.copy()
            period["cost"] = cost
            period["pair_count"] = 1
            period["avg_inventory_qty"] = stock_pos.mean(axis=1) if T else 0.0
            period["avg_inventory_value"] = value_daily.mean(axis=1) if T else 0.0
            period["end_inventory_value"] = value_daily[:, -1] if T else 0.0
            period["issued_qty"] = issued.sum(axis=1)
            period["cogs_value"] = cogs_daily.sum(axis=1)
            period["lines_total"] = lines_total.sum(axis=1)
            period["lines_on_time"] = lines_ok.sum(axis=1)
            period["ordered_qty"] = ordered.sum(axis=1)
            period["shipped_on_time_qty"] = shipped_ok.sum(axis=1)
            period["stockout_days"] = stockout.sum(axis=1)
            period["observed_days"] = T
            period["backorder_qty"] = backorder
            period["excess_value"] = excess_value(
                stock[:, -1] if T else 0.0, pairs["max_qty"], cost
            )
            period["wc_effect_value"] = wc

        # Figures too large to compute (a cost of 1e300) are not numbers either.
        figures = [c for c in SUM_COLUMNS if c in period.columns]
        overflow = ~np.isfinite(period[figures].to_numpy(dtype=float)).all(axis=1)
        overflow |= ~np.isfinite(value_daily).all(axis=1) | ~np.isfinite(cogs_daily).all(axis=1)
        for i in np.flatnonzero(overflow):
            flag(i, self.env._("the stock value"), self.env._("too large to compute"))
        # Left out of every figure: quarantined plans (their data is not trusted: a cost
        # of 1e15 would make the company's stock value) and plans with values that are not
        # numbers. Their product row stays, counted as quarantined, with no figure.
        period["data_issue"] = issues
        excluded = pairs["quarantined"].to_numpy(dtype=bool) | np.array(
            [bool(x) for x in issues], dtype=bool
        )
        period.loc[excluded, figures] = 0
        period.loc[excluded, "cost"] = 0.0
        period["quarantined_count"] = excluded.astype(int)
        period["failed_count"] = 0
        period["pair_count"] = (~excluded).astype(int)

        # Per day and segment x warehouse (for the day rows and the control charts).
        keys = pairs[["warehouse_id", "segment_id"]].fillna(0).astype(int)
        kept = np.flatnonzero(~excluded)
        keys = keys.iloc[kept].reset_index(drop=True)
        stock_pos, value_daily, issued, cogs_daily = (
            stock_pos[kept],
            value_daily[kept],
            issued[kept],
            cogs_daily[kept],
        )
        lines_total, lines_ok, ordered, shipped_ok = (
            lines_total[kept],
            lines_ok[kept],
            ordered[kept],
            shipped_ok[kept],
        )
        stockout, open_demand = stockout[kept], open_demand[kept]
        day_df = self._day_figures(
            keys,
            days,
            {
                "avg_inventory_qty": stock_pos,
                "avg_inventory_value": value_daily,
                "end_inventory_value": value_daily,
                "issued_qty": issued,
                "cogs_value": cogs_daily,
                "lines_total": lines_total,
                "lines_on_time": lines_ok,
                "ordered_qty": ordered,
                "shipped_on_time_qty": shipped_ok,
                "stockout_days": stockout.astype(int),
                "backorder_qty": open_demand * 0.0,
            },
        )
        return period, day_df

    @staticmethod
    def _day_figures(keys, days, figures):
        """The batch's figures summed per segment x warehouse and day, in one group-by:
        one row per (warehouse, segment, day) in day order, then warehouse and segment.

        ``keys`` holds the plans' warehouse and segment, ``figures`` one plan x day array
        per column. The plans are stacked day after day, so each group adds its plans in
        their order, as a group-by per day would."""
        n, n_days = len(keys), len(days)
        if not n_days:
            return pd.DataFrame()
        frame = pd.DataFrame(
            {
                "warehouse_id": np.tile(keys["warehouse_id"].to_numpy(), n_days),
                "segment_id": np.tile(keys["segment_id"].to_numpy(), n_days),
                "t": np.repeat(np.arange(n_days), n),
                "pair_count": 1,
                **{col: figures[col].T.reshape(-1) for col in DAY_FIGURES},
                "observed_days": 1,
                "backorder_qty": figures["backorder_qty"].T.reshape(-1),
                "excess_value": 0.0,
                "wc_effect_value": 0.0,
            }
        )
        out = (
            frame.groupby(["warehouse_id", "segment_id", "t"], as_index=False)
            .sum()
            .sort_values(["t", "warehouse_id", "segment_id"], kind="stable")
        )
        out.insert(2, "day", np.array(list(days), dtype=object)[out["t"].to_numpy()])
        return out.drop(columns="t").reset_index(drop=True)

    def _ratios(self, df, period_days):
        """Engine ratios on summed figures (in place); rates in percent."""
        # No stock on average: turns undefined (not 0), as the stockout rate of a row
        # observed on no day (a plan left out of the figures).
        no_stock = df["avg_inventory_value"].to_numpy(dtype=float) <= 0
        turns = inventory_turns(df["cogs_value"], df["avg_inventory_value"])
        df["turns"] = np.where(no_stock, np.nan, turns)
        dos = days_of_supply(df["avg_inventory_value"], df["cogs_value"], period_days)
        # Without issues the days of supply is undefined: no value (the engine's capped
        # "1,000 x the period" would dominate every average), flagged as no demand.
        no_issue = (df["issued_qty"].to_numpy(dtype=float) <= 0) | (
            df["cogs_value"].to_numpy(dtype=float) <= 0
        )
        df["days_of_supply"] = np.where(no_issue, np.nan, dos)
        df["no_demand"] = df["issued_qty"].to_numpy(dtype=float) <= 0
        qty_fr, line_fr = fill_rates(
            df["ordered_qty"], df["shipped_on_time_qty"], df["lines_total"], df["lines_on_time"]
        )
        # No delivery line: no fill rate (no data), not 0 %.
        no_lines = df["lines_total"].to_numpy(dtype=float) <= 0
        no_qty = df["ordered_qty"].to_numpy(dtype=float) <= 0
        df["qty_fill_rate"] = np.where(no_lines | no_qty, np.nan, qty_fr * 100.0)
        df["line_fill_rate"] = np.where(no_lines, np.nan, line_fr * 100.0)
        rate = stockout_rate(df["stockout_days"], df["observed_days"]) * 100.0
        df["stockout_rate"] = np.where(df["observed_days"].to_numpy(dtype=float) <= 0, np.nan, rate)
        return df

    def _segment_targets(self, df, params):
        segments = self.env["stock.segment"].browse(sorted(set(df["segment_id"]) - {0}))
        info = {s.id: (s.service_metric, s.service_level_target) for s in segments}
        metric = df["segment_id"].map(lambda s: info.get(s, ("", 0.0))[0])
        df["service_target"] = df["segment_id"].map(lambda s: info.get(s, ("", 0.0))[1])
        # Without a delivery line promised in the period there is nothing to measure: no
        # service figure and the status "No data" (never "On target" on no data).
        achieved = np.where(
            metric == "fill_rate", df["qty_fill_rate"], 100.0 - df["stockout_rate"]
        ).astype(float)
        no_data = (df["lines_total"].to_numpy(dtype=float) <= 0) | ~np.isfinite(achieved)
        df["service_achieved"] = np.where(no_data, np.nan, achieved)
        status = service_status(
            np.where(no_data, 0.0, achieved), df["service_target"], params["amber_band"]
        )
        status = np.where(no_data, "none", status)
        # No status without a plan in the figures (all quarantined or failed).
        df["service_status"] = np.where(
            (df["segment_id"] > 0) & (df["pair_count"] > 0), status, None
        )
        return df

    def _forecast_accuracy(self, ctx, df):
        """Pooled WAPE and bias of the month from the forecast accuracy records."""
        # No accuracy record: no WAPE nor bias (not 0 %, a perfect forecast).
        df["wape"] = np.nan
        df["forecast_bias"] = np.nan
        df["forecast_scored"] = False
        acc = self.env["stock.forecast.accuracy"].search_read(
            [
                ("company_id", "=", ctx["company"].id),
                ("month", "=", ctx["date_from"].replace(day=1)),
            ],
            ["warehouse_id", "segment_id", "wape", "bias", "actual_qty", "bucket_count"],
        )
        if not acc:
            return df
        frame = pd.DataFrame(acc)
        frame["warehouse_id"] = frame["warehouse_id"].map(lambda v: v[0] if v else 0)
        frame["segment_id"] = frame["segment_id"].map(lambda v: v[0] if v else 0)
        for (w, s), grp in frame.groupby(["warehouse_id", "segment_id"]):
            mask = (df["warehouse_id"] == w) & (df["segment_id"] == s)
            if grp["actual_qty"].sum() > 0:
                df.loc[mask, "wape"] = pooled_wape(grp["wape"], grp["actual_qty"])
            if grp["bucket_count"].sum() > 0:
                df.loc[mask, "forecast_bias"] = pooled_mean(grp["bias"], grp["bucket_count"])
            df.loc[mask, "forecast_scored"] = True
        return df

    def _ranks(self, df):
        if not len(df):
            df["rank_fill_rate"] = []
            df["rank_turns"] = []
            return df
        period_key = df["date_from"].astype(str)
        # Rows without a fill rate are not ranked (and do not push the others down).
        fill = df["qty_fill_rate"].to_numpy(dtype=float)
        ranks = rank_within_groups(
            np.where(np.isfinite(fill), fill, -np.inf),
            (period_key + "|" + df["segment_id"].astype(str)).to_numpy(),
        )
        df["rank_fill_rate"] = np.where(np.isfinite(fill), ranks, 0)
        turns = df["turns"].to_numpy(dtype=float)
        ranks = rank_within_groups(
            np.where(np.isfinite(turns), turns, -np.inf),
            (period_key + "|" + df["warehouse_id"].astype(str)).to_numpy(),
        )
        df["rank_turns"] = np.where(np.isfinite(turns), ranks, 0)
        return df

    def _replace_rows(self, ctx, products, days, params, failed=None):
        """Write the month's rows of the company: product and segment rows of the month,
        segment rows of each day. A row of the same key as before is updated only when a
        figure changed, so a rerun on unchanged data writes nothing; rows no longer found
        are removed, except the product rows of ``failed`` plans (their last figures).
        Returns the number of product rows computed."""
        company = ctx["company"]
        failed = failed if failed is not None else pd.DataFrame()
        base = {
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "profile_id": 0,
            "product_id": 0,
        }
        frames, seg_input = [], []
        if len(products):
            prod = products.copy()
            prod["segment_id"] = prod["segment_id"].fillna(0).astype(int)
            prod = self._aging_values(ctx, prod, params)
            excluded = prod["quarantined_count"] > 0
            prod.loc[excluded, ["slow_moving_value", "obsolete_value"]] = 0.0
            prod = self._ratios(prod, ctx["n_days"])
            prod = prod.assign(
                period_type="month",
                level="product",
                date_from=ctx["date_from"],
                date_to=ctx["date_to"],
                period_days=ctx["n_days"],
                company_id=company.id,
                currency_id=company.currency_id.id,
            )
            frames.append(prod)
            seg_input.append(prod[["warehouse_id", "segment_id", *SUM_COLUMNS]])
        if len(failed):
            # Plans the snapshot failed on: counted on their segment, in no figure.
            lost = failed[["warehouse_id", "segment_id"]].copy()
            lost["segment_id"] = lost["segment_id"].fillna(0).astype(int)
            for col in SUM_COLUMNS:
                lost[col] = 0
            lost["failed_count"] = 1
            seg_input.append(lost)
        if seg_input:
            seg = (
                pd.concat(seg_input, ignore_index=True)
                .groupby(["warehouse_id", "segment_id"], as_index=False)[list(SUM_COLUMNS)]
                .sum()
            )
            seg = self._ratios(seg, ctx["n_days"])
            seg = seg.assign(
                period_type="month",
                level="segment",
                date_from=ctx["date_from"],
                date_to=ctx["date_to"],
                period_days=ctx["n_days"],
                **base,
            )
            seg = self._forecast_accuracy(ctx, seg)
            seg = self._segment_targets(seg, params)
            frames.append(self._ranks(seg))
        if len(days):
            day = days.groupby(["warehouse_id", "segment_id", "day"], as_index=False).sum()
            day = self._ratios(day, 1)
            day = day.assign(period_type="day", level="segment", period_days=1, **base)
            day["date_from"] = day["day"]
            day["date_to"] = day["day"]
            day = self._segment_targets(day, params)
            frames.append(self._ranks(day))
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        keep = set(failed["profile_id"].tolist()) if len(failed) else set()
        self._write_rows(company, ctx["date_from"], ctx["month_to"], rows, keep)
        return len(products)

    def _aging_values(self, ctx, df, params):
        """Slow-moving and obsolete value per product x warehouse from the lifecycle
        module's latest stock aging up to the period end (zero when it is not installed)."""
        df["slow_moving_value"] = 0.0
        df["obsolete_value"] = 0.0
        if "stock.aging.report" not in self.env or not len(df):
            return df
        company = ctx["company"].id
        self.env.cr.execute(
            SQL(
                """
            WITH latest AS (
                SELECT MAX(snapshot_date) AS day FROM stock_aging_report
                 WHERE company_id = %(company)s AND snapshot_date <= %(end)s
            ), bucket AS (
                SELECT id, COALESCE(LAG(max_age_days) OVER (
                           ORDER BY max_age_days = 0, max_age_days), 0) AS lower_days
                  FROM stock_aging_bucket
                 WHERE active AND (company_id = %(company)s OR company_id IS NULL)
            )
            SELECT r.product_id, r.warehouse_id,
                   SUM(CASE WHEN b.lower_days >= %(slow)s THEN r.value ELSE 0 END),
                   SUM(CASE WHEN r.lifecycle_stage IN ('end_of_life', 'obsolete')
                            THEN r.value ELSE 0 END)
              FROM stock_aging_report r
              JOIN latest ON r.snapshot_date = latest.day
              JOIN bucket b ON b.id = r.bucket_id
             WHERE r.company_id = %(company)s
          GROUP BY r.product_id, r.warehouse_id
            """,
                company=company,
                end=ctx["date_to"],
                slow=params["slow_moving_days"],
            )
        )
        aged = {(p, w): (float(s or 0), float(o or 0)) for p, w, s, o in self.env.cr.fetchall()}
        if aged:
            keys = list(zip(df["product_id"], df["warehouse_id"], strict=True))
            df["slow_moving_value"] = [aged.get(k, (0.0, 0.0))[0] for k in keys]
            df["obsolete_value"] = [aged.get(k, (0.0, 0.0))[1] for k in keys]
        return df

    @staticmethod
    def _column_values(df):
        """The DataFrame's COLUMNS as lists of database values: ids 0 as NULL, counts as
        integers, floats always finite (a value that is not a number is written as 0;
        the snapshot leaves such plans out before this) except the undefined ratios of
        NULLABLE_COLUMNS (NULL), texts and dates as such."""

        def number(v):
            try:
                v = float(v)
            except (TypeError, ValueError):
                return None
            return v if math.isfinite(v) else None

        def numbers(col):
            # A column of numbers (or booleans) converted at once, as ``number`` does
            # value by value; any other column value by value.
            series = df[col]
            if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf":
                arr = series.to_numpy(dtype=float)
                finite = np.isfinite(arr)
                return [
                    v if ok else None for v, ok in zip(arr.tolist(), finite.tolist(), strict=True)
                ]
            return [number(v) for v in series.tolist()]

        out = {}
        n = len(df)
        for col, sqltype in COLUMNS.items():
            if col not in df.columns:
                values = [None] * n
            elif sqltype in ("int4", "float8"):
                values = numbers(col)
            else:
                values = df[col].tolist()
            if sqltype == "int4":
                values = [int(v) if v else None for v in values]
                if col in COUNT_COLUMNS:
                    values = [v or 0 for v in values]
            elif sqltype == "float8":
                if col not in NULLABLE_COLUMNS:
                    values = [v or 0.0 for v in values]
            elif sqltype == "bool":
                values = [bool(v) if v is not None and v == v else False for v in values]
            elif sqltype == "date":
                values = [
                    None if v is None or pd.isna(v) else pd.Timestamp(v).date() for v in values
                ]
            else:
                values = [
                    None if v is None or (isinstance(v, float) and v != v) else str(v)
                    for v in values
                ]
            out[col] = values
        return out

    @staticmethod
    def _same_row(old, new):
        for sqltype, a, b in zip(COLUMNS.values(), old, new, strict=True):
            if sqltype == "float8":
                if (a is None) != (b is None):
                    return False
                if not math.isclose(a or 0.0, b or 0.0, rel_tol=1e-12, abs_tol=1e-9):
                    return False
            elif a != b:
                return False
        return True

    def _write_rows(self, company, date_from, date_to, df, keep_profiles=()):
        """Make the company's rows dated ``date_from``..``date_to`` those of ``df``: insert
        new keys, update changed rows, remove rows no longer found (not the product rows of
        ``keep_profiles``). Unchanged rows are not written (same id, same write date)."""
        names = list(COLUMNS)
        key_at = [names.index(c) for c in KEY_COLUMNS]
        profile_at, level_at = names.index("profile_id"), names.index("level")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT id, %s FROM stock_kpi_snapshot
             WHERE company_id = %s AND date_from >= %s AND date_from <= %s
          ORDER BY id
            """,
                SQL(", ").join(SQL.identifier(c) for c in names),
                company.id,
                date_from,
                date_to,
            )
        )
        existing, stale = {}, []
        for rid, *vals in self.env.cr.fetchall():
            key = tuple(vals[i] or 0 for i in key_at)
            if key in existing:
                stale.append(rid)  # a duplicate: one row per key
            else:
                existing[key] = (rid, vals)
        columns = self._column_values(df)
        inserts, updates = [], []
        for values in zip(*(columns[c] for c in names), strict=True) if len(df) else []:
            key = tuple(values[i] or 0 for i in key_at)
            old = existing.pop(key, None)
            if old is None:
                inserts.append(values)
            elif tuple(old[1]) != values and not self._same_row(old[1], values):
                updates.append((old[0], *values))
        stale += [
            rid
            for rid, vals in existing.values()
            if not (vals[level_at] == "product" and vals[profile_at] in keep_profiles)
        ]
        if stale:
            self.env.cr.execute(
                SQL("DELETE FROM stock_kpi_snapshot WHERE id = ANY(%s)", sorted(stale))
            )
        uid = self.env.uid

        def arrays(rows, offset=0):
            return SQL(", ").join(
                SQL(f"%s::{sqltype}[]", [r[offset + j] for r in rows])
                for j, sqltype in enumerate(COLUMNS.values())
            )

        for chunk in split_every(20000, inserts, list):
            self.env.cr.execute(
                SQL(
                    "INSERT INTO stock_kpi_snapshot (%s, create_uid, write_uid, create_date, "
                    "write_date) SELECT *, %s, %s, now() AT TIME ZONE 'UTC', "
                    "now() AT TIME ZONE 'UTC' FROM unnest(%s)",
                    SQL(", ").join(SQL.identifier(c) for c in names),
                    uid,
                    uid,
                    arrays(chunk),
                )
            )
        for chunk in split_every(20000, updates, list):
            self.env.cr.execute(
                SQL(
                    """
                UPDATE stock_kpi_snapshot AS s
                   SET %(assign)s, write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%(ids)s::int4[], %(arrays)s) AS v(id, %(names)s)
                 WHERE s.id = v.id
                """,
                    assign=SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in names
                    ),
                    uid=uid,
                    ids=[r[0] for r in chunk],
                    arrays=arrays(chunk, 1),
                    names=SQL(", ").join(SQL.identifier(c) for c in names),
                )
            )
        self.invalidate_model()
        return len(inserts), len(updates), len(stale)

    # ------------------------------------------------------------------ SPC
    @api.model
    def _control_chart(self, company, day):
        """I-MR limits and Western Electric rules per segment x warehouse and metric over
        the trailing window of day rows ending ``day``. Returns a DataFrame with one row per
        series: keys, limits (the lower limit clipped at 0, rates' upper limit at 100 %:
        the measures cannot go beyond), last value, the rules firing on the last point,
        the days in a row beyond the limits, and the window's figures that value an
        alert (unit cost, cost of goods issued per product-day, usual stock value)."""
        window = self._kpi_params()["spc_window_days"]
        start = day - timedelta(days=window - 1)
        rows = self.search_read(
            [
                ("company_id", "=", company.id),
                ("period_type", "=", "day"),
                ("level", "=", "segment"),
                ("date_from", ">=", start),
                ("date_from", "<=", day),
            ],
            [
                "warehouse_id",
                "segment_id",
                "date_from",
                "lines_total",
                "ordered_qty",
                "observed_days",
                "issued_qty",
                "cogs_value",
                "avg_inventory_qty",
                *SPC_METRICS,
            ],
        )
        if not rows:
            return pd.DataFrame()
        df = pd.DataFrame(rows)
        df["warehouse_id"] = df["warehouse_id"].map(lambda v: v[0] if v else 0)
        df["segment_id"] = df["segment_id"].map(lambda v: v[0] if v else 0)
        # A day without promised lines has no fill rate: not a point of that chart.
        df.loc[df["lines_total"] == 0, "qty_fill_rate"] = np.nan
        keys = ["warehouse_id", "segment_id"]
        base = df.groupby(keys).agg(
            cogs=("cogs_value", "sum"),
            issued=("issued_qty", "sum"),
            inv_value=("avg_inventory_value", "sum"),
            inv_qty=("avg_inventory_qty", "sum"),
            observed=("observed_days", "sum"),
            days=("date_from", "count"),
        )
        last = df[df["date_from"] == day].groupby(keys)[["observed_days", "ordered_qty"]].sum()
        dates = pd.date_range(start, day, freq="D").date
        out = []
        for metric in SPC_METRICS:
            mat = df.pivot_table(
                index=keys,
                columns="date_from",
                values=metric,
                dropna=False,
            ).reindex(columns=list(dates))
            x = mat.to_numpy(dtype=float)
            limits = individuals_limits(x)
            rules = western_electric_alerts(x, limits["center"], limits["sigma"])
            res = limits.copy()
            # Stock values and rates are never negative, rates never above 100 %.
            res["lcl"] = np.maximum(res["lcl"].to_numpy(dtype=float), 0.0)
            if metric in SPC_RATES:
                res["ucl"] = np.minimum(res["ucl"].to_numpy(dtype=float), 100.0)
            res["warehouse_id"] = [k[0] for k in mat.index]
            res["segment_id"] = [k[1] for k in mat.index]
            res["metric"] = metric
            res["last_value"] = x[:, -1]
            res["rules"] = [
                [name for name, flags in rules.items() if name != "any" and flags[i, -1]]
                for i in range(x.shape[0])
            ]
            res["run_days"] = [
                self._days_beyond(x[i], res["lcl"].iloc[i], res["ucl"].iloc[i])
                for i in range(x.shape[0])
            ]
            b = base.reindex(list(mat.index)).fillna(0.0)
            lst = last.reindex(list(mat.index)).fillna(0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                cost_issued = np.where(b["issued"] > 0, b["cogs"] / b["issued"], np.nan)
                cost_stock = np.where(b["inv_qty"] > 0, b["inv_value"] / b["inv_qty"], 0.0)
                res["unit_cost"] = np.where(np.isfinite(cost_issued), cost_issued, cost_stock)
                res["cogs_per_day"] = np.where(b["observed"] > 0, b["cogs"] / b["observed"], 0.0)
                res["usual_value"] = np.where(b["days"] > 0, b["inv_value"] / b["days"], 0.0)
            res["last_observed"] = lst["observed_days"].to_numpy(dtype=float)
            res["last_ordered"] = lst["ordered_qty"].to_numpy(dtype=float)
            out.append(res)
        return pd.concat(out, ignore_index=True)

    @staticmethod
    def _days_beyond(values, lcl, ucl):
        """Days in a row, ending with the last point, beyond the control limit on the side
        of the last point (0 when the last point is within its limits)."""
        count = 0
        up = len(values) and values[-1] > ucl
        for v in values[::-1]:
            if not math.isfinite(v) or not (v > ucl if up else v < lcl):
                break
            count += 1
        return count

    @staticmethod
    def _same_value(record, fname, value):
        field = record._fields[fname]
        new = field.convert_to_cache(value, record)
        old = record[fname]
        if field.type in ("float", "monetary"):
            return math.isclose(old or 0.0, new or 0.0, rel_tol=1e-9, abs_tol=1e-6)
        if field.type == "many2one":
            return old.id == (new or False) or old.id == new
        return old == new or (not old and not new)

    def _spc_impact(self, r):
        """The money at stake of an alert and what it is, from the chart's figures:

        - inventory value above its usual level: the stock value above the upper control
          limit (above the usual level when the point is not beyond the limit);
        - stockout rate up: the extra product-days out of stock times the cost of goods
          issued per product-day of the window (lost sales, at cost);
        - fill rate down: the extra share of the day's promised quantity not shipped on
          time, at the unit cost of the window's issues.

        A favourable move (less stock, fewer stockouts, better fill rate) has none (0)."""
        up = r.last_value > r.center
        if r.metric == "avg_inventory_value" and up:
            if r.last_value > r.ucl:
                return r.last_value - r.ucl, self.env._("stock value above the upper limit")
            return r.last_value - r.center, self.env._("stock value above the usual level")
        if r.metric == "stockout_rate" and up:
            extra_days = (r.last_value - r.center) / 100.0 * r.last_observed
            return (
                max(extra_days * r.cogs_per_day, 0.0),
                self.env._(
                    "lost sales at cost of %s more product-days out of stock", round(extra_days, 1)
                ),
            )
        if r.metric == "qty_fill_rate" and not up:
            short = (r.center - r.last_value) / 100.0 * r.last_ordered
            return (
                max(short * r.unit_cost, 0.0),
                self.env._(
                    "value at cost of %s units not shipped on time beyond the usual",
                    round(short, 1),
                ),
            )
        return 0.0, ""

    @staticmethod
    def _spc_severity(impact, usual_value):
        """Low when nothing (or little) is at stake: the impact against the usual stock value
        of the segment x warehouse: 10 % or more high, 2 % or more medium, else low."""
        if not impact or impact <= 0:
            return "low"
        if usual_value <= 0:
            return "medium"
        ratio = impact / usual_value
        for bound, severity in SPC_SEVERITY_BANDS:
            if ratio >= bound:
                return severity
        return "low"

    def _spc_rule_words(self, rules, up):
        """The rules that fired, in words (no codes)."""
        words = {
            "beyond_3_sigma": self.env._("beyond its control limits"),
            "two_of_three_2_sigma": self.env._("far from its usual level on 2 of the last 3 days"),
            "four_of_five_1_sigma": self.env._("off its usual level on 4 of the last 5 days"),
            "eight_same_side": self.env._("above its average for 8 days in a row")
            if up
            else self.env._("below its average for 8 days in a row"),
        }
        return "; ".join(words.get(rule, rule) for rule in rules)

    def _spc_message(self, r, day, company=None):
        """The alert in plain words: what the KPI did and for how long, its value against
        its usual range, then the money at stake."""
        labels = dict(
            self.env["stock.planning.exception"]
            ._fields["kpi_metric"]
            ._description_selection(self.env)
        )
        metric = labels.get(r.metric, r.metric)
        up = r.last_value > r.center
        if r.metric == "avg_inventory_value":

            def fmt(v):
                return f"{v:,.0f}"
        else:

            def fmt(v):
                return f"{v:.1f} %"

        figures = {
            "metric": metric,
            "value": fmt(r.last_value),
            "lcl": fmt(r.lcl),
            "ucl": fmt(r.ucl),
            "center": fmt(r.center),
            "day": day,
            "days": int(r.run_days),
        }
        if "beyond_3_sigma" in r.rules and r.run_days > 1:
            text = (
                self.env._(
                    "%(metric)s above its usual range for %(days)s days: %(value)s against "
                    "%(lcl)s to %(ucl)s.",
                    **figures,
                )
                if up
                else self.env._(
                    "%(metric)s below its usual range for %(days)s days: %(value)s against "
                    "%(lcl)s to %(ucl)s.",
                    **figures,
                )
            )
        elif "beyond_3_sigma" in r.rules:
            text = (
                self.env._(
                    "%(metric)s above its usual range on %(day)s: %(value)s against %(lcl)s "
                    "to %(ucl)s.",
                    **figures,
                )
                if up
                else self.env._(
                    "%(metric)s below its usual range on %(day)s: %(value)s against %(lcl)s "
                    "to %(ucl)s.",
                    **figures,
                )
            )
        elif "two_of_three_2_sigma" in r.rules:
            text = (
                self.env._(
                    "%(metric)s unusually high on 2 of the last 3 days: %(value)s on %(day)s "
                    "against a usual %(center)s (range %(lcl)s to %(ucl)s).",
                    **figures,
                )
                if up
                else self.env._(
                    "%(metric)s unusually low on 2 of the last 3 days: %(value)s on %(day)s "
                    "against a usual %(center)s (range %(lcl)s to %(ucl)s).",
                    **figures,
                )
            )
        elif "four_of_five_1_sigma" in r.rules:
            text = (
                self.env._(
                    "%(metric)s above its usual level on 4 of the last 5 days: %(value)s on "
                    "%(day)s against a usual %(center)s (range %(lcl)s to %(ucl)s).",
                    **figures,
                )
                if up
                else self.env._(
                    "%(metric)s below its usual level on 4 of the last 5 days: %(value)s on "
                    "%(day)s against a usual %(center)s (range %(lcl)s to %(ucl)s).",
                    **figures,
                )
            )
        else:
            text = (
                self.env._(
                    "%(metric)s above its average for 8 days in a row: %(value)s on %(day)s "
                    "against a usual %(center)s (range %(lcl)s to %(ucl)s).",
                    **figures,
                )
                if up
                else self.env._(
                    "%(metric)s below its average for 8 days in a row: %(value)s on %(day)s "
                    "against a usual %(center)s (range %(lcl)s to %(ucl)s).",
                    **figures,
                )
            )
        impact, what = self._spc_impact(r)
        company = company or self.env.company
        if impact > 0:
            text += " " + self.env._(
                "At stake: %(amount)s (%(what)s).",
                amount=format_amount(self.env, impact, company.currency_id),
                what=what,
            )
        else:
            text += " " + self.env._("No money at stake measured: the move is not a loss.")
        return text

    @api.model
    def _run_spc(self, company, day):
        """Raise (or close) KPI control exceptions from :meth:`_control_chart`."""
        chart = self._control_chart(company, day)
        Exc = self.env["stock.planning.exception"].sudo()
        existing = Exc.search(
            [
                ("source", "=", SPC_SOURCE),
                ("company_id", "=", company.id),
                ("state", "in", ["new", "in_progress", "ignored"]),
            ]
        )
        by_key = {(e.warehouse_id.id, e.segment_id.id, e.kpi_metric): e for e in existing}
        found = {}
        for r in chart.itertuples(index=False) if len(chart) else []:
            if not r.rules or not all(
                math.isfinite(v) for v in (r.center, r.ucl, r.lcl, r.last_value)
            ):
                continue
            impact = round(self._spc_impact(r)[0], 2)
            found[(r.warehouse_id, r.segment_id, r.metric)] = {
                "message": self._spc_message(r, day, company),
                "severity": self._spc_severity(impact, r.usual_value),
                "financial_impact": impact,
                "kpi_rules": self._spc_rule_words(r.rules, r.last_value > r.center),
                "kpi_center": r.center,
                "kpi_ucl": r.ucl,
                "kpi_lcl": r.lcl,
                "kpi_value": r.last_value,
                "kpi_date": day,
            }
        found = self._spc_alerts_wanted(found)
        ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}
        to_create = []
        for key, vals in found.items():
            exc = by_key.get(key)
            if exc:
                # A rerun on the same figures writes nothing (same write date).
                changed = {
                    fname: value
                    for fname, value in vals.items()
                    if not self._same_value(exc, fname, value)
                }
                if changed:
                    exc.with_context(**ctx).write(changed)
                continue
            to_create.append(
                dict(
                    vals,
                    source=SPC_SOURCE,
                    exception_type="kpi_control",
                    warehouse_id=key[0] or False,
                    segment_id=key[1] or False,
                    kpi_metric=key[2],
                    company_id=company.id,
                )
            )
        if to_create:
            Exc.with_context(**ctx).create(to_create)
        cleared = Exc.browse(
            [e.id for k, e in by_key.items() if k not in found and e.state != "ignored"]
        )
        if cleared:
            cleared.with_context(**ctx).write(
                {"state": "done", "date_resolved": fields.Datetime.now(), "resolved_by_job": True}
            )
        return len(found)

    def _spc_alerts_wanted(self, found):
        """The control alerts their segment wants raised: the segment's exception setting
        (all, only above an impact threshold, none) applies to these alerts as to every
        other planning exception, through the exceptions' shared gate. An alert no longer
        wanted is closed like one back in control."""
        gate = {
            str(key): dict(vals, segment_id=key[1] or False, exception_type="kpi_control")
            for key, vals in found.items()
        }
        kept = self.env["stock.planning.exception"]._filter_by_segment_alerts(gate)
        return {key: vals for key, vals in found.items() if str(key) in kept}

    # ------------------------------------------------------------------ demo
    @api.model
    def _load_demo_snapshots(self):
        """Snapshot the last two months and the month to date, so a fresh demo database
        shows a populated scorecard, trend and control charts."""
        today = fields.Date.context_today(self)
        previous_end = today.replace(day=1) - timedelta(days=1)
        before_end = previous_end.replace(day=1) - timedelta(days=1)
        snap = self.with_context(kpi_no_commit=True)
        snap._run_snapshot(before_end, spc=False)
        snap._run_snapshot(previous_end, spc=False)
        snap._run_snapshot(today, spc=True)
        return True
