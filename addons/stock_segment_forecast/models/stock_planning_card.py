from odoo import fields, models

from .stock_planning_exception import OPEN_STATES


class StockPlanningCard(models.Model):
    _inherit = "stock.planning.card"

    kind = fields.Selection(
        selection_add=[
            ("exceptions", "Open exceptions"),
            ("overrides_to_approve", "Overrides to approve"),
        ],
        ondelete={"exceptions": "cascade", "overrides_to_approve": "cascade"},
    )

    # --- open exceptions ------------------------------------------------------------------

    def _card_exceptions(self):
        """Open exceptions of the company: count, total impact, detail by severity (one
        read_group); urgent when any is high or critical."""
        Exception_ = self.env["stock.planning.exception"]
        groups = Exception_._read_group(
            [("company_id", "=", self.env.company.id), ("state", "in", list(OPEN_STATES))],
            ["severity"],
            ["__count", "financial_impact:sum"],
        )
        by_severity = {severity: (count, impact or 0.0) for severity, count, impact in groups}
        labels = dict(Exception_._fields["severity"]._description_selection(self.env))
        order = ["critical", "high", "medium", "low"]
        parts = [
            self.env._(
                "%(count)s %(severity)s", count=by_severity[s][0], severity=labels[s].lower()
            )
            for s in order
            if s in by_severity
        ]
        count = sum(c for c, _i in by_severity.values())
        urgent = any(s in by_severity for s in ("critical", "high"))
        return {
            "count": count,
            "amount": sum(i for _c, i in by_severity.values()),
            "detail": ", ".join(parts) or self.env._("No open exception"),
            "state": "danger" if urgent else ("warning" if count else "ok"),
        }

    def _card_action_exceptions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_forecast.action_stock_planning_exception"
        )
        action["context"] = {"search_default_open": 1}
        return action

    # --- overrides to approve -------------------------------------------------------------

    def _card_overrides_to_approve(self):
        count = self.env["stock.demand.override"].search_count(
            [("company_id", "=", self.env.company.id), ("state", "=", "to_approve")]
        )
        return {
            "count": count,
            "amount": None,
            "detail": self.env._("Beyond their segment's tolerance: a manager approves them")
            if count
            else self.env._("Nothing to approve"),
            "state": "warning" if count else "ok",
        }

    def _card_action_overrides_to_approve(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_forecast.action_stock_demand_override"
        )
        action["context"] = {"search_default_to_approve": 1}
        return action
