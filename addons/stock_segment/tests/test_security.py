from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DATE_TO, StockSegmentCommon


@tagged("post_install", "-at_install")
class TestSecurity(StockSegmentCommon):
    def test_plain_user_cannot_edit_segments_rules_or_locks(self):
        self.classify()
        segment = self.env.ref("stock_segment.segment_ax")
        as_user = segment.with_user(self.user)
        self.assertEqual(as_user.name, segment.name, "users read segments")
        with self.assertRaises(AccessError):
            as_user.write({"service_level_target": 99.0})
        with self.assertRaises(AccessError):
            self.env["stock.segment"].with_user(self.user).create({"name": "X", "code": "X1"})
        with self.assertRaises(AccessError):
            self.env["stock.segment.rule"].with_user(self.user).create(
                {"segment_id": segment.id, "abc_class": "A"}
            )
        profile = self.profile(self.products["steady"], self.wh1).with_user(self.user)
        self.assertTrue(profile.abc_class, "users read plans")
        with self.assertRaises(AccessError):
            profile.write(
                {"segment_id": segment.id, "segment_locked": True, "segment_lock_reason": "x"}
            )
        with self.assertRaises(AccessError):
            profile.action_classify_now()

    def test_manager_configures_and_classifies(self):
        segment = (
            self.env["stock.segment"]
            .with_user(self.manager)
            .create({"name": "Managed", "code": "MGD", "company_id": self.company.id})
        )
        self.env["stock.segment.rule"].with_user(self.manager).create(
            {"segment_id": segment.id, "sequence": 1, "company_id": self.company.id}
        )
        self.classify()
        profile = self.profile(self.products["spiky"], self.wh2)
        self.assertEqual(profile.segment_id, segment, "an empty rule matches anything")

    def test_multi_company_isolation(self):
        other = self.env["res.company"].create({"name": "Planning Other Co"})
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        product = self._create_product("other co", 3.0, 1.0, company=other)
        self.insert_moves([(product, other_wh, self.week_date(w), 1.0, "out") for w in range(52)])
        stats = self.Profile._run_classification(companies=other, date_to=DATE_TO)
        self.assertEqual(stats[other.id]["pairs"], 1)
        other_profile = self.Profile.search([("company_id", "=", other.id)])
        # Alone in its company, a low-value product is an A item there.
        self.assertEqual(other_profile.abc_class, "A")
        self.assertFalse(
            self.Profile.search_count([("company_id", "=", self.company.id)]),
            "classifying one company leaves the others alone",
        )
        self.classify()
        mine = self.Profile.with_user(self.user).search([])
        self.assertTrue(mine)
        self.assertEqual(mine.company_id, self.company, "a user sees only their companies")
        self.assertNotIn(other_profile, mine)
        self.assertFalse(
            self.env["stock.segment.migration"]
            .with_user(self.user)
            .search([("company_id", "=", other.id)])
        )
