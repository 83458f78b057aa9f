from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """The network placement step, after the replenishment (sequence 30)."""
        Network = self.env["stock.network"]
        return [
            *super()._planning_steps(),
            {
                "code": "network_placement",
                "name": self.env._("Safety-stock placement across the network"),
                "sequence": 35,
                "shared": False,
                "run": lambda company, day: Network._run_placement(companies=company).get(
                    company.id
                ),
            },
        ]
