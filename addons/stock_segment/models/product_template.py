from odoo import api, fields, models
from odoo.exceptions import AccessError

LIFECYCLE_STAGES = [
    ("new", "New"),
    ("growth", "Growth"),
    ("mature", "Mature"),
    ("decline", "Decline"),
    ("phase_out", "Phase-out"),
    ("end_of_life", "End of life"),
    ("obsolete", "Obsolete"),
]
# The engine (invplan.classify.suggest_lifecycle) suggests new / growth / mature / decline /
# dormant / obsolete; "dormant" (no demand for a while) is a decline for the product.
ENGINE_TO_PRODUCT_STAGE = {
    "new": "new",
    "growth": "growth",
    "mature": "mature",
    "decline": "decline",
    "dormant": "decline",
    "obsolete": "obsolete",
}
# Stages decided by people: suggestions never overwrite them automatically.
DECIDED_STAGES = ("phase_out", "end_of_life")
# Stages that remove stock (rules archived, disposals reviewed): never applied
# automatically, only confirmed by a Planning Manager.
STOCK_REMOVING_STAGES = ("phase_out", "end_of_life", "obsolete")
STAGE_DATE_FIELDS = {
    "new": "lifecycle_introduction_date",
    "phase_out": "lifecycle_phase_out_date",
    "end_of_life": "lifecycle_end_of_life_date",
}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        tracking=True,
        help="Confirmed lifecycle stage; segment rules use it.",
    )
    lifecycle_stage_suggested = fields.Selection(
        LIFECYCLE_STAGES,
        "Suggested Lifecycle Stage",
        readonly=True,
        copy=False,
        help="Stage suggested by the nightly classification from the demand history.",
    )
    lifecycle_stage_date = fields.Date(
        "In Stage Since", copy=False, tracking=True, help="Date the current stage was set."
    )
    lifecycle_suggestion_date = fields.Date(readonly=True, copy=False)
    lifecycle_introduction_date = fields.Date("Introduction Date", copy=False)
    lifecycle_phase_out_date = fields.Date("Phase-out Date", copy=False, tracking=True)
    lifecycle_end_of_life_date = fields.Date("End-of-life Date", copy=False, tracking=True)
    lifecycle_suggestion_pending = fields.Boolean(
        compute="_compute_lifecycle_suggestion_pending",
        search="_search_lifecycle_suggestion_pending",
    )
    # Plans are for planning users only (a plain Inventory user sees segments, not plans).
    planning_profile_ids = fields.One2many(
        "stock.planning.profile",
        "product_tmpl_id",
        string="Planning Profiles",
        groups="stock_segment.group_planning_user",
    )
    planning_profile_count = fields.Integer(
        compute="_compute_planning_profile_count", groups="stock_segment.group_planning_user"
    )

    @api.depends("lifecycle_stage", "lifecycle_stage_suggested")
    def _compute_lifecycle_suggestion_pending(self):
        for template in self:
            template.lifecycle_suggestion_pending = bool(
                template.lifecycle_stage_suggested
                and template.lifecycle_stage_suggested != template.lifecycle_stage
            )

    def _search_lifecycle_suggestion_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        self.env.cr.execute(
            """SELECT id FROM product_template
                WHERE lifecycle_stage_suggested IS NOT NULL
                  AND lifecycle_stage_suggested IS DISTINCT FROM lifecycle_stage"""
        )
        ids = [r[0] for r in self.env.cr.fetchall()]
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    @api.depends("planning_profile_ids")
    def _compute_planning_profile_count(self):
        counts = dict(
            self.env["stock.planning.profile"]._read_group(
                [("product_tmpl_id", "in", self.ids)], ["product_tmpl_id"], ["__count"]
            )
        )
        for template in self:
            template.planning_profile_count = counts.get(template, 0)

    def write(self, vals):
        if (
            vals.get("lifecycle_stage") in STOCK_REMOVING_STAGES
            and not self.env.su
            and not self.env.user.has_group("stock_segment.group_planning_manager")
            and any(t.lifecycle_stage != vals["lifecycle_stage"] for t in self)
        ):
            raise AccessError(
                self.env._(
                    "Only a Planning Manager can move a product to a stage that removes "
                    "stock (phase-out, end of life, obsolete)."
                )
            )
        if vals.get("lifecycle_stage") and "lifecycle_stage_date" not in vals:
            vals = dict(vals, lifecycle_stage_date=self.env["stock.planning.run"]._planning_day())
            date_field = STAGE_DATE_FIELDS.get(vals["lifecycle_stage"])
            if date_field and date_field not in vals:
                # The stage's own date (introduction, phase-out, end of life) is set
                # where it is empty, never moved: a product introduced 4 days ago and
                # confirmed "new" today keeps its introduction date.
                empty = self.filtered(lambda t, f=date_field: not t[f])
                res = super().write(vals)
                if empty:
                    super(ProductTemplate, empty).write({date_field: vals["lifecycle_stage_date"]})
                return res
        return super().write(vals)

    def action_confirm_lifecycle_suggestion(self):
        """Confirm the suggested stage, grouped by stage so one write serves many products.

        A stage that removes stock (phase-out, end of life, obsolete) is a Planning
        Manager's decision."""
        if not (self.env.su or self.env.user.has_group("stock_segment.group_planning_user")):
            raise AccessError(self.env._("Only planning users can confirm lifecycle stages."))
        pending = self.filtered("lifecycle_suggestion_pending")
        removing = pending.filtered(lambda t: t.lifecycle_stage_suggested in STOCK_REMOVING_STAGES)
        if (
            removing
            and not self.env.su
            and not self.env.user.has_group("stock_segment.group_planning_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only a Planning Manager can confirm a stage that removes stock "
                    "(phase-out, end of life, obsolete): %(products)s.",
                    products=", ".join(removing.mapped("display_name")[:5]),
                )
            )
        for stage in {t.lifecycle_stage_suggested for t in pending}:
            # The planning role decides the stage; a planner need not edit products.
            pending.filtered(lambda t, s=stage: t.lifecycle_stage_suggested == s).sudo().write(
                {"lifecycle_stage": stage}
            )
        return True

    def action_view_planning_profiles(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment.action_stock_planning_profile"
        )
        action["domain"] = [("product_tmpl_id", "in", self.ids)]
        action["context"] = {}
        return action
