"""What-if scenarios on the demo data: evaluation without a write to live data, results
that move the right way, pilot roll-out through proposals, access rights, companies."""

import base64
import io
import zipfile
from datetime import datetime, time, timedelta

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged


class ScenarioCommon(TransactionCase):
    @classmethod
    def _plan_each_warehouse_alone(cls):
        """Where the network placement is installed, its demo opts segments in and their
        rules come from the placement, not from the segment's own policy: these tests
        are about the single-warehouse jobs, so every segment plans each warehouse alone."""
        Segment = cls.env["stock.segment"].sudo().with_context(active_test=False)
        if "network_placement" in Segment._fields:
            Segment.search([]).write({"network_placement": False, "network_push": False})

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.Scenario = cls.env["stock.planning.scenario"]
        cls.segment = cls.env.ref("stock_segment.segment_ax")
        cls.user = new_company_user(
            cls.env, "scenario_planner", "stock_segment.group_planning_user", cls.company
        )
        cls.manager = new_company_user(
            cls.env, "scenario_manager", "stock_segment.group_planning_manager", cls.company
        )
        cls.manager2 = new_company_user(
            cls.env, "scenario_manager2", "stock_segment.group_planning_manager", cls.company
        )

    def _scenario(self, changes, user=None, **vals):
        Scenario = self.Scenario.with_user(user) if user else self.Scenario
        return Scenario.create(
            {
                "name": "Test scenario",
                "change_ids": [(0, 0, change) for change in changes],
                **vals,
            }
        )

    def _result(self, scenario, segment):
        lines = scenario.result_ids.filtered(lambda r: r.segment_id == segment)
        self.assertTrue(lines, "the segment has result lines")
        cur = sum(lines.mapped("current_stock_value"))
        new = sum(lines.mapped("scenario_stock_value"))
        demand = sum(lines.mapped("demand_qty"))
        fill_cur = sum(r.current_fill_rate * r.demand_qty for r in lines) / demand
        fill_new = sum(r.scenario_fill_rate * r.demand_qty for r in lines) / demand
        return cur, new, fill_cur, fill_new

    def _live_snapshot(self):
        """Plans, reorder rules, segments and proposals as stored, for comparison."""
        self.env.flush_all()
        cr = self.env.cr
        snap = {}
        for table in (
            "stock_planning_profile",
            "stock_warehouse_orderpoint",
            "stock_segment",
            "stock_replenishment_proposal",
        ):
            cr.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - fixed table names
            snap[table] = cr.fetchall()
        return snap


def day_snapshot(line, day, stock_value, fill_rate):
    """The values of one product x warehouse KPI snapshot row of ``day`` for a pilot
    line (one order line, no stockout)."""
    return {
        "period_type": "day",
        "level": "product",
        "company_id": line.scenario_id.company_id.id,
        "product_id": line.product_id.id,
        "warehouse_id": line.warehouse_id.id,
        "date_from": day,
        "date_to": day,
        "avg_inventory_value": stock_value,
        "qty_fill_rate": fill_rate,
        "lines_total": 1,
        "stockout_rate": 0.0,
    }


@tagged("post_install", "-at_install")
class TestScenarioEvaluation(ScenarioCommon):
    def test_demo_scenarios_are_evaluated(self):
        for xmlid in ("demo_scenario_c_periodic", "demo_scenario_vendor_lead_time"):
            scenario = self.env.ref(f"stock_segment_scenario.{xmlid}")
            self.assertEqual(scenario.state, "evaluated")
            self.assertEqual(scenario.job_state, "done")
            self.assertTrue(scenario.result_ids)
            self.assertTrue(scenario.curve_ids)
            self.assertGreater(scenario.item_count, 0)

    def test_evaluation_writes_nothing_to_live_data(self):
        scenario = self._scenario(
            [
                {"kind": "service_target", "value": 99.5, "segment_id": self.segment.id},
                {"kind": "demand_pct", "value": 30.0},
                {"kind": "vendor_failure", "value": 20.0},
            ],
            user=self.user,
        )
        before = self._live_snapshot()
        self.assertTrue(scenario._evaluate())
        after = self._live_snapshot()
        for table, rows in before.items():
            self.assertEqual(rows, after[table], f"{table} changed")
        self.assertEqual(scenario.state, "evaluated")

    def test_higher_service_target_gives_more_fill_and_more_stock(self):
        scenario = self._scenario(
            [{"kind": "service_target", "value": 99.9, "segment_id": self.segment.id}]
        )
        scenario._evaluate()
        cur, new, fill_cur, fill_new = self._result(scenario, self.segment)
        self.assertGreater(new, cur)
        self.assertGreaterEqual(fill_new, fill_cur)
        # Other segments are untouched: their two sides are equal.
        other = scenario.result_ids.filtered(lambda r: r.segment_id != self.segment)
        self.assertTrue(other)
        for line in other:
            self.assertAlmostEqual(line.current_stock_value, line.scenario_stock_value, 2)
        self.assertGreater(scenario.stock_value_change, 0)

    def test_demand_shock_changes_the_results(self):
        base = self._scenario([{"kind": "review_period", "value": 7}])
        base._evaluate()
        shock = self._scenario([{"kind": "demand_pct", "value": 50.0}])
        shock._evaluate()
        _cur0, _new0, fill0, _fill0_new = self._result(base, self.segment)
        cur, new, fill_cur, fill_new = self._result(shock, self.segment)
        # The current rules meet 50 % more demand: a lower fill rate than without the
        # shock; the rules recomputed for it hold more stock.
        self.assertLess(fill_cur, fill0)
        self.assertGreater(new, cur)
        self.assertGreater(fill_new, fill_cur)

    def test_exchange_curve_points(self):
        scenario = self._scenario(
            [{"kind": "service_target", "value": 99.0, "segment_id": self.segment.id}]
        )
        scenario._evaluate()
        points = scenario.curve_ids.filtered(lambda p: p.segment_id == self.segment)
        self.assertGreaterEqual(len(points), 8)
        ordered = points.sorted("target")
        self.assertLess(ordered[0].stock_value, ordered[-1].stock_value)
        self.assertEqual(points.filtered("is_scenario").mapped("target"), [99.0])
        self.assertEqual(
            points.filtered("is_current").mapped("target"), [self.segment.service_level_target]
        )

    def test_evaluate_button_queues_a_background_job(self):
        scenario = self._scenario([{"kind": "lead_time_days", "value": 5}], user=self.user)
        cron = self.env.ref("stock_segment_scenario.ir_cron_scenario_evaluate")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        scenario.with_user(self.user).action_evaluate()
        self.assertEqual(scenario.job_state, "queued")
        self.assertEqual(scenario.state, "draft")
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1
        )
        self.Scenario._cron_evaluate()
        self.assertEqual(scenario.job_state, "done")
        self.assertEqual(scenario.job_progress, 100)
        self.assertEqual(scenario.state, "evaluated")

    def test_xlsx_export(self):
        scenario = self._scenario(
            [{"kind": "service_target", "value": 99.0, "segment_id": self.segment.id}]
        )
        with self.assertRaises(UserError):
            scenario.action_export_xlsx()
        scenario._evaluate()
        action = scenario.with_user(self.user).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", scenario._name), ("res_id", "=", scenario.id)]
        )
        self.assertEqual(len(attachment), 1)
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment.datas))) as book:
            workbook = book.read("xl/workbook.xml").decode()
            self.assertIn("Side by side", workbook)
            self.assertIn("Exchange curve", workbook)
            self.assertTrue(any(n.startswith("xl/charts/chart") for n in book.namelist()))
            strings = book.read("xl/sharedStrings.xml").decode()
            self.assertIn(self.segment.display_name, strings)

    def test_scenario_without_change_is_refused(self):
        scenario = self._scenario([])
        with self.assertRaises(UserError):
            scenario.action_evaluate()

    def test_invalid_change_is_refused(self):
        from odoo.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            self._scenario([{"kind": "service_target", "value": 120.0}])


@tagged("post_install", "-at_install")
class TestScenarioChanges(ScenarioCommon):
    """Re-segmentation, order cover, replay on drawn demand, stockout cost."""

    def _abc_rules(self):
        return self.env["stock.segment.rule"].search(
            [("abc_class", "!=", False), ("xyz_class", "!=", False)]
        )

    def test_abc_cutoff_change_moves_plans_to_the_b_segments(self):
        scenario = self._scenario([{"kind": "abc_cutoffs", "value": 50.0, "value_2": 95.0}])
        before = self._live_snapshot()
        self.assertTrue(scenario._evaluate())
        self.assertEqual(before, self._live_snapshot(), "re-segmentation writes no live data")
        # Independent count from the stored classification: an A plan placed by an
        # A-X/Y/Z rule whose cumulative share before it is >= 50 % becomes B.
        plans = self.env["stock.planning.profile"].search(
            [("company_id", "=", self.company.id), ("abc_class", "=", "A")]
        )
        expected = plans.filtered(
            lambda p: (
                p.segment_rule_id in self._abc_rules()
                and not p.segment_locked
                and not p.data_quarantine
                and p.value_cum_share - p.value_share >= 0.5
            )
        )
        self.assertTrue(expected, "the demo has A plans beyond a 50 % cut-off")
        self.assertEqual(scenario.moved_count, len(expected))
        self.assertEqual(sum(scenario.move_ids.mapped("item_count")), len(expected))
        for move in scenario.move_ids:
            old, new = move.from_segment_id.code, move.to_segment_id.code
            self.assertEqual((old[0], new[0], old[1]), ("A", "B", new[1]))
        # Each side is grouped by its own segments: the moved plans count on the B side.
        for line in scenario.result_ids:
            self.assertEqual(
                line.scenario_item_count - line.item_count, line.items_in - line.items_out
            )
        self.assertEqual(
            sum(scenario.result_ids.mapped("items_in")),
            sum(scenario.result_ids.mapped("items_out")),
        )
        self.assertGreater(sum(scenario.result_ids.mapped("items_in")), 0)

    def test_pilot_of_a_resegmentation_proposes_for_plans_that_move(self):
        scenario = self._scenario(
            [{"kind": "abc_cutoffs", "value": 50.0, "value_2": 95.0}],
            pilot_mode="random",
            pilot_share=50.0,
        )
        scenario._evaluate()
        self.assertGreater(scenario.moved_count, 1)
        Proposal = self.env["stock.replenishment.proposal"]
        before = Proposal.search([])
        scenario.with_user(self.manager).action_apply_pilot()
        lines = scenario.pilot_line_ids
        # Pilot and control are drawn from the plans that change segment only.
        self.assertEqual(len(lines), scenario.moved_count)
        self.assertEqual(set(lines.segment_id.mapped("code")) - {"AX", "AY", "AZ"}, set())
        new = Proposal.search([]) - before
        pilot = lines.filtered(lambda line: line.pilot_group == "pilot")
        self.assertTrue(new)
        self.assertLessEqual(set(new.profile_id.ids), set(pilot.profile_id.ids))
        self.assertEqual(set(new.mapped("state")), {"pending"})

    def test_segment_rule_change_moves_its_plans(self):
        rule = self.env["stock.segment.rule"].search(
            [("segment_id", "=", self.segment.id), ("abc_class", "=", "A")], limit=1
        )
        target = self.env.ref("stock_segment.segment_ay")
        scenario = self._scenario(
            [
                {
                    "kind": "segment_rule",
                    "rule_id": rule.id,
                    "rule_abc_class": "A",
                    "rule_xyz_class": "X",
                    "rule_segment_id": target.id,
                }
            ]
        )
        scenario._evaluate()
        plans = self.env["stock.planning.profile"].search(
            [("segment_rule_id", "=", rule.id), ("segment_locked", "=", False)]
        )
        self.assertTrue(plans)
        self.assertEqual(scenario.move_ids.from_segment_id, self.segment)
        self.assertEqual(scenario.move_ids.to_segment_id, target)
        self.assertEqual(sum(scenario.move_ids.mapped("item_count")), len(plans))
        ax = scenario.result_ids.filtered(lambda r: r.segment_id == self.segment)
        self.assertTrue(ax)
        self.assertEqual(sum(ax.mapped("scenario_item_count")), 0)
        self.assertEqual(plans.segment_id, self.segment, "live plans keep their segment")
        # Switching the rule off sends its plans to the next rule that matches (none).
        off = self._scenario([{"kind": "segment_rule", "rule_id": rule.id, "rule_drop": True}])
        off._evaluate()
        self.assertEqual(off.move_ids.to_segment_id, self.env["stock.segment"])
        self.assertEqual(sum(off.move_ids.mapped("item_count")), len(plans))

    def test_invalid_resegmentation_is_refused(self):
        from odoo.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            self._scenario([{"kind": "abc_cutoffs", "value": 90.0, "value_2": 80.0}])
        with self.assertRaises(ValidationError):
            self._scenario([{"kind": "segment_rule"}])

    def test_order_cover_change_orders_less_often(self):
        scenario = self._scenario(
            [{"kind": "order_cover_days", "value": 60.0, "segment_id": self.segment.id}]
        )
        scenario._evaluate()
        ax = scenario.result_ids.filtered(lambda r: r.segment_id == self.segment)
        self.assertTrue(ax)
        self.assertLess(
            sum(ax.mapped("scenario_orders_per_year")), sum(ax.mapped("current_orders_per_year"))
        )
        self.assertGreater(
            sum(ax.mapped("scenario_stock_value")), sum(ax.mapped("current_stock_value"))
        )
        for line in scenario.result_ids - ax:
            self.assertAlmostEqual(line.current_orders_per_year, line.scenario_orders_per_year, 6)

    def test_replay_on_drawn_demand_is_reproducible(self):
        changes = [{"kind": "service_target", "value": 99.0, "segment_id": self.segment.id}]

        def evaluate(seed, source="forecast"):
            scenario = self._scenario(changes, demand_source=source, demand_seed=seed)
            self.assertTrue(scenario._evaluate())
            return {
                (r.segment_id.id, r.warehouse_id.id): (
                    r.demand_qty,
                    r.current_stock_value,
                    r.scenario_stock_value,
                    r.current_fill_rate,
                )
                for r in scenario.result_ids
            }

        first, again, other = evaluate(7), evaluate(7), evaluate(8)
        history = evaluate(7, "history")
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertNotEqual(first, history)
        # Parameters come from the same history: the untouched segments' stock differs
        # only by the demand met, both sides alike.
        for key, values in first.items():
            if key[0] != self.segment.id:
                self.assertAlmostEqual(values[1], values[2], 6)

    def test_stockout_cost_in_the_cost_columns(self):
        self.segment.stockout_cost = 4.0
        scenario = self._scenario(
            [{"kind": "service_target", "value": 80.0, "segment_id": self.segment.id}]
        )
        scenario._evaluate()
        ax = scenario.result_ids.filtered(lambda r: r.segment_id == self.segment)
        self.assertTrue(ax)
        for line in scenario.result_ids:
            cost = 4.0 if line.segment_id == self.segment else 0.0
            for side in ("current", "scenario"):
                short = line[f"{side}_units_short"]
                # The units short are stored rounded to the unit's precision.
                self.assertAlmostEqual(line[f"{side}_stockout_cost"], cost * short, delta=0.05)
                self.assertAlmostEqual(
                    line[f"{side}_total_cost"],
                    line[f"{side}_holding_cost"]
                    + line[f"{side}_ordering_cost"]
                    + line[f"{side}_stockout_cost"],
                    2,
                )
        self.assertGreater(sum(ax.mapped("current_units_short")), 0)


@tagged("post_install", "-at_install")
class TestScenarioRollout(ScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scenario = cls.Scenario.create(
            {
                "name": "AX to 99 %",
                "change_ids": [
                    (0, 0, {"kind": "service_target", "value": 99.5, "segment_id": cls.segment.id})
                ],
                "pilot_mode": "random",
                "pilot_share": 50.0,
            }
        )
        cls.scenario._evaluate()

    def test_planning_user_cannot_apply(self):
        with self.assertRaises(AccessError):
            self.scenario.with_user(self.user).action_apply_pilot()
        self.assertEqual(self.scenario.state, "evaluated")
        self.assertFalse(self.scenario.pilot_line_ids)

    def test_apply_to_pilot_proposes_for_pilot_items_only(self):
        Proposal = self.env["stock.replenishment.proposal"]
        before = Proposal.search([])
        self.scenario.with_user(self.manager).action_apply_pilot()
        self.assertEqual(self.scenario.state, "applied")
        self.assertEqual(self.scenario.decided_by_id, self.manager)
        pilot = self.scenario.pilot_line_ids.filtered(lambda line: line.pilot_group == "pilot")
        control = self.scenario.pilot_line_ids - pilot
        self.assertTrue(pilot)
        self.assertTrue(control, "a random share keeps a control group")
        self.assertFalse(set(pilot.profile_id.ids) & set(control.profile_id.ids))
        self.assertEqual(set(pilot.profile_id.segment_id.ids), {self.segment.id})
        new = Proposal.search([]) - before
        self.assertTrue(new)
        self.assertLessEqual(set(new.profile_id.ids), set(pilot.profile_id.ids))
        self.assertFalse(set(new.profile_id.ids) & set(control.profile_id.ids))
        self.assertEqual(set(new.mapped("state")), {"pending"})
        self.assertEqual(new.proposed_by_id, self.manager)
        # Nothing is applied yet: the reorder rules keep their values.
        for proposal in new.filtered("orderpoint_id"):
            self.assertEqual(proposal.orderpoint_id.product_min_qty, proposal.old_min_qty)
        # The usual approval: not by a planning user, not by the proposer, by another manager.
        with self.assertRaises(AccessError):
            new.with_user(self.user).action_approve()
        with self.assertRaises(UserError):
            new.with_user(self.manager).action_approve()
        one = new.filtered("orderpoint_id")[:1]
        if one:
            segment = one.profile_id.segment_id
            one.with_user(self.manager2).action_approve()
            self.assertEqual(one.state, "approved")
            self.assertEqual(one.orderpoint_id.product_min_qty, one.new_min_qty)
            # A policy change moves the plan to the scenario's pilot segment, locked.
            self.assertEqual(one.profile_id.segment_id.pilot_source_id, segment)
            self.assertEqual(one.profile_id.segment_id.scenario_id, self.scenario)
            self.assertTrue(one.profile_id.segment_locked)

    def test_nightly_run_keeps_off_the_pilot_proposals(self):
        """The replenishment job of the next night neither supersedes a pilot's pending
        proposals nor proposes over them: the pilot waits for its decision."""
        Proposal = self.env["stock.replenishment.proposal"]
        before = Proposal.search([])
        self.scenario.with_user(self.manager).action_apply_pilot()
        pilot_proposals = Proposal.search([]) - before
        self.assertTrue(pilot_proposals)
        self.assertTrue(all(pilot_proposals.mapped("keep_until_decided")))
        self.env["stock.planning.profile"]._cron_replenishment()
        self.assertEqual(set(pilot_proposals.mapped("state")), {"pending"})
        others = Proposal.search(
            [
                ("profile_id", "in", pilot_proposals.profile_id.ids),
                ("state", "=", "pending"),
                ("id", "not in", pilot_proposals.ids),
            ]
        )
        self.assertFalse(others, "no job proposal over a pilot's")

    def test_pilot_by_segment_has_no_other_segment(self):
        self.scenario.pilot_mode = "segment"
        self.scenario.pilot_segment_id = self.segment
        self.scenario.with_user(self.manager).action_apply_pilot()
        self.assertEqual(self.scenario.pilot_line_ids.segment_id, self.segment)

    def test_rollback_rejects_pending_proposals_audited(self):
        self.scenario.with_user(self.manager).action_apply_pilot()
        proposals = self.scenario.pilot_line_ids.proposal_id
        self.assertTrue(proposals)
        with self.assertRaises(AccessError):
            self.scenario.with_user(self.user).action_rollback()
        self.scenario.with_user(self.manager2).action_rollback()
        self.assertEqual(self.scenario.state, "rolled_back")
        self.assertEqual(self.scenario.decided_by_id, self.manager2)
        self.assertEqual(set(proposals.mapped("state")), {"rejected"})
        self.assertIn("Rolled back", self.scenario.message_ids[0].body)

    def test_promote_proposes_for_the_control_group(self):
        self.scenario.with_user(self.manager).action_apply_pilot()
        with self.assertRaises(AccessError):
            self.scenario.with_user(self.user).action_promote()
        self.scenario.with_user(self.manager).action_promote()
        self.assertEqual(self.scenario.state, "promoted")
        control = self.scenario.pilot_line_ids.filtered(lambda line: line.pilot_group == "control")
        self.assertTrue(control.proposal_id)
        self.assertEqual(set(control.proposal_id.mapped("state")), {"pending"})

    def test_pilot_review_from_kpi_snapshots(self):
        self.scenario.with_user(self.manager).action_apply_pilot()
        start = self.scenario.date_pilot
        self.assertTrue(start)
        Snapshot = self.env["stock.kpi.snapshot"].sudo()
        lines = self.scenario.pilot_line_ids
        extra = {}
        vals = []
        for i, line in enumerate(lines):
            pilot = line.pilot_group == "pilot"
            extra[line.id] = (10.0 if pilot else 0.0) + 2.0 + 0.5 * (i % 3)
            for day in range(-4, 4):
                post = day >= 0
                value = 100.0 + 7 * i + (day % 2) + (extra[line.id] if post else 0.0)
                vals.append(
                    day_snapshot(
                        line,
                        start + timedelta(days=day),
                        value,
                        90.0 + (5.0 if pilot and post else 0.0),
                    )
                )
        Snapshot.create(vals)
        self.scenario.with_user(self.user).action_review_pilot()
        review = {r.measure: r for r in self.scenario.review_ids}
        pilot = lines.filtered(lambda line: line.pilot_group == "pilot")
        control = lines - pilot
        expected = sum(extra[line.id] for line in pilot) / len(pilot) - sum(
            extra[line.id] for line in control
        ) / len(control)
        self.assertTrue(review["stock_value"].known)
        self.assertAlmostEqual(review["stock_value"].estimate, expected, places=6)
        self.assertAlmostEqual(review["fill_rate"].estimate, 5.0, places=6)
        self.assertAlmostEqual(review["stockout_rate"].estimate, 0.0, places=6)
        if len(pilot) >= 2 and len(control) >= 2:
            self.assertTrue(review["stock_value"].se_known)
            self.assertLessEqual(review["stock_value"].ci_low, expected)
            self.assertGreaterEqual(review["stock_value"].ci_high, expected)

    def test_pilot_review_without_snapshots_is_no_data(self):
        self.scenario.with_user(self.manager).action_apply_pilot()
        self.scenario.action_review_pilot()
        self.assertEqual(len(self.scenario.review_ids), 4)
        kpi = self.scenario.review_ids.filtered(lambda r: r.measure != "orders")
        self.assertFalse(any(kpi.mapped("known")))

    def _orders_per_week(self, line, date_from, date_to, days):
        """Hand count through the ORM: the confirmed purchase orders with a line for the
        plan's product delivered to its warehouse, ordered in [date_from, date_to)."""
        order_lines = self.env["purchase.order.line"].search(
            [
                ("product_id", "=", line.product_id.id),
                ("order_id.state", "=", "purchase"),
                ("order_id.company_id", "=", self.company.id),
                ("order_id.picking_type_id.warehouse_id", "=", line.warehouse_id.id),
                ("order_id.date_order", ">=", datetime.combine(date_from, time.min)),
                ("order_id.date_order", "<", datetime.combine(date_to, time.min)),
            ]
        )
        return len(order_lines.order_id) / (days / 7.0)

    def _purchase(self, lines, day, state="purchase", twice=None):
        order = (
            self.env["purchase.order"]
            .sudo()
            .create(
                {
                    "partner_id": self.vendor.id,
                    "company_id": self.company.id,
                    "picking_type_id": lines.warehouse_id[:1].in_type_id.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": line.product_id.id,
                                "product_qty": 1.0,
                                "price_unit": 1.0,
                            },
                        )
                        for line in lines + (twice or lines.browse())
                    ],
                }
            )
        )
        if state == "purchase":
            order.button_confirm()
        elif state == "cancel":
            order.button_cancel()
        order.date_order = datetime.combine(day, time(12, 0))
        return order

    def test_pilot_review_counts_orders_per_week(self):
        """Orders per week of pilot and control plans, two weeks before and after the
        pilot's start, against a hand count: pilot plans order one more time a week after
        the start, control plans as before; a cancelled or draft order and a second line
        of the same product in an order do not count."""
        self.vendor = self.env["res.partner"].create({"name": "Scenario review vendor"})
        self.scenario.with_user(self.manager).action_apply_pilot()
        today = self.env["stock.planning.run"]._planning_day()
        start = today - timedelta(days=14)
        self.scenario.sudo().write({"date_pilot": start, "review_days": 14})
        lines = self.scenario.pilot_line_ids
        pilot = lines.filtered(lambda line: line.pilot_group == "pilot")
        control = lines - pilot
        self.assertTrue(pilot and control)
        for warehouse in lines.warehouse_id:
            here = lines.filtered(lambda line, w=warehouse: line.warehouse_id == w)
            here_pilot = here & pilot
            # Before: every plan orders once, half of them twice.
            self._purchase(here, start - timedelta(days=10))
            self._purchase(here[::2], start - timedelta(days=3))
            # After: every plan once, the pilot plans three times (one more a week),
            # one of the pilot orders with the product on two lines.
            self._purchase(here, start + timedelta(days=2))
            if here_pilot:
                self._purchase(here_pilot, start + timedelta(days=5), twice=here_pilot[:1])
                self._purchase(here_pilot, start + timedelta(days=9))
                self._purchase(here_pilot, start + timedelta(days=6), state="cancel")
                self._purchase(here_pilot, start + timedelta(days=7), state="draft")
            # Outside the windows: not counted.
            self._purchase(here, start - timedelta(days=20))
        self.scenario.with_user(self.user).action_review_pilot()
        review = {r.measure: r for r in self.scenario.review_ids}

        def change(line):
            before = self._orders_per_week(line, start - timedelta(days=14), start, 14)
            after = self._orders_per_week(line, start, today, 14)
            return after - before

        expected = sum(change(line) for line in pilot) / len(pilot) - sum(
            change(line) for line in control
        ) / len(control)
        # The orders built here alone: + 1 order a week for the pilot plans.
        self.assertGreater(expected, 0.5)
        self.assertTrue(review["orders"].known)
        # Stored with two decimals.
        self.assertAlmostEqual(review["orders"].estimate, expected, places=2)
        self.assertAlmostEqual(
            review["orders"].pilot_change, sum(change(line) for line in pilot) / len(pilot), 2
        )
        if len(pilot) >= 2 and len(control) >= 2:
            self.assertTrue(review["orders"].se_known)
            self.assertLessEqual(review["orders"].ci_low, review["orders"].estimate)
            self.assertGreaterEqual(review["orders"].ci_high, review["orders"].estimate)

    def test_apply_needs_an_evaluated_scenario(self):
        draft = self._scenario([{"kind": "demand_pct", "value": 10}])
        with self.assertRaises(UserError):
            draft.with_user(self.manager).action_apply_pilot()


@tagged("post_install", "-at_install")
class TestScenarioCompanies(ScenarioCommon):
    def test_other_company_scenarios_are_invisible_and_see_only_their_plans(self):
        other = self.env["res.company"].create({"name": "Scenario Other Co"})
        self.env.user.company_ids |= other
        outsider = new_company_user(
            self.env, "scenario_outsider", "stock_segment.group_planning_manager", other
        )
        theirs = (
            self.Scenario.with_user(outsider)
            .with_context(allowed_company_ids=[other.id])
            .create(
                {
                    "name": "Other company's scenario",
                    "change_ids": [(0, 0, {"kind": "demand_pct", "value": 10})],
                }
            )
        )
        self.assertEqual(theirs.company_id, other)
        ours = self._scenario([{"kind": "demand_pct", "value": 10}], user=self.user)
        self.assertFalse(self.Scenario.with_user(self.user).search([("id", "=", theirs.id)]))
        outsider_env = self.Scenario.with_user(outsider).with_context(
            allowed_company_ids=[other.id]
        )
        self.assertFalse(outsider_env.search([("id", "=", ours.id)]))
        # The other company has no plan: its evaluation replays nothing of ours.
        self.assertFalse(theirs.sudo()._evaluate())
        self.assertEqual(theirs.job_state, "failed")
        self.assertFalse(theirs.result_ids)
        ours._evaluate()
        self.assertTrue(ours.result_ids)
        self.assertFalse(
            self.env["stock.planning.scenario.result"]
            .with_user(outsider)
            .with_context(allowed_company_ids=[other.id])
            .search([("scenario_id", "=", ours.id)])
        )


@tagged("post_install", "-at_install")
class TestScenarioSegmentMove(ScenarioCommon):
    """A pilot of a re-segmentation: its approval moves the plans to the scenario's
    segment and locks them there, so that the nightly run keeps the approved rule; a
    rollback gives them back their segment and lock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._plan_each_warehouse_alone()
        cls.Proposal = cls.env["stock.replenishment.proposal"]
        cls.scenario = cls.Scenario.create(
            {
                "name": "A cut-off at 50 %",
                "change_ids": [(0, 0, {"kind": "abc_cutoffs", "value": 50.0, "value_2": 95.0})],
                "pilot_mode": "random",
                "pilot_share": 50.0,
            }
        )
        cls.scenario._evaluate()

    def _apply(self):
        self.scenario.with_user(self.manager).action_apply_pilot()
        lines = self.scenario.pilot_line_ids.filtered(
            lambda line: line.pilot_group == "pilot" and line.proposal_id
        )
        self.assertTrue(lines, "the pilot proposes for plans that change segment")
        for line in lines:
            self.assertTrue(line.to_segment_id)
            self.assertNotEqual(line.to_segment_id, line.profile_id.segment_id)
            self.assertEqual(line.from_segment_id, line.profile_id.segment_id)
            self.assertEqual(line.segment_move, "proposed")
            self.assertFalse(line.profile_id.segment_locked)
        return lines

    def _nightly_run(self):
        if not type(self)._registry_patched:
            self.registry_enter_test_mode()
        run = self.env["stock.planning.run"].sudo()._run_company(self.company)
        self.assertEqual(run.step_ids.filtered(lambda s: s.code == "classification").state, "done")
        self.env.invalidate_all()
        return run

    def _settle(self):
        """Last night's run, before the scenario is evaluated and applied, as on a live
        database: other addons' demo data (new moves, orders) then no longer changes the
        classification and demand statistics of the next night's run, so that any rule it
        proposes would come from the pilot, not from stale data."""
        self._nightly_run()
        self.scenario._evaluate()

    def test_approved_pilot_keeps_its_segment_and_rule_through_the_nightly_run(self):
        self._settle()
        lines = self._apply()
        proposals = lines.proposal_id
        # Nothing moves before the approval; a planning user cannot approve.
        with self.assertRaises(AccessError):
            proposals.with_user(self.user).action_approve()
        self.assertEqual(set(lines.mapped("segment_move")), {"proposed"})
        # The manager approves from the proposal's form (the button's method).
        proposals.with_user(self.manager2).action_approve()
        self.assertEqual(set(proposals.mapped("state")), {"approved"})
        approved = {p.profile_id.id: (p.new_min_qty, p.new_max_qty) for p in proposals}
        for line in lines:
            plan = line.profile_id
            self.assertEqual(plan.segment_id, line.to_segment_id)
            self.assertTrue(plan.segment_locked)
            self.assertIn(self.scenario.name, plan.segment_lock_reason)
            self.assertEqual(plan.segment_locked_by_id, self.manager2)
            self.assertTrue(plan.segment_locked_date)
            self.assertEqual(line.segment_move, "moved")
            self.assertIn("locked there", plan.message_ids[0].body)
            self.assertEqual(
                plan.orderpoint_id.product_min_qty, approved[plan.id][0], "the approved rule"
            )
        self.assertIn("change segment", self.scenario.message_ids[0].body)
        control = self.scenario.pilot_line_ids.filtered(lambda x: x.pilot_group == "control")
        self.assertFalse(control.profile_id.filtered("segment_locked"), "control stays out")

        last = self.Proposal.search([], order="id desc", limit=1).id
        self._nightly_run()
        for line in lines:
            plan = line.profile_id
            self.assertEqual(plan.segment_id, line.to_segment_id, "the nightly run keeps it")
            self.assertTrue(plan.segment_locked)
            op = plan.orderpoint_id
            self.assertEqual(
                (op.product_min_qty, op.product_max_qty),
                approved[plan.id],
                f"{plan.display_name}: the nightly run keeps the approved rule",
            )
        # Planned with the new segment's policy, the rule is what the job sets: the
        # run proposes no other rule for these plans.
        self.assertFalse(
            self.Proposal.search(
                [
                    ("id", ">", last),
                    ("profile_id", "in", lines.profile_id.ids),
                    ("state", "in", ("pending", "auto_applied")),
                ]
            )
        )

        # Roll back: not by a planning user; by a manager, segments and locks restored.
        with self.assertRaises(AccessError):
            self.scenario.with_user(self.user).action_rollback()
        self.scenario.with_user(self.manager).action_rollback()
        self.assertEqual(self.scenario.state, "rolled_back")
        for line in lines:
            plan = line.profile_id
            self.assertEqual(line.segment_move, "restored")
            self.assertEqual(plan.segment_id, line.from_segment_id)
            self.assertFalse(plan.segment_locked)
            self.assertFalse(plan.segment_lock_reason)
            self.assertFalse(plan.segment_locked_by_id)
            self.assertEqual(line.proposal_id.state, "rolled_back")
            self.assertEqual(plan.orderpoint_id.product_min_qty, line.proposal_id.old_min_qty)
        self.assertTrue(
            any("got back their segment" in m.body for m in self.scenario.message_ids[:3])
        )

    def test_plain_planning_user_cannot_roll_back_a_single_proposal(self):
        lines = self._apply()
        lines.proposal_id.with_user(self.manager2).action_approve()
        with self.assertRaises(AccessError):
            lines.proposal_id.with_user(self.user).action_rollback()
        self.assertEqual(set(lines.mapped("segment_move")), {"moved"})
        # A manager's rollback of one proposal restores that plan only.
        one = lines[0]
        one.proposal_id.with_user(self.manager).action_rollback()
        self.assertEqual(one.segment_move, "restored")
        self.assertEqual(one.profile_id.segment_id, one.from_segment_id)
        self.assertFalse(one.profile_id.segment_locked)
        for line in lines - one:
            self.assertEqual(line.profile_id.segment_id, line.to_segment_id)

    def test_rollback_leaves_a_lock_changed_by_hand(self):
        lines = self._apply()
        lines.proposal_id.with_user(self.manager2).action_approve()
        hand, rest = lines[0], lines[1:]
        hand.profile_id.with_user(self.manager).write({"segment_lock_reason": "Key account"})
        self.scenario.with_user(self.manager).action_rollback()
        self.assertEqual(hand.segment_move, "left")
        self.assertEqual(hand.profile_id.segment_id, hand.to_segment_id)
        self.assertEqual(hand.profile_id.segment_lock_reason, "Key account")
        for line in rest:
            self.assertEqual(line.segment_move, "restored")
            self.assertEqual(line.profile_id.segment_id, line.from_segment_id)

    def test_rollback_restores_a_previous_lock(self):
        self.scenario.pilot_mode = "segment"
        self.scenario.pilot_segment_id = self.segment
        lines = self._apply()
        line = lines[0]
        plan = line.profile_id
        # Locked by hand after the pilot started, before its approval.
        plan.with_user(self.manager).write(
            {"segment_locked": True, "segment_lock_reason": "Seasonal item"}
        )
        locked_date = plan.segment_locked_date
        line.proposal_id.with_user(self.manager2).action_approve()
        self.assertEqual(plan.segment_id, line.to_segment_id)
        self.assertTrue(line.prev_segment_locked)
        self.assertEqual(line.prev_lock_reason, "Seasonal item")
        self.assertEqual(plan.segment_locked_by_id, self.manager2)
        line.proposal_id.with_user(self.manager).action_rollback()
        self.assertEqual(plan.segment_id, line.from_segment_id)
        self.assertTrue(plan.segment_locked)
        self.assertEqual(plan.segment_lock_reason, "Seasonal item")
        self.assertEqual(plan.segment_locked_by_id, self.manager)
        self.assertEqual(plan.segment_locked_date, locked_date)

    def test_promote_moves_the_control_plans_on_approval(self):
        self._apply()
        self.scenario.with_user(self.manager).action_promote()
        control = self.scenario.pilot_line_ids.filtered(
            lambda line: line.pilot_group == "control" and line.proposal_id
        )
        self.assertTrue(control)
        self.assertEqual(set(control.mapped("segment_move")), {"proposed"})
        control.proposal_id.with_user(self.manager2).action_approve()
        for line in control:
            self.assertEqual(line.profile_id.segment_id, line.to_segment_id)
            self.assertTrue(line.profile_id.segment_locked)
        # The pilot's proposals still wait: another manager rejects them (four eyes).
        self.scenario.with_user(self.manager2).action_rollback()
        for line in control:
            self.assertEqual(line.profile_id.segment_id, line.from_segment_id)
            self.assertFalse(line.profile_id.segment_locked)

    def test_rejected_pilot_moves_nothing(self):
        lines = self._apply()
        lines.proposal_id.with_user(self.manager2).action_reject()
        self.assertEqual(set(lines.mapped("segment_move")), {"proposed"})
        for line in lines:
            self.assertEqual(line.profile_id.segment_id, line.from_segment_id)
            self.assertFalse(line.profile_id.segment_locked)


@tagged("post_install", "-at_install")
class TestScenarioPolicyPilot(ScenarioCommon):
    """A pilot of a policy change (a higher service target for a segment): the approval
    moves its plans to the scenario's pilot segment, so that the nightly run keeps
    planning them with the pilot's policy; promote writes the change onto the segment
    and brings the plans back; roll back restores."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._plan_each_warehouse_alone()
        cls.Proposal = cls.env["stock.replenishment.proposal"]
        cls.Profile = cls.env["stock.planning.profile"]
        cls.live_target = cls.segment.service_level_target
        cls.scenario = cls.Scenario.create(
            {
                "name": "AX to 99.5 %",
                "change_ids": [
                    (0, 0, {"kind": "service_target", "value": 99.5, "segment_id": cls.segment.id})
                ],
                "pilot_mode": "random",
                "pilot_share": 50.0,
            }
        )
        cls.scenario._evaluate()

    def _apply_and_approve(self):
        self.scenario.with_user(self.manager).action_apply_pilot()
        copy = self.scenario.pilot_copy_ids
        self.assertEqual(len(copy), 1, "one pilot segment for the one segment changed")
        self.assertEqual(copy.pilot_source_id, self.segment)
        self.assertEqual(copy.service_level_target, 99.5)
        self.assertEqual(copy.replenishment_policy, self.segment.replenishment_policy)
        self.assertEqual(copy.order_cover_days, self.segment.order_cover_days)
        self.assertEqual(copy.company_id, self.company)
        self.assertTrue(copy.code.startswith(self.segment.code))
        self.assertIn(self.scenario.name, copy.name)
        self.assertTrue(copy.active)
        self.assertFalse(
            self.env["stock.segment.rule"].sudo().search([("segment_id", "=", copy.id)]),
            "no segment rule gives the pilot segment",
        )
        self.assertEqual(self.segment.service_level_target, self.live_target)
        lines = self.scenario.pilot_line_ids
        pilot = lines.filtered(lambda line: line.pilot_group == "pilot" and line.proposal_id)
        control = lines.filtered(lambda line: line.pilot_group == "control")
        self.assertTrue(pilot)
        self.assertTrue(control)
        for line in pilot:
            self.assertEqual(line.to_segment_id, copy)
            self.assertEqual(line.segment_move, "proposed")
            self.assertEqual(line.profile_id.segment_id, self.segment, "nothing moves yet")
        # The manager approves from the proposals' list (the button's method); the
        # manager who applied the pilot cannot (four eyes).
        with self.assertRaises(UserError):
            pilot.proposal_id.with_user(self.manager).action_approve()
        pilot.proposal_id.with_user(self.manager2).action_approve()
        self.assertEqual(set(pilot.proposal_id.mapped("state")), {"approved"})
        approved = {p.profile_id.id: (p.new_min_qty, p.new_max_qty) for p in pilot.proposal_id}
        for line in pilot:
            plan = line.profile_id
            self.assertEqual(plan.segment_id, copy)
            self.assertTrue(plan.segment_locked)
            self.assertIn(self.scenario.name, plan.segment_lock_reason)
            self.assertEqual(line.segment_move, "moved")
        return copy, pilot, control, approved

    def _nightly_run(self):
        if not type(self)._registry_patched:
            self.registry_enter_test_mode()
        run = self.env["stock.planning.run"].sudo()._run_company(self.company)
        self.assertEqual(run.step_ids.filtered(lambda s: s.code == "classification").state, "done")
        self.env.invalidate_all()
        return run

    def _rules(self, plans):
        return {
            p.id: (p.orderpoint_id.product_min_qty, p.orderpoint_id.product_max_qty) for p in plans
        }

    def _settle(self):
        """Last night's run, before the scenario is evaluated and applied, as on a live
        database: other addons' demo data (new moves, orders) then no longer changes the
        classification and demand statistics of the next night's run, so that any rule it
        proposes would come from the pilot, not from stale data."""
        self._nightly_run()
        self.scenario._evaluate()

    def test_pilot_keeps_its_policy_through_the_nightly_run_then_promotes(self):
        self._settle()
        copy, pilot, control, approved = self._apply_and_approve()
        plans = pilot.profile_id
        self.assertEqual(self._rules(plans), approved)
        last = self.Proposal.search([], order="id desc", limit=1).id
        self._nightly_run()
        for line in pilot:
            plan = line.profile_id
            self.assertEqual(plan.segment_id, copy, "the nightly run keeps the pilot segment")
            self.assertTrue(plan.segment_locked)
        self.assertEqual(self._rules(plans), approved, "the nightly run keeps the approved rules")
        self.assertFalse(
            self.Proposal.search(
                [
                    ("id", ">", last),
                    ("profile_id", "in", plans.ids),
                    ("state", "in", ("pending", "auto_applied")),
                ]
            ),
            "no proposal reverts the pilot",
        )
        # The control plans keep the live segment and its policy.
        for line in control:
            self.assertEqual(line.profile_id.segment_id, self.segment)
            self.assertFalse(line.profile_id.segment_locked)
        self.assertEqual(self.segment.service_level_target, self.live_target)
        # In the live segment the nightly run would give the pilot plans other rules:
        # the rules kept are the pilot policy's.
        live = self.scenario._nightly_rules({pid: self.segment.id for pid in plans.ids})
        self.assertTrue(live)
        self.assertTrue(
            any((rule["min"], rule["max"]) != approved[pid] for pid, rule in live.items()),
            f"live-policy rules {live} against the pilot's {approved}",
        )

        # Promote: the segment gets the target, the plans come back to it, unlocked.
        with self.assertRaises(AccessError):
            self.scenario.with_user(self.user).action_promote()
        self.scenario.with_user(self.manager).action_promote()
        self.assertEqual(self.segment.service_level_target, 99.5)
        self.assertFalse(copy.active, "the pilot segment is archived")
        self.assertFalse(
            self.Profile.with_context(active_test=False).search([("segment_id", "=", copy.id)])
        )
        for line in pilot:
            plan = line.profile_id
            self.assertEqual(plan.segment_id, self.segment)
            self.assertFalse(plan.segment_locked)
            self.assertFalse(plan.segment_lock_reason)
            self.assertEqual(line.segment_move, "promoted")
        self.assertEqual(self._rules(plans), approved)
        self.assertTrue(any("Promoted by" in m.body for m in self.scenario.message_ids[:4]))

        # A rollback after the promotion gives the segment back its target.
        self.scenario.with_user(self.manager2).action_rollback()
        self.assertEqual(self.segment.service_level_target, self.live_target)
        for line in pilot:
            self.assertEqual(line.proposal_id.state, "rolled_back")
            self.assertEqual(line.profile_id.segment_id, self.segment)

    def test_rollback_restores_segment_lock_and_rules(self):
        copy, pilot, _control, _approved = self._apply_and_approve()
        self.scenario.with_user(self.manager).action_rollback()
        self.assertEqual(self.scenario.state, "rolled_back")
        self.assertFalse(copy.active)
        self.assertEqual(self.segment.service_level_target, self.live_target)
        for line in pilot:
            plan = line.profile_id
            self.assertEqual(line.segment_move, "restored")
            self.assertEqual(plan.segment_id, self.segment)
            self.assertFalse(plan.segment_locked)
            self.assertEqual(line.proposal_id.state, "rolled_back")
            self.assertEqual(plan.orderpoint_id.product_min_qty, line.proposal_id.old_min_qty)

    def test_pilot_review_compares_plans_in_the_pilot_segment(self):
        """The review reads the product x warehouse snapshots: the plans' pilot segment
        changes nothing of it."""
        _copy, pilot, control, _approved = self._apply_and_approve()
        start = self.scenario.date_pilot
        vals = []
        for line in pilot | control:
            effect = 4.0 if line.pilot_group == "pilot" else 1.0
            for day in range(-3, 3):
                vals.append(
                    day_snapshot(
                        line,
                        start + timedelta(days=day),
                        50.0 + (effect if day >= 0 else 0.0),
                        90.0,
                    )
                )
        self.env["stock.kpi.snapshot"].sudo().create(vals)
        self.scenario.with_user(self.user).action_review_pilot()
        review = {r.measure: r for r in self.scenario.review_ids}
        self.assertTrue(review["stock_value"].known)
        self.assertAlmostEqual(review["stock_value"].estimate, 3.0, places=6)
