"""Shared fixture: a month (March 2025) of receipts and customer deliveries with known
stockouts, late and open deliveries, for two products of one segment in a company of its
own, plus a second company for isolation. The expected KPIs are rebuilt in plain Python from
the same scenario table, not from the database."""

from datetime import date, datetime, timedelta

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import TransactionCase
from odoo.tools import SQL

MONTH_START = date(2025, 3, 1)
MONTH_END = date(2025, 3, 31)
DAYS = [MONTH_START + timedelta(days=i) for i in range(31)]


def at(day):
    return datetime(day.year, day.month, day.day, 12, 0)


class KpiCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Snapshot = cls.env["stock.kpi.snapshot"]
        cls.Exception = cls.env["stock.planning.exception"]
        cls.company = cls.env["res.company"].create({"name": "KPI Test Co"})
        cls.company2 = cls.env["res.company"].create({"name": "KPI Other Co"})
        cls.env.user.company_ids |= cls.company | cls.company2
        cls.wh = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.wh2 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company2.id)], limit=1)
        cls.suppliers = cls.env.ref("stock.stock_location_suppliers")
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.segment = cls.env["stock.segment"].create(
            {
                "name": "KPI test fill rate",
                "code": "KF",
                "company_id": cls.company.id,
                "service_metric": "fill_rate",
                "service_level_target": 95.0,
            }
        )
        cls.segment2 = cls.env["stock.segment"].create(
            {"name": "KPI other", "code": "KO", "company_id": cls.company2.id}
        )
        cls.categ = cls.env["product.category"].create({"name": "KPI Test"})
        cls.prod_a = cls._product("A", 10.0, cls.company)
        cls.prod_b = cls._product("B", 4.0, cls.company)
        cls.prod_c = cls._product("C", 2.0, cls.company2)
        Profile = cls.env["stock.planning.profile"]
        cls.profile_a = Profile.create(
            {"product_id": cls.prod_a.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )
        cls.profile_b = Profile.create(
            {"product_id": cls.prod_b.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )
        cls.profile_c = Profile.create(
            {
                "product_id": cls.prod_c.id,
                "warehouse_id": cls.wh2.id,
                "segment_id": cls.segment2.id,
            }
        )
        (cls.profile_a | cls.profile_b | cls.profile_c).write({"max_qty": 0.0})
        cls.profile_a.max_qty = 50.0
        cls.profile_b.max_qty = 10.0
        cls.cost = {cls.prod_a: 10.0, cls.prod_b: 4.0}
        cls.max_qty = {cls.prod_a: 50.0, cls.prod_b: 10.0}
        d = date
        # Receipts: (product, day, qty); April is after the period.
        cls.receipts = [
            (cls.prod_a, d(2025, 2, 20), 100.0),
            (cls.prod_a, d(2025, 4, 2), 5.0),
            (cls.prod_b, d(2025, 3, 1), 10.0),
            (cls.prod_b, d(2025, 3, 15), 20.0),
        ]
        # Customer deliveries: (product, promised day, qty, shipped day or None).
        cls.deliveries = [
            (cls.prod_a, d(2025, 3, 3), 10.0, d(2025, 3, 3)),
            (cls.prod_a, d(2025, 3, 5), 20.0, d(2025, 3, 8)),  # late
            (cls.prod_a, d(2025, 3, 10), 5.0, d(2025, 3, 10)),
            (cls.prod_a, d(2025, 3, 28), 7.0, None),  # open at month end: backorder
            (cls.prod_a, d(2025, 4, 3), 3.0, None),  # promised after the period
            (cls.prod_b, d(2025, 3, 2), 4.0, d(2025, 3, 2)),
            (cls.prod_b, d(2025, 3, 10), 6.0, d(2025, 3, 10)),  # stock 0 from here
            (cls.prod_b, d(2025, 3, 12), 5.0, d(2025, 3, 15)),  # stockout 12-14, late
            (cls.prod_b, d(2025, 3, 20), 3.0, d(2025, 3, 19)),  # early
        ]
        cls._insert_scenario()
        # Other company: one receipt and one delivery.
        cls._insert_moves(
            [
                (cls.prod_c, cls.suppliers, cls.wh2.lot_stock_id, d(2025, 3, 2), 40.0, None),
                (
                    cls.prod_c,
                    cls.wh2.lot_stock_id,
                    cls.customers,
                    d(2025, 3, 6),
                    9.0,
                    d(2025, 3, 6),
                ),
            ],
            cls.company2,
        )
        Quant = cls.env["stock.quant"].sudo()
        Quant._update_available_quantity(cls.prod_c, cls.wh2.lot_stock_id, 31.0)
        cls.finance = new_company_user(
            cls.env, "kpi_finance", "stock_segment_kpi.group_kpi_finance", cls.company
        )

    @classmethod
    def _product(cls, name, cost, company):
        product = cls.env["product.product"].create(
            {
                "name": f"KPI test {name}",
                "type": "consu",
                "is_storable": True,
                "categ_id": cls.categ.id,
                "company_id": company.id,
            }
        )
        product.with_company(company).standard_price = cost
        return product

    @classmethod
    def _insert_scenario(cls):
        stock = cls.wh.lot_stock_id
        rows = [(p, cls.suppliers, stock, day, qty, day) for p, day, qty in cls.receipts]
        rows += [
            (p, stock, cls.customers, promised, qty, shipped)
            for p, promised, qty, shipped in cls.deliveries
        ]
        cls._insert_moves(rows, cls.company)
        # Quants hold today's on-hand: every done flow.
        Quant = cls.env["stock.quant"].sudo()
        for product in (cls.prod_a, cls.prod_b):
            Quant._update_available_quantity(product, stock, cls.final_onhand(product))

    @classmethod
    def final_onhand(cls, product):
        qty = sum(q for p, _d, q in cls.receipts if p == product)
        return qty - sum(q for p, _pr, q, s in cls.deliveries if p == product and s)

    @classmethod
    def _insert_moves(cls, rows, company):
        """Moves in one INSERT: (product, from, to, promised / receipt day, qty, done day)."""
        values = [
            SQL(
                "(%s, %s, %s, %s, %s, %s::timestamp, %s::timestamp, %s::numeric, %s::numeric, %s)",
                product.id,
                product.uom_id.id,
                src.id,
                dst.id,
                company.id,
                at(done or promised),
                at(promised),
                qty,
                qty if done else 0.0,
                "done" if done else "confirmed",
            )
            for product, src, dst, promised, qty, done in rows
        ]
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                """INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
                       company_id, date, date_deadline, product_uom_qty, product_qty, quantity,
                       state, procure_method)
                   SELECT p, u, l, d, c, dt, dl, q, q, done, st, 'make_to_stock'
                     FROM (VALUES %s) AS v(p, u, l, d, c, dt, dl, q, done, st)""",
                SQL(", ").join(values),
            )
        )
        cls.env["stock.move"].invalidate_model()

    # ------------------------------------------------------------------ expected figures
    def ledger(self, product):
        """End-of-day stock of ``product`` for each day of March, from the scenario."""
        start = sum(q for p, d, q in self.receipts if p == product and d < MONTH_START)
        start -= sum(
            q for p, _pr, q, s in self.deliveries if p == product and s and s < MONTH_START
        )
        out, level = [], start
        for day in DAYS:
            level += sum(q for p, d, q in self.receipts if p == product and d == day)
            level -= sum(q for p, _pr, q, s in self.deliveries if p == product and s == day)
            out.append(level)
        return out

    def expected(self, products):
        """Independent KPIs of ``products`` over March (sums over the products)."""
        inv_value = [0.0] * len(DAYS)
        inv_qty = [0.0] * len(DAYS)
        cogs = stockout = lines = lines_ok = 0
        ordered = shipped_ok = backorder = excess = 0.0
        for product in products:
            cost = self.cost[product]
            levels = self.ledger(product)
            for i, level in enumerate(levels):
                inv_value[i] += max(level, 0) * cost
                inv_qty[i] += max(level, 0)
            dels = [x for x in self.deliveries if x[0] == product]
            cogs += sum(q * cost for _p, _pr, q, s in dels if s and MONTH_START <= s <= MONTH_END)
            for i, day in enumerate(DAYS):
                is_open = any(pr <= day and (s is None or s > day) for _p, pr, _q, s in dels)
                stockout += int(is_open and levels[i] <= 0)
            for _p, pr, q, s in dels:
                if MONTH_START <= pr <= MONTH_END:
                    lines += 1
                    ordered += q
                    if s and s <= pr:
                        lines_ok += 1
                        shipped_ok += q
                if pr <= MONTH_END and (s is None or s > MONTH_END):
                    backorder += q
            excess += max(levels[-1] - self.max_qty[product], 0) * cost
        avg_value = sum(inv_value) / len(DAYS)
        return {
            "avg_inventory_value": avg_value,
            "avg_inventory_qty": sum(inv_qty) / len(DAYS),
            "cogs_value": cogs,
            "turns": cogs / avg_value,
            "days_of_supply": avg_value / (cogs / len(DAYS)),
            "line_fill_rate": 100.0 * lines_ok / lines,
            "qty_fill_rate": 100.0 * shipped_ok / ordered,
            "stockout_days": stockout,
            "stockout_rate": 100.0 * stockout / (len(DAYS) * len(products)),
            "backorder_qty": backorder,
            "excess_value": excess,
        }

    def run_march(self, companies=None, spc=False):
        return self.Snapshot.sudo()._run_snapshot(
            MONTH_END, companies=companies or self.company, spc=spc
        )

    def month_row(self, product=None, company=None):
        domain = [
            ("period_type", "=", "month"),
            ("date_from", "=", MONTH_START),
            ("company_id", "=", (company or self.company).id),
        ]
        if product:
            domain += [("level", "=", "product"), ("product_id", "=", product.id)]
        else:
            domain += [("level", "=", "segment"), ("segment_id", "=", self.segment.id)]
        return self.Snapshot.sudo().search(domain)

    # ------------------------------------------------------------------ rerun and hostile data
    def backdate(self, table, ids):
        """Set an old write date on rows, so that a later write of this transaction (whose
        clock is its start) shows."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = '2000-01-01' WHERE id = ANY(%s)",
                SQL.identifier(table),
                list(ids),
            )
        )
        self.env.invalidate_all()

    def write_dates(self, table, ids):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, write_date FROM %s WHERE id = ANY(%s)",
                SQL.identifier(table),
                list(ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def assert_no_nan_or_inf(self, tables=("stock_kpi_snapshot", "stock_planning_exception")):
        """No float or numeric column of ``tables`` holds NaN or an infinite value."""
        self.env.flush_all()
        for table in tables:
            self.env.cr.execute(
                """SELECT column_name FROM information_schema.columns
                    WHERE table_name = %s
                      AND data_type IN ('double precision', 'numeric', 'real')""",
                [table],
            )
            for (column,) in self.env.cr.fetchall():
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE %s::float8 = 'NaN'::float8 "
                        "OR %s::float8 IN ('Infinity'::float8, '-Infinity'::float8)",
                        SQL.identifier(table),
                        SQL.identifier(column),
                        SQL.identifier(column),
                    )
                )
                self.assertFalse(self.env.cr.fetchall(), f"NaN or inf in {table}.{column}")
