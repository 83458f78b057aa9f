"""Scale of the nightly forecast inside Odoo: extract, engine, write.

Builds a synthetic catalogue in a database that has ``stock_segment_forecast`` installed
(products, one planning profile per product in one warehouse, weekly done customer
deliveries over 104 weeks, inserted set-based), then runs the forecast job on half of the
profiles with one batch size and on the other half with another, and prints:

- seconds per stage (extract = SQL history and stock levels, engine = invplan's
  ``forecast_batch``, write = forecast lines, profile fields, exceptions) and in total;
- SQL queries per batch at both batch sizes (they should be equal: set-based extraction
  and bulk writes, no query per record);
- the extrapolation to 100,000 profiles when run at a smaller size (labelled as such).

Run from the Odoo source directory (so that ``import odoo`` works)::

    python benchmarks/forecast_odoo_scale.py --db BENCH_DB --addons-path A,B \\
        --profiles 20000 --batch-sizes 500,2000 [--db-host H --db-port P --db-user U]

Commits as the cron does (one commit per batch). Use a scratch database.
"""

import argparse
import os
import statistics
import time
from collections import defaultdict
from datetime import date, timedelta

from odoo_bench import add_database_arguments, open_registry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--profiles", type=int, default=20000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--batch-sizes", default="500,2000")
    parser.add_argument("--seed", type=float, default=0.42)
    args = parser.parse_args()
    small, large = (int(x) for x in args.batch_sizes.split(","))

    registry = open_registry(args)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL

    today = date.today()
    current = today - timedelta(days=today.weekday())
    start = current - timedelta(weeks=args.weeks)

    # ------------------------------------------------------------------ catalogue
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("stock_segment_forecast.history_days", args.weeks * 7)
        company = env["res.company"].create({"name": f"Scale {args.profiles}"})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        ) or env["stock.warehouse"].create(
            {"name": "Scale", "code": "SCL", "company_id": company.id}
        )
        segment = env["stock.segment"].create(
            {"name": "Scale", "code": f"SC{args.profiles}", "company_id": company.id}
        )
        customers = env.ref("stock.stock_location_customers")
        uom = env.ref("uom.product_uom_unit")
        env.flush_all()
        cr.execute(SQL("SELECT setseed(%s)", args.seed))
        cr.execute(
            SQL(
                """
            WITH t AS (
                INSERT INTO product_template (name, type, is_storable, uom_id, tracking,
                       service_tracking, active, sale_ok, purchase_ok, list_price,
                       create_uid, write_uid, create_date, write_date)
                SELECT jsonb_build_object('en_US', 'Scale item ' || g), 'consu', true, %(uom)s,
                       'none', 'no', true, true, true, 10, 1, 1, now(), now()
                  FROM generate_series(1, %(n)s) g
                RETURNING id
            )
            INSERT INTO product_product (product_tmpl_id, active, standard_price,
                   create_uid, write_uid, create_date, write_date)
            SELECT id, true, jsonb_build_object(%(company)s, 5.0), 1, 1, now(), now() FROM t
            """,
                uom=uom.id,
                n=args.profiles,
                company=str(company.id),
            )
        )
        cr.execute(
            SQL(
                """
            INSERT INTO stock_planning_profile (product_id, warehouse_id, company_id,
                   segment_id, active, create_uid, write_uid, create_date, write_date)
            SELECT pp.id, %(wh)s, %(company)s, %(segment)s, true, 1, 1, now(), now()
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pt.name ->> 'en_US' LIKE 'Scale item %%'
               AND NOT EXISTS (SELECT 1 FROM stock_planning_profile p
                                WHERE p.product_id = pp.id)
            """,
                wh=warehouse.id,
                company=company.id,
                segment=segment.id,
            )
        )
        # Weekly deliveries: smooth (60 %), intermittent (30 %) and dead (10 %) items.
        cr.execute(
            SQL(
                """
            INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
                   company_id, date, product_uom_qty, product_qty, quantity, state,
                   procure_method)
            SELECT p.product_id, %(uom)s, %(stock)s, %(customers)s, %(company)s,
                   %(start)s::timestamp + (w * 7 + 2) * interval '1 day', q, q, q, 'done',
                   'make_to_stock'
              FROM (SELECT product_id, (product_id %% 10) AS kind
                      FROM stock_planning_profile WHERE company_id = %(company)s) p
             CROSS JOIN generate_series(0, %(weeks)s - 1) w
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN p.kind < 6 THEN round(20 + 8 * sin(w / 8.3) + random() * 6)
                               WHEN p.kind < 9 AND random() < 0.25 THEN round(1 + random() * 9)
                               ELSE 0 END AS q) d
             WHERE d.q > 0
            """,
                uom=uom.id,
                stock=warehouse.lot_stock_id.id,
                customers=customers.id,
                company=company.id,
                start=start,
                weeks=args.weeks,
            )
        )
        cr.execute(SQL("SELECT count(*) FROM stock_move WHERE company_id = %s", company.id))
        n_moves = cr.fetchone()[0]
        cr.execute("ANALYZE stock_move")
        cr.execute("ANALYZE stock_planning_profile")
        cr.execute(
            SQL(
                "SELECT id FROM stock_planning_profile WHERE company_id = %s ORDER BY id",
                company.id,
            )
        )
        profile_ids = [r[0] for r in cr.fetchall()]
        company_id = company.id
    setup_s = time.perf_counter() - t0

    # ------------------------------------------------------------------ instrumented run
    import invplan.forecast as engine

    Profile = registry["stock.planning.profile"]
    stages = defaultdict(float)
    batch_queries = defaultdict(list)
    current_size = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                stages[name] += time.perf_counter() - t

        return wrapper

    originals = {
        "_demand_matrices": Profile._demand_matrices,
        "_write_forecast_lines": Profile._write_forecast_lines,
        "_write_profile_forecast": Profile._write_profile_forecast,
        "_forecast_batch": Profile._forecast_batch,
    }
    engine_fn = engine.forecast_batch
    Profile._demand_matrices = timed("extract", originals["_demand_matrices"])
    Profile._write_forecast_lines = timed("write", originals["_write_forecast_lines"])
    Profile._write_profile_forecast = timed("write", originals["_write_profile_forecast"])
    engine.forecast_batch = timed("engine", engine_fn)

    def counted(self, ctx, ids):
        before = self.env.cr.sql_log_count
        result = originals["_forecast_batch"](self, ctx, ids)
        batch_queries[current_size["size"]].append(self.env.cr.sql_log_count - before)
        return result

    Profile._forecast_batch = counted

    half = len(profile_ids) // 2
    runs = []
    for size, ids in ((small, profile_ids[:half]), (large, profile_ids[half:])):
        current_size["size"] = size
        before = dict(stages)
        t = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            stats = env["stock.planning.profile"]._run_forecast(
                companies=env["res.company"].browse(company_id),
                today=today,
                force=True,
                batch_size=size,
                profile_ids=ids,
            )[company_id]
        runs.append(
            {
                "size": size,
                "profiles": len(ids),
                "seconds": time.perf_counter() - t,
                "stats": stats,
                "stages": {k: stages[k] - before.get(k, 0.0) for k in stages},
            }
        )

    total = sum(r["seconds"] for r in runs)
    n = len(profile_ids)
    print(
        f"{n} profiles x {args.weeks} weekly buckets, {n_moves} done moves, "
        f"cores={os.cpu_count()}, Odoo {odoo.release.serie}"
    )
    print(f"catalogue setup (not timed against the target): {setup_s:.1f} s")
    for r in runs:
        q = batch_queries[r["size"]]
        st = r["stages"]
        print(
            f"batch size {r['size']:>5}: {r['profiles']} profiles in {r['seconds']:.1f} s "
            f"({1000 * r['seconds'] / r['profiles']:.2f} ms/profile); "
            f"extract {st.get('extract', 0):.1f} s, engine {st.get('engine', 0):.1f} s, "
            f"write {st.get('write', 0):.1f} s; lines {r['stats']['lines']}, "
            f"failed {r['stats']['failed']}; queries per batch: min {min(q)}, "
            f"median {statistics.median(q)}, max {max(q)} over {len(q)} batches"
        )
    print(f"total forecast run: {total:.1f} s for {n} profiles")
    if n < 100000:
        print(
            f"EXTRAPOLATED (linear in profiles, not measured): 100000 profiles "
            f"~ {total * 100000 / n:.0f} s (target <= 300 s)"
        )
    else:
        print(f"100000-profile target: {total:.0f} s (target <= 300 s)")


if __name__ == "__main__":
    main()
