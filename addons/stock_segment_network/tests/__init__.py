from . import test_network
