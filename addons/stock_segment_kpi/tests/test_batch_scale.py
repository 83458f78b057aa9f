from datetime import date, timedelta

import numpy as np
import pandas as pd
from odoo.tests import tagged

from .common import MONTH_END, MONTH_START, KpiCommon

ROW_FIELDS = (
    "period_type",
    "level",
    "date_from",
    "warehouse_id",
    "segment_id",
    "product_id",
    "pair_count",
    "avg_inventory_value",
    "cogs_value",
    "lines_total",
    "lines_on_time",
    "stockout_days",
    "backorder_qty",
    "excess_value",
    "wc_effect_value",
)


@tagged("post_install", "-at_install")
class TestKpiBatchScale(KpiCommon):
    """A batch of the snapshot reads its own plans' moves: the same statements whatever
    the number of plans in it, and the same rows whatever the batch size."""

    def _rows(self):
        rows = self.Snapshot.sudo().search_read(
            [("company_id", "=", self.company.id)], list(ROW_FIELDS)
        )
        return sorted(
            tuple(
                r[f][0] if isinstance(r[f], tuple) else r[f]
                for f in ROW_FIELDS
                if not isinstance(r[f], float)
            )
            + tuple(round(r[f], 6) for f in ROW_FIELDS if isinstance(r[f], float))
            for r in rows
        )

    def test_same_rows_and_statements_whatever_the_batch_size(self):
        counts = {}
        original = type(self.Snapshot)._snapshot_batch

        def counted(model, ctx, ids):
            before = model.env.cr.sql_log_count
            result = original(model, ctx, ids)
            counts.setdefault(len(ids), []).append(model.env.cr.sql_log_count - before)
            return result

        self.patch(type(self.Snapshot), "_snapshot_batch", counted)
        self.Snapshot.sudo()._run_snapshot(
            MONTH_END, companies=self.company, batch_size=1, spc=False
        )
        by_one = self._rows()
        self.assertTrue(by_one)
        self.Snapshot.sudo()._run_snapshot(
            MONTH_END, companies=self.company, batch_size=1000, spc=False
        )
        self.assertEqual(self._rows(), by_one)
        sizes = sorted(counts)
        self.assertEqual(sizes[0], 1)
        self.assertGreater(sizes[-1], 1)
        self.assertLessEqual(max(counts[sizes[-1]]), max(counts[1]))

    def test_day_figures_equal_a_group_by_per_day(self):
        """The stacked group-by of the day rows against one group-by per day."""
        rng = np.random.default_rng(3)
        n = 40
        days = [MONTH_START + timedelta(days=t) for t in range(5)]
        keys = pd.DataFrame(
            {"warehouse_id": rng.integers(1, 3, n), "segment_id": rng.integers(0, 3, n)}
        )
        names = (
            "avg_inventory_qty",
            "avg_inventory_value",
            "end_inventory_value",
            "issued_qty",
            "cogs_value",
            "lines_total",
            "lines_on_time",
            "ordered_qty",
            "shipped_on_time_qty",
        )
        figures = {name: rng.random((n, len(days))) * 100 for name in names}
        figures["stockout_days"] = rng.integers(0, 2, (n, len(days)))
        figures["backorder_qty"] = rng.random((n, len(days))) < 0.5
        got = self.Snapshot._day_figures(
            keys, days, dict(figures, backorder_qty=figures["backorder_qty"] * 0.0)
        )
        frames = []
        for t, d in enumerate(days):
            frame = keys.copy()
            frame["day"] = d
            frame["pair_count"] = 1
            for name in names:
                frame[name] = figures[name][:, t]
            frame["stockout_days"] = figures["stockout_days"][:, t]
            frame["observed_days"] = 1
            frame["backorder_qty"] = figures["backorder_qty"][:, t] * 0.0
            frame["excess_value"] = 0.0
            frame["wc_effect_value"] = 0.0
            frames.append(
                frame.groupby(["warehouse_id", "segment_id", "day"], as_index=False).sum()
            )
        expected = pd.concat(frames, ignore_index=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        self.assertIsInstance(got["day"].iloc[0], date)
        self.assertTrue(self.Snapshot._day_figures(keys, [], figures).empty)
