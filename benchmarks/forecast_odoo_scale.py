"""Scale of the nightly forecast inside Odoo: extract, engine, write.

Builds a synthetic catalogue in a database that has ``stock_segment_forecast`` installed
(products, one planning profile per product in one warehouse, weekly done customer
deliveries over 104 weeks, inserted set-based), then runs the forecast job on the
profiles split in equal parts, one part per batch size, and prints per batch size:

- seconds per stage: read (plan rows, closed lines and horizon totals, with the flush
  before them), extract (SQL demand history and stock levels into matrices), engine
  (invplan's ``forecast_batch``), glue (the per-plan Python of the batch: values,
  comparisons, exception detection), write lines, write plans, write exceptions, and
  the accuracy report written once per company;
- SQL queries per batch (equal at every batch size: set-based extraction and bulk
  writes, no query per record);
- with ``--recompute``, a second night on the unchanged data (it should write nothing);
- the extrapolation to 100,000 profiles when run at a smaller size (labelled as such).

Run from the Odoo source directory (so that ``import odoo`` works)::

    python benchmarks/forecast_odoo_scale.py --db BENCH_DB --addons-path A,B \\
        --profiles 20000 --batch-sizes 500,2000,5000 [--recompute] \\
        [--db-host H --db-port P --db-user U]

Commits as the cron does (one commit per batch). Use a scratch database.
"""

import argparse
import os
import statistics
import time
from collections import defaultdict
from datetime import date, timedelta

from odoo_bench import add_database_arguments, open_registry


def build_catalogue(registry, profiles, weeks, seed):
    """The synthetic catalogue, committed: (company id, profile ids, done moves, seconds)."""
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL

    today = date.today()
    current = today - timedelta(days=today.weekday())
    start = current - timedelta(weeks=weeks)
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("stock_segment_forecast.history_days", weeks * 7)
        company = env["res.company"].create({"name": f"Scale {profiles}"})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        ) or env["stock.warehouse"].create(
            {"name": "Scale", "code": "SCL", "company_id": company.id}
        )
        segment = env["stock.segment"].create(
            {"name": "Scale", "code": f"SC{profiles}", "company_id": company.id}
        )
        customers = env.ref("stock.stock_location_customers")
        uom = env.ref("uom.product_uom_unit")
        env.flush_all()
        cr.execute(SQL("SELECT setseed(%s)", seed))
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
                n=profiles,
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
                weeks=weeks,
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
    return company_id, profile_ids, n_moves, time.perf_counter() - t0


def instrument(registry):
    """Wrap the job's stages with timers and the batch with a query counter.

    Returns (stages: {name: seconds}, batch_queries: {size: [queries]}, current: {"size"})."""
    import invplan.forecast as engine

    Profile = registry["stock.planning.profile"]
    Exception_ = registry["stock.planning.exception"]
    stages = defaultdict(float)
    batch_queries = defaultdict(list)
    current = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                stages[name] += time.perf_counter() - t

        return wrapper

    for cls, method, stage in (
        (Profile, "_fetch_forecast_rows", "read"),
        (Profile, "_demand_matrices", "extract"),
        (Profile, "_write_forecast_lines", "write lines"),
        (Profile, "_fetch_closed", "read"),
        (Profile, "_horizon_totals", "read"),
        (Profile, "_write_profile_forecast", "write plans"),
        (Profile, "_detect_exceptions", "glue"),
        (Exception_, "_sync_exceptions", "write exceptions"),
        (Profile, "_update_accuracy_report", "write accuracy"),
    ):
        setattr(cls, method, timed(stage, getattr(cls, method)))
    engine.forecast_batch = timed("engine", engine.forecast_batch)
    original_batch = Profile._forecast_batch

    def counted(self, ctx, ids):
        before = self.env.cr.sql_log_count
        t = time.perf_counter()
        try:
            return original_batch(self, ctx, ids)
        finally:
            stages["batch"] += time.perf_counter() - t
            batch_queries[current["size"]].append(self.env.cr.sql_log_count - before)

    Profile._forecast_batch = counted
    return stages, batch_queries, current


def run_night(registry, company_id, ids, size, today, instruments):
    """One forecast run (forced) of ``ids`` at ``size``: seconds, stats and stage seconds."""
    from odoo import SUPERUSER_ID, api

    stages, queries, current = instruments
    current["size"] = size
    before = dict(stages)
    first_batch = len(queries[size])
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
    seconds = time.perf_counter() - t
    spent = {k: stages[k] - before.get(k, 0.0) for k in stages}
    # What the batch spent outside the named stages: the per-plan Python of the batch.
    named = ("read", "extract", "engine", "write lines", "write plans", "glue")
    spent["glue"] = (
        spent.get("glue", 0.0)
        + spent.get("batch", 0.0)
        - sum(spent.get(k, 0.0) for k in named + ("write exceptions",))
    )
    return {
        "size": size,
        "profiles": len(ids),
        "seconds": seconds,
        "stats": stats,
        "stages": spent,
        "queries": queries[size][first_batch:],
    }


def describe(run):
    queries = run["queries"] or [0]
    st = run["stages"]
    parts = ", ".join(
        f"{k} {st.get(k, 0.0):.1f} s"
        for k in (
            "read",
            "extract",
            "engine",
            "glue",
            "write lines",
            "write plans",
            "write exceptions",
            "write accuracy",
        )
    )
    return (
        f"batch size {run['size']:>5}: {run['profiles']} profiles in {run['seconds']:.1f} s "
        f"({1000 * run['seconds'] / run['profiles']:.2f} ms/profile); {parts}; "
        f"lines {run['stats']['lines']}, failed {run['stats']['failed']}; queries per batch: "
        f"min {min(queries)}, median {statistics.median(queries)}, max {max(queries)} "
        f"over {len(queries)} batches"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--profiles", type=int, default=20000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--batch-sizes", default="500,2000")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument(
        "--recompute",
        action="store_true",
        help="run a second night on the unchanged data (it should write nothing)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.batch_sizes.split(",")]

    registry = open_registry(args)
    import odoo

    company_id, profile_ids, n_moves, setup_s = build_catalogue(
        registry, args.profiles, args.weeks, args.seed
    )
    instruments = instrument(registry)
    today = date.today()
    n = len(profile_ids)
    chunk = -(-n // len(sizes))
    parts = [(size, profile_ids[k * chunk : (k + 1) * chunk]) for k, size in enumerate(sizes)]
    nights = [
        (
            "first night",
            [run_night(registry, company_id, ids, size, today, instruments) for size, ids in parts],
        )
    ]
    if args.recompute:
        nights.append(
            (
                "recompute night (unchanged data)",
                [
                    run_night(registry, company_id, ids, size, today, instruments)
                    for size, ids in parts
                ],
            )
        )

    print(
        f"{n} profiles x {args.weeks} weekly buckets, {n_moves} done moves, "
        f"cores={os.cpu_count()}, Odoo {odoo.release.serie}"
    )
    print(f"catalogue setup (not timed against the target): {setup_s:.1f} s")
    for label, runs in nights:
        print(f"{label}:")
        for r in runs:
            print("  " + describe(r))
        total = sum(r["seconds"] for r in runs)
        print(f"  total forecast run: {total:.1f} s for {n} profiles")
        if n < 100000:
            print(
                f"  EXTRAPOLATED (linear in profiles, not measured): 100000 profiles "
                f"~ {total * 100000 / n:.0f} s (target <= 300 s)"
            )
        else:
            print(f"  100000-profile target: {total:.0f} s (target <= 300 s)")


if __name__ == "__main__":
    main()
