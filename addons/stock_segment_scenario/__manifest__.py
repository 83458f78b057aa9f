{
    "name": "Stock Segments: What-if Scenarios",
    "summary": "Replay a policy change (service target, policy, review period, ordering "
    "cost) or a shock (lead time, demand, vendor failure) on real demand before it touches "
    "a reorder rule; pilot roll-out through proposals",
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
    "installable": True,
    "application": False,
}
