from odoo import fields, models


class StockSegment(models.Model):
    _inherit = "stock.segment"

    scenario_id = fields.Many2one(
        "stock.planning.scenario",
        "Pilot of Scenario",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="A pilot segment: a copy of a segment with a scenario's policy changes, for the "
        "plans of the scenario's pilot. No segment rule gives it; archived when the "
        "scenario is promoted or rolled back.",
    )
    pilot_source_id = fields.Many2one(
        "stock.segment",
        "Pilot Copy Of",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The live segment this pilot segment is a copy of.",
    )
