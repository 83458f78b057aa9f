import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

REASONS = [
    ("obsolete", "Obsolete"),
    ("expired", "Expired"),
    ("damaged", "Damaged"),
    ("slow_moving", "Slow moving"),
    ("other", "Other"),
]

# Written by the disposal's own actions only (which do the scrap and the entry).
ACTION_FIELDS = {"state", "scrap_id", "move_id"}


class StockDisposal(models.Model):
    """Disposal or liquidation of stock: what leaves, why, and what it brought back."""

    _name = "stock.disposal"
    _description = "Stock Disposal / Liquidation"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda s: s.env._("New Disposal")
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    warehouse_id = fields.Many2one("stock.warehouse", required=True, check_company=True)
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    disposal_type = fields.Selection(
        [("scrap", "Scrap"), ("liquidation", "Liquidation sale"), ("return", "Return to vendor")],
        "Type",
        required=True,
        default="scrap",
    )
    reason = fields.Selection(REASONS, required=True, default="obsolete")
    quantity = fields.Float(required=True, digits="Product Unit")
    unit_cost = fields.Float(digits="Product Price", help="Cost per unit written off.")
    value = fields.Monetary(
        "Book Value", currency_field="currency_id", compute="_compute_value", store=True
    )
    value_recovered = fields.Monetary(currency_field="currency_id", tracking=True)
    loss = fields.Monetary(currency_field="currency_id", compute="_compute_value", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
    )
    scrap_id = fields.Many2one("stock.scrap", readonly=True, copy=False)
    move_id = fields.Many2one("account.move", "Journal Entry", readonly=True, copy=False)
    note = fields.Text()

    _quantity_positive = models.Constraint(
        "CHECK (quantity > 0)", "The disposed quantity must be positive."
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if (
                    vals.get("state", "draft") != "draft"
                    or vals.get("scrap_id")
                    or vals.get("move_id")
                ):
                    raise AccessError(
                        self.env._(
                            "A disposal is created as a draft; it is done or cancelled by its "
                            "buttons only."
                        )
                    )
        return super().create(vals_list)

    def write(self, vals):
        """State, scrap and journal entry change through the actions only (they do the
        scrap), and a done disposal never goes back: it would be scrapped twice."""
        if "state" in vals and vals["state"] != "done" and any(d.state == "done" for d in self):
            raise UserError(self.env._("A done disposal cannot be reset or cancelled."))
        if not self.env.su and ACTION_FIELDS.intersection(vals):
            raise AccessError(
                self.env._(
                    "The state of a disposal changes through its buttons only (Dispose, "
                    "Cancel), which take the stock out: it cannot be written directly."
                )
            )
        return super().write(vals)

    @api.depends("quantity", "unit_cost", "value_recovered")
    def _compute_value(self):
        for disposal in self:
            disposal.value = disposal.quantity * disposal.unit_cost
            disposal.loss = disposal.value - disposal.value_recovered

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.unit_cost = self.product_id.with_company(self.company_id).standard_price

    def action_done(self):
        """Take the quantity out of stock (a scrap of the warehouse stock) and, when
        the provision accounts are set, book the loss against the provision.

        Planning Managers and finance managers only: the button's group in the view is
        not a check, the method can be called directly."""
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("stock_segment.group_planning_manager")
            or user.has_group("account.group_account_manager")
        ):
            raise AccessError(
                self.env._("Only a Planning Manager or a finance manager can dispose of stock.")
            )
        for disposal in self:
            if disposal.state != "draft":
                raise UserError(self.env._("Only a draft disposal can be done."))
            if disposal.value_recovered < 0:
                raise UserError(self.env._("The value recovered cannot be negative."))
            disposal._check_plausible_amounts()
            scrap = self.env["stock.scrap"].create(
                {
                    "product_id": disposal.product_id.id,
                    "scrap_qty": disposal.quantity,
                    "product_uom_id": disposal.product_id.uom_id.id,
                    "location_id": disposal.warehouse_id.lot_stock_id.id,
                    "company_id": disposal.company_id.id,
                    "origin": disposal.name,
                }
            )
            scrap.do_scrap()
            vals = {"state": "done", "scrap_id": scrap.id}
            if disposal.name == self.env._("New Disposal"):
                vals["name"] = self.env._("Disposal %s", disposal.id)
            move = disposal._create_disposal_move()
            if move:
                vals["move_id"] = move.id
            # The checks above passed: the action itself records the result.
            disposal.sudo().write(vals)
        return True

    def _check_plausible_amounts(self):
        """No scrap and no entry from a value that is not a finite number or lies above
        the plausible maximum, nor from the stock of a quarantined plan."""
        limit = self.env["stock.planning.profile"]._plausibility_max_amount()
        for disposal in self:
            amounts = (disposal.unit_cost, disposal.value, disposal.value_recovered, disposal.loss)
            if any(not math.isfinite(a or 0.0) or abs(a or 0.0) > limit for a in amounts):
                raise UserError(
                    self.env._(
                        "%(name)s: the unit cost or value is not plausible (above %(limit)s or "
                        "not a number). Correct the cost first.",
                        name=disposal.name,
                        limit=limit,
                    )
                )
            quarantined = (
                self.env["stock.planning.profile"]
                .sudo()
                .search_count(
                    [
                        ("product_id", "=", disposal.product_id.id),
                        ("warehouse_id", "=", disposal.warehouse_id.id),
                        ("data_quarantine", "=", True),
                    ],
                    limit=1,
                )
            )
            if quarantined:
                raise UserError(
                    self.env._(
                        "%(name)s: the plan of %(product)s is quarantined (data to check). "
                        "Confirm or correct its data before disposing of its stock.",
                        name=disposal.name,
                        product=disposal.product_id.display_name,
                    )
                )

    def action_cancel(self):
        if any(d.state == "done" for d in self):
            raise UserError(self.env._("A done disposal cannot be cancelled."))
        self.check_access("write")
        self.sudo().write({"state": "cancelled"})

    def _create_disposal_move(self):
        """Use the provision for the loss: debit the provision account, credit the
        provision expense; skipped when accounting or the accounts are not set."""
        company = self.company_id
        if "account.move" not in self.env or not (
            company.provision_journal_id
            and company.provision_account_id
            and company.provision_expense_account_id
        ):
            return False
        amount = self.currency_id.round(self.loss)
        if self.currency_id.compare_amounts(amount, 0) <= 0:
            return False
        move = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company.provision_journal_id.id,
                    "company_id": company.id,
                    "date": self.date,
                    "ref": self.name,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": self.name,
                                "account_id": company.provision_account_id.id,
                                "debit": amount,
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "name": self.name,
                                "account_id": company.provision_expense_account_id.id,
                                "credit": amount,
                            },
                        ),
                    ],
                }
            )
        )
        move.action_post()
        return move
