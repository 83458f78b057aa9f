from odoo import api, fields, models
from odoo.exceptions import ValidationError

FORECAST_METHODS = [
    ("auto", "Automatic (best of candidates)"),
    ("naive", "Naive"),
    ("seasonal_naive", "Seasonal naive"),
    ("moving_average", "Moving average"),
    ("ses", "Simple exponential smoothing"),
    ("holt", "Holt (trend)"),
    ("holt_damped", "Holt (damped trend)"),
    ("holt_winters_add", "Holt-Winters additive"),
    ("holt_winters_mul", "Holt-Winters multiplicative"),
    ("croston", "Croston"),
    ("sba", "Syntetos-Boylan (intermittent)"),
    ("tsb", "Teunter-Syntetos-Babai"),
    ("adida", "ADIDA (aggregated)"),
    ("zero", "Zero (no forecast)"),
]

# Keys match invplan.policy.POLICIES so a segment's policy is handed to the engine as is.
REPLENISHMENT_POLICIES = [
    ("sQ", "Continuous review (s, Q)"),
    ("sS", "Min / max (s, S)"),
    ("RS", "Periodic review (R, S)"),
    ("mto", "Make to order / no stock"),
    ("manual", "Manual"),
]


class StockSegment(models.Model):
    _name = "stock.segment"
    _description = "Planning Segment"
    _order = "sequence, code, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Short code shown in lists and used by rules and imports, e.g. AX.",
    )
    color = fields.Integer(default=0)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the segment between all companies.",
    )
    description = fields.Text(translate=True)

    # Service
    service_metric = fields.Selection(
        [("cycle_service_level", "Cycle service level"), ("fill_rate", "Fill rate")],
        required=True,
        default="cycle_service_level",
        help="Cycle service level: probability of no stockout in a replenishment cycle. "
        "Fill rate: share of demand served from stock.",
    )
    service_level_target = fields.Float(
        "Service Target (%)",
        default=95.0,
        required=True,
        help="Target of the service metric, in percent (e.g. 98 for 98%).",
    )

    # Policy
    replenishment_policy = fields.Selection(
        REPLENISHMENT_POLICIES,
        required=True,
        default="sQ",
        help="(s, Q): order a fixed quantity Q when the position falls to s. "
        "(s, S): order up to S when the position falls to s (Odoo min / max). "
        "(R, S): every R days order up to S. Make to order: no stock kept. "
        "Manual: the buyer sets the reorder rule.",
    )
    review_period_days = fields.Integer(
        "Review Period (days)",
        default=7,
        help="Days between two reviews for a periodic (R, S) policy.",
    )
    order_cover_days = fields.Float(
        "Order Cycle (days)",
        default=0.0,
        help="Order this many days of demand each time instead of the economic order "
        "quantity (the supplier's minimum and pack still apply). 0 = economic order "
        "quantity.",
    )
    stocking_strategy = fields.Selection(
        [("mts", "Make to stock"), ("mto", "Make to order")],
        required=True,
        default="mts",
    )
    allocate_service = fields.Boolean(
        "Meet Target over the Group",
        default=False,
        help="The fill-rate target is met by the group of items as a whole, not by each "
        "item: cheap, fast-selling items get a higher target and expensive, slow ones a "
        "lower one, so that the group reaches its target with the least stock value. "
        "Only for the fill-rate metric.",
    )
    allocation_group = fields.Char(
        help="Segments with the same group and the same target share their target, e.g. "
        "'A' for all A segments. Empty: the segment alone.",
    )
    allocation_priority = fields.Integer(
        default=10,
        help="Lower is served first when stock is short.",
    )

    # Forecast
    forecast_method = fields.Selection(
        FORECAST_METHODS,
        required=True,
        default="auto",
        help="Automatic picks the method with the lowest back-test error among candidates "
        "suited to the demand pattern.",
    )
    forecast_bucket = fields.Selection(
        [("day", "Day"), ("week", "Week"), ("month", "Month")],
        required=True,
        default="week",
        help="Granularity of the demand history and of the forecast.",
    )

    # Costs
    holding_cost_rate = fields.Float(
        "Holding Cost (% / year)",
        default=25.0,
        help="Yearly cost of holding one unit of stock, as a percent of its unit cost.",
    )
    ordering_cost = fields.Float(
        default=50.0,
        help="Cost of placing and receiving one replenishment order, in company currency.",
    )
    stockout_cost = fields.Float(
        default=0.0,
        help="Optional cost per unit short. When set, the policy minimises total cost "
        "instead of meeting the service target.",
    )
    use_cost_based_policy = fields.Boolean(
        compute="_compute_use_cost_based_policy",
        help="True when a stockout cost is set: the service target is then derived from costs.",
    )

    # Governance
    auto_apply_tolerance = fields.Float(
        "Auto-apply Tolerance (%)",
        default=10.0,
        help="Parameter changes smaller than this percentage are applied without approval.",
    )
    forecast_bias_threshold = fields.Float(
        "Bias Threshold",
        default=4.0,
        help="A forecast exception is raised when the tracking signal exceeds this "
        "value in absolute terms.",
    )
    forecast_error_threshold = fields.Float(
        "Error Threshold (WAPE %)",
        default=50.0,
        help="A forecast exception is raised when the weighted absolute percentage error "
        "exceeds this value.",
    )

    profile_count = fields.Integer(compute="_compute_profile_count", string="Plans")

    _code_company_uniq = models.Constraint(
        "unique (code, company_id)",
        "The segment code must be unique per company.",
    )
    _service_level_target_range = models.Constraint(
        "CHECK (service_level_target > 0 AND service_level_target < 100)",
        "The service target must be strictly between 0 and 100 percent.",
    )
    _review_period_positive = models.Constraint(
        "CHECK (review_period_days >= 0)",
        "The review period cannot be negative.",
    )
    _order_cover_days_positive = models.Constraint(
        "CHECK (order_cover_days >= 0)",
        "The order cycle cannot be negative.",
    )
    _cost_rates_positive = models.Constraint(
        "CHECK (holding_cost_rate >= 0 AND ordering_cost >= 0 AND stockout_cost >= 0)",
        "Costs cannot be negative.",
    )

    @api.constrains("replenishment_policy", "review_period_days")
    def _check_review_period(self):
        for segment in self:
            if segment.replenishment_policy == "RS" and segment.review_period_days <= 0:
                raise ValidationError(
                    self.env._(
                        "Segment %s uses periodic review (R, S): its Review Period (days) must "
                        "be at least 1.",
                        segment.display_name,
                    )
                )

    @api.depends("stockout_cost")
    def _compute_use_cost_based_policy(self):
        for segment in self:
            segment.use_cost_based_policy = segment.stockout_cost > 0

    def _compute_profile_count(self):
        counts = dict(
            self.env["stock.planning.profile"]._read_group(
                [("segment_id", "in", self.ids)], ["segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.profile_count = counts.get(segment, 0)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for segment in self:
            segment.display_name = (
                f"[{segment.code}] {segment.name}" if segment.code else segment.name
            )

    def action_view_profiles(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment.action_stock_planning_profile"
        )
        action["domain"] = [("segment_id", "=", self.id)]
        action["context"] = {}
        return action
