"""Shared fixture: a company of its own with its warehouse, one customer per tier, a
customer without a tier, storable products with and without a plan, and the users."""

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.service.model import call_kw
from odoo.tests import TransactionCase


def call_button(records, method):
    """Call ``method`` as the web client's button does (``/web/dataset/call_button``)."""
    return call_kw(records.browse(), method, [records.ids], {"context": dict(records.env.context)})


class ExecutionCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Execution Test Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers_loc = cls.env.ref("stock.stock_location_customers")
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.strategic = cls.env.ref("stock_segment_execution.tier_strategic")
        cls.key = cls.env.ref("stock_segment_execution.tier_key")
        cls.standard = cls.env.ref("stock_segment_execution.tier_standard")
        cls.spot = cls.env.ref("stock_segment_execution.tier_spot")
        Partner = cls.env["res.partner"]
        cls.partners = {
            tier: Partner.create(
                {
                    "name": f"Execution {tier.name} customer",
                    "is_company": True,
                    "customer_tier_id": tier.id,
                }
            )
            for tier in (cls.strategic, cls.key, cls.standard, cls.spot)
        }
        cls.no_tier = Partner.create({"name": "Execution untiered customer", "is_company": True})
        cls.segment = cls.env["stock.segment"].create(
            {
                "name": "Execution AX",
                "code": "EAX",
                "company_id": cls.company.id,
                "allocation_priority": 1,
            }
        )
        Product = cls.env["product.product"].with_company(cls.company)
        cls.product = Product.create(
            {
                "name": "Execution widget",
                "type": "consu",
                "is_storable": True,
                "list_price": 20.0,
                "standard_price": 12.0,
            }
        )
        cls.unplanned = Product.create(
            {
                "name": "Execution loose part",
                "type": "consu",
                "is_storable": True,
                "list_price": 5.0,
            }
        )
        cls.plan = cls.env["stock.planning.profile"].create(
            {
                "product_id": cls.product.id,
                "warehouse_id": cls.warehouse.id,
                "segment_id": cls.segment.id,
            }
        )
        cls.user = new_company_user(
            cls.env, "exec_planner", "stock_segment.group_planning_user", cls.company
        )
        cls.manager = new_company_user(
            cls.env, "exec_manager", "stock_segment.group_planning_manager", cls.company
        )
        cls.stock_user = new_company_user(
            cls.env, "exec_stock_user", "stock.group_stock_user", cls.company
        )

    @classmethod
    def set_stock(cls, qty, product=None):
        cls.env["stock.quant"]._update_available_quantity(product or cls.product, cls.stock, qty)

    @classmethod
    def delivery(cls, partner, qty, product=None, confirm=True):
        picking_type = cls.warehouse.out_type_id
        picking = cls.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": cls.stock.id,
                "location_dest_id": cls.customers_loc.id,
                "company_id": cls.company.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": (product or cls.product).id,
                            "product_uom_qty": qty,
                            "location_id": cls.stock.id,
                            "location_dest_id": cls.customers_loc.id,
                        },
                    )
                ],
            }
        )
        if confirm:
            picking.action_confirm()
        return picking

    @classmethod
    def sale(cls, partner, qty, product=None):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "warehouse_id": cls.warehouse.id,
                "order_line": [
                    (0, 0, {"product_id": (product or cls.product).id, "product_uom_qty": qty})
                ],
            }
        )
        order.action_confirm()
        return order

    @classmethod
    def receive(cls, qty, product=None):
        receipt = cls.env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.in_type_id.id,
                "location_id": cls.supplier_loc.id,
                "location_dest_id": cls.stock.id,
                "company_id": cls.company.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": (product or cls.product).id,
                            "product_uom_qty": qty,
                            "location_id": cls.supplier_loc.id,
                            "location_dest_id": cls.stock.id,
                        },
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_ids.quantity = qty
        receipt.move_ids.picked = True
        receipt.button_validate()
        return receipt
