{
    "name": "Stock Segments: Multi-echelon Network",
    "summary": "The resupply network of Odoo's warehouses and guaranteed-service safety-stock "
    "placement across it, through the replenishment proposals",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment_replenishment"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas", "scipy", "xlsxwriter"]},
    "data": [
        "security/stock_segment_network_security.xml",
        "security/ir.model.access.csv",
        "views/stock_network_views.xml",
        "views/stock_network_placement_views.xml",
        "views/stock_network_pooling_views.xml",
        "views/stock_network_distribution_views.xml",
        "wizards/stock_network_pooling_export_views.xml",
        "views/stock_segment_views.xml",
        "views/stock_segment_network_menus.xml",
        "data/stock_planning_card_data.xml",
    ],
    "demo": [
        "demo/stock_segment_network_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment_network/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
