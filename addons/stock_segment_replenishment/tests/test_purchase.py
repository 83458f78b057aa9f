from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestOutOfPolicyPurchase(ReplenishmentCommon):
    def _order(self, product, qty, user=None):
        PO = self.env["purchase.order"].with_company(self.company)
        if user:
            PO = PO.with_user(user)
        return PO.create(
            {
                "partner_id": self.vendor.id,
                "picking_type_id": self.wh.in_type_id.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_qty": qty})],
            }
        )

    def test_above_max_raises_exception(self):
        self.run_job()
        op = self.orderpoint(self.history)
        order = self._order(self.history, op.product_max_qty + 100)
        order.button_confirm()
        exc = self.open_exceptions(self.history, "out_of_policy_purchase")
        self.assertEqual(len(exc), 1)
        self.assertIn("exceeds the max", exc.message)
        self.assertIn(order.name, exc.message)

    def test_within_policy_raises_nothing(self):
        self.run_job()
        op = self.orderpoint(self.history)
        # Arrival after the lead time, up to the max: a normal order.
        order = self._order(self.history, op.product_max_qty - 1)
        order.order_line.date_planned = self.now().replace(year=self.now().year + 1)
        order.button_confirm()
        self.assertFalse(self.open_exceptions(self.history, "out_of_policy_purchase"))

    def test_end_of_life_needs_manager_when_set(self):
        self.run_job()
        self.thin.product_tmpl_id.lifecycle_stage = "end_of_life"
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_replenishment.purchase_approval", "True"
        )
        order = self._order(self.thin, 1.0)
        with self.assertRaises(UserError):
            order.with_user(self.user).button_confirm()
        self.assertEqual(order.state, "draft")
        order.with_user(self.manager).button_confirm()
        self.assertIn(order.state, ("purchase", "to approve"))
        exc = self.open_exceptions(self.thin, "out_of_policy_purchase")
        self.assertIn("end of life", exc.message)
        self.assertIn("Approved by", exc.message)

    def test_emergency_order(self):
        self.run_job()
        # Arrival asked tomorrow, inside the lead time, with no stock for the demand.
        order = self._order(self.drifting, 5.0)
        order.button_confirm()
        exc = self.open_exceptions(self.drifting, "out_of_policy_purchase")
        self.assertIn("emergency", exc.message)
