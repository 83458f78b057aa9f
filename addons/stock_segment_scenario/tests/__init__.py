from . import test_scenario, test_tour
