from odoo import api, fields, models
from odoo.exceptions import ValidationError

EVENT_TYPES = [
    ("promotion", "Promotion"),
    ("shutdown", "Shutdown / closure"),
    ("project", "One-off project order"),
    ("other", "Other"),
]


class StockDemandEvent(models.Model):
    """A known event that distorts demand; its buckets are left out of the baseline."""

    _name = "stock.demand.event"
    _description = "Demand Event"
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    event_type = fields.Selection(EVENT_TYPES, "Type", required=True, default="promotion")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        index=True,
        help="Empty: every product (of the category, when one is set).",
    )
    categ_id = fields.Many2one(
        "product.category",
        "Product Category",
        help="Matches the category and its children; empty matches any category.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", check_company=True, help="Empty matches every warehouse."
    )
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("To", required=True)
    exclude_from_baseline = fields.Boolean(
        default=True,
        help="Leave the buckets of the event out of the history the forecast is fitted on.",
    )
    note = fields.Text()

    _date_range_valid = models.Constraint(
        "CHECK (date_to >= date_from)",
        "An event cannot end before it starts.",
    )

    @api.constrains("product_id", "categ_id")
    def _check_scope(self):
        for event in self:
            if event.product_id and event.categ_id:
                if event.product_id.categ_id != event.categ_id and not (
                    event.product_id.categ_id.parent_path or ""
                ).startswith(event.categ_id.parent_path or "-"):
                    raise ValidationError(
                        self.env._("The product of event %s is not in its category.", event.name)
                    )
