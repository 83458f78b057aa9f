from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    forecast_demand_source = fields.Selection(
        related="company_id.forecast_demand_source", readonly=False
    )
    forecast_include_consumption = fields.Boolean(
        related="company_id.forecast_include_consumption", readonly=False
    )
    forecast_include_transfers = fields.Boolean(
        related="company_id.forecast_include_transfers", readonly=False
    )
    stock_segment_forecast_history_days = fields.Integer(
        "Forecast History (days)",
        config_parameter="stock_segment_forecast.history_days",
        default=728,
        help="Days of demand history the forecast reads (728 = 104 weeks).",
    )
    stock_segment_forecast_horizon_days = fields.Integer(
        "Forecast Horizon (days)",
        config_parameter="stock_segment_forecast.horizon_days",
        default=91,
        help="Days ahead the forecast covers; rounded up to whole buckets.",
    )
    stock_segment_forecast_batch_size = fields.Integer(
        "Forecast Batch Size",
        config_parameter="stock_segment_forecast.batch_size",
        default=1000,
        help="Plans forecast per transaction by the nightly job.",
    )
    stock_segment_forecast_stockout_share = fields.Float(
        "Censoring Threshold (%)",
        config_parameter="stock_segment_forecast.stockout_share",
        default=50.0,
        help="A bucket is censored (left out of the forecast fit) when the product was "
        "out of stock at the warehouse on at least this share of its days.",
    )
    stock_segment_forecast_bias_threshold = fields.Float(
        "Relative Bias Threshold (%)",
        config_parameter="stock_segment_forecast.bias_threshold",
        default=30.0,
        help="A bias exception is raised when the summed error of the last closed "
        "buckets exceeds this share of their demand.",
    )
    stock_segment_forecast_accuracy_periods = fields.Integer(
        "Accuracy Window (buckets)",
        config_parameter="stock_segment_forecast.accuracy_periods",
        default=13,
        help="Closed buckets used for the accuracy shown on the plan.",
    )
