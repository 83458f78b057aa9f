{
    "name": "Stock Segments: Execution by Customer Tier",
    "summary": "Customer tiers, tier- and segment-driven reservation with protected stock, "
    "shortage allocation with approval, tier-aware order promising, velocity slotting into "
    "putaway rules and cycle counts by segment",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment_replenishment", "sale_stock"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas"]},
    "data": [
        "security/stock_segment_execution_security.xml",
        "security/ir.model.access.csv",
        "data/stock_customer_tier_data.xml",
        "data/stock_planning_card_data.xml",
        "views/stock_customer_tier_views.xml",
        "views/stock_customer_tier_proposal_views.xml",
        "views/stock_execution_audit_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/stock_picking_views.xml",
        "views/stock_move_views.xml",
        "views/stock_shortage_allocation_views.xml",
        "views/stock_count_result_views.xml",
        "views/stock_segment_views.xml",
        "views/stock_location_views.xml",
        "views/stock_slotting_proposal_views.xml",
        "views/stock_execution_kpi_views.xml",
        "views/stock_segment_execution_menus.xml",
    ],
    "demo": [
        "demo/stock_segment_execution_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment_execution/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
