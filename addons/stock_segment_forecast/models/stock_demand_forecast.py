import math

from odoo import api, fields, models
from odoo.tools import SQL

BUCKETS = [("day", "Day"), ("week", "Week"), ("month", "Month")]
# Methods the engine may choose (keys as invplan.forecast reports them).
FORECAST_METHODS = [
    ("naive", "Naive (last period)"),
    ("seasonal_naive", "Seasonal naive (same period last season)"),
    ("moving_average", "Moving average"),
    ("ses", "Exponential smoothing"),
    ("ses_seasonal", "Exponential smoothing (seasonal)"),
    ("holt", "Holt (trend)"),
    ("holt_damped", "Holt (damped trend)"),
    ("holt_winters_add", "Holt-Winters (additive season)"),
    ("holt_winters_mul", "Holt-Winters (multiplicative season)"),
    ("holt_winters_add_damped", "Holt-Winters (additive season, damped trend)"),
    ("holt_winters_mul_damped", "Holt-Winters (multiplicative season, damped trend)"),
    ("croston", "Croston (intermittent)"),
    ("sba", "Syntetos-Boylan (intermittent)"),
    ("tsb", "Teunter-Syntetos-Babai (intermittent, obsolescence)"),
    ("adida", "ADIDA (aggregated)"),
    ("zero", "Zero (no demand)"),
]
# Engine statuses of a plan's last forecast (keys as invplan.forecast reports them).
FORECAST_STATUSES = [
    ("ok", "OK"),
    ("no_backtest", "Not enough history to back-test"),
    ("no_data", "No demand history"),
    ("single_point", "One period of history: repeated"),
    ("all_zero", "No demand in the history: forecast 0"),
    ("constant", "Same demand every period"),
    ("short_history", "History too short for the method: simpler method used"),
    ("not_applicable", "Method not applicable: fallback used"),
    ("numerical_fallback", "Numerical problem: fallback to the average"),
    ("fit_failed_fallback", "Model fit failed: fallback used"),
    ("budget_exhausted_fallback", "Time budget exhausted: fallback used"),
    ("top_down", "Derived from the group forecast"),
    ("inactive_product", "Archived product: no forecast"),
]
LINE_STATES = [
    ("forecast", "Forecast"),
    ("frozen", "Frozen (bucket started)"),
    ("closed", "Closed (actual known)"),
]


class StockDemandForecast(models.Model):
    """Forecast of one plan for one bucket.

    Lines of future buckets are refreshed by the nightly job. When a bucket starts its
    line is frozen: the figures it held are the snapshot the accuracy is measured on.
    When the bucket ends the actual demand is filled in and the line is closed."""

    _name = "stock.demand.forecast"
    _description = "Demand Forecast Line"
    _order = "profile_id, date_start"
    _rec_name = "profile_id"

    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", required=True, index=True, ondelete="cascade"
    )
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    segment_id = fields.Many2one(
        "stock.segment", readonly=True, index=True, help="Segment when the line was written."
    )
    bucket = fields.Selection(BUCKETS, required=True, readonly=True)
    date_start = fields.Date("Bucket Start", required=True, readonly=True, index=True)
    date_end = fields.Date("Bucket End", required=True, readonly=True, help="Exclusive.")
    state = fields.Selection(LINE_STATES, required=True, default="forecast", index=True)
    statistical_qty = fields.Float("Statistical Forecast", digits="Product Unit", readonly=True)
    override_qty = fields.Float("Override", digits="Product Unit", readonly=True)
    has_override = fields.Boolean(readonly=True, index=True)
    override_id = fields.Many2one(
        "stock.demand.override", "Applied Override", readonly=True, ondelete="set null"
    )
    final_qty = fields.Float(
        "Final Forecast",
        digits="Product Unit",
        readonly=True,
        help="Override if any, otherwise the statistical forecast.",
    )
    method = fields.Selection(
        FORECAST_METHODS, readonly=True, help="Forecast method chosen by the back-test."
    )
    sigma_qty = fields.Float(
        "Error Sigma",
        digits="Product Unit",
        readonly=True,
        help="Standard deviation of the one-bucket-ahead forecast error in the back-test.",
    )
    forecast_date = fields.Date("Forecast On", readonly=True)
    actual_qty = fields.Float("Actual Demand", digits="Product Unit", readonly=True)
    error_qty = fields.Float(
        "Error", digits="Product Unit", readonly=True, help="Actual minus final forecast."
    )
    abs_error_qty = fields.Float("Absolute Error", digits="Product Unit", readonly=True)
    abs_error_statistical_qty = fields.Float(
        "Absolute Error (statistical)", digits="Product Unit", readonly=True
    )
    value_added_qty = fields.Float(
        "Forecast Value Added",
        digits="Product Unit",
        readonly=True,
        help="Absolute error of the statistical forecast minus that of the final one: "
        "positive when the override improved the forecast.",
    )

    _profile_bucket_uniq = models.Constraint(
        "unique (profile_id, bucket, date_start)",
        "One forecast line per plan and bucket.",
    )

    @api.model
    def _override_map(self, profile_ids):
        """Approved overrides in force for ``profile_ids``, latest approval first:
        {profile id: [(override id, date_from, date_to, type, quantity, percent)]}."""
        if not profile_ids:
            return {}
        self.env["stock.demand.override"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT profile_id, id, date_from, date_to, override_type, quantity, percent
              FROM stock_demand_override
             WHERE state = 'approved' AND profile_id = ANY(%s)
          ORDER BY approved_date DESC NULLS LAST, id DESC
            """,
                list(profile_ids),
            )
        )
        result = {}
        for row in self.env.cr.fetchall():
            result.setdefault(row[0], []).append(row[1:])
        return result

    @staticmethod
    def _apply_override(overrides, date_start, statistical):
        """(override id, override qty) for one bucket, or (False, None).

        The override quantity is never negative (a quantity below 0 or a percent below
        -100 gives 0); an override whose figure is not a number (NaN or infinite, as only
        a hostile import can write) is not applied."""
        for oid, date_from, date_to, otype, quantity, percent in overrides or ():
            if date_from <= date_start <= date_to:
                if otype == "percent":
                    qty = statistical * (1.0 + (percent or 0.0) / 100.0)
                else:
                    qty = quantity or 0.0
                if not math.isfinite(qty):
                    continue
                return oid, max(qty, 0.0)
        return False, None

    @api.model
    def _refresh_overrides(self, profile_ids):
        """Re-derive override and final figures of the open lines of ``profile_ids``
        after an override was approved, cancelled or expired."""
        overrides = self._override_map(profile_ids)
        lines = self.sudo().search(
            [("profile_id", "in", list(profile_ids)), ("state", "=", "forecast")]
        )
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        for line in lines:
            oid, qty = self._apply_override(
                overrides.get(line.profile_id.id), line.date_start, line.statistical_qty
            )
            qty = round(qty, digits) if oid else None
            vals = {
                "override_id": oid,
                "has_override": bool(oid),
                "override_qty": qty if oid else 0.0,
                "final_qty": qty if oid else line.statistical_qty,
            }
            if any((line[k].id if k == "override_id" else line[k]) != v for k, v in vals.items()):
                line.write(vals)
        self.env["stock.planning.profile"].browse(profile_ids)._refresh_forecast_totals()
