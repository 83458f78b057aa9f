from . import (
    test_bulk,
    test_buttons,
    test_classification,
    test_overview,
    test_planning_run,
    test_screen,
    test_security,
)
