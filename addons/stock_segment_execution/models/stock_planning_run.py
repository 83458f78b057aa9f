from odoo import api, models


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    @api.model
    def _planning_steps(self):
        """Customer tier proposals and the critical levels of protected stock, after the
        replenishment (their safety stock), cycle counts, shortage allocation proposals,
        slotting and the execution KPIs."""
        Proposal = self.env["stock.customer.tier.proposal"]
        Profile = self.env["stock.planning.profile"]
        Quant = self.env["stock.quant"]
        Count = self.env["stock.count.result"]
        Slotting = self.env["stock.slotting.proposal"]
        Kpi = self.env["stock.execution.kpi"]
        Allocation = self.env["stock.shortage.allocation"]
        return [
            *super()._planning_steps(),
            {
                "code": "customer_tiers",
                "name": self.env._("Customer tier classification"),
                "sequence": 37,
                "shared": False,
                "run": lambda company, day: Proposal._run_classification(
                    companies=company, day=day
                ).get(company.id),
            },
            {
                "code": "critical_levels",
                "name": self.env._("Critical levels of protected stock"),
                "sequence": 38,
                "shared": False,
                "run": lambda company, day: Profile._run_critical_levels(
                    companies=company, day=day
                ).get(company.id),
            },
            {
                "code": "cycle_counts",
                "name": self.env._("Cycle counts and record accuracy by segment"),
                "sequence": 39,
                "shared": False,
                "run": lambda company, day: dict(
                    Quant._schedule_cycle_counts(companies=company, day=day).get(company.id) or {},
                    **Count._check_accuracy(company, day),
                ),
            },
            {
                "code": "shortage_allocation",
                "name": self.env._("Shortage allocation proposals"),
                "sequence": 40,
                "shared": False,
                # Proposals only: a buyer reviews and applies them.
                "run": lambda company, day: Allocation._run_allocation(companies=company).get(
                    company.id
                ),
            },
            {
                "code": "slotting",
                "name": self.env._("Slotting by pick velocity"),
                "sequence": 41,
                "shared": False,
                "run": lambda company, day: Slotting._run_slotting(companies=company, day=day).get(
                    company.id
                ),
            },
            {
                "code": "execution_kpi",
                "name": self.env._("Execution KPIs by tier and segment"),
                "sequence": 45,
                "shared": False,
                "run": lambda company, day: Kpi._run_kpi(companies=company, day=day).get(
                    company.id
                ),
            },
        ]
