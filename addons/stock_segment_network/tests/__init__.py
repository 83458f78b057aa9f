from . import test_network, test_tour
