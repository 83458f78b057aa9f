from . import (
    res_company,
    res_config_settings,
    stock_demand_chart,
    stock_demand_event,
    stock_demand_forecast,
    stock_demand_override,
    stock_forecast_accuracy,
    stock_planning_card,
    stock_planning_exception,
    stock_planning_profile,
    stock_planning_run,
    stock_segment,
)
