from . import test_classification, test_security
