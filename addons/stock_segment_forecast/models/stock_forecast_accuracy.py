from odoo import fields, models


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
    tracking_signal = fields.Float(readonly=True, aggregator="avg")
    wape_statistical = fields.Float("WAPE Statistical (%)", readonly=True, aggregator="avg")
    value_added = fields.Float(
        "Forecast Value Added (pts)",
        readonly=True,
        aggregator="avg",
        help="WAPE of the statistical forecast minus WAPE of the final forecast, in "
        "percentage points: positive when overrides improved accuracy.",
    )

    _key_uniq = models.Constraint(
        "unique NULLS NOT DISTINCT (company_id, segment_id, warehouse_id, month)",
        "One accuracy row per segment, warehouse and month.",
    )
