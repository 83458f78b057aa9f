from . import test_scorecard
