import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from invplan.lifecycle import last_time_buy, residual_demand_mean
from invplan.lifecycle_policy import residual_demand_summary

from ..models.stock_planning_profile import DEMAND_SOURCES

DAYS_PER_MONTH = 365.25 / 12.0
DISTRIBUTIONS = [("poisson", "Poisson"), ("negative_binomial", "Negative binomial")]


class StockLastTimeBuy(models.TransientModel):
    """Final order for a product whose supply ends: residual demand over the remaining
    service life and the newsvendor critical fractile."""

    _name = "stock.last.time.buy"
    _description = "Last-time Buy"
    _check_company_auto = True

    product_id = fields.Many2one("product.product", required=True, check_company=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True)
    company_id = fields.Many2one(related="warehouse_id.company_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    vendor_id = fields.Many2one("res.partner", check_company=True)
    supply_end_date = fields.Date(help="Last date the vendor accepts orders.")
    service_end_date = fields.Date(required=True, help="Demand is served until this date.")
    demand_per_month = fields.Float(
        digits=(16, 3),
        help="Current demand per month: the plan's forecast for the period that contains "
        "today, or the customer deliveries of the last 90 days when the plan has no such "
        "forecast. Never the average of past periods with demand.",
    )
    demand_source = fields.Selection(
        DEMAND_SOURCES,
        "Demand From",
        readonly=True,
        help="Where the demand per month was read: the plan's current forecast, or the "
        "deliveries of the last 90 days when the plan has no forecast for today.",
    )
    decline_rate = fields.Float(
        "Decline per Month (%)", help="Share by which the demand rate falls each month."
    )
    variance_ratio = fields.Float(
        "Variance / Mean",
        default=1.0,
        help="1 for Poisson demand; above 1 for a more variable (negative binomial) demand.",
    )
    unit_cost = fields.Float(digits="Product Price")
    holding_cost = fields.Float(
        digits="Product Price", help="Cost of holding one unit until the end of service."
    )
    shortage_cost = fields.Float(
        digits="Product Price",
        help="Cost of one unit short: broker purchase, redesign or penalty.",
    )
    disposal_value = fields.Float(digits="Product Price", help="Value of one unit left over.")
    on_hand_qty = fields.Float(digits="Product Unit")
    on_order_qty = fields.Float(digits="Product Unit")

    months = fields.Float(compute="_compute_result")
    residual_mean = fields.Float("Expected Residual Demand", compute="_compute_result")
    residual_std = fields.Float("Std. Dev.", compute="_compute_result")
    distribution = fields.Selection(DISTRIBUTIONS, compute="_compute_result")
    quantile_10 = fields.Float("10 % Quantile", compute="_compute_result")
    quantile_50 = fields.Float("Median", compute="_compute_result")
    quantile_90 = fields.Float("90 % Quantile", compute="_compute_result")
    critical_ratio = fields.Float(compute="_compute_result")
    target_level = fields.Float("Stock Needed", compute="_compute_result")
    order_qty = fields.Float("Final Order Quantity", compute="_compute_result")
    expected_leftover = fields.Float(compute="_compute_result")
    expected_shortage = fields.Float(compute="_compute_result")
    status = fields.Char(compute="_compute_result")
    message = fields.Text("Warnings", compute="_compute_result")
    missing_input = fields.Text(
        compute="_compute_result",
        help="What to enter before the final order can be computed.",
    )

    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        product = self.env["product.product"].browse(vals.get("product_id"))
        warehouse = self.env["stock.warehouse"].browse(vals.get("warehouse_id"))
        if not product or not warehouse:
            return vals
        self._check_warehouse_company(warehouse)
        vals.update(self._plan_defaults(product, warehouse))
        return vals

    @api.onchange("product_id", "warehouse_id")
    def _onchange_product_warehouse(self):
        """Opened from the menu: once both are chosen, read their plan as when opened
        from the plan."""
        if self.product_id and self.warehouse_id:
            self._check_warehouse_company(self.warehouse_id)
            vals = self._plan_defaults(self.product_id, self.warehouse_id)
            if not vals["service_end_date"]:
                # A date the user entered stays when the product has none.
                del vals["service_end_date"]
            self.update(vals)

    @api.model
    def _plan_defaults(self, product, warehouse):
        """Dates, current demand, stock and costs of the product at the warehouse."""
        tmpl = product.product_tmpl_id
        company = warehouse.company_id
        profile = self.env["stock.planning.profile"].search(
            [("product_id", "=", product.id), ("warehouse_id", "=", warehouse.id)], limit=1
        )
        today = self.env["stock.planning.run"]._planning_day()
        daily, source = 0.0, False
        if profile:
            current = profile.sudo()._current_daily_demand(profile.ids, today)
            daily, source = current.get(profile.id, (0.0, False))
        seller = product.with_company(company)._select_seller(quantity=None)
        cost = seller.price if seller else product.with_company(company).standard_price
        # The end-of-life date is the day the product reached that stage (set when the
        # stage is confirmed): a service end only when it lies ahead. Otherwise the date
        # is asked for rather than computing a final order for no remaining service life.
        service_end = tmpl.service_end_date
        if not service_end and (tmpl.lifecycle_end_of_life_date or today) > today:
            service_end = tmpl.lifecycle_end_of_life_date
        return {
            "vendor_id": seller.partner_id.id if seller else False,
            "supply_end_date": tmpl.supply_end_date,
            "service_end_date": service_end,
            "demand_per_month": daily * DAYS_PER_MONTH if math.isfinite(daily) else 0.0,
            "demand_source": source,
            "unit_cost": cost,
            "holding_cost": cost * (profile.segment_id.holding_cost_rate or 25.0) / 100.0,
            "shortage_cost": profile.segment_id.stockout_cost or 3.0 * cost,
            "on_hand_qty": profile.aging_qty
            or product.with_context(warehouse_id=warehouse.id).qty_available,
            "on_order_qty": self._open_purchase_qty(product, warehouse),
        }

    @api.model
    def _check_warehouse_company(self, warehouse):
        """A user plans the final order of their own companies only: the warehouse (and
        so the company whose costs, stock and plans are read) must be one of theirs."""
        if self.env.su:
            return
        company = warehouse.sudo().company_id
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "The warehouse %(warehouse)s belongs to %(company)s, a company you do "
                    "not work in.",
                    warehouse=warehouse.sudo().display_name,
                    company=company.name,
                )
            )

    @api.constrains("warehouse_id")
    def _check_warehouse_allowed(self):
        # Constraints run as superuser: check for the user who made the change.
        as_user = self.with_env(self.env(su=False))
        for wiz in self:
            as_user._check_warehouse_company(wiz.warehouse_id)

    @api.model
    def _open_purchase_qty(self, product, warehouse):
        lines = self.env["purchase.order.line"].search(
            [
                ("product_id", "=", product.id),
                ("order_id.state", "in", ("purchase", "to approve")),
                ("order_id.picking_type_id.warehouse_id", "=", warehouse.id),
            ]
        )
        return sum(max(line.product_qty - line.qty_received, 0.0) for line in lines)

    @api.depends(
        "product_id",
        "warehouse_id",
        "service_end_date",
        "demand_per_month",
        "decline_rate",
        "variance_ratio",
        "unit_cost",
        "holding_cost",
        "shortage_cost",
        "disposal_value",
        "on_hand_qty",
        "on_order_qty",
    )
    def _compute_result(self):
        today = self.env["stock.planning.run"]._planning_day()
        for wiz in self:
            months = (
                max((wiz.service_end_date - today).days, 0) / DAYS_PER_MONTH
                if wiz.service_end_date
                else 0.0
            )
            mean = float(
                residual_demand_mean(
                    max(wiz.demand_per_month, 0.0), wiz.decline_rate / 100.0, months
                )
            )
            variance = mean * max(wiz.variance_ratio, 1.0)
            summary = residual_demand_summary([mean], [variance]).iloc[0]
            result = last_time_buy(
                [mean],
                wiz.unit_cost,
                wiz.shortage_cost,
                disposal_value=wiz.disposal_value,
                holding_cost=wiz.holding_cost,
                residual_variance=[variance],
                on_hand=wiz.on_hand_qty,
                on_order=wiz.on_order_qty,
            ).iloc[0]
            status = str(result["status"])
            missing, messages = wiz._result_messages(status, months, mean)
            wiz.update(
                {
                    "months": months,
                    "residual_mean": mean,
                    "residual_std": float(summary["std"]),
                    "distribution": str(summary["distribution"]),
                    "quantile_10": float(summary["q10"]),
                    "quantile_50": float(summary["q50"]),
                    "quantile_90": float(summary["q90"]),
                    "critical_ratio": float(result["critical_ratio"]),
                    "target_level": float(result["target_level"]),
                    "order_qty": float(result["order_qty"]),
                    "expected_leftover": float(result["expected_leftover"]),
                    "expected_shortage": float(result["expected_shortage"]),
                    "status": status,
                    "message": "\n".join(messages) or False,
                    "missing_input": missing or False,
                }
            )

    def _result_messages(self, status, months, mean):
        """What is missing (asked for, not a warning) and the warnings about the input
        given. Nothing is warned about before the product and the warehouse are chosen,
        and nothing about the result before the service end date is known."""
        self.ensure_one()
        if not self.product_id or not self.warehouse_id:
            return (
                self.env._(
                    "Choose the product and the warehouse: the demand, the stock and the "
                    "costs are read from their plan."
                ),
                [],
            )
        messages = []
        if self._quarantined_plan():
            messages.append(
                self.env._(
                    "The plan is quarantined (data to check): no final order until its "
                    "data is corrected or confirmed."
                )
            )
        if self.unit_cost <= 0:
            messages.append(self.env._("The unit cost is zero: enter the final price."))
        if not self.service_end_date:
            return (
                self.env._(
                    "Enter the service end date of %s: the date until which its customers "
                    "must be served. The residual demand and the final order are computed "
                    "once it is given.",
                    self.product_id.display_name,
                ),
                messages,
            )
        if months <= 0:
            messages.append(self.env._("The service end date is past: enter a date in the future."))
            return False, messages
        if status == "invalid_cost":
            messages.append(
                self.env._(
                    "The shortage cost must exceed the unit cost, and the unit cost plus "
                    "holding cost must exceed the disposal value: no final order."
                )
            )
        elif status == "nan_input":
            messages.append(
                self.env._("The residual demand could not be computed: check the forecast.")
            )
        if mean <= 0:
            messages.append(self.env._("No residual demand: the forecast is zero, nothing to buy."))
        return False, messages

    def action_compute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Last-time Buy"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _quarantined_plan(self):
        """The plan of the product at the warehouse when it is quarantined (its cost,
        demand or stock are data to check)."""
        return (
            self.env["stock.planning.profile"]
            .sudo()
            .search(
                [
                    ("product_id", "=", self.product_id.id),
                    ("warehouse_id", "=", self.warehouse_id.id),
                    ("data_quarantine", "=", True),
                ],
                limit=1,
            )
        )

    def action_confirm(self):
        """Create the final purchase order (draft) for the computed quantity."""
        self.ensure_one()
        self._check_warehouse_company(self.warehouse_id)
        if self._quarantined_plan():
            raise UserError(
                self.env._(
                    "The plan of %s at this warehouse is quarantined (data to check): its "
                    "cost, demand or stock cannot be trusted. Correct or confirm the data "
                    "before a final order.",
                    self.product_id.display_name,
                )
            )
        for amount in (self.unit_cost, self.order_qty * self.unit_cost):
            if (
                not math.isfinite(amount)
                or abs(amount) > self.env["stock.planning.profile"]._plausibility_max_amount()
            ):
                raise UserError(
                    self.env._("The unit cost or the order value is not plausible: check it.")
                )
        if self.missing_input:
            raise UserError(self.missing_input)
        if self.status != "ok":
            raise UserError(self.message or self.env._("The final order cannot be computed."))
        if self.order_qty <= 0:
            raise UserError(
                self.env._("Stock on hand and on order already cover the residual demand.")
            )
        if not self.vendor_id:
            raise UserError(self.env._("Choose the vendor of the final order."))
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor_id.id,
                "company_id": self.company_id.id,
                "picking_type_id": self.warehouse_id.in_type_id.id,
                "origin": self.env._("Last-time buy"),
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product_id.id,
                            "product_qty": math.ceil(self.order_qty - 1e-9),
                            "price_unit": self.unit_cost,
                            "date_planned": self.supply_end_date or fields.Datetime.now(),
                        },
                    )
                ],
            }
        )
        order.message_post(
            body=self.env._(
                "Last-time buy: expected residual demand %(mean).1f until %(end)s, critical "
                "ratio %(cr).3f, stock needed %(s).0f, expected leftover %(left).1f, expected "
                "shortage %(short).1f.",
                mean=self.residual_mean,
                end=self.service_end_date,
                cr=self.critical_ratio,
                s=self.target_level,
                left=self.expected_leftover,
                short=self.expected_shortage,
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "purchase.order",
            "res_id": order.id,
            "view_mode": "form",
        }
