from odoo import fields, models

ABC_MEASURES = [
    ("revenue", "Revenue"),
    ("margin", "Gross margin"),
    ("consumption_value", "Consumption value at cost"),
    ("order_lines", "Number of order lines"),
]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    stock_segment_window_days = fields.Integer(
        "Classification Window (days)",
        config_parameter="stock_segment.window_days",
        default=365,
        help="Days of history the nightly classification reads.",
    )
    stock_segment_abc_measure = fields.Selection(
        ABC_MEASURES,
        "ABC Measure",
        config_parameter="stock_segment.abc_measure",
        default="revenue",
    )
    stock_segment_abc_cutoff_a = fields.Float(
        "A Cutoff (%)",
        config_parameter="stock_segment.abc_cutoff_a",
        default=80.0,
        help="Items making up the first 80% of the value are A.",
    )
    stock_segment_abc_cutoff_b = fields.Float(
        "B Cutoff (%)",
        config_parameter="stock_segment.abc_cutoff_b",
        default=95.0,
        help="Items between the A cutoff and this cumulative share are B; the rest C.",
    )
    stock_segment_xyz_threshold_x = fields.Float(
        "X Threshold (CV)",
        config_parameter="stock_segment.xyz_threshold_x",
        default=0.5,
        help="Coefficient of variation of weekly demand below which an item is X.",
    )
    stock_segment_xyz_threshold_y = fields.Float(
        "Y Threshold (CV)",
        config_parameter="stock_segment.xyz_threshold_y",
        default=1.0,
        help="Coefficient of variation below which an item is Y; above it Z.",
    )
    stock_segment_lifecycle_new_days = fields.Integer(
        "New Product Period (days)",
        config_parameter="stock_segment.lifecycle_new_days",
        default=90,
    )
    stock_segment_lifecycle_dormant_days = fields.Integer(
        "Dormant After (days)",
        config_parameter="stock_segment.lifecycle_dormant_days",
        default=180,
        help="Days without demand after which a decline is suggested.",
    )
    stock_segment_lifecycle_obsolete_days = fields.Integer(
        "Obsolete After (days)",
        config_parameter="stock_segment.lifecycle_obsolete_days",
        default=365,
        help="Days without demand after which obsolete is suggested.",
    )
    stock_segment_lifecycle_auto_apply = fields.Boolean(
        "Auto-apply Lifecycle Suggestions",
        config_parameter="stock_segment.lifecycle_auto_apply",
        help="Apply the suggested lifecycle stage without confirmation "
        "(phase-out and end-of-life decisions are never overwritten).",
    )
    stock_segment_batch_size = fields.Integer(
        "Classification Batch Size",
        config_parameter="stock_segment.batch_size",
        default=2000,
        help="Products classified per transaction by the nightly job.",
    )
