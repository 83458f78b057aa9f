import json
import math
from datetime import date, timedelta

import numpy as np
from odoo.addons.stock_segment_forecast.models.stock_planning_profile import _array_literal
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .common import TODAY, ForecastCommon

SOURCE = "bulk_sync_test"
TYPES = ("tracking_signal", "bias", "forecast_error")
ACCURACY_FIELDS = (
    "bucket_count",
    "actual_qty",
    "forecast_qty",
    "mad",
    "mape",
    "wape",
    "bias",
    "relative_bias",
    "tracking_signal",
    "wape_statistical",
    "value_added",
)


@tagged("post_install", "-at_install")
class TestExceptionSyncBulk(ForecastCommon):
    def _found(self, changed=0, tag="v1"):
        """24 conditions (8 plans x 3 types); the first ``changed`` carry new figures."""
        found = {}
        for n, (profile, exc_type) in enumerate(
            (p, t) for p in self.profiles.sorted("id") for t in TYPES
        ):
            new = n < changed
            found[(profile.id, exc_type)] = {
                "message": f"{exc_type} of plan {profile.id}: {tag if new else 'v1'}",
                "severity": "high" if new else "medium",
                "financial_impact": 1234.567 + n if new else 10.0 + n,
                "product_id": profile.product_id.id,
                "warehouse_id": profile.warehouse_id.id,
                "segment_id": profile.segment_id.id,
                "company_id": profile.company_id.id,
            }
        return found

    def _sync(self, found):
        return self.Exception.sudo()._sync_exceptions(SOURCE, TYPES, self.profiles.ids, found)

    def _measure(self, found):
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        result = self._sync(found)
        self.env.flush_all()
        return result, self.env.cr.sql_log_count - start

    def test_sync_updates_in_constant_queries(self):
        self.assertEqual(self._sync(self._found()), (24, 0, 0))
        self.assertEqual(self._sync(self._found()), (0, 0, 0))
        self._measure(self._found(changed=2, tag="warm"))  # warm the caches
        few, few_count = self._measure(self._found(changed=2, tag="v2"))
        many, many_count = self._measure(self._found(changed=20, tag="v3"))
        self.assertEqual(few, (0, 2, 0))
        self.assertEqual(many, (0, 20, 0))
        self.assertEqual(few_count, many_count)

    def test_sync_values_as_with_the_orm(self):
        self._sync(self._found())
        excs = self.Exception.sudo().search([("source", "=", SOURCE)])
        self.assertEqual(len(excs), 24)
        before = {e.id: (e.message, e.severity, e.financial_impact, e.write_date) for e in excs}
        messages = self.env["mail.message"].search_count(
            [("model", "=", "stock.planning.exception"), ("res_id", "in", excs.ids)]
        )
        found = self._found(changed=5, tag="v2")
        self.assertEqual(self._sync(found), (0, 5, 0))
        # Values are read through the cache the update invalidated, not from a flush.
        by_key = {(e.profile_id.id, e.exception_type): e for e in excs}
        for n, (key, vals) in enumerate(found.items()):
            exc = by_key[key]
            self.assertEqual(exc.message, vals["message"])
            self.assertEqual(exc.severity, vals["severity"])
            self.assertEqual(exc.financial_impact, round(vals["financial_impact"], 2))
            self.assertEqual(exc.state, "new")
            if n >= 5:
                self.assertEqual(
                    (exc.message, exc.severity, exc.financial_impact, exc.write_date),
                    before[exc.id],
                )
        self.env.invalidate_all()
        self.env.cr.execute(
            SQL(
                "SELECT financial_impact FROM stock_planning_exception WHERE id = %s",
                by_key[next(iter(found))].id,
            )
        )
        self.assertEqual(float(self.env.cr.fetchone()[0]), 1234.57)
        # Job updates leave the chatter alone, as before.
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "stock.planning.exception"), ("res_id", "in", excs.ids)]
            ),
            messages,
        )
        # Same values again: nothing written.
        self.assertEqual(self._sync(found), (0, 0, 0))


@tagged("post_install", "-at_install")
class TestAccuracyReportBulk(ForecastCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for k in range(0, 11, 2):
            cls.Profile.sudo()._run_forecast(
                companies=cls.company, today=TODAY + timedelta(weeks=k), force=True
            )

    def _rows(self):
        self.env.flush_all()
        self.env.invalidate_all()
        rows = self.env["stock.forecast.accuracy"].search([("company_id", "=", self.company.id)])
        return {
            (r.segment_id.id, r.warehouse_id.id, r.month): tuple(r[f] for f in ACCURACY_FIELDS)
            for r in rows
        }

    def _update(self):
        return self.Profile.sudo()._update_accuracy_report(self.company)

    def _corrupt(self, months=None, rows=None):
        self.env.cr.execute(
            SQL(
                "UPDATE stock_forecast_accuracy SET wape = -1, bucket_count = 0"
                " WHERE company_id = %s %s %s",
                self.company.id,
                SQL("AND month = ANY(%s)", months) if months else SQL(),
                SQL("AND id = ANY(%s)", rows) if rows else SQL(),
            )
        )
        self.env["stock.forecast.accuracy"].invalidate_model()

    def test_incremental_report_equals_full_recompute(self):
        incremental = self._rows()
        months = {k[2] for k in incremental}
        self.assertGreaterEqual(len(months), 3)
        self.env["stock.forecast.accuracy"].sudo().search(
            [("company_id", "=", self.company.id)]
        ).unlink()
        self.assertEqual(self._update(), len(incremental))
        self.assertEqual(self._rows(), incremental)
        self.assertEqual(self._update(), 0)

    def test_changed_rows_in_constant_queries(self):
        expected = self._rows()
        ids = (
            self.env["stock.forecast.accuracy"]
            .search([("company_id", "=", self.company.id)], order="id")
            .ids
        )
        self.assertGreaterEqual(len(ids), 5)
        counts = []
        for rows in (ids[:1], ids):
            self._corrupt(rows=rows)
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            self.assertEqual(self._update(), len(rows))
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
            self.assertEqual(self._rows(), expected)
        self.assertEqual(counts[0], counts[1], counts)

    def test_only_touched_and_recent_months_are_read(self):
        expected = self._rows()
        months = sorted({k[2] for k in expected})
        old, recent = months[0], months[-1]
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_forecast.accuracy_refresh_months", 1
        )
        # Everything was closed before the report was last written.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_demand_forecast SET write_date = '2000-01-01' WHERE company_id = %s",
                self.company.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE stock_forecast_accuracy SET write_date = '2000-01-02'"
                " WHERE company_id = %s",
                self.company.id,
            )
        )
        self._corrupt(months=[old, recent])
        corrupted = self._rows()
        self._update()
        rows = self._rows()
        for key, values in rows.items():
            if key[2] == old:  # neither recent nor touched: not read again
                self.assertEqual(values, corrupted[key])
            else:
                self.assertEqual(values, expected[key])
        # A line of the old month changed since the last report: its month is redone.
        self.env.cr.execute(
            SQL(
                """UPDATE stock_demand_forecast SET write_date = now() AT TIME ZONE 'UTC'
                    WHERE id = (SELECT id FROM stock_demand_forecast
                                 WHERE company_id = %s AND state = 'closed'
                                   AND date_trunc('month', date_start)::date = %s LIMIT 1)""",
                self.company.id,
                old,
            )
        )
        self._update()
        self.assertEqual(self._rows(), expected)


@tagged("post_install", "-at_install")
class TestArrayLiterals(TransactionCase):
    """The column arrays of the bulk writes are sent as one array literal each: every
    value must reach PostgreSQL exactly as psycopg2 would have sent it one by one."""

    def _round_trip(self, values, cast):
        self.env.cr.execute(SQL("SELECT unnest(%s::%s[])", _array_literal(values), SQL(cast)))
        return [row[0] for row in self.env.cr.fetchall()]

    def test_values_round_trip(self):
        texts = ["plain", 'quote " inside', "back\\slash", "NULL", "", "{brace}, comma", None]
        self.assertEqual(self._round_trip(texts, "varchar"), texts)
        floats = [0.1, 1e-7, 123456789.123456, -2.5, 0.30000000000000004, None]
        self.assertEqual(self._round_trip(floats, "float8"), floats)
        # numpy scalars as the engine returns them
        self.assertEqual(self._round_trip([np.float64(0.1), np.int64(7)], "float8"), [0.1, 7.0])
        self.assertEqual(self._round_trip([1, None, np.int64(3)], "int4"), [1, None, 3])
        self.assertEqual(self._round_trip([True, False, None], "bool"), [True, False, None])
        days = [date(2025, 1, 6), None]
        self.assertEqual(self._round_trip(days, "date"), days)
        docs = [json.dumps([1.5, 0.0]), json.dumps({"a": 'x "y" \\ z'}), None]
        self.assertEqual(self._round_trip(docs, "jsonb"), [[1.5, 0.0], {"a": 'x "y" \\ z'}, None])

    def test_same_value_as_one_parameter(self):
        """Float to numeric: the column receives what a float parameter would give."""
        values = [21.333333, 1 / 3, 1e15 + 0.5, 2.675]
        self.env.cr.execute(
            SQL(
                "SELECT array_agg(v::numeric ORDER BY n) FROM unnest(%s::float8[])"
                " WITH ORDINALITY AS u(v, n)",
                _array_literal(values),
            )
        )
        from_literal = self.env.cr.fetchone()[0]
        one_by_one = []
        for value in values:
            self.env.cr.execute(SQL("SELECT %s::float8::numeric", value))
            one_by_one.append(self.env.cr.fetchone()[0])
        self.assertEqual(from_literal, one_by_one)

    def test_typed_literal_writes_the_same_text(self):
        """With the statement's cast, each element is written as that type: the same
        literal as element by element, for NaN, infinities, negative and huge figures,
        NULL, numpy scalars and repeated values, and the same values reach PostgreSQL."""
        nan, inf = float("nan"), float("inf")
        columns = {
            "float8": [0.1, -2.5, nan, inf, -inf, 1e308, -1e-300, 0.0, -0.0, np.float64(1 / 3)],
            "int4": [7, 7, np.int64(3), -2147483648, 2147483647, 5],
            "bool": [True, False, True],
            "date": [date(2025, 1, 6), date(2025, 1, 6), date(1999, 12, 31)],
            "varchar": ["frozen", "forecast", "frozen", 'a "quoted" \\ text', "", "NULL"],
            "jsonb": [json.dumps([1.5, -0.0]), json.dumps({"a": 'x "y"'})],
        }
        for cast, values in columns.items():
            for sample in (values, [*values, None], [None, *values]):
                with self.subTest(cast=cast, sample=sample):
                    typed = _array_literal(sample, cast)
                    self.assertEqual(typed, _array_literal(sample))
                    self.env.cr.execute(
                        SQL(
                            "SELECT %s::%s[]::text = %s::%s[]::text",
                            typed,
                            SQL(cast),
                            _array_literal(sample),
                            SQL(cast),
                        )
                    )
                    self.assertTrue(self.env.cr.fetchone()[0])
        floats = self._round_trip_typed(columns["float8"], "float8")
        self.assertTrue(math.isnan(floats[2]))
        self.assertEqual(floats[3:], [inf, -inf, 1e308, -1e-300, 0.0, -0.0, 1 / 3])
        self.assertEqual(self._round_trip_typed([7, None, np.int64(3)], "int4"), [7, None, 3])

    def _round_trip_typed(self, values, cast):
        self.env.cr.execute(SQL("SELECT unnest(%s::%s[])", _array_literal(values, cast), SQL(cast)))
        return [row[0] for row in self.env.cr.fetchall()]
