from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """The network placement step, after the replenishment (sequence 30), on the run's
        day: a run resumed after midnight keeps its dates."""
        Network = self.env["stock.network"]
        return [
            *super()._planning_steps(),
            {
                "code": "network_placement",
                "name": self.env._("Safety-stock placement across the network"),
                "sequence": 35,
                "shared": False,
                "run": lambda company, day: Network._run_placement(
                    companies=company, today=day
                ).get(company.id),
            },
        ]
