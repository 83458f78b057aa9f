import json
import logging
import math
import numbers
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.tools import SQL, split_every

from .stock_demand_forecast import BUCKETS, FORECAST_METHODS, FORECAST_STATUSES

_logger = logging.getLogger(__name__)

SOURCE = "forecast"
FORECAST_EXCEPTION_TYPES = (
    "tracking_signal",
    "bias",
    "forecast_error",
    "demand_spike",
    "no_history",
    "method_fallback",
    "data_quality",
    "job_failure",
)
FALLBACK_STATUSES = (
    "numerical_fallback",
    "not_applicable",
    "fit_failed_fallback",
    "budget_exhausted_fallback",
)
BUCKET_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0}
SEASON = {"day": 7, "week": 52, "month": 12}
MIN_ACCURACY_BUCKETS = 4
DIGITS = 6
# Profile columns the job writes, with their SQL cast (change detection skips the rest).
PROFILE_COLUMNS = {
    "forecast_method": "varchar",
    "forecast_status": "varchar",
    "forecast_bucket": "varchar",
    "avg_daily_demand": "float8",
    "forecast_sigma": "float8",
    "forecast_sigma_horizon": "float8",
    "forecast_sigma_buckets": "int4",
    "demand_sigma_daily": "float8",
    "forecast_horizon_qty": "float8",
    "forecast_daily": "float8",
    "forecast_backtest_mase": "float8",
    "forecast_wape": "float8",
    "forecast_mase": "float8",
    "forecast_bias": "float8",
    "forecast_tracking_signal": "float8",
    "forecast_accuracy_count": "int4",
    "forecast_date": "date",
    "demand_history": "jsonb",
    "demand_history_flags": "jsonb",
    "demand_history_start": "date",
    "demand_history_bucket": "varchar",
    "forecast_segment_key": "varchar",
}


# Forecast line columns the job writes per line, with their SQL cast.
LINE_COLUMNS = {
    "profile_id": "int4",
    "product_id": "int4",
    "warehouse_id": "int4",
    "segment_id": "int4",
    "date_start": "date",
    "date_end": "date",
    "state": "varchar",
    "statistical_qty": "float8",
    "override_qty": "float8",
    "has_override": "bool",
    "override_id": "int4",
    "final_qty": "float8",
    "method": "varchar",
    "sigma_qty": "float8",
}

# Accuracy report columns the job writes, with their SQL cast.
ACCURACY_COLUMNS = {
    "bucket_count": "int4",
    "actual_qty": "float8",
    "forecast_qty": "float8",
    "mad": "float8",
    "mape": "float8",
    "wape": "float8",
    "bias": "float8",
    "relative_bias": "float8",
    "tracking_signal": "float8",
    "wape_statistical": "float8",
    "value_added": "float8",
}


def _column_value(column, value):
    """Plain Python number for an accuracy column (numpy scalars do not adapt)."""
    return int(value) if ACCURACY_COLUMNS[column] == "int4" else _finite(value)


def _finite(value, default=0.0):
    """``value`` as a float, or ``default`` when it is None, NaN or infinite: NaN and inf
    never reach a column (PostgreSQL stores them in float columns, and NaN never equals
    itself, so a row holding one would be rewritten at every run)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def _array_element(value):
    """One element of a PostgreSQL array literal (see :func:`_array_literal`)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, numbers.Integral):
        return _int_text(value)
    if isinstance(value, numbers.Real):
        return _float_text(value)
    if isinstance(value, date):
        return _date_text(value)
    return _quoted(value)


def _quoted(value):
    """``value`` as a double-quoted element of an array literal."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _int_text(value):
    return str(int(value))


def _float_text(value):
    # The text psycopg2 sends for a float parameter: the same value reaches the column.
    return repr(float(value))


def _bool_text(value):
    return "t" if value else "f"


def _date_text(value):
    return value.isoformat()


# Text of one element per cast of the statement (any other cast: a quoted text).
ELEMENT_TEXT = {
    "int4": _int_text,
    "float8": _float_text,
    "bool": _bool_text,
    "date": _date_text,
}


def _array_literal(values, cast=None):
    """``values`` as the text of one PostgreSQL array literal (``'{1,2,NULL}'``), to be
    cast in the statement (``%s::int4[]``).

    psycopg2 sends a Python list as ``ARRAY[v1, v2, ...]``, an expression of one node per
    value that PostgreSQL parses and plans value by value: for the thousands of values of
    a batch that costs more than the write itself. One literal is one constant.

    ``cast``, the element type the statement casts the literal to (int4, float8, bool,
    date; any other: text), writes every element as that type without testing the type
    of each value: the same text :func:`_array_element` writes for a value of that type,
    in one pass over the column."""
    if cast is None:
        return "{" + ",".join(map(_array_element, values)) + "}"
    text = ELEMENT_TEXT.get(cast, _quoted)
    values = values if isinstance(values, list) else list(values)
    if cast == "float8":
        if None in values:
            return "{" + ",".join(["NULL" if v is None else text(v) for v in values]) + "}"
        return "{" + ",".join(map(text, values)) + "}"
    # Ids, dates and texts repeat (a plan's id on each of its lines): each distinct
    # value is written once.
    texts = {v: "NULL" if v is None else text(v) for v in set(values)}
    return "{" + ",".join(map(texts.__getitem__, values)) + "}"


def segment_forecast_key(segment_id, bucket, method, ts_limit, error_limit):
    """What a plan's forecast depends on in its segment: the segment itself, its bucket,
    its method and its exception thresholds. Stored on the plan at each forecast; a plan
    whose key changed (moved to another segment by the classification, or its segment's
    forecasting parameters edited) is due again whatever its refresh interval."""
    return "|".join(
        (
            str(segment_id or 0),
            bucket or "week",
            method or "auto",
            repr(_finite(ts_limit)),
            repr(_finite(error_limit)),
        )
    )


def bucket_start(day, bucket):
    """First day of the bucket holding ``day`` (ISO weeks start on Monday)."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def bucket_shift(start, bucket, k):
    """Start of the bucket ``k`` buckets after the one starting at ``start``."""
    if bucket == "week":
        return start + timedelta(weeks=k)
    if bucket == "month":
        return start + relativedelta(months=k)
    return start + timedelta(days=k)


def bucket_calendar(bucket, today, history_days, horizon_days):
    """History buckets (complete, before the current one) and forecast buckets
    (the current one first), as lists of start dates."""
    per = BUCKET_DAYS[bucket]
    n_hist = max(int(math.ceil(history_days / per)), 4)
    h = max(int(math.ceil(horizon_days / per)), 1)
    current = bucket_start(today, bucket)
    history = [bucket_shift(current, bucket, k) for k in range(-n_hist, 0)]
    future = [bucket_shift(current, bucket, k) for k in range(h + 1)]
    return history, future[:-1], future[1:]


# Plan fields the forecast job computes: users cannot write them (see stock_segment).
FORECAST_JOB_OWNED_FIELDS = frozenset(
    {
        "forecast_method",
        "forecast_status",
        "forecast_bucket",
        "forecast_date",
        "avg_daily_demand",
        "forecast_sigma",
        "forecast_sigma_horizon",
        "forecast_sigma_buckets",
        "demand_sigma_daily",
        "forecast_horizon_qty",
        "forecast_daily",
        "forecast_backtest_mase",
        "forecast_wape",
        "forecast_mase",
        "forecast_bias",
        "forecast_tracking_signal",
        "forecast_accuracy_count",
        "demand_history",
        "demand_history_flags",
        "demand_history_start",
        "demand_history_bucket",
        "forecast_segment_key",
    }
)


class StockPlanningProfile(models.Model):
    _inherit = "stock.planning.profile"

    forecast_ids = fields.One2many("stock.demand.forecast", "profile_id", "Forecast Lines")
    override_ids = fields.One2many("stock.demand.override", "profile_id", "Overrides")
    planning_exception_ids = fields.One2many("stock.planning.exception", "profile_id", "Exceptions")
    forecast_method = fields.Selection(
        FORECAST_METHODS, readonly=True, help="Method the back-test chose at the last run."
    )
    forecast_status = fields.Selection(
        FORECAST_STATUSES,
        readonly=True,
        help="How the last forecast went: OK, or why a simpler method or no forecast was used.",
    )
    forecast_bucket = fields.Selection(BUCKETS, readonly=True)
    forecast_date = fields.Date("Forecast On", readonly=True, index=True)
    avg_daily_demand = fields.Float(
        "Average Daily Demand",
        readonly=True,
        digits="Product Unit",
        help="Mean demand per day over the uncensored history, events excluded.",
    )
    forecast_sigma = fields.Float(
        "Forecast Error Sigma (bucket)",
        readonly=True,
        digits="Product Unit",
        help="Root mean square of the one-bucket-ahead back-test errors.",
    )
    forecast_sigma_horizon = fields.Float(
        "Forecast Error Sigma (horizon)",
        readonly=True,
        digits="Product Unit",
        help="Standard deviation of the error of the cumulated forecast over the horizon.",
    )
    forecast_sigma_buckets = fields.Integer(
        "Forecast Error Horizon (buckets)",
        readonly=True,
        help="Number of buckets the horizon sigma is measured over (the forecast horizon "
        "of the last run).",
    )
    demand_sigma_daily = fields.Float(
        "Demand Sigma (daily)",
        readonly=True,
        digits="Product Unit",
        help="Bucket error sigma scaled to one day (divided by the square root of the "
        "days in a bucket).",
    )
    forecast_horizon_qty = fields.Float(
        "Forecast over Horizon", readonly=True, digits="Product Unit"
    )
    forecast_daily = fields.Float(
        "Forecast / Day",
        readonly=True,
        digits="Product Unit",
        help="The forecast the reorder rule protects, per day: the final forecast (approved "
        "overrides and events included) of the open buckets of the horizon, divided by their "
        "days. The history's own mean is Average Daily Demand.",
    )
    forecast_backtest_mase = fields.Float("Back-test MASE", readonly=True, digits=(16, 3))
    forecast_wape = fields.Float(
        "WAPE (%)",
        readonly=True,
        digits=(16, 1),
        help="Weighted absolute percentage error of the frozen forecasts of the last "
        "closed buckets.",
    )
    forecast_mase = fields.Float("MASE", readonly=True, digits=(16, 3))
    forecast_bias = fields.Float(
        "Bias", readonly=True, digits="Product Unit", help="Mean error (actual - forecast)."
    )
    forecast_tracking_signal = fields.Float(
        "Tracking Signal", readonly=True, digits=(16, 2), help="Summed error over MAD."
    )
    forecast_accuracy_count = fields.Integer("Closed Buckets Scored", readonly=True)
    demand_history = fields.Json(readonly=True, copy=False)
    demand_history_flags = fields.Json(readonly=True, copy=False)
    demand_history_start = fields.Date(readonly=True)
    demand_history_bucket = fields.Char(readonly=True)
    forecast_segment_key = fields.Char(
        readonly=True,
        copy=False,
        help="Segment, bucket, method and thresholds the last forecast used: when they "
        "change, the plan is forecast again at the next run.",
    )
    planning_exception_count = fields.Integer(compute="_compute_planning_exception_count")

    @api.model
    def _job_owned_fields(self):
        return super()._job_owned_fields() | FORECAST_JOB_OWNED_FIELDS

    def _compute_planning_exception_count(self):
        counts = dict(
            self.env["stock.planning.exception"]._read_group(
                [("profile_id", "in", self.ids), ("state", "in", ["new", "in_progress"])],
                ["profile_id"],
                ["__count"],
            )
        )
        for profile in self:
            profile.planning_exception_count = counts.get(profile, 0)

    # ------------------------------------------------------------------ actions
    def action_view_demand_chart(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_forecast.action_stock_demand_chart"
        )
        action["domain"] = [("profile_id", "=", self.id)]
        action["display_name"] = self.display_name
        return action

    def action_view_forecast_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_forecast.action_stock_demand_forecast"
        )
        action["domain"] = [("profile_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_planning_exceptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_forecast.action_stock_planning_exception"
        )
        action["domain"] = [("profile_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_new_override(self):
        self.ensure_one()
        future = self.forecast_ids.filtered(lambda f: f.state == "forecast").sorted("date_start")
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.demand.override",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_profile_id": self.id,
                "default_date_from": future[:1].date_start,
                "default_date_to": future[-1:].date_start,
            },
        }

    def action_forecast_now(self):
        """Forecast the selected plans now, in this transaction. Quarantined plans keep
        their last forecast until their data is corrected or confirmed."""
        self._check_planning_manager()
        self.sudo().with_context(stock_segment_no_commit=True)._run_forecast(
            companies=self.company_id, force=True, profile_ids=self.ids
        )
        skipped = self.filtered("data_quarantine")
        if skipped:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": self.env._(
                        "%s quarantined plan(s) kept their last forecast: correct or "
                        "confirm their data first.",
                        len(skipped),
                    ),
                },
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Forecast updated for %s plan(s).", len(self)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------ nightly job
    @api.model
    def _cron_forecast(self):
        self._run_forecast()

    @api.model
    def _run_forecast(
        self, companies=None, today=None, force=False, batch_size=None, profile_ids=None
    ):
        """Forecast the plans that are due: per their segment's refresh interval, or
        because their segment (or its forecasting parameters) changed since their last
        forecast. Quarantined plans (``data_quarantine``) are left untouched, even with
        ``force``: no forecast, no closed line, no exception, no override applied.

        Returns per company a dict of counters."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        today = today or self.env["stock.planning.run"]._planning_day()
        stats = {}
        for company in companies:
            result = self._run_company_isolated(
                company,
                "Forecast",
                lambda company=company: self.with_company(company)._forecast_company(
                    company, today, force=force, batch_size=batch_size, profile_ids=profile_ids
                ),
                logger=_logger,
            )
            if result is not None:
                stats[company.id] = result
        return stats

    def _forecast_params(self):
        def param(key, default, cast):
            return self._config_param("stock_segment_forecast", key, default, cast)

        return {
            "history_days": max(param("history_days", 728, int), 28),
            "horizon_days": max(param("horizon_days", 91, int), 1),
            "batch_size": max(param("batch_size", 1000, int), 1),
            "stockout_share": min(max(param("stockout_share", 50.0, float), 0.0), 100.0) / 100,
            "bias_threshold": param("bias_threshold", 30.0, float),
            "accuracy_periods": max(param("accuracy_periods", 13, int), 1),
            "accuracy_refresh_months": max(param("accuracy_refresh_months", 3, int), 1),
        }

    def _forecast_company(self, company, today, force=False, batch_size=None, profile_ids=None):
        params = self._forecast_params()
        if batch_size:
            params["batch_size"] = batch_size
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.segment_id, COALESCE(s.forecast_bucket, 'week'),
                   COALESCE(s.forecast_method, 'auto'), COALESCE(s.forecast_refresh_days, 7),
                   p.forecast_date, s.forecast_bias_threshold, s.forecast_error_threshold,
                   p.forecast_segment_key
              FROM stock_planning_profile p
         LEFT JOIN stock_segment s ON s.id = p.segment_id
             WHERE p.company_id = %s AND p.active AND p.data_quarantine IS NOT TRUE %s
          ORDER BY p.segment_id NULLS LAST, p.id
            """,
                company.id,
                SQL("AND p.id = ANY(%s)", list(profile_ids)) if profile_ids else SQL(),
            )
        )
        groups = {}
        for (
            pid,
            segment_id,
            bucket,
            method,
            refresh,
            last,
            ts_limit,
            error_limit,
            key,
        ) in self.env.cr.fetchall():
            if (
                force
                or not last
                or (today - last).days >= refresh
                or last > today
                or key != segment_forecast_key(segment_id, bucket, method, ts_limit, error_limit)
            ):
                groups.setdefault((segment_id, bucket, method), []).append(pid)
        batches = [
            (key, batch)
            for key, ids in groups.items()
            for batch in split_every(params["batch_size"], ids, list)
        ]
        total = sum(len(b) for _k, b in batches)
        stats = {"profiles": total, "batches": len(batches), "failed": 0, "lines": 0}
        segments = self.env["stock.segment"].sudo().with_context(active_test=False)
        key_of = {pid: key for key, batch in batches for pid in batch}
        contexts = {}

        def run(ids):
            segment_id, bucket, method = key = key_of[ids[0]]
            if key not in contexts:
                contexts[key] = self._forecast_context(
                    company, today, params, segments.browse(segment_id), bucket, method
                )
            stats["lines"] += self._forecast_batch(contexts[key], ids)

        failed = self._run_batches(
            "Forecast",
            [batch for _key, batch in batches],
            run,
            self._record_forecast_failure,
            logger=_logger,
        )
        stats["failed"] = len(failed)
        may_commit = self._may_commit()
        # The closing steps of the company run on their own: an error here is logged and
        # leaves the forecasts just written in place.
        for step, run in (
            (
                "Expiry of forecast overrides",
                lambda: self.env["stock.demand.override"]._expire_overrides(today, company),
            ),
            ("Forecast accuracy report", lambda: self._update_accuracy_report(company)),
        ):
            self._run_company_isolated(company, step, run, logger=_logger)
        if may_commit:
            self.env["ir.cron"]._commit_progress(0)
        _logger.info(
            "Forecast of %s: %d plans in %d batches, %d lines written, %d failed",
            company.name,
            stats["profiles"],
            stats["batches"],
            stats["lines"],
            stats["failed"],
        )
        return stats

    def _record_forecast_failure(self, pid, error):
        profile = self.sudo().browse(pid)
        try:
            with self.env.cr.savepoint():
                self.env["stock.planning.exception"]._raise_job_failure(
                    SOURCE,
                    profile,
                    self.env._("The forecast job failed on this plan: %s", str(error)[:500]),
                )
        except Exception:
            self.env.invalidate_all()
            _logger.exception("Could not record the forecast failure of plan %s", pid)

    def _forecast_context(self, company, today, params, segment, bucket, method):
        history, future, future_end = bucket_calendar(
            bucket, today, params["history_days"], params["horizon_days"]
        )
        return {
            "company": company,
            "today": today,
            "params": params,
            "segment": segment,
            "bucket": bucket,
            "method": method,
            "segment_key": segment_forecast_key(
                segment.id,
                bucket,
                method,
                segment.forecast_bias_threshold,
                segment.forecast_error_threshold,
            ),
            "history": history,
            "future": future,
            "future_end": future_end,
            "date_from": history[0],
            "date_to": future[0],
            "qty_digits": self.env["decimal.precision"].precision_get("Product Unit"),
        }

    # ------------------------------------------------------------------ extraction
    def _extract_history(self, ctx, rows):
        """Demand per plan x bucket and the stock moved in or out of the plan's warehouse
        per day, for the plans ``rows`` (dicts with product_id and warehouse_id): the
        on-hand query and one query that reads the done stock moves of the batch's
        products once (set-based, whatever the number of plans).

        Demand, per the company setting: confirmed sale order lines dated by commitment
        date (else order date), or done customer deliveries net of customer returns; plus
        manufacturing consumption and transfers to other warehouses (demand of the
        supplying warehouse) when enabled; buckets in [date_from, date_to), quantities in
        the product's unit. Stock: the net quantity moved in or out of each warehouse per
        day since ``date_from`` (days after ``date_to`` included), for the stock level at
        the end of every day. Both are summed in SQL (numeric, exact) per plan x day, the
        demand then per bucket.

        Returns ``(onhand, demand, stock)``: ``onhand`` is {(product, warehouse): on hand
        now}; ``demand`` and ``stock`` are each three arrays (index of the plan in
        ``rows``, days from ``date_from`` to the bucket start or to the day, quantity),
        one cell per plan and bucket or day, in no particular order. Cells of a product x
        warehouse without a plan in ``rows``, and cells whose quantity is NULL (a unit of
        factor 0), are left out: they count as 0."""
        import numpy as np

        company = ctx["company"]
        by_orders = company.forecast_demand_source == "order"
        kinds = []
        if not by_orders:
            kinds.append(
                SQL(
                    "(src_usage = 'internal' AND dst_usage = 'customer') "
                    "OR (src_usage = 'customer' AND dst_usage = 'internal')"
                )
            )
        if company.forecast_include_consumption:
            kinds.append(SQL("(src_usage = 'internal' AND dst_usage = 'production')"))
        if company.forecast_include_transfers:
            kinds.append(
                SQL(
                    "(src_usage = 'internal' AND (dst_usage = 'transit' OR (dst_usage = "
                    "'internal' AND dst_wh IS DISTINCT FROM src_wh)))"
                )
            )
        product_ids = sorted({r["product_id"] for r in rows})
        products = _array_literal(product_ids, "int4")
        # A move changes the stock of the warehouse it enters and of the one it leaves
        # (one row each, "legs"); when it is demand, the demand is that of one of them,
        # carried on its leg: the quantity leaving (a return: the quantity entering,
        # negative). A sale order line is a row of demand only.
        demand = SQL(" OR ").join(kinds) if kinds else SQL("FALSE")
        legs = [
            SQL(
                """
            SELECT product_id, dst_wh, day, qty,
                   CASE WHEN src_usage <> 'internal' AND day < %(date_to)s AND (%(demand)s)
                        THEN -qty END
              FROM moves
             WHERE dst_usage = 'internal'
               AND (src_usage <> 'internal' OR src_wh IS DISTINCT FROM dst_wh)
                """,
                date_to=ctx["date_to"],
                demand=demand,
            ),
            SQL(
                """
            SELECT product_id, src_wh, day, -qty,
                   CASE WHEN day < %(date_to)s AND (%(demand)s) THEN qty END
              FROM moves
             WHERE src_usage = 'internal'
               AND (dst_usage <> 'internal' OR dst_wh IS DISTINCT FROM src_wh)
                """,
                date_to=ctx["date_to"],
                demand=demand,
            ),
        ]
        if by_orders:
            legs.append(
                SQL(
                    """
            SELECT sol.product_id, so.warehouse_id,
                   COALESCE(so.commitment_date, so.date_order)::date, NULL::numeric,
                   sol.product_uom_qty * lu.factor / NULLIF(pr.factor, 0)
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN product_unit pr ON pr.id = sol.product_id
              JOIN uom_uom lu ON lu.id = sol.product_uom_id
             WHERE so.state = 'sale' AND so.company_id = %(company)s
               AND sol.display_type IS NULL
               AND sol.product_id = ANY(%(products)s::int4[])
               AND COALESCE(so.commitment_date, so.date_order) >= %(date_from)s
               AND COALESCE(so.commitment_date, so.date_order) < %(date_to)s
                    """,
                    company=company.id,
                    products=products,
                    date_from=ctx["date_from"],
                    date_to=ctx["date_to"],
                )
            )
        onhand = self._onhand_by_warehouse(company.id, product_ids)
        self.env.cr.execute(
            SQL(
                """
            WITH plan AS (
                SELECT product_id, warehouse_id, (n - 1)::int4 AS i
                  FROM unnest(%(plan_products)s::int4[], %(plan_warehouses)s::int4[])
                       WITH ORDINALITY AS k(product_id, warehouse_id, n)
            ), product_unit AS (
                SELECT pp.id, pt.uom_id, pu.factor
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom pu ON pu.id = pt.uom_id
                 WHERE pp.id = ANY(%(products)s::int4[])
            ), moves AS NOT MATERIALIZED (
                -- In the product's unit: a move in that unit keeps its quantity (the
                -- conversion would give the same number), the others are converted.
                SELECT m.product_id, m.date::date AS day, ls.usage AS src_usage,
                       ld.usage AS dst_usage, ls.warehouse_id AS src_wh,
                       ld.warehouse_id AS dst_wh,
                       CASE WHEN m.product_uom = pr.uom_id AND pr.factor <> 0
                                 AND pr.factor BETWEEN -1e300 AND 1e300
                            THEN m.quantity
                            ELSE m.quantity * mu.factor / NULLIF(pr.factor, 0) END AS qty
                  FROM stock_move m
                  JOIN product_unit pr ON pr.id = m.product_id
                  JOIN stock_location ls ON ls.id = m.location_id
                  JOIN stock_location ld ON ld.id = m.location_dest_id
                  JOIN uom_uom mu ON mu.id = m.product_uom
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND m.product_id = ANY(%(products)s::int4[]) AND m.date >= %(date_from)s
            ), days AS MATERIALIZED (
                SELECT p.i, l.day, SUM(l.stock_qty) AS stock_qty, SUM(l.demand_qty) AS demand_qty
                  FROM (%(legs)s) AS l(product_id, warehouse_id, day, stock_qty, demand_qty)
                  JOIN plan p ON p.product_id = l.product_id AND p.warehouse_id = l.warehouse_id
              GROUP BY 1, 2
            )
            SELECT 'stock', array_agg(i), array_agg(day - %(date_from)s), array_agg(stock_qty)
              FROM days
             WHERE stock_qty IS NOT NULL
         UNION ALL
            SELECT 'demand', array_agg(i), array_agg(start - %(date_from)s), array_agg(qty)
              FROM (
                SELECT i, date_trunc(%(trunc)s, day::timestamp)::date AS start,
                       SUM(demand_qty) AS qty
                  FROM days
                 WHERE demand_qty IS NOT NULL
              GROUP BY 1, 2
              ) AS buckets
            """,
                plan_products=_array_literal([r["product_id"] for r in rows], "int4"),
                plan_warehouses=_array_literal([r["warehouse_id"] for r in rows], "int4"),
                company=company.id,
                products=products,
                date_from=ctx["date_from"],
                legs=SQL(" UNION ALL ").join(legs),
                trunc=ctx["bucket"],
            )
        )
        found = {kind: cells for kind, *cells in self.env.cr.fetchall()}

        def cells(kind):
            plan, offset, qty = found.get(kind) or (None, None, None)
            return (
                np.array(plan or [], dtype=np.int64),
                np.array(offset or [], dtype=np.int64),
                np.array(qty or [], dtype=float),
            )

        return onhand, cells("demand"), cells("stock")

    def _extract_events(self, ctx):
        """Events of the company overlapping the history, in one query."""
        self.env.cr.execute(
            SQL(
                """
            SELECT e.product_id, c.parent_path, e.warehouse_id, e.date_from, e.date_to
              FROM stock_demand_event e
         LEFT JOIN product_category c ON c.id = e.categ_id
             WHERE e.active AND e.exclude_from_baseline AND e.company_id = %s
               AND e.date_to >= %s AND e.date_from < %s
            """,
                ctx["company"].id,
                ctx["date_from"],
                ctx["date_to"],
            )
        )
        return self.env.cr.fetchall()

    def _demand_matrices(self, ctx, rows):
        """Demand series, censored flags, event flags and unreadable-bucket flags (rows x
        history buckets) for the plans ``rows`` (dicts with id, product_id, warehouse_id,
        categ_path).

        The demand of a bucket is its net demand clipped at 0: customer returns reduce
        that bucket's demand but never make it negative (a returns-only product has a
        demand of 0, not a negative one). A bucket whose quantity is not a number (NaN or
        infinite, as a hostile import can write) is flagged in the fourth matrix, shown
        as 0 and left out of the forecast like a censored one."""
        import numpy as np

        history = ctx["history"]
        m, n = len(rows), len(history)
        onhand, demand, moves = self._extract_history(ctx, rows)
        # Day grid of the history: end-of-day stock and event days.
        first, end = ctx["date_from"], ctx["date_to"]
        n_days = (end - first).days
        starts = np.array([(d - first).days for d in history])
        day_bucket = np.searchsorted(starts, np.arange(n_days), side="right") - 1
        # Column of the bucket starting on each day of the history (-1: none starts).
        start_col = np.full(n_days, -1, dtype=np.int64)
        start_col[starts] = np.arange(n)

        # One extracted cell per plan and bucket (or day): added to 0 without a loop.
        raw = np.zeros((m, n))
        cell_i, offset, qty = demand
        inside = (offset >= 0) & (offset < n_days)
        cell_j = np.full(len(offset), -1, dtype=np.int64)
        cell_j[inside] = start_col[offset[inside]]
        keep = cell_j >= 0
        raw[cell_i[keep], cell_j[keep]] += qty[keep]
        unreadable = ~np.isfinite(raw)
        raw = np.where(unreadable, 0.0, np.maximum(raw, 0.0))

        net = np.zeros((m, n_days))
        after = np.zeros(m)
        move_i, offset, qty = moves
        later = offset >= n_days
        net[move_i[~later], offset[~later]] += qty[~later]
        # The days after the history are summed per plan in the order of the days.
        later_i, later_day, later_qty = move_i[later], offset[later], qty[later]
        order = np.lexsort((later_day, later_i))
        np.add.at(after, later_i[order], later_qty[order])
        now = np.array([onhand.get((r["product_id"], r["warehouse_id"]), 0.0) for r in rows])
        # Level at the end of day d = on hand now - everything moved after day d.
        level = (now - after - net.sum(axis=1))[:, None] + np.cumsum(net, axis=1)
        # Days out of stock per bucket (the buckets are consecutive runs of days).
        out_days = np.add.reduceat((level <= 1e-9).astype(float), starts, axis=1)
        days_in_bucket = np.bincount(day_bucket, minlength=n).astype(float)
        censored = out_days >= ctx["params"]["stockout_share"] * days_in_bucket
        # A plan out of stock over its whole history is served to order: nothing to censor.
        censored[censored.all(axis=1)] = False

        event = np.zeros((m, n), dtype=bool)
        for product_id, categ_path, warehouse_id, date_from, date_to in self._extract_events(ctx):
            lo = max((date_from - first).days, 0)
            hi = min((date_to - first).days, n_days - 1)
            if hi < lo:
                continue
            buckets = np.unique(day_bucket[lo : hi + 1])
            for i, r in enumerate(rows):
                if product_id and r["product_id"] != product_id:
                    continue
                if warehouse_id and r["warehouse_id"] != warehouse_id:
                    continue
                if categ_path and not (r["categ_path"] or "").startswith(categ_path):
                    continue
                event[i, buckets] = True
        return raw, censored, event, unreadable

    # ------------------------------------------------------------------ one batch
    def _forecast_batch(self, ctx, profile_ids):
        """Forecast the plans ``profile_ids`` (same segment) and store the results.

        A constant number of queries whatever the batch size. Returns the number of
        forecast lines inserted or updated."""
        import numpy as np

        from invplan.accuracy import accuracy_table
        from invplan.forecast import flag_outliers, forecast_batch
        from invplan.planning import PLANNING_BACKTEST_ORIGINS, planning_candidates

        rows = self._fetch_forecast_rows(ctx, profile_ids)
        if not rows:
            return 0
        m = len(rows)
        bucket = ctx["bucket"]
        history = ctx["history"]
        n = len(history)
        h = len(ctx["future"])
        raw, censored, event, unreadable = self._demand_matrices(ctx, rows)
        baseline = np.where(censored | event | unreadable, np.nan, raw)
        valid = np.array([r["product_active"] for r in rows], dtype=bool)
        ids = np.array([r["id"] for r in rows])

        forecast = np.zeros((m, h))
        table = {k: np.zeros(m) for k in ("sigma_1", "sigma_h", "metric_value")}
        methods = np.full(m, "", dtype=object)
        statuses = np.full(m, "inactive_product", dtype=object)
        if valid.any():
            season = SEASON[bucket]
            season_ok = season if n >= 2 * season + 2 else None
            result = forecast_batch(
                baseline[valid],
                h,
                methods=planning_candidates(season_ok)
                if ctx["method"] == "auto"
                else [ctx["method"]],
                season_length=season_ok,
                # The error sigma that sizes safety stock from as many back-test origins
                # as the command line's planning run.
                n_origins=PLANNING_BACKTEST_ORIGINS,
                ids=ids[valid],
            )
            finite = {"nan": 0.0, "posinf": 0.0, "neginf": 0.0}
            forecast[valid] = np.maximum(np.nan_to_num(result.forecast, **finite), 0.0)
            tab = result.table
            for k in table:
                table[k][valid] = np.nan_to_num(tab[k].to_numpy(dtype=float), **finite)
            methods[valid] = tab["method"].to_numpy()
            statuses[valid] = tab["status"].to_numpy()

        # Forecast lines: close ended buckets, freeze started ones, refresh future ones.
        overrides = self.env["stock.demand.forecast"]._override_map(ids.tolist())
        lines_written, actual_closed = self._write_forecast_lines(
            ctx, rows, raw, forecast, table, methods, valid, overrides
        )

        # Accuracy of the frozen forecasts of the last closed buckets.
        n_acc = min(ctx["params"]["accuracy_periods"], n)
        acc_actual, acc_forecast = self._fetch_closed(ctx, rows, history[-n_acc:])
        acc_table = accuracy_table(acc_actual, acc_forecast, insample=baseline)
        # Plain arrays: indexing a DataFrame cell per plan costs more than the figures.
        acc = {c: acc_table[c].to_numpy() for c in acc_table.columns}
        horizon_qty, horizon_buckets = self._horizon_totals(ctx, rows)

        bucket_days = BUCKET_DAYS[bucket]
        no_data = np.isnan(baseline).all(axis=1)[:, None]
        mean_bucket = np.nanmean(np.where(no_data, 0.0, baseline), axis=1)
        flags = (censored.astype(int) + 2 * event.astype(int)).tolist()
        # The history kept for the chart, at 4 decimals: a whole quantity is its own
        # rounding, so only the others are rounded (one by one, as Python rounds).
        history_qty = raw.copy()
        fractional = history_qty != np.floor(history_qty)
        if fractional.any():
            history_qty[fractional] = [round(v, 4) for v in raw[fractional].tolist()]
        history_qty = history_qty.tolist()
        updates = []
        for i, r in enumerate(rows):
            values = {
                "forecast_method": methods[i] or None,
                "forecast_status": statuses[i],
                "forecast_bucket": bucket,
                "avg_daily_demand": mean_bucket[i] / bucket_days,
                "forecast_sigma": table["sigma_1"][i],
                "forecast_sigma_horizon": table["sigma_h"][i],
                "forecast_sigma_buckets": h,
                "demand_sigma_daily": table["sigma_1"][i] / math.sqrt(bucket_days),
                "forecast_horizon_qty": horizon_qty.get(r["id"], 0.0),
                "forecast_daily": (
                    horizon_qty.get(r["id"], 0.0) / (horizon_buckets[r["id"]] * BUCKET_DAYS[bucket])
                    if horizon_buckets.get(r["id"])
                    else 0.0
                ),
                "forecast_backtest_mase": table["metric_value"][i],
                "forecast_wape": 100.0 * float(acc["wape"][i]),
                "forecast_mase": float(acc["mase"][i]),
                "forecast_bias": float(acc["bias"][i]),
                "forecast_tracking_signal": float(acc["tracking_signal"][i]),
                "forecast_accuracy_count": int(acc["n"][i]),
                "forecast_date": ctx["today"],
                "demand_history": history_qty[i],
                "demand_history_flags": flags[i],
                "demand_history_start": history[0],
                "demand_history_bucket": bucket,
                "forecast_segment_key": ctx["segment_key"],
            }
            for k, v in values.items():
                if isinstance(v, float | np.floating):
                    v = float(v)
                    values[k] = round(v, DIGITS) if math.isfinite(v) else 0.0
                elif isinstance(v, np.str_):
                    values[k] = str(v)
            if any(r[k] != v and not _same(r[k], v) for k, v in values.items()):
                updates.append((r["id"], values))
        self._write_profile_forecast(updates)

        found = self._detect_exceptions(
            ctx,
            rows,
            raw,
            event,
            forecast,
            methods,
            statuses,
            valid,
            acc,
            flag_outliers,
            unreadable=unreadable,
        )
        self.env["stock.planning.exception"]._sync_exceptions(
            SOURCE, FORECAST_EXCEPTION_TYPES, ids.tolist(), found
        )
        return lines_written + actual_closed

    def _fetch_forecast_rows(self, ctx, profile_ids):
        self.env.flush_all()
        columns = SQL(", ").join(SQL("p.%s", SQL.identifier(c)) for c in PROFILE_COLUMNS)
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id, p.abc_class,
                   p.annual_value, pp.active AND pt.active AS product_active,
                   c.parent_path AS categ_path,
                   (pp.standard_price ->> %(company_key)s)::float8 AS unit_cost,
                   %(columns)s
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
         LEFT JOIN product_category c ON c.id = pt.categ_id
             WHERE p.id = ANY(%(ids)s)
          ORDER BY p.id
            """,
                company_key=str(ctx["company"].id),
                columns=columns,
                ids=list(profile_ids),
            )
        )
        return self.env.cr.dictfetchall()

    def _write_forecast_lines(self, ctx, rows, raw, forecast, table, methods, valid, overrides):
        """Bulk insert / update / freeze / close / delete of the batch's forecast lines.

        Returns (lines inserted or updated, lines closed)."""
        Forecast = self.env["stock.demand.forecast"]
        # Quantities at the unit precision, as the ORM stores them (overrides write there).
        digits = ctx["qty_digits"]
        bucket = ctx["bucket"]
        current = ctx["future"][0]
        col = {d: j for j, d in enumerate(ctx["history"])}
        ids = [r["id"] for r in rows]
        row_of = {r["id"]: i for i, r in enumerate(rows)}
        self.env.cr.execute(
            SQL(
                """
            SELECT id, profile_id, bucket, date_start, state,
                   statistical_qty::float8 AS statistical_qty,
                   override_qty::float8 AS override_qty, has_override, override_id,
                   final_qty::float8 AS final_qty, method, sigma_qty::float8 AS sigma_qty,
                   segment_id
              FROM stock_demand_forecast
             WHERE profile_id = ANY(%s::int4[]) AND state <> 'closed'
            """,
                _array_literal(ids, "int4"),
            )
        )
        existing = {}  # {plan: {bucket start: open line of a future bucket}}
        to_freeze, to_delete, to_close = [], [], []
        started = set()  # plans with a line for the current bucket: it is never rewritten
        for line in self.env.cr.dictfetchall():
            start = line["date_start"]
            if line["bucket"] != bucket:
                if line["state"] == "forecast":
                    to_delete.append(line["id"])
                continue
            if start < current:
                j = col.get(start)
                if j is not None:
                    actual = round(_finite(raw[row_of[line["profile_id"]], j]), digits)
                    final, stat = _finite(line["final_qty"]), _finite(line["statistical_qty"])
                    to_close.append(
                        (
                            line["id"],
                            actual,
                            actual - final,
                            abs(actual - final),
                            abs(actual - stat),
                            abs(actual - stat) - abs(actual - final),
                        )
                    )
                continue
            if start == current:
                started.add(line["profile_id"])
                if line["state"] == "forecast":
                    to_freeze.append(line["id"])
                continue
            existing.setdefault(line["profile_id"], {})[start] = line

        # New lines as one list per column, in the order of the plans and buckets.
        inserts = {f: [] for f in LINE_COLUMNS}
        updates = []
        future, future_end = ctx["future"], ctx["future_end"]
        sigmas = table["sigma_1"].tolist()
        for i, r in enumerate(rows):
            pid = r["id"]
            lines = existing.pop(pid, {})
            if not valid[i]:
                to_delete += [line["id"] for line in lines.values()]
                continue
            plan_overrides = overrides.get(pid)
            method = methods[i] or None
            sigma = round(max(_finite(sigmas[i]), 0.0), digits)
            segment_id = r["segment_id"]
            new = []  # (bucket index, statistical, override, final, override id)
            for k, value in enumerate(forecast[i].tolist()):
                start = future[k]
                stat = round(max(_finite(value), 0.0), digits)
                oid, oqty = (
                    Forecast._apply_override(plan_overrides, start, stat)
                    if plan_overrides
                    else (False, None)
                )
                oqty = round(oqty, digits) if oid else 0.0
                final = oqty if oid else stat
                line = lines.pop(start, None)
                if line is None:
                    if start == current and pid in started:
                        continue
                    new.append((k, stat, oqty, final, oid or None))
                elif line["state"] == "forecast":
                    values = {
                        "statistical_qty": stat,
                        "override_qty": oqty,
                        "has_override": bool(oid),
                        "override_id": oid or None,
                        "final_qty": final,
                        "method": method,
                        "sigma_qty": sigma,
                        "segment_id": segment_id,
                    }
                    if any(line[f] != v and not _same(line[f], v) for f, v in values.items()):
                        updates.append((line["id"], values))
            # Future lines beyond the horizon.
            to_delete += [line["id"] for line in lines.values() if line["state"] == "forecast"]
            if new:
                n_new = len(new)
                inserts["profile_id"] += [pid] * n_new
                inserts["product_id"] += [r["product_id"]] * n_new
                inserts["warehouse_id"] += [r["warehouse_id"]] * n_new
                inserts["segment_id"] += [segment_id] * n_new
                inserts["method"] += [method] * n_new
                inserts["sigma_qty"] += [sigma] * n_new
                for k, stat, oqty, final, oid in new:
                    start = future[k]
                    inserts["date_start"].append(start)
                    inserts["date_end"].append(future_end[k])
                    inserts["state"].append("frozen" if start == current else "forecast")
                    inserts["statistical_qty"].append(stat)
                    inserts["override_qty"].append(oqty)
                    inserts["has_override"].append(bool(oid))
                    inserts["override_id"].append(oid)
                    inserts["final_qty"].append(final)

        cr = self.env.cr
        company_id, today, uid = ctx["company"].id, ctx["today"], self.env.uid
        if to_close:
            cr.execute(
                SQL(
                    """
                UPDATE stock_demand_forecast f
                   SET state = 'closed', actual_qty = v.actual, error_qty = v.err,
                       abs_error_qty = v.abs_err, abs_error_statistical_qty = v.abs_stat,
                       value_added_qty = v.fva, write_uid = %s,
                       write_date = now() AT TIME ZONE 'UTC'
                  FROM (VALUES %s) AS v(id, actual, err, abs_err, abs_stat, fva)
                 WHERE f.id = v.id
                    """,
                    uid,
                    SQL(", ").join(SQL("(%s, %s, %s, %s, %s, %s)", *row) for row in to_close),
                )
            )
        if to_freeze:
            cr.execute(
                SQL(
                    "UPDATE stock_demand_forecast SET state = 'frozen', write_uid = %s, "
                    "write_date = now() AT TIME ZONE 'UTC' WHERE id = ANY(%s::int4[])",
                    uid,
                    _array_literal(to_freeze, "int4"),
                )
            )
        if to_delete:
            cr.execute(
                SQL(
                    "DELETE FROM stock_demand_forecast WHERE id = ANY(%s::int4[])",
                    _array_literal(to_delete, "int4"),
                )
            )
        # One column array per field, unnested by PostgreSQL: a statement whose size
        # does not grow with the batch's lines, and no per-line SQL composition.
        n_inserted = len(inserts["profile_id"])
        if n_inserted:
            cr.execute(
                SQL(
                    """
                INSERT INTO stock_demand_forecast
                    (company_id, bucket, forecast_date, create_uid, write_uid, create_date,
                     write_date, %(names)s)
                SELECT %(company)s, %(bucket)s, %(today)s, %(uid)s, %(uid)s,
                       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', %(values)s
                  FROM unnest(%(arrays)s) AS v(%(names)s)
                    """,
                    company=company_id,
                    bucket=bucket,
                    today=today,
                    uid=uid,
                    names=SQL(", ").join(SQL.identifier(f) for f in LINE_COLUMNS),
                    values=SQL(", ").join(SQL("v.%s", SQL.identifier(f)) for f in LINE_COLUMNS),
                    arrays=SQL(", ").join(
                        SQL("%s::%s[]", _array_literal(inserts[f], cast), SQL(cast))
                        for f, cast in LINE_COLUMNS.items()
                    ),
                )
            )
        if updates:
            columns = [f for f in LINE_COLUMNS if f in updates[0][1]]
            cr.execute(
                SQL(
                    """
                UPDATE stock_demand_forecast f
                   SET %(assignments)s, forecast_date = %(today)s, write_uid = %(uid)s,
                       write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%(ids)s::int4[], %(arrays)s) AS v(id, %(names)s)
                 WHERE f.id = v.id
                    """,
                    assignments=SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(f), SQL.identifier(f)) for f in columns
                    ),
                    today=today,
                    uid=uid,
                    ids=_array_literal([lid for lid, _v in updates], "int4"),
                    arrays=SQL(", ").join(
                        SQL(
                            "%s::%s[]",
                            _array_literal([v[f] for _lid, v in updates], LINE_COLUMNS[f]),
                            SQL(LINE_COLUMNS[f]),
                        )
                        for f in columns
                    ),
                    names=SQL(", ").join(SQL.identifier(f) for f in columns),
                )
            )
        if to_close or to_freeze or to_delete or n_inserted or updates:
            Forecast.invalidate_model()
        return n_inserted + len(updates), len(to_close)

    def _fetch_closed(self, ctx, rows, starts):
        """Actual and frozen final forecast of the closed buckets ``starts`` (matrices)."""
        import numpy as np

        actual = np.full((len(rows), len(starts)), np.nan)
        forecast = np.full((len(rows), len(starts)), np.nan)
        row_of = {r["id"]: i for i, r in enumerate(rows)}
        col = {d: j for j, d in enumerate(starts)}
        self.env.cr.execute(
            SQL(
                """
            SELECT profile_id, date_start, actual_qty, final_qty
              FROM stock_demand_forecast
             WHERE profile_id = ANY(%s) AND state = 'closed' AND bucket = %s
               AND date_start >= %s
            """,
                list(row_of),
                ctx["bucket"],
                starts[0],
            )
        )
        for pid, start, act, final in self.env.cr.fetchall():
            j = col.get(start)
            if j is not None:
                actual[row_of[pid], j] = act
                forecast[row_of[pid], j] = final
        return actual, forecast

    def _refresh_forecast_totals(self):
        """Forecast over the horizon and per day of these plans, from their open forecast
        lines as they stand (after an override was approved, cancelled or expired), so the
        plans list and the reorder rule's inputs show the forecast the buyer agreed to."""
        if not self:
            return
        self.env["stock.demand.forecast"].flush_model(["final_qty", "state", "bucket"])
        self.flush_recordset(["forecast_bucket"])
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.forecast_bucket, SUM(f.final_qty), COUNT(*)
              FROM stock_planning_profile p
              JOIN stock_demand_forecast f
                ON f.profile_id = p.id AND f.bucket = p.forecast_bucket AND f.state = 'forecast'
             WHERE p.id = ANY(%s)
          GROUP BY p.id, p.forecast_bucket
            """,
                self.ids,
            )
        )
        for pid, bucket, qty, n in self.env.cr.fetchall():
            qty = qty or 0.0
            self.browse(pid).sudo().write(
                {
                    "forecast_horizon_qty": qty,
                    "forecast_daily": qty / (n * BUCKET_DAYS[bucket]) if n else 0.0,
                }
            )

    def _horizon_totals(self, ctx, rows):
        self.env.cr.execute(
            SQL(
                """
            SELECT profile_id, SUM(final_qty), COUNT(*) FROM stock_demand_forecast
             WHERE profile_id = ANY(%s) AND state <> 'closed' AND bucket = %s
               AND date_start >= %s
          GROUP BY profile_id
            """,
                [r["id"] for r in rows],
                ctx["bucket"],
                ctx["future"][0],
            )
        )
        rows = self.env.cr.fetchall()
        return (
            {pid: qty or 0.0 for pid, qty, _n in rows},
            {pid: n for pid, _qty, n in rows},
        )

    def _write_profile_forecast(self, updates):
        """One UPDATE ... FROM unnest(column arrays) for the changed plans of the batch."""
        if not updates:
            return
        columns = list(PROFILE_COLUMNS)

        def value(c, v):
            if PROFILE_COLUMNS[c] == "jsonb":
                return json.dumps(v)
            return None if v is False else v

        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET %(assignments)s,
                   write_date = now() AT TIME ZONE 'UTC',
                   write_uid = %(uid)s
              FROM unnest(%(arrays)s) AS v(id, %(names)s)
             WHERE p.id = v.id
            """,
                assignments=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns
                ),
                uid=self.env.uid,
                arrays=SQL(", ").join(
                    [
                        SQL("%s::int4[]", _array_literal([pid for pid, _vals in updates], "int4")),
                        *(
                            SQL(
                                "%s::%s[]",
                                _array_literal(
                                    [value(c, vals[c]) for _pid, vals in updates],
                                    PROFILE_COLUMNS[c],
                                ),
                                SQL(PROFILE_COLUMNS[c]),
                            )
                            for c in columns
                        ),
                    ]
                ),
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
            )
        )
        self.env["stock.planning.profile"].invalidate_model(columns)

    def _detect_exceptions(
        self,
        ctx,
        rows,
        raw,
        event,
        forecast,
        methods,
        statuses,
        valid,
        acc,
        flag_outliers,
        unreadable=None,
    ):
        """Conditions found in the batch: {(profile id, type): values}.

        One exception per cause and plan: a forecast both biased and out of its tracking
        signal is one exception (type tracking signal) stating both figures, its impact
        counted once. Financial impacts are never negative nor NaN."""
        import numpy as np

        segment = ctx["segment"]
        ts_limit = segment.forecast_bias_threshold or 4.0
        error_limit = segment.forecast_error_threshold or 50.0
        bias_limit = ctx["params"]["bias_threshold"]
        h = forecast.shape[1]
        spikes = flag_outliers(raw)
        status_labels = dict(self._fields["forecast_status"]._description_selection(self.env))
        method_labels = dict(self._fields["forecast_method"]._description_selection(self.env))
        found = {}
        for i, r in enumerate(rows):
            cost = r["unit_cost"]
            cost_ok = cost is not None and math.isfinite(cost) and cost >= 0
            unit = cost if cost_ok else 0.0
            base = {
                "product_id": r["product_id"],
                "warehouse_id": r["warehouse_id"],
                "segment_id": r["segment_id"],
                "company_id": ctx["company"].id,
            }

            def add(exc_type, severity, message, impact=0.0, i=i, r=r, base=base):
                found[(r["id"], exc_type)] = dict(
                    base,
                    severity=severity,
                    message=message,
                    financial_impact=round(max(_finite(impact), 0.0), 2),
                )

            if not valid[i]:
                add(
                    "data_quality",
                    "medium",
                    self.env._(
                        "The product is archived but still has an active plan: no forecast."
                    ),
                )
                continue
            data_findings = []
            if not cost_ok:
                data_findings.append(
                    self.env._(
                        "The unit cost (%s) is not a valid amount: values are estimated at 0.", cost
                    )
                )
            if unreadable is not None and unreadable[i].any():
                bad = np.flatnonzero(unreadable[i])
                data_findings.append(
                    self.env._(
                        "The demand quantity of %(count)s bucket(s) is not a number (first: "
                        "bucket of %(date)s): check the quantities of the stock moves or "
                        "sale order lines; those buckets are left out of the forecast.",
                        count=len(bad),
                        date=ctx["history"][bad[0]],
                    )
                )
            if data_findings:
                add("data_quality", "medium", "\n".join(data_findings))
            if not np.any(raw[i] > 0):
                add(
                    "no_history",
                    "high" if r["abc_class"] == "A" else "low",
                    self.env._("No demand in the %s buckets of history.", raw.shape[1]),
                    r["annual_value"] or 0.0,
                )
            if statuses[i] in FALLBACK_STATUSES:
                add(
                    "method_fallback",
                    "medium",
                    self.env._(
                        "The forecast fell back (%(status)s); method used: %(method)s.",
                        status=status_labels.get(statuses[i], statuses[i]),
                        method=method_labels.get(methods[i], methods[i]),
                    ),
                )
            n_acc = int(acc["n"][i])
            if n_acc >= MIN_ACCURACY_BUCKETS:
                ts = _finite(acc["tracking_signal"][i])
                mean_error = _finite(acc["bias"][i])
                rel = 100.0 * _finite(acc["relative_bias"][i])
                # Tracking signal and relative bias measure one cause, a biased forecast:
                # one exception (type "bias") that states both signals, its impact
                # counted once, whichever signal fired.
                ts_out = abs(ts) > ts_limit
                bias_out = abs(rel) > bias_limit
                if ts_out or bias_out:
                    add(
                        "bias",
                        "high" if ts_out else "medium",
                        self.env._(
                            "Forecast bias over the last %(n)s buckets: the forecast is "
                            "%(dir)s by %(rel).0f%% of demand (limit %(bias_limit).0f%%%(bias_flag)s) "
                            "and the tracking signal is %(ts).2f (limit +/-%(ts_limit).1f"
                            "%(ts_flag)s).",
                            n=n_acc,
                            dir=self.env._("too low") if rel > 0 else self.env._("too high"),
                            rel=abs(rel),
                            bias_limit=bias_limit,
                            bias_flag=self.env._(", exceeded") if bias_out else "",
                            ts=ts,
                            ts_limit=ts_limit,
                            ts_flag=self.env._(", exceeded") if ts_out else "",
                        ),
                        abs(mean_error) * h * unit,
                    )
                wape = 100.0 * _finite(acc["wape"][i])
                if wape > error_limit:
                    add(
                        "forecast_error",
                        "medium",
                        self.env._(
                            "WAPE %(wape).0f%% above the segment's limit of %(limit).0f%%.",
                            wape=wape,
                            limit=error_limit,
                        ),
                        _finite(acc["mae"][i]) * h * unit,
                    )
            last = raw.shape[1] - 1
            if (
                spikes.flags[i, last]
                and raw[i, last] > spikes.median[i, last]
                and not event[i, last]
            ):
                add(
                    "demand_spike",
                    "medium",
                    self.env._(
                        "Demand of the last bucket (%(qty).2f) is far above its usual level "
                        "(%(median).2f).",
                        qty=raw[i, last],
                        median=spikes.median[i, last],
                    ),
                    (raw[i, last] - spikes.median[i, last]) * unit,
                )
        return found

    # ------------------------------------------------------------------ accuracy report
    def _update_accuracy_report(self, company):
        """Pooled accuracy of the closed lines per segment x warehouse x month.

        Only the months a run may have changed are read again: the months of lines
        closed (or rewritten) since the report last changed, and the last
        ``stock_segment_forecast.accuracy_refresh_months`` months with closed lines
        (default 3; a safety net for lines committed by a concurrent worker after the
        report was written). A company without report rows is computed in full. Changed
        rows are written in one UPDATE, new ones in one create."""
        import numpy as np

        from invplan.accuracy import accuracy_table

        Accuracy = self.env["stock.forecast.accuracy"].sudo()
        self.env["stock.demand.forecast"].flush_model()
        Accuracy.flush_model()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT MAX(write_date) FROM stock_forecast_accuracy WHERE company_id = %s",
                company.id,
            )
        )
        since = cr.fetchone()[0]
        month_filter, existing_domain = SQL(), [("company_id", "=", company.id)]
        if since is not None:
            cr.execute(
                SQL(
                    """
                SELECT DISTINCT date_trunc('month', date_start)::date
                  FROM stock_demand_forecast
                 WHERE company_id = %(company)s AND state = 'closed'
                   AND (write_date >= %(since)s
                        OR date_start >= (
                            SELECT date_trunc('month', MAX(date_start))
                                   - make_interval(months => %(back)s)
                              FROM stock_demand_forecast
                             WHERE company_id = %(company)s AND state = 'closed'))
                """,
                    company=company.id,
                    since=since,
                    back=self._forecast_params()["accuracy_refresh_months"] - 1,
                )
            )
            months = sorted(r[0] for r in cr.fetchall())
            if not months:
                return 0
            month_filter = SQL(
                "AND date_start >= %s AND date_trunc('month', date_start)::date = ANY(%s)",
                months[0],
                months,
            )
            existing_domain.append(("month", "in", months))
        cr.execute(
            SQL(
                """
            SELECT segment_id, warehouse_id, date_trunc('month', date_start)::date,
                   actual_qty, final_qty, statistical_qty
              FROM stock_demand_forecast
             WHERE company_id = %s AND state = 'closed' %s
            """,
                company.id,
                month_filter,
            )
        )
        data = cr.fetchall()
        if not data:
            return 0
        existing = {
            (a.segment_id.id or None, a.warehouse_id.id or None, a.month): a
            for a in Accuracy.search(existing_domain)
        }
        keys = [(r[0], r[1], r[2]) for r in data]
        labels = np.array([f"{s or 0}|{w or 0}|{mth}" for s, w, mth in keys])
        actual = np.array([[_finite(r[3])] for r in data])
        final = np.array([[_finite(r[4])] for r in data])
        stat = np.array([[_finite(r[5])] for r in data])
        acc = accuracy_table(actual, final, group=labels)
        acc_stat = accuracy_table(actual, stat, group=labels)
        key_of = dict(zip(labels.tolist(), keys, strict=True))
        sums = {}
        for label, a, f in zip(labels.tolist(), actual[:, 0], final[:, 0], strict=True):
            s = sums.setdefault(label, [0.0, 0.0])
            s[0] += a
            s[1] += f
        to_create, updates = [], []
        for label in acc.index:
            segment_id, warehouse_id, month = key_of[label]
            vals = {
                "bucket_count": int(acc.at[label, "n"]),
                "actual_qty": round(sums[label][0], DIGITS),
                "forecast_qty": round(sums[label][1], DIGITS),
                "mad": round(float(acc.at[label, "mae"]), DIGITS),
                "mape": round(float(acc.at[label, "mape"]), DIGITS),
                "wape": round(100.0 * float(acc.at[label, "wape"]), DIGITS),
                "bias": round(float(acc.at[label, "bias"]), DIGITS),
                "relative_bias": round(100.0 * float(acc.at[label, "relative_bias"]), DIGITS),
                "tracking_signal": round(float(acc.at[label, "tracking_signal"]), DIGITS),
                "wape_statistical": round(100.0 * float(acc_stat.at[label, "wape"]), DIGITS),
            }
            vals["value_added"] = round(vals["wape_statistical"] - vals["wape"], DIGITS)
            vals = {k: v if isinstance(v, int) else _finite(v) for k, v in vals.items()}
            record = existing.get((segment_id, warehouse_id, month))
            if record is None:
                to_create.append(
                    dict(
                        vals,
                        company_id=company.id,
                        segment_id=segment_id,
                        warehouse_id=warehouse_id,
                        month=month,
                    )
                )
            elif any(not _same(record[k], v) for k, v in vals.items()):
                updates.append((record.id, vals))
        self._write_accuracy_rows(updates)
        if to_create:
            Accuracy.create(to_create)
        return len(to_create) + len(updates)

    def _write_accuracy_rows(self, updates):
        """One UPDATE ... FROM (VALUES ...) for the changed accuracy rows."""
        if not updates:
            return
        columns = list(ACCURACY_COLUMNS)
        rows = SQL(", ").join(
            SQL(
                "(%s, %s)",
                row_id,
                SQL(", ").join(
                    SQL("%s::%s", _column_value(c, vals[c]), SQL(ACCURACY_COLUMNS[c]))
                    for c in columns
                ),
            )
            for row_id, vals in updates
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_forecast_accuracy AS a
               SET %(assignments)s,
                   write_date = now() AT TIME ZONE 'UTC',
                   write_uid = %(uid)s
              FROM (VALUES %(rows)s) AS v(id, %(names)s)
             WHERE a.id = v.id
            """,
                assignments=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns
                ),
                uid=self.env.uid,
                rows=rows,
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
            )
        )
        self.env["stock.forecast.accuracy"].browse([u[0] for u in updates]).invalidate_recordset(
            [*columns, "write_date", "write_uid"]
        )

    # ------------------------------------------------------------------ demo
    @api.model
    def _load_demo_forecasts(self, weeks=12, promotion_ref=None, override_ref=None):
        """Demo: replay past nightly runs week by week, so that a fresh database shows
        frozen forecasts compared with actuals, accuracy, an override and exceptions."""
        today = fields.Date.context_today(self)
        Profile = self.sudo().with_context(stock_segment_no_commit=True)
        company = self.env.company
        if promotion_ref:
            product = self.env.ref(promotion_ref, raise_if_not_found=False)
            if product:
                product = (
                    product.product_variant_id if product._name == "product.template" else product
                )
                self.env["stock.demand.event"].sudo().create(
                    {
                        "name": "Spring promotion",
                        "event_type": "promotion",
                        "product_id": product.id,
                        "company_id": company.id,
                        "date_from": today - timedelta(weeks=20),
                        "date_to": today - timedelta(weeks=18),
                    }
                )
        for k in range(weeks, -1, -1):
            Profile._run_forecast(companies=company, today=today - timedelta(weeks=k), force=True)
        if override_ref:
            product = self.env.ref(override_ref, raise_if_not_found=False)
            if product:
                product = (
                    product.product_variant_id if product._name == "product.template" else product
                )
                profile = self.sudo().search([("product_id", "=", product.id)], limit=1)
                lines = profile.forecast_ids.filtered(lambda f: f.state == "forecast").sorted(
                    "date_start"
                )
                demo_user = self.env.ref("base.user_demo", raise_if_not_found=False)
                if lines and demo_user:
                    override = (
                        self.env["stock.demand.override"]
                        .with_user(demo_user)
                        .sudo()
                        .create(
                            {
                                "profile_id": profile.id,
                                "date_from": lines[0].date_start,
                                "date_to": lines[min(3, len(lines) - 1)].date_start,
                                "override_type": "percent",
                                "percent": 40.0,
                                "reason_code": "customer",
                                "comment": "Key account announced a roll-out next month.",
                                "proposer_id": demo_user.id,
                            }
                        )
                    )
                    override.with_user(demo_user).sudo().action_submit()
        return True


def _same(old, new):
    if isinstance(old, models.BaseModel):
        old = old.id
    if isinstance(new, float) or isinstance(old, float):
        if old is None or new is None or old is False or new is False:
            return (old in (None, False, 0.0)) and (new in (None, False, 0.0))
        return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(new, (list, dict)) or isinstance(old, (list, dict)):
        return old == new
    if isinstance(new, date) and isinstance(old, str):
        return fields.Date.to_date(old) == new
    return (old or None) == (new or None)
