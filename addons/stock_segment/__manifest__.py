{
    "name": "Stock Segments: Inventory Planning Classification",
    "summary": "ABC / XYZ / demand-pattern / lifecycle classification of product x warehouse "
    "plans and rule-based planning segments",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock", "purchase_stock", "sale_stock"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas", "scipy"]},
    "data": [
        "security/stock_segment_security.xml",
        "security/ir.model.access.csv",
        "data/stock_segment_data.xml",
        "data/ir_cron.xml",
        "views/stock_segment_views.xml",
        "views/stock_segment_rule_views.xml",
        "views/stock_planning_profile_views.xml",
        "views/stock_segment_migration_views.xml",
        "views/stock_planning_run_views.xml",
        "views/stock_planning_card_views.xml",
        "views/product_template_views.xml",
        "views/res_config_settings_views.xml",
        "views/stock_segment_menus.xml",
    ],
    "demo": [
        "demo/stock_segment_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
