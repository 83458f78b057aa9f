import statistics
from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import (
    DATE_TO,
    StockSegmentCommon,
    backdate_rows,
    new_company_user,
    rewritten_rows,
)

LOGGER = "odoo.addons.stock_segment.models.stock_planning_profile"


def expected_abc(values, cutoffs=(0.80, 0.95)):
    """Pareto classes computed here, independently of the engine: rank by value, the
    class is read from the cumulative share before the item."""
    total = sum(v for v in values.values() if v > 0)
    ranked = sorted(values, key=lambda k: (-values[k], k))
    result, before = {}, 0.0
    for key in ranked:
        value = values[key]
        if value <= 0:
            result[key] = "C"
            continue
        share = before / total
        result[key] = "A" if share < cutoffs[0] else "B" if share < cutoffs[1] else "C"
        before += value
    return result


def expected_xyz(series):
    mean = statistics.fmean(series)
    if mean <= 0:
        return "Z", 0.0
    cv = statistics.stdev(series) / mean
    return ("X" if cv < 0.5 else "Y" if cv < 1.0 else "Z"), cv


def expected_pattern(series):
    sizes = [q for q in series if q > 0]
    if not sizes:
        return "no_demand"
    if len(sizes) < 2:
        return "insufficient_history"
    adi = len(series) / len(sizes)
    cv2 = (statistics.pstdev(sizes) / statistics.fmean(sizes)) ** 2
    if adi < 1.32:
        return "smooth" if cv2 < 0.49 else "erratic"
    return "intermittent" if cv2 < 0.49 else "lumpy"


@tagged("post_install", "-at_install")
class TestClassification(StockSegmentCommon):
    def test_classes_match_independent_computation(self):
        stats = self.classify()
        # A pair without any demand and without a reorder rule is not planned.
        series = {key: s for key, s in self.series.items() if any(s)}
        self.assertEqual(stats["pairs"], len(series))
        self.assertEqual(stats["failed"], 0)
        prices = {p.id: p.list_price for p in self.products.values()}
        revenue = {key: sum(s) * prices[key[0]] for key, s in series.items()}
        abc = expected_abc(revenue)
        self.assertEqual(set(abc.values()), {"A", "B", "C"}, "the fixture spans all classes")
        for key, weekly in series.items():
            profile = self.Profile.search(
                [("product_id", "=", key[0]), ("warehouse_id", "=", key[1])]
            )
            self.assertEqual(len(profile), 1)
            xyz, cv = expected_xyz(weekly)
            self.assertEqual(profile.abc_class, abc[key], profile.display_name)
            self.assertEqual(profile.xyz_class, xyz, profile.display_name)
            self.assertAlmostEqual(profile.demand_cv, cv, places=5)
            self.assertAlmostEqual(profile.demand_mean, statistics.fmean(weekly), places=5)
            self.assertEqual(profile.demand_pattern, expected_pattern(weekly))
            self.assertAlmostEqual(profile.annual_revenue, revenue[key] * 365 / 364, delta=1e-3)
            self.assertEqual(profile.classification_date, (DATE_TO - timedelta(days=1)).date())

    def test_rules_assign_segments(self):
        special = self.env["stock.segment"].create(
            {"name": "Child category", "code": "TCHILD", "company_id": self.company.id}
        )
        self.env["stock.segment.rule"].create(
            {
                "sequence": 1,
                "categ_id": self.categ_parent.id,
                "xyz_class": "X",
                "warehouse_id": self.wh1.id,
                "segment_id": special.id,
                "company_id": self.company.id,
            }
        )
        self.classify()
        steady = self.profile(self.products["steady"], self.wh1)
        self.assertEqual(steady.xyz_class, "X")
        # The rule names the parent category: the child category matches too.
        self.assertEqual(steady.segment_id, special)
        self.assertEqual(
            self.profile(self.products["steady"], self.wh2).segment_id.code,
            f"{self.profile(self.products['steady'], self.wh2).abc_class}X",
            "the warehouse criterion keeps the rule out of the other warehouse",
        )
        for profile in self.Profile.search([("company_id", "=", self.company.id)]):
            self.assertTrue(profile.segment_id, profile.display_name)
            self.assertTrue(profile.segment_rule_id)

    def test_manual_lock_survives_reclassification(self):
        self.classify()
        profile = self.profile(self.products["wobbly"], self.wh1)
        eol = self.env.ref("stock_segment.segment_eol")
        self.assertNotEqual(profile.segment_id, eol)
        profile.with_user(self.manager).write(
            {"segment_id": eol.id, "segment_locked": True, "segment_lock_reason": "Supplier exit"}
        )
        log = profile.migration_ids.filtered(lambda m: m.cause == "manual_lock")
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.new_value, log.reason, log.user_id), ("EOL", "Supplier exit", self.manager)
        )
        self.classify()
        self.assertEqual(profile.segment_id, eol)
        self.assertTrue(profile.segment_locked)
        profile.with_user(self.manager).action_unlock_segment()
        self.classify()
        self.assertNotEqual(profile.segment_id, eol, "unlocked: the rules apply again")

    def test_migrations_logged(self):
        self.classify()
        tiny = self.profile(self.products["tiny"], self.wh1)
        self.assertEqual(tiny.abc_class, "C")
        old_segment = tiny.segment_id
        # A year of heavy steady demand makes it an A-X item.
        self.insert_moves(
            [(self.products["tiny"], self.wh1, self.week_date(w), 5000.0, "out") for w in range(52)]
        )
        self.classify()
        self.assertEqual((tiny.abc_class, tiny.xyz_class), ("A", "X"))
        logs = tiny.migration_ids
        abc_log = logs.filtered(lambda m: m.change_type == "abc")
        self.assertEqual((abc_log.old_value, abc_log.new_value), ("C", "A"))
        self.assertEqual(abc_log.cause, "classification")
        seg_log = logs.filtered(lambda m: m.change_type == "segment")
        self.assertEqual(seg_log.old_segment_id, old_segment)
        self.assertEqual(seg_log.new_segment_id.code, "AX")
        self.assertEqual(seg_log.cause, "rule")
        self.assertTrue(seg_log.date and seg_log.user_id)

    def test_second_run_changes_nothing(self):
        first = self.classify()
        self.assertEqual(first["changed"], first["pairs"])
        profiles = self.Profile.search([("company_id", "=", self.company.id)])
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, write_date FROM stock_planning_profile WHERE id = ANY(%s)", [profiles.ids]
        )
        before = dict(self.env.cr.fetchall())
        n_logs = self.env["stock.segment.migration"].search_count([])
        second = self.classify()
        self.assertEqual(second["changed"], 0)
        self.env.cr.execute(
            "SELECT id, write_date FROM stock_planning_profile WHERE id = ANY(%s)", [profiles.ids]
        )
        self.assertEqual(dict(self.env.cr.fetchall()), before)
        self.assertEqual(self.env["stock.segment.migration"].search_count([]), n_logs)

    def test_batches_match_single_batch(self):
        """ABC is computed over the company, not per batch: any batch size, same classes."""
        self.classify(batch_size=1)
        profiles = self.Profile.search([("company_id", "=", self.company.id)])
        small = {p.id: (p.abc_class, p.xyz_class, p.segment_id.id) for p in profiles}
        self.env["stock.planning.profile"].search([]).unlink()
        stats = self.classify(batch_size=1000)
        self.assertEqual(stats["batches"], 1)
        profiles = self.Profile.search([("company_id", "=", self.company.id)])
        large = {(p.product_id.id, p.warehouse_id.id): (p.abc_class, p.xyz_class) for p in profiles}
        self.assertEqual(sorted(v[:2] for v in small.values()), sorted(large.values()))

    def test_bad_records_are_isolated(self):
        no_cost = self._create_product("no cost", 10.0, None)
        archived = self._create_product("archived", 10.0, 3.0)
        broken = self._create_product("broken", 10.0, 3.0)
        rows = [
            (p, self.wh1, self.week_date(w), 7.0, "out")
            for p in (no_cost, archived, broken)
            for w in range(0, 52, 2)
        ]
        rows += [
            (no_cost, self.wh1, self.week_date(3), -40.0, "out"),  # negative quantity
            (archived, self.wh1, self.week_date(5), 2.0, "return"),
            (no_cost, self.wh2, self.week_date(8), 3.0, "consume"),
        ]
        self.insert_moves(rows)
        archived.active = False
        model_class = type(self.Profile)
        original = model_class._classify_batch

        def failing(records, ctx, product_ids):
            if broken.id in product_ids:
                raise ValueError("corrupt record")
            return original(records, ctx, product_ids)

        with patch.object(model_class, "_classify_batch", failing), mute_logger(LOGGER):
            stats = self.classify(batch_size=4)
        self.assertEqual(stats["failed"], 1)
        self.assertFalse(self.profile(broken, self.wh1).abc_class, "the failing product is skipped")
        for product in (no_cost, archived, self.products["steady"]):
            profile = self.Profile.with_context(active_test=False).search(
                [("product_id", "=", product.id), ("warehouse_id", "=", self.wh1.id)]
            )
            self.assertTrue(profile.abc_class, product.name)
            self.assertTrue(profile.segment_id, product.name)
        no_cost_profile = self.profile(no_cost, self.wh1)
        self.assertEqual(no_cost_profile.annual_margin, no_cost_profile.annual_revenue)
        self.assertGreater(self.profile(no_cost, self.wh2).annual_consumption_value, -1e-9)

    def test_lifecycle_suggestion_and_auto_apply(self):
        steady = self.products["steady"].product_tmpl_id
        rare = self.products["tiny"].product_tmpl_id
        self.classify()
        self.assertEqual(steady.lifecycle_stage_suggested, "mature")
        self.assertFalse(steady.lifecycle_stage, "suggestions wait for confirmation")
        steady.action_confirm_lifecycle_suggestion()
        self.assertEqual(steady.lifecycle_stage, "mature")
        self.assertTrue(steady.lifecycle_stage_date)
        # A year later without new demand, obsolete is suggested; even with auto-apply it
        # stays a suggestion for a Planning Manager (it removes stock), and a phase-out
        # decided by people is kept.
        rare.lifecycle_stage = "phase_out"
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment.lifecycle_auto_apply", "True"
        )
        self.env["ir.config_parameter"].sudo().set_param("stock_segment.window_days", 728)
        self.classify(date_to=DATE_TO + timedelta(days=400))
        self.assertEqual(steady.lifecycle_stage_suggested, "obsolete")
        self.assertEqual(steady.lifecycle_stage, "mature", "obsolete is never auto-applied")
        self.assertEqual(rare.lifecycle_stage_suggested, "obsolete")
        self.assertEqual(rare.lifecycle_stage, "phase_out", "a decided stage is kept")
        wobbly = self.products["wobbly"].product_tmpl_id
        with self.assertRaises(AccessError):
            wobbly.with_user(self.user).action_confirm_lifecycle_suggestion()
        self.assertNotEqual(wobbly.lifecycle_stage, "obsolete")
        wobbly.with_user(self.manager).action_confirm_lifecycle_suggestion()
        self.assertEqual(wobbly.lifecycle_stage, "obsolete")
        self.classify(date_to=DATE_TO + timedelta(days=400))
        profile = self.profile(self.products["wobbly"], self.wh1)
        self.assertEqual(profile.segment_id.code, "EOL")
        seg_log = profile.migration_ids.filtered(lambda m: m.change_type == "segment")
        self.assertTrue(seg_log)

    def test_one_company_failing_does_not_stop_the_others(self):
        other = self.env["res.company"].create({"name": "Planning Other Co"})
        model_class = type(self.Profile)
        original = model_class._classify_company
        broken = self.company

        def failing(model, company, *args, **kwargs):
            if company == broken:
                raise ValueError("broken company")
            return original(model, company, *args, **kwargs)

        with (
            patch.object(model_class, "_classify_company", failing),
            mute_logger("odoo.addons.stock_segment.models.stock_planning_profile"),
        ):
            stats = self.Profile._run_classification(companies=broken | other, date_to=DATE_TO)
        self.assertNotIn(broken.id, stats)
        self.assertIn(other.id, stats)

    def test_nan_price_and_quantity_never_reach_a_column(self):
        nan_price = self._create_product("nan price", 10.0, 3.0)
        nan_qty = self._create_product("nan qty", 10.0, 3.0)
        rows = [
            (p, self.wh1, self.week_date(w), 5.0, "out")
            for p in (nan_price, nan_qty)
            for w in range(0, 52, 2)
        ]
        rows.append((nan_qty, self.wh1, self.week_date(7), float("nan"), "out"))
        self.insert_moves(rows)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 'NaN' WHERE id = %s",
            [nan_price.product_tmpl_id.id],
        )
        self.env.invalidate_all()
        self.classify()
        profiles = self.Profile.search(
            [("product_id", "in", (nan_price | nan_qty).ids), ("warehouse_id", "=", self.wh1.id)]
        )
        self.assertEqual(len(profiles), 2)
        self.env.cr.execute(
            """SELECT column_name FROM information_schema.columns
                WHERE table_name = 'stock_planning_profile'
                  AND data_type IN ('double precision', 'numeric', 'real')"""
        )
        float_columns = [r[0] for r in self.env.cr.fetchall()]
        self.assertIn("annual_margin", float_columns)
        for column in float_columns:
            self.env.cr.execute(
                f"""SELECT id FROM stock_planning_profile
                     WHERE id = ANY(%s)
                       AND ({column}::float8 = 'NaN' OR {column}::float8 IN ('Infinity', '-Infinity'))""",  # noqa: E501
                [profiles.ids],
            )
            self.assertFalse(self.env.cr.fetchall(), f"NaN or inf in {column}")
        # A NaN price or quantity cannot be trusted: the plans are quarantined, with the
        # field named, and left out of the ABC (new plans: no class yet).
        self.assertTrue(all(p.data_quarantine for p in profiles))
        for profile in profiles:
            self.assertIn("annual_revenue=not a number", profile.data_findings)
        before = backdate_rows(self.env, ["stock_planning_profile"], self.company.id)
        self.assertEqual(self.classify()["changed"], 0)
        self.assertEqual(
            rewritten_rows(self.env, ["stock_planning_profile"], self.company.id, before),
            {},
            "the second run rewrote the plans",
        )

    def test_periodic_review_needs_a_review_period(self):
        segment = self.env.ref("stock_segment.segment_ax")
        with self.assertRaises(ValidationError):
            segment.write({"replenishment_policy": "RS", "review_period_days": 0})
        segment.write({"replenishment_policy": "RS", "review_period_days": 7})
        self.assertEqual(segment.review_period_days, 7)

    def test_only_a_manager_sets_a_stage_that_removes_stock(self):
        # A product manager edits products but is no Planning Manager.
        buyer_admin = new_company_user(
            self.env, "product_admin_stage", "product.group_product_manager", self.company
        )
        stock_admin = new_company_user(
            self.env,
            "stock_admin_stage",
            "stock.group_stock_manager,product.group_product_manager",
            self.company,
        )
        tmpl = self.products["steady"].product_tmpl_id
        with self.assertRaises(AccessError):
            tmpl.with_user(buyer_admin).write({"lifecycle_stage": "phase_out"})
        tmpl.with_user(buyer_admin).write({"lifecycle_stage": "mature"})
        self.assertEqual(tmpl.lifecycle_stage, "mature")
        # Inventory administrators are Planning Managers.
        tmpl.with_user(stock_admin).write({"lifecycle_stage": "phase_out"})
        self.assertEqual(tmpl.lifecycle_stage, "phase_out")

    # ------------------------------------------------------------------ bulk creation
    def _plan_columns(self, ids):
        """Every stored column of the plans, ids and log dates left out, by key."""
        self.env.flush_all()
        self.env.cr.execute("SELECT * FROM stock_planning_profile WHERE id = ANY(%s)", [list(ids)])
        skipped = ("id", "create_date", "write_date")
        return {
            (row["product_id"], row["warehouse_id"]): {
                k: v for k, v in row.items() if k not in skipped
            }
            for row in self.env.cr.dictfetchall()
        }

    def test_bulk_created_plans_match_the_orm_create(self):
        """The classification inserts its new plans in one statement: every column
        (related template, category, company and stage, defaults) is what the ORM's
        create of the job stored, and the ORM sees the new plans."""
        steady = self.products["steady"]
        steady.product_tmpl_id.lifecycle_stage = "growth"
        pairs = [(steady.id, self.wh1.id), (steady.id, self.wh2.id)]
        Profile = self.Profile.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        orm = Profile.create([{"product_id": p, "warehouse_id": w} for p, w in pairs])
        expected = self._plan_columns(orm.ids)
        self.assertEqual(steady.product_tmpl_id.planning_profile_ids, orm)
        # The product's stage written in the same transaction: the plans' stage follows,
        # without a tracking message on the new plans.
        steady.product_tmpl_id.lifecycle_stage = "decline"
        self.env.cr.flush()
        self.assertEqual(orm.mapped("lifecycle_stage"), ["decline", "decline"])
        self.assertFalse(orm.message_ids)
        steady.product_tmpl_id.lifecycle_stage = "growth"
        orm.unlink()
        self.env.flush_all()
        created = Profile._create_profiles(pairs)
        bulk = self.Profile.browse([created[k]["id"] for k in pairs])
        self.assertEqual(self._plan_columns(bulk.ids), expected)
        steady.product_tmpl_id.lifecycle_stage = "decline"
        self.env.cr.flush()
        self.assertEqual(bulk.mapped("lifecycle_stage"), ["decline", "decline"])
        self.assertFalse(bulk.message_ids)
        row = expected[pairs[0]]
        self.assertEqual(
            (row["product_tmpl_id"], row["categ_id"], row["company_id"], row["lifecycle_stage"]),
            (steady.product_tmpl_id.id, self.categ_child.id, self.company.id, "growth"),
        )
        self.assertTrue(row["active"])
        self.assertEqual(created[pairs[0]]["product_id"], steady.id)
        self.assertFalse(created[pairs[0]]["abc_class"])
        self.assertEqual(steady.product_tmpl_id.planning_profile_ids, bulk)
        self.assertEqual(steady.product_tmpl_id.planning_profile_count, 2)

    def test_first_run_plans_match_the_orm_create(self):
        """A first run's plans, classification columns aside, equal those the ORM
        creates for the same pairs."""
        self.classify()
        plans = self.Profile.search([("company_id", "=", self.company.id)])
        job = self._plan_columns(plans.ids)
        pairs = list(job)
        plans.unlink()
        orm = (
            self.Profile.sudo()
            .with_context(tracking_disable=True)
            .create([{"product_id": p, "warehouse_id": w} for p, w in pairs])
        )
        created = self._plan_columns(orm.ids)
        own = set(self.Profile._job_owned_fields()) | {"segment_id", "write_uid"}
        for key in pairs:
            self.assertEqual(
                {k: v for k, v in job[key].items() if k not in own},
                {k: v for k, v in created[key].items() if k not in own},
            )

    def test_bulk_created_plan_checks_the_product_company(self):
        other = self.env["res.company"].create({"name": "Planning Foreign Co"})
        foreign = self._create_product("foreign", 10.0, 5.0)
        foreign.product_tmpl_id.company_id = other
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.Profile.sudo()._create_profiles([(foreign.id, self.wh1.id)])

    def test_auto_applied_stages_are_logged_as_odoo_tracks_them(self):
        """The stages the classification applies are logged in the product's chatter in
        one go: the same note, author and tracked values as Odoo's own tracking of a
        stage write, once."""

        def log(template):
            self.env.cr.flush()  # Odoo's tracking of the transaction, if any
            messages = template.message_ids.filtered("tracking_value_ids")
            return [
                (
                    m.message_type,
                    m.subtype_id,
                    m.author_id,
                    str(m.body),
                    sorted(
                        (t.field_id.name, t.old_value_char or "", t.new_value_char or "")
                        for t in m.tracking_value_ids
                    ),
                )
                for m in messages
            ]

        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment.lifecycle_auto_apply", "True"
        )
        steady = self.products["steady"].product_tmpl_id
        # A product without demand: the classification leaves it alone.
        reference = self._create_product("reference", 1.0, 1.0).product_tmpl_id
        self.assertFalse(log(steady))
        self.classify()
        self.assertEqual(steady.lifecycle_stage, "mature")
        applied = log(steady)
        self.assertEqual(len(applied), 1, "one message per applied stage, not two")
        reference.sudo().write({"lifecycle_stage": "mature"})
        self.assertEqual(applied, log(reference)[-1:])
        self.assertIn(
            ("lifecycle_stage", "", "Mature"), applied[0][4], "the stage's change is tracked"
        )

    def test_stage_change_logged_on_the_product_not_on_each_plan(self):
        """A stage the classification applies to a product with plans is logged once, in
        the product's chatter; its plans (one per warehouse) log nothing of it."""
        self.classify()  # the plans exist before the stage changes
        self.env.cr.flush()
        steady = self.products["steady"].product_tmpl_id
        plans = self.Profile.search([("product_tmpl_id", "=", steady.id)])
        self.assertEqual(len(plans), 2)
        self.assertFalse(steady.lifecycle_stage)
        before = {p.id: len(p.message_ids) for p in plans}
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment.lifecycle_auto_apply", "True"
        )
        self.classify()
        self.env.cr.flush()  # Odoo's tracking of the transaction
        self.assertEqual(plans.mapped("lifecycle_stage"), ["mature", "mature"])
        self.assertTrue(
            steady.message_ids.tracking_value_ids.filtered(
                lambda t: t.field_id.name == "lifecycle_stage"
            )
        )
        plans.invalidate_recordset(["message_ids"])
        for plan in plans:
            self.assertEqual(len(plan.message_ids), before[plan.id], plan.display_name)
