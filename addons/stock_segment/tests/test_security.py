from odoo import models
from odoo.exceptions import AccessError
from odoo.service.model import call_kw
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

    def test_users_and_managers_cannot_write_job_fields(self):
        """The classification fields are the job's: neither a Planning User nor a Planning
        Manager writes them, through the ORM or the form's save; the job still does."""
        self.classify()
        profile = self.profile(self.products["steady"], self.wh1)
        before = {f: profile[f] for f in ("abc_class", "demand_mean", "segment_locked_by_id")}
        for user in (self.user, self.manager):
            as_user = profile.with_user(user)
            for vals in (
                {"abc_class": "C"},
                {"demand_mean": 0.0},
                {"annual_value": 1e9},
                {"segment_locked_by_id": user.id},
                {"lifecycle_stage_suggested": "obsolete"},
            ):
                with self.assertRaises(AccessError, msg=f"{user.login} {vals}"):
                    as_user.write(vals)
                with self.assertRaises(AccessError, msg=f"{user.login} {vals} (form save)"):
                    call_kw(
                        as_user.browse(), "web_save", [as_user.ids, vals], {"specification": {}}
                    )
        with self.assertRaises(AccessError):
            self.Profile.with_user(self.manager).create(
                {
                    "product_id": self.products["steady"].id,
                    "warehouse_id": self.wh1.id,
                    "abc_class": "A",
                }
            )
        profile.invalidate_recordset()
        self.assertEqual({f: profile[f] for f in before}, before, "a refused write changes nothing")
        # What people may edit still works: a manager's segment lock.
        segment = self.env.ref("stock_segment.segment_ax")
        profile.with_user(self.manager).write(
            {"segment_id": segment.id, "segment_locked": True, "segment_lock_reason": "launch"}
        )
        self.assertEqual(profile.segment_locked_by_id, self.manager)
        # The job still writes its fields.
        self.env.cr.execute(
            "UPDATE stock_planning_profile SET abc_class = NULL WHERE id = %s", [profile.id]
        )
        profile.invalidate_recordset()
        self.classify()
        self.assertEqual(profile.abc_class, before["abc_class"])

    def test_every_job_column_is_protected(self):
        """Each stored field a job writes (declared read-only, not related or computed)
        is in the job-owned set, in every installed addon extending the plan."""
        owned = self.Profile._job_owned_fields()
        unprotected = [
            name
            for name, field in self.Profile._fields.items()
            if field.store
            and field.readonly
            and not field.related
            and not field.compute
            and name not in models.MAGIC_COLUMNS
            and name not in owned
        ]
        self.assertEqual(unprotected, [])
        self.assertLessEqual(owned, set(self.Profile._fields))
