from odoo import fields, models

EXCEPTION_ALERT_MODES = [
    ("all", "All exceptions"),
    ("threshold", "Only above an impact threshold"),
    ("none", "None"),
]


class StockSegment(models.Model):
    _inherit = "stock.segment"

    forecast_refresh_days = fields.Integer(
        "Forecast Refresh (days)",
        default=7,
        help="Days between two forecasts of the plans of this segment: 1 for daily "
        "(fast movers), 7 for weekly.",
    )
    exception_alert_mode = fields.Selection(
        EXCEPTION_ALERT_MODES,
        "Exceptions",
        required=True,
        default="all",
        help="Which planning exceptions the plans of this segment raise, whatever the job "
        "that finds them: all of them, only those whose financial impact reaches the "
        "threshold, or none (alert only on priority segments to avoid noise). A job "
        "failure on a plan is always raised.",
    )
    exception_impact_threshold = fields.Float(
        digits="Product Price",
        help="In company currency: with 'Only above an impact threshold', an exception "
        "whose financial impact is below this amount is not raised.",
    )

    _forecast_refresh_days_positive = models.Constraint(
        "CHECK (forecast_refresh_days >= 1)",
        "The forecast refresh interval must be at least one day.",
    )
    _exception_impact_threshold_positive = models.Constraint(
        "CHECK (exception_impact_threshold IS NULL OR exception_impact_threshold >= 0)",
        "The exception impact threshold cannot be negative.",
    )
