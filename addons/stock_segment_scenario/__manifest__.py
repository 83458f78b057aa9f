{
    "name": "Stock Segments: What-if Scenarios",
    "summary": "Replay a policy change (service target, policy, review period, order "
    "cover, ordering cost), a re-segmentation (ABC cut-offs, XYZ limits, segment rules) or a "
    "shock (lead time, demand, vendor failure) on real or forecast-drawn demand before it "
    "touches a reorder rule; pilot roll-out through proposals",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment_replenishment", "stock_segment_kpi"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas", "scipy", "xlsxwriter"]},
    "data": [
        "security/stock_segment_scenario_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/stock_planning_scenario_views.xml",
        "views/stock_segment_scenario_menus.xml",
    ],
    "demo": [
        "demo/stock_segment_scenario_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment_scenario/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
