"""The segment scorecard shows the execution KPI rows of its segment, as stored."""

from datetime import date

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import TransactionCase, tagged

FIGURES = (
    "lines",
    "fill_rate",
    "on_time_rate",
    "otif_rate",
    "conversion_rate",
    "overrides",
    "count_accuracy",
)


@tagged("post_install", "-at_install")
class TestExecutionScorecard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Execution Scorecard Co"})
        segments = cls.env["stock.segment"].search([], limit=2)
        cls.segment, cls.other_segment = segments[0], segments[1]
        cls.strategic = cls.env.ref("stock_segment_execution.tier_strategic")
        cls.spot = cls.env.ref("stock_segment_execution.tier_spot")
        Kpi = cls.env["stock.execution.kpi"].sudo()

        def kpi(day, tier, segment, k):
            return Kpi.create(
                {
                    "date": day,
                    "company_id": cls.company.id,
                    "tier_id": tier.id,
                    "segment_id": segment.id,
                    "lines": 10 + k,
                    "fill_rate": 90.0 + k / 7.0,
                    "on_time_rate": 80.0 + k / 3.0,
                    "otif_rate": 70.0 + k / 9.0,
                    "conversion_rate": 60.0 + k / 11.0,
                    "overrides": k,
                    "count_accuracy": 50.0 + k / 13.0,
                }
            )

        # Older snapshot, the latest one in the period, one after it, another segment.
        cls.older = kpi(date(2020, 3, 10), cls.strategic, cls.segment, 1)
        cls.latest = kpi(date(2020, 3, 28), cls.strategic, cls.segment, 2) | kpi(
            date(2020, 3, 28), cls.spot, cls.segment, 3
        )
        cls.after = kpi(date(2020, 4, 5), cls.strategic, cls.segment, 4)
        cls.elsewhere = kpi(date(2020, 3, 28), cls.strategic, cls.other_segment, 5)
        cls.card = (
            cls.env["stock.kpi.snapshot"]
            .sudo()
            .create(
                {
                    "period_type": "month",
                    "level": "segment",
                    "date_from": date(2020, 3, 1),
                    "date_to": date(2020, 3, 31),
                    "company_id": cls.company.id,
                    "segment_id": cls.segment.id,
                }
            )
        )

    def figures(self, rows):
        return {(r.tier_id.id, r.date): tuple(r[f] for f in FIGURES) for r in rows}

    def test_scorecard_shows_latest_execution_rows_of_segment(self):
        """The scorecard row holds the rows of the latest execution snapshot of its
        segment in its period, with the snapshot's own figures."""
        card = self.card.sudo()
        self.assertEqual(card.execution_kpi_ids, self.latest)
        self.assertEqual(card.execution_kpi_count, 2)
        shown = card.read(["execution_kpi_ids"])[0]["execution_kpi_ids"]
        self.assertEqual(
            self.figures(self.env["stock.execution.kpi"].sudo().browse(shown)),
            self.figures(self.latest),
        )
        action = card.action_view_execution_kpis()
        self.assertEqual(
            self.env["stock.execution.kpi"].sudo().search(action["domain"]), self.latest
        )

    def test_scorecard_views_show_execution(self):
        """The scorecard's list and form views carry the execution button and rows."""
        Snapshot = self.env["stock.kpi.snapshot"]
        list_arch = Snapshot.get_view(
            self.env.ref("stock_segment_kpi.stock_kpi_snapshot_view_list").id, "list"
        )["arch"]
        self.assertIn("action_view_execution_kpis", list_arch)
        form_arch = Snapshot.get_view(
            self.env.ref("stock_segment_kpi.stock_kpi_snapshot_view_form").id, "form"
        )["arch"]
        for name in ("execution_kpi_ids", "fill_rate", "conversion_rate", "count_accuracy"):
            self.assertIn(name, form_arch)

    def test_planning_user_reads_execution_in_scorecard(self):
        """A plain Planning User of the company reads the scorecard's execution figures;
        a Finance reader, who may not read them, reads the scorecard without them."""
        user = new_company_user(
            self.env, "exec_kpi_planner", "stock_segment.group_planning_user", self.company
        )
        card = self.card.with_user(user)
        rows = card.execution_kpi_ids
        self.assertEqual(rows.ids, self.latest.ids)
        self.assertEqual(self.figures(rows), self.figures(self.latest))
        reader = new_company_user(
            self.env, "exec_kpi_finance", "stock_segment_kpi.group_kpi_finance", self.company
        )
        card = self.card.with_user(reader)
        self.assertEqual(card.read(["segment_id"])[0]["segment_id"][0], self.segment.id)
        fields = card.fields_get()
        self.assertNotIn("execution_kpi_ids", fields)
        self.assertNotIn("execution_kpi_count", fields)
        arch = card.get_view(
            self.env.ref("stock_segment_kpi.stock_kpi_snapshot_view_form").id, "form"
        )["arch"]
        self.assertNotIn("execution_kpi_ids", arch)
