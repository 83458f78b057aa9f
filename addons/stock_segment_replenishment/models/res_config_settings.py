from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    replenishment_purchase_approval = fields.Boolean(
        "Approve Out-of-policy Purchases",
        config_parameter="stock_segment_replenishment.purchase_approval",
        help="A purchase order with lines above the max, of end-of-life or obsolete "
        "products, or placed as an emergency can only be confirmed by a Planning Manager.",
    )
    replenishment_lead_time_min_count = fields.Integer(
        "Minimum Receipts for Lead-time Statistics",
        config_parameter="stock_segment_replenishment.lead_time_min_count",
        default=3,
        help="With fewer receipts the vendor price list delay is used.",
    )
    replenishment_lead_time_days = fields.Integer(
        "Lead-time History (days)",
        config_parameter="stock_segment_replenishment.lead_time_history_days",
        default=730,
    )
    replenishment_drift_threshold = fields.Float(
        "Lead-time Drift Threshold (%)",
        config_parameter="stock_segment_replenishment.drift_threshold",
        default=25.0,
        help="Recent receipts deviating from the long-run mean by more than this raise an "
        "exception (when the difference is also statistically significant).",
    )
    replenishment_on_time_threshold = fields.Float(
        "Supplier On-time Threshold (%)",
        config_parameter="stock_segment_replenishment.on_time_threshold",
        default=80.0,
    )
    replenishment_batch_size = fields.Integer(
        config_parameter="stock_segment_replenishment.batch_size",
        default=2000,
    )
    replenishment_approver_id = fields.Many2one(
        "res.users",
        "Proposal Approver",
        config_parameter="stock_segment_replenishment.approver_id",
        help="Planning Manager who receives the approval activities; empty: the first "
        "Planning Manager.",
    )
    replenishment_auto_apply_new_rules = fields.Boolean(
        "Apply New and Archived Rules at Once",
        config_parameter="stock_segment_replenishment.auto_apply_new_rules",
        help="Creating, archiving or reactivating a reorder rule counts as a 100 % change: "
        "it waits for approval unless the segment's tolerance is 100 % or this is set "
        "(for example for the first run, which creates every rule).",
    )
