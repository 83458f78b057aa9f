from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """The stock aging step, after replenishment."""
        Profile = self.env["stock.planning.profile"]
        return [
            *super()._planning_steps(),
            {
                "code": "aging",
                "name": self.env._("Stock aging and slow movers"),
                "sequence": 40,
                "run": lambda company, day: Profile._run_aging(companies=company, today=day).get(
                    company.id
                ),
            },
        ]
