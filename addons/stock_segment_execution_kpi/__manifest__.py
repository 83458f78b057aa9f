{
    "name": "Stock Segments: Execution KPIs in the Scorecard",
    "summary": "Fill rate and on time against the promised date by customer tier, reservation "
    "to shipment, allocation overrides and count accuracy in the segment scorecard",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment_execution", "stock_segment_kpi"],
    "data": [
        "views/stock_kpi_snapshot_views.xml",
    ],
    "installable": True,
    "application": False,
    "auto_install": True,
}
