from . import (
    test_accuracy,
    test_bulk_writes,
    test_buyer_fixes,
    test_extraction,
    test_forecast_job,
    test_hostile_data,
    test_overrides,
    test_security,
    test_tours,
)
