{
    "name": "Stock Segments: Replenishment Policies",
    "summary": "Lead-time statistics, safety stock and reorder rules by planning segment, "
    "proposals with approval, Odoo reorder rules kept in step",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment_forecast", "purchase_stock"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas", "scipy"]},
    "data": [
        "security/stock_segment_replenishment_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/stock_replenishment_proposal_views.xml",
        "views/stock_replenishment_audit_views.xml",
        "views/stock_supplier_lead_time_views.xml",
        "views/stock_vendor_order_cycle_views.xml",
        "views/stock_planning_profile_views.xml",
        "views/stock_segment_views.xml",
        "views/stock_warehouse_orderpoint_views.xml",
        "views/product_template_views.xml",
        "views/res_config_settings_views.xml",
        "views/stock_segment_replenishment_menus.xml",
        "data/stock_planning_card_data.xml",
    ],
    "demo": [
        "demo/stock_segment_replenishment_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment_replenishment/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
