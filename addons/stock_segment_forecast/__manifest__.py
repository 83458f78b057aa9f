{
    "name": "Stock Segments: Demand Forecasting",
    "summary": "Demand history, nightly forecasts per planning segment, accuracy tracking, "
    "approved overrides and planning exceptions",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment", "sale_stock"],
    "external_dependencies": {"python": ["invplan", "numpy", "pandas"]},
    "data": [
        "security/stock_segment_forecast_security.xml",
        "security/ir.model.access.csv",
        "data/stock_segment_forecast_data.xml",
        "data/ir_cron.xml",
        "views/stock_planning_exception_views.xml",
        "views/stock_demand_forecast_views.xml",
        "views/stock_demand_chart_views.xml",
        "views/stock_forecast_accuracy_views.xml",
        "views/stock_demand_override_views.xml",
        "views/stock_demand_event_views.xml",
        "views/stock_planning_profile_views.xml",
        "views/stock_segment_views.xml",
        "views/res_config_settings_views.xml",
        "views/stock_segment_forecast_menus.xml",
        "data/stock_planning_card_data.xml",
    ],
    "demo": [
        "demo/stock_segment_forecast_demo.xml",
    ],
    "assets": {
        # The graph view is loaded lazily: its extension goes with it.
        "web.assets_backend_lazy": [
            "stock_segment_forecast/static/src/views/demand_chart_graph/**/*",
        ],
        "web.assets_tests": [
            "stock_segment_forecast/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
