from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """The forecast step, after classification."""
        Profile = self.env["stock.planning.profile"]
        return [
            *super()._planning_steps(),
            {
                "code": "forecast",
                "name": self.env._("Forecast"),
                "sequence": 20,
                "run": lambda company, day: Profile._run_forecast(companies=company, today=day).get(
                    company.id
                ),
            },
        ]
