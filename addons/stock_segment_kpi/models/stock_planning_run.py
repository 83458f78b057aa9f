from datetime import timedelta

from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """The KPI snapshot of the day before the run (the last whole day), at the end."""
        Snapshot = self.env["stock.kpi.snapshot"]
        return [
            *super()._planning_steps(),
            {
                "code": "kpi",
                "name": self.env._("KPI snapshot and control charts"),
                "sequence": 50,
                # The snapshot gathers its batches and writes at the end: one worker.
                "shared": False,
                "run": lambda company, day: Snapshot._run_snapshot(
                    day - timedelta(days=1), companies=company
                ).get(company.id),
            },
        ]
