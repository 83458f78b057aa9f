from . import test_accuracy, test_extraction, test_forecast_job, test_overrides, test_security
