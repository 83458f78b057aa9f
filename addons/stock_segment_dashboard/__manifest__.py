{
    "name": "Stock Segments: Planning Dashboard",
    "summary": "Inventory Planning dashboard in the Dashboards app: service against target, "
    "stock value and turns by segment, working-capital effect of approved changes and open "
    "exceptions by financial impact",
    "version": "19.0.1.0.0",
    "category": "Productivity/Dashboard",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["spreadsheet_dashboard", "stock_segment_kpi"],
    "data": [
        "data/dashboards.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "stock_segment_dashboard/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
