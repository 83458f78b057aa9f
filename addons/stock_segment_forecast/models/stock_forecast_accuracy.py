from odoo import fields, models
from odoo.tools import SQL

# Group and total rows: ratios pooled over the rows, never averages of monthly ratios.
# Each row's total absolute error is its MAD times its scored buckets; its total error is
# its bias times its scored buckets.
POOLED = {
    "wape": "100.0 * SUM(%(mad)s * %(n)s) / NULLIF(SUM(%(actual)s), 0)",
    "wape_statistical": "SUM(%(wape_stat)s * %(actual)s) / NULLIF(SUM(%(actual)s), 0)",
    "value_added": "(SUM(%(wape_stat)s * %(actual)s) - 100.0 * SUM(%(mad)s * %(n)s)) "
    "/ NULLIF(SUM(%(actual)s), 0)",
    "mad": "SUM(%(mad)s * %(n)s) / NULLIF(SUM(%(n)s), 0)",
    "bias": "SUM(%(bias)s * %(n)s) / NULLIF(SUM(%(n)s), 0)",
    "relative_bias": "100.0 * SUM(%(bias)s * %(n)s) / NULLIF(SUM(%(actual)s), 0)",
    "mape": "SUM(%(mape)s * %(n)s) / NULLIF(SUM(%(n)s), 0)",
}
POOLED_COLUMNS = {
    "mad": "mad",
    "n": "bucket_count",
    "actual": "actual_qty",
    "wape_stat": "wape_statistical",
    "bias": "bias",
    "mape": "mape",
}


class StockForecastAccuracy(models.Model):
    """Accuracy of the frozen forecasts per segment x warehouse x month.

    Written by the nightly job from the closed forecast lines with pooled sums (engine
    ``invplan.accuracy.accuracy_table``): a month's WAPE is its total absolute error over
    its total demand, not an average of ratios."""

    _name = "stock.forecast.accuracy"
    _description = "Forecast Accuracy by Segment and Month"
    _order = "month desc, segment_id, warehouse_id"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    segment_id = fields.Many2one("stock.segment", readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index=True)
    month = fields.Date(required=True, readonly=True, index=True, help="First day of month.")
    bucket_count = fields.Integer("Scored Buckets", readonly=True, aggregator="sum")
    actual_qty = fields.Float("Actual Demand", readonly=True, aggregator="sum")
    forecast_qty = fields.Float("Final Forecast", readonly=True, aggregator="sum")
    mad = fields.Float("MAD", readonly=True, aggregator="avg", help="Mean absolute error.")
    mape = fields.Float("MAPE (%)", readonly=True, aggregator="avg")
    wape = fields.Float("WAPE (%)", readonly=True, aggregator="avg")
    bias = fields.Float(
        readonly=True, aggregator="avg", help="Mean error (actual - forecast) per bucket."
    )
    relative_bias = fields.Float("Relative Bias (%)", readonly=True, aggregator="avg")
    tracking_signal = fields.Float(
        readonly=True,
        aggregator=None,
        help="Summed error over MAD of the month: not added up over months.",
    )
    wape_statistical = fields.Float("WAPE Statistical (%)", readonly=True, aggregator="avg")
    value_added = fields.Float(
        "Forecast Value Added (pts)",
        readonly=True,
        aggregator="avg",
        help="WAPE of the statistical forecast minus WAPE of the final forecast, in "
        "percentage points: positive when overrides improved accuracy.",
    )

    def _read_group_select(self, aggregate_spec, query):
        """Pooled ratios on group and total rows (list, pivot, graph): the WAPE of a
        group is its total absolute error over its total demand, not the average of its
        months' WAPEs; no data (no demand) gives an empty value rather than 0."""
        fname, _sep, func = aggregate_spec.partition(":")
        if fname in POOLED and func in ("avg", "sum"):
            columns = {
                key: self._field_to_sql(query.table, column, query)
                for key, column in POOLED_COLUMNS.items()
            }
            return SQL(POOLED[fname], **columns)
        return super()._read_group_select(aggregate_spec, query)

    _key_uniq = models.Constraint(
        "unique NULLS NOT DISTINCT (company_id, segment_id, warehouse_id, month)",
        "One accuracy row per segment, warehouse and month.",
    )
