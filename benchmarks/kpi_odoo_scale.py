"""Scale of the daily KPI snapshot inside Odoo.

Builds a synthetic catalogue in a database that has ``stock_segment_kpi`` installed: one
planning profile per product in one warehouse, on-hand stock, and for every pair a month of
done receipts and customer deliveries (some late, some open), then times the snapshot of
the month to date (month rows per product and per segment, day rows per segment) at two
batch sizes, and the control-chart step. Prints seconds, rows written, SQL queries per
batch (equal at both sizes when extraction is set-based), seconds per batch and the
extrapolation to 100,000 pairs when run smaller (labelled as such).

With ``--history-weeks N`` every pair also gets a done customer delivery a week for the N
weeks before the month: the history a real company has, which a batch must not read
beyond its own products (the seconds per batch then stay the same at any catalogue size).

Run from the Odoo source directory (so that ``import odoo`` works)::

    python benchmarks/kpi_odoo_scale.py --db BENCH_DB --addons-path A,B \\
        --pairs 20000 --batch-sizes 2000,5000 [--db-host H --db-port P --db-user U]

Use a scratch database: it commits the catalogue.
"""

import argparse
import time
from datetime import date, timedelta

from odoo_bench import add_database_arguments, open_registry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--moves-per-pair", type=int, default=6)
    parser.add_argument("--batch-sizes", default="2000,5000")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--history-weeks", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(x) for x in args.batch_sizes.split(",")]

    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL

    day = date.today() - timedelta(days=1)
    month_start = day.replace(day=1)

    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create({"name": f"KPI scale {args.pairs}"})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        ) or env["stock.warehouse"].create(
            {"name": "KPI scale", "code": "KSC", "company_id": company.id}
        )
        segments = env["stock.segment"].create(
            [
                {"name": f"KPI scale {c}", "code": f"K{c}{args.pairs}", "company_id": company.id}
                for c in "ABC"
            ]
        )
        uom = env.ref("uom.product_uom_unit")
        customers = env.ref("stock.stock_location_customers")
        suppliers = env.ref("stock.stock_location_suppliers")
        env.flush_all()
        cr.execute(SQL("SELECT setseed(%s)", args.seed))
        cr.execute(
            SQL(
                """
            WITH t AS (
                INSERT INTO product_template (name, type, is_storable, uom_id, tracking,
                       service_tracking, active, sale_ok, purchase_ok, list_price,
                       create_uid, write_uid, create_date, write_date)
                SELECT jsonb_build_object('en_US', 'KPI item ' || g), 'consu', true,
                       %(uom)s, 'none', 'no', true, true, true, 10, 1, 1, now(), now()
                  FROM generate_series(1, %(n)s) g
                RETURNING id
            ), p AS (
                INSERT INTO product_product (product_tmpl_id, active, standard_price,
                       create_uid, write_uid, create_date, write_date)
                SELECT id, true, jsonb_build_object(%(company)s, 2 + random() * 50),
                       1, 1, now(), now() FROM t
                RETURNING id
            )
            INSERT INTO stock_planning_profile (product_id, warehouse_id, company_id,
                   segment_id, active, max_qty, create_uid, write_uid, create_date, write_date)
            SELECT id, %(wh)s, %(company_id)s, (%(segs)s)[1 + id %% 3], true,
                   20 + random() * 40, 1, 1, now(), now()
              FROM p
            """,
                uom=uom.id,
                n=args.pairs,
                company=str(company.id),
                company_id=company.id,
                wh=warehouse.id,
                segs=segments.ids,
            )
        )
        span = max((day - month_start).days, 0)
        cr.execute(
            SQL(
                """
            INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
                   company_id, date, date_deadline, product_uom_qty, product_qty, quantity,
                   state, procure_method, create_uid, write_uid, create_date, write_date)
            SELECT pr.product_id, %(uom)s,
                   CASE WHEN k = 1 THEN %(sup)s ELSE %(stock)s END,
                   CASE WHEN k = 1 THEN %(stock)s ELSE %(cust)s END,
                   %(company)s,
                   %(start)s::timestamp + (floor(random() * (%(span)s + 1)) || ' days')::interval
                       + interval '12 hours',
                   %(start)s::timestamp + (floor(random() * (%(span)s + 1)) || ' days')::interval
                       + interval '12 hours',
                   q, q, CASE WHEN random() < 0.1 THEN 0 ELSE q END,
                   'done', 'make_to_stock', 1, 1, now(), now()
              FROM stock_planning_profile pr,
                   LATERAL (SELECT k, 1 + floor(random() * 10) AS q
                              FROM generate_series(1, %(per)s) k) g
             WHERE pr.company_id = %(company)s
            """,
                uom=uom.id,
                sup=suppliers.id,
                stock=warehouse.lot_stock_id.id,
                cust=customers.id,
                company=company.id,
                start=month_start,
                span=span,
                per=args.moves_per_pair,
            )
        )
        if args.history_weeks > 0:
            cr.execute(
                SQL(
                    """
                INSERT INTO stock_move (product_id, product_uom, location_id,
                       location_dest_id, company_id, date, date_deadline, product_uom_qty,
                       product_qty, quantity, state, procure_method, create_uid, write_uid,
                       create_date, write_date)
                SELECT pr.product_id, %(uom)s, %(stock)s, %(cust)s, %(company)s, d, d,
                       3, 3, 3, 'done', 'make_to_stock', 1, 1, now(), now()
                  FROM stock_planning_profile pr
                 CROSS JOIN generate_series(1, %(weeks)s) w
                 CROSS JOIN LATERAL (SELECT %(start)s::timestamp - w * interval '7 days'
                                            + interval '12 hours' AS d) x
                 WHERE pr.company_id = %(company)s
                """,
                    uom=uom.id,
                    stock=warehouse.lot_stock_id.id,
                    cust=customers.id,
                    company=company.id,
                    start=month_start,
                    weeks=args.history_weeks,
                )
            )
        # Undelivered lines stay open; on-hand from every done flow plus an opening stock.
        cr.execute(
            "UPDATE stock_move SET state = 'confirmed' WHERE quantity = 0 AND state = 'done'"
        )
        cr.execute(
            SQL(
                """
            INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                   reserved_quantity, in_date, create_uid, write_uid, create_date, write_date)
            SELECT m.product_id, %(stock)s, %(company)s,
                   15 + SUM(CASE WHEN m.location_dest_id = %(stock)s THEN m.quantity
                                 ELSE -m.quantity END), 0, now(), 1, 1, now(), now()
              FROM stock_move m
             WHERE m.company_id = %(company)s AND m.state = 'done'
          GROUP BY m.product_id
            """,
                stock=warehouse.lot_stock_id.id,
                company=company.id,
            )
        )
        cr.execute("ANALYZE stock_move")
        cr.execute("ANALYZE stock_quant")
        cr.execute("ANALYZE stock_planning_profile")
        company_id = company.id
        cr.commit()
    print(f"setup: {args.pairs} pairs, {time.perf_counter() - t0:.1f} s")

    Snapshot = registry["stock.kpi.snapshot"]
    original = Snapshot._snapshot_batch
    queries, seconds = [], []

    def counted(self, ctx, ids):
        before, started = self.env.cr.sql_log_count, time.perf_counter()
        result = original(self, ctx, ids)
        queries.append(self.env.cr.sql_log_count - before)
        seconds.append(time.perf_counter() - started)
        return result

    Snapshot._snapshot_batch = counted
    for size in sizes:
        queries.clear()
        seconds.clear()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"kpi_no_commit": True})
            company = env["res.company"].browse(company_id)
            t1 = time.perf_counter()
            stats = env["stock.kpi.snapshot"]._snapshot_company(
                company, month_start, day, batch_size=size
            )
            snap_s = time.perf_counter() - t1
            t2 = time.perf_counter()
            alerts = env["stock.kpi.snapshot"]._run_spc(company, day)
            spc_s = time.perf_counter() - t2
            cr.execute(
                SQL("SELECT count(*) FROM stock_kpi_snapshot WHERE company_id = %s", company_id)
            )
            rows = cr.fetchone()[0]
            cr.commit()
        total = snap_s + spc_s
        label = "" if args.pairs >= 100000 else " (extrapolated linearly)"
        print(
            f"batch {size}: snapshot {snap_s:.1f} s + control charts {spc_s:.2f} s, "
            f"{stats['profiles']} pairs x {(day - month_start).days + 1} days, {rows} rows, "
            f"{stats['failed']} failed, {alerts} alerts, queries per batch {sorted(set(queries))}, "
            f"seconds per batch {max(seconds, default=0):.2f} at most; "
            f"100,000 pairs{label}: {total * 100000 / args.pairs:.1f} s (target <= 120 s)"
        )


if __name__ == "__main__":
    main()
