from odoo import api, fields, models
from odoo.addons.stock_segment.models.product_template import LIFECYCLE_STAGES

# Context key the classification job's own stage writes carry (see
# stock.planning.profile._apply_lifecycle_suggestions in this addon): such a stage is a
# suggestion applied by a job, not a decision.
JOB_STAGE_CONTEXT = "stock_segment_lifecycle_job_stage"


class ProductTemplate(models.Model):
    _inherit = "product.template"

    successor_product_id = fields.Many2one(
        "product.product",
        help="Product that takes over the demand when this one is phased out.",
    )
    supply_end_date = fields.Date(
        help="Last date the product can be bought (supplier discontinuation); the "
        "last-time buy covers demand after it.",
    )
    service_end_date = fields.Date(
        help="End of the service life: demand is expected until this date.",
    )
    analog_product_id = fields.Many2one(
        "product.product",
        "Reference Product",
        help="Analogous product: while this product is new and has too little demand "
        "history, its forecast is the reference's forecast at the same warehouse times "
        "the scale factor.",
    )
    analog_factor = fields.Float(
        "Reference Scale Factor",
        default=1.0,
        digits=(16, 3),
        help="Expected demand of this product relative to its reference product.",
    )
    lifecycle_stage_confirmed = fields.Selection(
        LIFECYCLE_STAGES,
        "Stage Confirmed by a Person",
        readonly=True,
        help="The last lifecycle stage a person set or confirmed. Phase-out, end of life "
        "and obsolete take stock away (rules archived, disposal reviews, provisions): "
        "the lifecycle jobs act on them only when a person confirmed them, never on a "
        "stage a job applied from its suggestion.",
    )

    _analog_factor_positive = models.Constraint(
        "CHECK (analog_factor >= 0)", "The reference scale factor cannot be negative."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "lifecycle_stage" in vals and not self.env.context.get(JOB_STAGE_CONTEXT):
                vals["lifecycle_stage_confirmed"] = vals["lifecycle_stage"] or False
        return super().create(vals_list)

    def write(self, vals):
        """A stage written by a person (a form, an import, the Confirm button) is
        confirmed; a stage the classification job applies is not."""
        if "lifecycle_stage" in vals and not self.env.context.get(JOB_STAGE_CONTEXT):
            vals = dict(vals, lifecycle_stage_confirmed=vals["lifecycle_stage"] or False)
        elif "lifecycle_stage_confirmed" in vals and not self.env.su:
            vals = {k: v for k, v in vals.items() if k != "lifecycle_stage_confirmed"}
        return super().write(vals)
