from . import test_lead_time, test_policy, test_proposals, test_purchase
