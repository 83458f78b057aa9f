from odoo import fields, models


class StockSegment(models.Model):
    _inherit = "stock.segment"

    forecast_refresh_days = fields.Integer(
        "Forecast Refresh (days)",
        default=7,
        help="Days between two forecasts of the plans of this segment: 1 for daily "
        "(fast movers), 7 for weekly.",
    )

    _forecast_refresh_days_positive = models.Constraint(
        "CHECK (forecast_refresh_days >= 1)",
        "The forecast refresh interval must be at least one day.",
    )
