from odoo import fields, models
from odoo.tools import SQL


class StockPlanningCard(models.Model):
    _inherit = "stock.planning.card"

    kind = fields.Selection(
        selection_add=[("network_placement", "Network placement")],
        ondelete={"network_placement": "cascade"},
    )

    def _card_network_placement(self):
        """The current company's placement: the yearly safety-stock saving against the
        independent plans and the placement proposals still pending, in one query; the
        network's validity from its record."""
        company = self.env.company
        self.env["stock.network.placement"].flush_model()
        self.env["stock.replenishment.proposal"].flush_model(["state"])
        self.env.cr.execute(
            SQL(
                """
            SELECT COUNT(DISTINCT pl.product_id),
                   COALESCE(SUM(pl.saving), 0) * 365,
                   COUNT(pr.id) FILTER (WHERE pr.state = 'pending')
              FROM stock_network_placement pl
         LEFT JOIN stock_replenishment_proposal pr ON pr.id = pl.proposal_id
             WHERE pl.company_id = %s
                """,
                company.id,
            )
        )
        products, saving, pending = self.env.cr.fetchone()
        network = self.env["stock.network"].search([("company_id", "=", company.id)], limit=1)
        if network.state == "invalid":
            return {
                "count": 0,
                "amount": 0.0,
                "detail": self.env._("The resupply network is not valid: no placement"),
                "state": "danger",
            }
        if not products:
            return {
                "count": 0,
                "amount": 0.0,
                "detail": self.env._("No product placed across the network"),
                "state": "ok",
            }
        return {
            "count": products,
            "amount": saving,
            "detail": self.env._(
                "%(products)s products placed; %(pending)s proposals pending (amount: the "
                "yearly saving)",
                products=products,
                pending=pending,
            ),
            "state": "warning" if pending else "ok",
        }

    def _card_action_network_placement(self):
        network = self.env["stock.network"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        if network.state == "invalid":
            return {
                "type": "ir.actions.act_window",
                "res_model": "stock.network",
                "view_mode": "form",
                "views": [(False, "form")],
                "res_id": network.id,
            }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_network.action_stock_network_placement"
        )
        action["context"] = {"search_default_proposed": 1}
        return action
