"""The planner's overview: one card per work queue, computed for the current company.

A card is a small record (name, kind, sequence) shown in a kanban. Its figures are computed
on read, so the overview always shows the state of now. Each addon adds its own kinds by
``selection_add`` and two methods named after the kind:

- ``_card_<kind>(self)`` returns ``{"count": int, "amount": float, "detail": str,
  "state": "ok" | "warning" | "danger"}`` (missing keys take their empty value);
- ``_card_action_<kind>(self)`` returns the window action that opens the card's list,
  already filtered.
"""

from odoo import api, fields, models

CARD_DEFAULTS = {"count": 0, "amount": None, "detail": False, "state": "ok"}


class StockPlanningCard(models.Model):
    _name = "stock.planning.card"
    _description = "Planning Overview Card"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [("plans", "Plans")],
        required=True,
        help="Which work queue the card counts; each planning addon adds its own.",
    )
    count = fields.Integer(compute="_compute_figures")
    amount = fields.Monetary(compute="_compute_figures", currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    detail = fields.Char(compute="_compute_figures")
    state = fields.Selection(
        [("ok", "On track"), ("warning", "Needs attention"), ("danger", "Urgent")],
        compute="_compute_figures",
    )
    show_amount = fields.Boolean(
        compute="_compute_figures", help="Whether the card's amount means something."
    )

    @api.depends_context("company")
    def _compute_currency_id(self):
        self.currency_id = self.env.company.currency_id

    @api.depends_context("company")
    def _compute_figures(self):
        for card in self:
            values = dict(CARD_DEFAULTS)
            method = getattr(card, f"_card_{card.kind}", None)
            if method is not None:
                values.update(method() or {})
            values["show_amount"] = values.get("amount") is not None
            values["amount"] = values.get("amount") or 0.0
            card.update(values)

    def action_open(self):
        """Open the card's list, filtered on what the card counts."""
        self.ensure_one()
        method = getattr(self, f"_card_action_{self.kind}", None)
        if method is None:
            return False
        return method()

    # --- the card of this addon: plans ---------------------------------------------------

    def _card_plans(self):
        Profile = self.env["stock.planning.profile"]
        company = [("company_id", "=", self.env.company.id)]
        total = Profile.search_count(company)
        quarantined = Profile.search_count(company + [("data_quarantine", "=", True)])
        unsegmented = Profile.search_count(company + [("segment_id", "=", False)])
        parts = []
        if quarantined:
            parts.append(self.env._("%s quarantined", quarantined))
        if unsegmented:
            parts.append(self.env._("%s without segment", unsegmented))
        return {
            "count": total,
            "amount": None,
            "detail": ", ".join(parts) or self.env._("All plans have a segment and clean data"),
            "state": "danger" if quarantined else ("warning" if unsegmented else "ok"),
        }

    def _card_action_plans(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment.action_stock_planning_profile"
        )
        action["context"] = {"search_default_quarantined": 0}
        return action
