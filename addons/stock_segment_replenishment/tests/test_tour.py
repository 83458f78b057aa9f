from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestProposalApprovalTour(HttpCase):
    """A planning manager approves a pending proposal from the proposals list; Odoo's
    reorder rule takes the proposal's min and max."""

    def test_manager_approves_pending_proposal(self):
        company = self.env.ref("base.main_company")
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        manager = new_test_user(
            self.env,
            login="tour_planning_manager",
            groups="base.group_user,stock.group_stock_user,stock_segment.group_planning_manager",
            company_id=company.id,
        )
        product = self.env["product.product"].create(
            {"name": "Tour Approval Product", "type": "consu", "is_storable": True}
        )
        product.standard_price = 4.0
        plan = self.env["stock.planning.profile"].create(
            {"product_id": product.id, "warehouse_id": warehouse.id}
        )
        rule = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": product.id,
                "warehouse_id": warehouse.id,
                "location_id": warehouse.lot_stock_id.id,
                "product_min_qty": 5.0,
                "product_max_qty": 10.0,
            }
        )
        # Proposed by someone else: a manager does not approve their own proposal.
        proposal = (
            self.env["stock.replenishment.proposal"]
            .sudo()
            .create({"profile_id": plan.id, "new_min_qty": 12.0, "new_max_qty": 30.0})
        )
        self.assertEqual((proposal.state, proposal.orderpoint_id), ("pending", rule))
        self.assertNotEqual(proposal.proposed_by_id, manager)

        self.start_tour(
            "/odoo/action-stock_segment_replenishment.action_stock_replenishment_proposal",
            "stock_segment_replenishment_approve_proposal",
            login=manager.login,
        )

        proposal.invalidate_recordset()
        rule.invalidate_recordset()
        self.assertEqual(proposal.state, "approved")
        self.assertEqual(proposal.approved_by_id, manager)
        self.assertEqual((rule.product_min_qty, rule.product_max_qty), (12.0, 30.0))
        self.assertEqual(proposal.audit_ids.approved_by_id, manager)
