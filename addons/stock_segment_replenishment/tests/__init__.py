from . import (
    test_cost_based,
    test_forecast_policy,
    test_hostile_data,
    test_lead_time,
    test_order_cycles,
    test_plan_policy,
    test_policy,
    test_price_breaks,
    test_production_lots,
    test_proposals,
    test_purchase,
)
