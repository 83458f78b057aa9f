from . import test_scenario
