from . import (
    test_aging,
    test_analog_forecast,
    test_batch_scale,
    test_current_demand,
    test_last_time_buy,
    test_lifecycle_policy,
    test_menus,
    test_provision,
    test_reuse,
    test_stage_decisions,
    test_untrusted_data,
)
