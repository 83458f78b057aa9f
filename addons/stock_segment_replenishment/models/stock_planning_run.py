from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """The replenishment step, after the forecast."""
        Profile = self.env["stock.planning.profile"]
        return [
            *super()._planning_steps(),
            {
                "code": "replenishment",
                "name": self.env._("Lead times, safety stock and reorder rules"),
                "sequence": 30,
                "run": lambda company, day: Profile._run_replenishment(
                    companies=company, today=day
                ).get(company.id),
            },
        ]
