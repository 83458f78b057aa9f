from odoo import fields, models
from odoo.tools import SQL

# A pending proposal this many days old is overdue for a decision.
OVERDUE_DAYS = 7


class StockPlanningCard(models.Model):
    _inherit = "stock.planning.card"

    kind = fields.Selection(
        selection_add=[("pending_proposals", "Pending proposals")],
        ondelete={"pending_proposals": "cascade"},
    )

    def _card_pending_proposals(self):
        """Proposals awaiting approval in the current company and their effect on the
        stock value (the proposals' own value change), in one query."""
        Proposal = self.env["stock.replenishment.proposal"]
        Proposal.flush_model(["state", "company_id", "stock_value_change", "date_proposed"])
        self.env.cr.execute(
            SQL(
                """
            SELECT COUNT(*),
                   COALESCE(SUM(stock_value_change), 0),
                   COUNT(*) FILTER (WHERE stock_value_change > 0),
                   COUNT(*) FILTER (WHERE stock_value_change < 0),
                   COUNT(*) FILTER (WHERE date_proposed < now() AT TIME ZONE 'UTC'
                                                            - make_interval(days => %(days)s))
              FROM stock_replenishment_proposal
             WHERE state = 'pending' AND company_id = %(company)s
                """,
                company=self.env.company.id,
                days=OVERDUE_DAYS,
            )
        )
        count, amount, raise_count, lower_count, overdue = self.env.cr.fetchone()
        if not count:
            return {
                "count": 0,
                "amount": 0.0,
                "detail": self.env._("No proposal waits for approval"),
                "state": "ok",
            }
        parts = [
            self.env._("%s raise stock", raise_count),
            self.env._("%s lower it", lower_count),
        ]
        if overdue:
            parts.append(
                self.env._("%(n)s waiting over %(days)s days", n=overdue, days=OVERDUE_DAYS)
            )
        return {
            "count": count,
            "amount": amount,
            "detail": ", ".join(parts),
            "state": "danger" if overdue else "warning",
        }

    def _card_action_pending_proposals(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_replenishment.action_stock_replenishment_proposal"
        )
        action["domain"] = [("state", "=", "pending")]
        action["context"] = {"search_default_pending": 1}
        return action
