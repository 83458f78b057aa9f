from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

MANAGER_GROUP = "stock_segment.group_planning_manager"
SOURCE = "purchase"
OBSOLETE_STAGES = ("end_of_life", "obsolete")


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def button_confirm(self):
        findings = self._planning_policy_findings()
        icp = self.env["ir.config_parameter"].sudo()
        needs_approval = icp.get_param("stock_segment_replenishment.purchase_approval") in (
            "True",
            "1",
            "true",
        )
        is_manager = self.env.su or self.env.user.has_group(MANAGER_GROUP)
        if findings and needs_approval and not is_manager:
            raise UserError(
                self.env._(
                    "These lines are out of the planning policy and need a Planning "
                    "Manager's approval:\n%s",
                    "\n".join(f["message"] for f in findings.values()),
                )
            )
        res = super().button_confirm()
        if findings:
            self._raise_policy_exceptions(findings, approved=needs_approval and is_manager)
        return res

    def _planning_policy_findings(self):
        """Out-of-policy lines of the orders: buying above the reorder rule's max,
        buying an end-of-life or obsolete product, or an emergency (the arrival is asked
        inside the normal lead time while the stock runs out before a normal order would
        come). One query for the plans; Odoo's forecast per warehouse in one read each.

        Returns {(profile id, 'out_of_policy_purchase'): exception values}."""
        lines = self.order_line.filtered(
            lambda line: line.product_id.is_storable and not line.display_type
        )
        if not lines:
            return {}
        warehouses = {line.order_id.picking_type_id.warehouse_id for line in lines}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id, p.company_id,
                   p.lead_time_days, p.avg_daily_demand, pt.lifecycle_stage,
                   op.product_max_qty, p.unit_cost_used
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
         LEFT JOIN stock_warehouse_orderpoint op
                ON op.product_id = p.product_id AND op.warehouse_id = p.warehouse_id
               AND op.active AND op.planning_profile_id = p.id
             WHERE p.product_id = ANY(%s) AND p.warehouse_id = ANY(%s)
            """,
                lines.product_id.ids,
                [w.id for w in warehouses if w],
            )
        )
        plans = {(r[1], r[2]): r for r in self.env.cr.fetchall()}
        forecast = {}
        for wh in warehouses:
            if not wh:
                continue
            products = lines.filtered(
                lambda line, wh=wh: line.order_id.picking_type_id.warehouse_id == wh
            ).product_id
            for product in products.with_context(warehouse_id=wh.id):
                forecast[(product.id, wh.id)] = (product.virtual_available, product.free_qty)
        found = {}
        now = fields.Datetime.now()
        for line in lines:
            wh = line.order_id.picking_type_id.warehouse_id
            plan = plans.get((line.product_id.id, wh.id))
            if not plan:
                continue
            pid, _p, _w, segment, company, lead_time, demand, stage, max_qty, cost = plan
            qty = line.product_uom_id._compute_quantity(line.product_qty, line.product_id.uom_id)
            virtual, _free = forecast.get((line.product_id.id, wh.id), (0.0, 0.0))
            reasons = []
            if stage in OBSOLETE_STAGES:
                reasons.append(self.env._("the product is end of life or obsolete"))
            if max_qty and virtual + qty > max_qty + 1e-6:
                reasons.append(
                    self.env._(
                        "forecast stock %(stock).2f + %(qty).2f ordered exceeds the max %(max).2f",
                        stock=virtual,
                        qty=qty,
                        max=max_qty,
                    )
                )
            days_to_arrival = (
                (line.date_planned - now).total_seconds() / 86400.0 if line.date_planned else 0
            )
            if lead_time and days_to_arrival < lead_time and virtual < (demand or 0.0) * lead_time:
                reasons.append(
                    self.env._(
                        "emergency: arrival in %(days).1f days, inside the %(lt).1f-day lead "
                        "time, with a stockout pending",
                        days=max(days_to_arrival, 0.0),
                        lt=lead_time,
                    )
                )
            if not reasons:
                continue
            key = (pid, "out_of_policy_purchase")
            message = self.env._(
                "%(order)s, %(product)s: %(reasons)s.",
                order=line.order_id.name,
                product=line.product_id.display_name,
                reasons="; ".join(reasons),
            )
            if key in found:
                message = found[key]["message"] + "\n" + message
            found[key] = {
                "message": message,
                "severity": "high" if stage in OBSOLETE_STAGES else "medium",
                # The value at stake: never negative (a credit line, a negative price).
                "financial_impact": abs((cost or line.price_unit) * qty),
                "product_id": line.product_id.id,
                "warehouse_id": wh.id,
                "segment_id": segment,
                "company_id": company,
            }
        return found

    def _raise_policy_exceptions(self, findings, approved=False):
        Exception_ = self.env["stock.planning.exception"].sudo()
        if approved:
            for vals in findings.values():
                vals["message"] += "\n" + self.env._("Approved by %s.", self.env.user.name)
        Exception_._sync_exceptions(
            SOURCE,
            ["out_of_policy_purchase"],
            [pid for pid, _t in findings],
            findings,
        )
        for order in self:
            order.message_post(
                body=self.env._(
                    "Out-of-policy lines recorded as planning exceptions: %s",
                    len(findings),
                )
            )
