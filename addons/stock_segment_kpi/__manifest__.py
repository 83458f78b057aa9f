{
    "name": "Stock Segments: Inventory KPIs",
    "summary": "Inventory value, turns, days of supply, fill and stockout rates by segment and "
    "warehouse, control charts, finance scorecard and XLSX workbook",
    "version": "19.0.1.1.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment_replenishment"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas", "xlsxwriter"]},
    "data": [
        "security/stock_segment_kpi_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/stock_kpi_snapshot_views.xml",
        "views/stock_planning_exception_views.xml",
        "wizards/stock_kpi_export_wizard_views.xml",
        "views/stock_segment_kpi_menus.xml",
        "data/stock_planning_card_data.xml",
    ],
    "demo": [
        "demo/stock_segment_kpi_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment_kpi/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
