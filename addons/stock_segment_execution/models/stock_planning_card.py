from odoo import fields, models


class StockPlanningCard(models.Model):
    _inherit = "stock.planning.card"

    kind = fields.Selection(
        selection_add=[("execution", "Execution by customer tier")],
        ondelete={"execution": "cascade"},
    )

    def _card_execution(self):
        """Deliveries of the current company waiting for protected stock, and the tier
        proposals and shortage allocations waiting for a decision."""
        company = [("company_id", "=", self.env.company.id)]
        waiting = self.env["stock.picking"].search_count(
            company + [("protected_wait", "=", True), ("state", "not in", ("done", "cancel"))]
        )
        tiers = self.env["stock.customer.tier.proposal"].search_count(
            company + [("state", "=", "pending")]
        )
        shortages = 0
        if "stock.shortage.allocation" in self.env:
            shortages = self.env["stock.shortage.allocation"].search_count(
                company + [("state", "in", ("proposed", "to_approve"))]
            )
        return {
            "count": waiting + shortages,
            "amount": None,
            "detail": self.env._(
                "%(waiting)s deliveries wait for protected stock; %(shortages)s shortages "
                "to allocate; %(tiers)s tier proposals",
                waiting=waiting,
                shortages=shortages,
                tiers=tiers,
            ),
            "state": "warning" if waiting or shortages or tiers else "ok",
        }

    def _card_action_execution(self):
        if "stock.shortage.allocation" in self.env:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "stock_segment_execution.action_stock_shortage_allocation"
            )
            action["context"] = {"search_default_open": 1}
            return action
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_execution.action_stock_customer_tier_proposal"
        )
        action["context"] = {"search_default_pending": 1}
        return action
