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

    # Plausibility screen (stock_planning_screen.SCREEN_DEFAULTS)
    stock_segment_plausibility_max_unit_cost = fields.Float(
        "Largest Plausible Unit Cost",
        config_parameter="stock_segment.plausibility_max_unit_cost",
        default=1e9,
        help="A product cost above this is a typing or unit error: its plans are quarantined.",
    )
    stock_segment_plausibility_max_unit_price = fields.Float(
        "Largest Plausible Sale Price",
        config_parameter="stock_segment.plausibility_max_unit_price",
        default=1e9,
    )
    stock_segment_plausibility_max_lead_time_days = fields.Float(
        "Longest Plausible Lead Time (days)",
        config_parameter="stock_segment.plausibility_max_lead_time_days",
        default=730.0,
        help="A vendor delay above this is a typing error: the plan is quarantined.",
    )
    stock_segment_plausibility_max_quantity = fields.Float(
        "Largest Plausible Quantity",
        config_parameter="stock_segment.plausibility_max_quantity",
        default=1e9,
        help="Largest plausible demand line, quantity on hand, minimum order or reorder level.",
    )
    stock_segment_plausibility_outlier_factor = fields.Float(
        "Outlier Factor",
        config_parameter="stock_segment.plausibility_outlier_factor",
        default=1e4,
        help="A cost or price this many times the company's median, and far out on the "
        "robust score below, is quarantined.",
    )
    stock_segment_plausibility_outlier_z = fields.Float(
        "Outlier Score",
        config_parameter="stock_segment.plausibility_outlier_z",
        default=6.0,
        help="Modified z-score of the logarithm (Iglewicz and Hoaglin; 3.5 is their usual "
        "cut, 6 keeps real but unusual items).",
    )
    stock_segment_plausibility_spike_ratio = fields.Float(
        "Demand Spike Warning (x median line)",
        config_parameter="stock_segment.plausibility_spike_ratio",
        default=50.0,
    )
    stock_segment_plausibility_absurd_spike_ratio = fields.Float(
        "Demand Spike Quarantine (x median line)",
        config_parameter="stock_segment.plausibility_absurd_spike_ratio",
        default=1000.0,
    )
