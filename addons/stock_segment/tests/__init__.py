from . import test_buttons, test_classification, test_screen, test_security
