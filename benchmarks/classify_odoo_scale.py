"""Scale of the nightly classification inside Odoo (a script, not a test).

Builds a database from a template, installs ``stock_segment``, generates PRODUCTS storable
products in two warehouses (PRODUCTS x 2 plans) with DAYS days of done customer
deliveries (a delivery on a given day with probability RATE), all with set-based SQL,
then times the classification and counts the SQL queries of each batch at two batch
sizes. Prints measured figures and a clearly labelled linear extrapolation to 100,000
plans.

Run with the interpreter that has Odoo's requirements::

    ODOO_PATH=/path/to/odoo19 ODOO_TEMPLATE_DB=odoo19_base \\
        python benchmarks/classify_odoo_scale.py --products 10000

Environment: ODOO_PATH (source tree holding the odoo package), ODOO_TEMPLATE_DB (a
database with stock, purchase_stock and sale_stock installed), PGHOST / PGPORT / PGUSER.

To compare two versions of the code on the same catalogue: generate it once
(``--db cat --generate-only --keep``), copy it twice with ``createdb -T cat``, and run
each copy with ``--reuse --keep`` and ``--addons`` pointing at each version's addons
folder; ``--profile FILE`` writes the cProfile statistics of the first run and of the
unchanged rerun (FILE.first, FILE.rerun). When the template already has the addons
installed, ``--skip-install`` saves the install.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sh(cmd, env):
    subprocess.run(cmd, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--batch-sizes", default="500,2000,5000")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--db", help="database name (default: invplan_bench_<pid>)")
    parser.add_argument(
        "--addons", default=str(ROOT / "addons"), help="the planning addons folder to load"
    )
    parser.add_argument("--skip-install", action="store_true", help="addons already installed")
    parser.add_argument(
        "--generate-only", action="store_true", help="create and fill the database, no run"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="run on --db as it is (already generated)"
    )
    parser.add_argument("--profile", help="write cProfile statistics to FILE.first / .rerun")
    args = parser.parse_args()

    tree = os.environ.get("ODOO_PATH")
    if tree:
        sys.path.insert(0, tree)
    env = dict(os.environ)
    env.setdefault("PGHOST", "127.0.0.1")
    env.setdefault("PGPORT", "5432")
    env.setdefault("PGUSER", "odoo")
    template = os.environ.get("ODOO_TEMPLATE_DB", "odoo19_base")
    db = args.db or f"invplan_bench_{os.getpid()}"
    addons_path = ",".join(
        [args.addons]
        + [str(p) for p in (Path(tree or "."),) for p in (p / "addons", p / "odoo" / "addons")]
    )
    addons_path = ",".join(p for p in addons_path.split(",") if Path(p).is_dir())
    if args.reuse:
        try:
            run_benchmark(db, addons_path, env, args)
        finally:
            if not args.keep:
                subprocess.run(["dropdb", "--if-exists", db], env=env, check=False)
        return 0
    sh(["createdb", "-T", template, db], env)
    try:
        t0 = time.time()
        if not args.skip_install:
            sh(
                [
                    sys.executable,
                    "-m",
                    "odoo",
                    "server",
                    "-d",
                    db,
                    f"--db_host={env['PGHOST']}",
                    f"--db_port={env['PGPORT']}",
                    f"--db_user={env['PGUSER']}",
                    f"--addons-path={addons_path}",
                    "-i",
                    "stock_segment",
                    "--stop-after-init",
                    "--http-port=0",
                    "--log-level=warn",
                ],
                dict(env, PYTHONPATH=os.pathsep.join(filter(None, [tree, env.get("PYTHONPATH")]))),
            )
        print(f"install: {time.time() - t0:.1f} s")
        run_benchmark(db, addons_path, env, args)
    finally:
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", db], env=env, check=False)
    return 0


def run_benchmark(db, addons_path, env, args):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        [
            f"--db_host={env['PGHOST']}",
            f"--db_port={env['PGPORT']}",
            f"--db_user={env['PGUSER']}",
            f"--addons-path={addons_path}",
            "--log-level=warn",
        ]
    )
    del odoo
    registry = Registry(db)
    with registry.cursor() as cr:
        e = api.Environment(cr, SUPERUSER_ID, {"stock_segment_no_commit": True})
        if not args.reuse:
            t0 = time.time()
            generate(e, args)
            cr.commit()
            cr.execute("SELECT count(*) FROM stock_move WHERE reference = 'bench'")
            n_moves = cr.fetchone()[0]
            print(
                f"generated: {args.products} products x 2 warehouses, {n_moves} done moves "
                f"over {args.days} days in {time.time() - t0:.1f} s"
            )
            cr.execute("ANALYZE")
            if args.generate_only:
                cr.commit()
                Registry.delete(db)
                return
        e["ir.config_parameter"].set_param("stock_segment.window_days", args.days)
        company = e.ref("base.main_company")
        profile = e["stock.planning.profile"]
        model_class = type(profile)
        original = model_class._classify_batch
        batch_queries: list[tuple[int, int]] = []

        def counted(records, ctx, product_ids):
            before = records.env.cr.sql_log_count
            result = original(records, ctx, product_ids)
            batch_queries.append((len(product_ids), records.env.cr.sql_log_count - before))
            return result

        model_class._classify_batch = counted
        # The plausibility screen and the company-wide measures query (which carries the
        # screen's demand-line statistics), timed inside each run: their share of the
        # run is the screen's cost against the classification measured with it.
        parts: dict[str, float] = {}

        def timed(cls, name, key):
            inner = getattr(cls, name)

            def wrapper(records, *a, **k):
                t = time.time()
                try:
                    return inner(records, *a, **k)
                finally:
                    parts[key] = parts.get(key, 0.0) + time.time() - t

            setattr(cls, name, wrapper)

        timed(type(e["stock.planning.screen"]), "_screen_company", "screen")
        timed(model_class, "_extract_value_measures", "measures")
        sizes = [int(s) for s in args.batch_sizes.split(",")]

        def run(size, label, profile_to=None):
            batch_queries.clear()
            parts.clear()
            profiler = cProfile.Profile() if profile_to else None
            t0 = time.time()
            if profiler:
                profiler.enable()
            stats = profile._run_classification(companies=company, batch_size=size)[company.id]
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile_to)
            elapsed = time.time() - t0
            cr.commit()
            full = [q for n, q in batch_queries if n == size] or [q for _n, q in batch_queries]
            print(
                f"batch size {size:>5}: {label}: {stats['pairs']} plans in {elapsed:.1f} s "
                f"({stats['pairs'] / elapsed:.0f} plans/s), {stats['batches']} batches, "
                f"{stats['changed']} changed, {stats['failed']} failed; "
                f"SQL queries per full batch: min {min(full)}, max {max(full)}; "
                f"screen {parts.get('screen', 0):.2f} s ({parts.get('screen', 0) / elapsed:.1%}"
                f" of the run), value measures with line statistics "
                f"{parts.get('measures', 0):.2f} s ({parts.get('measures', 0) / elapsed:.1%})"
            )
            return stats, elapsed

        cr.execute("SELECT count(*) FROM stock_planning_profile")
        print(f"plans before the first run: {cr.fetchone()[0]}")
        stats, first = run(
            sizes[0],
            "first run, creates every plan",
            args.profile and f"{args.profile}.first",
        )
        pairs = stats["pairs"]
        timings = {}
        for size in sizes:
            # Forget the classification so that every plan is written again.
            cr.execute("UPDATE stock_planning_profile SET abc_class = NULL, demand_mean = NULL")
            profile.invalidate_model()
            _stats, timings[size] = run(size, "rerun, every plan rewritten")
        _stats, unchanged = run(
            sizes[-1], "rerun, unchanged data", args.profile and f"{args.profile}.rerun"
        )
        best = min(timings.values())
        print(
            f"EXTRAPOLATED (linear in plans, not measured): 100,000 plans -> "
            f"first run {first * 100000 / pairs / 60:.1f} min, full rewrite "
            f"{best * 100000 / pairs / 60:.1f} min, unchanged rerun "
            f"{unchanged * 100000 / pairs / 60:.1f} min"
        )
    Registry.delete(db)
    from odoo import sql_db

    sql_db.close_all()


def generate(env, args):
    """Products by copying one storable template row in SQL, and deliveries with
    generate_series, in a handful of statements."""
    cr = env.cr
    seed = env["product.template"].create(
        {"name": "bench seed", "type": "consu", "is_storable": True, "list_price": 10.0}
    )
    env.flush_all()

    def columns(table, skip):
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name <> ALL(%s)",
            [table, list(skip)],
        )
        return [r[0] for r in cr.fetchall()]

    tcols = columns("product_template", ("id", "name", "list_price"))
    cr.execute(
        f"""INSERT INTO product_template (name, list_price, {", ".join(tcols)})
            SELECT jsonb_build_object('en_US', 'bench ' || g), 1 + (g %% 97), {", ".join(tcols)}
              FROM product_template, generate_series(1, %s) g
             WHERE id = %s RETURNING id""",
        [args.products, seed.id],
    )
    tmpl_ids = [r[0] for r in cr.fetchall()]
    pcols = columns("product_product", ("id", "product_tmpl_id"))
    cr.execute(
        f"""INSERT INTO product_product (product_tmpl_id, {", ".join(pcols)})
            SELECT t, {", ".join(pcols)}
              FROM product_product, unnest(%s::int[]) t
             WHERE product_tmpl_id = %s""",
        [tmpl_ids, seed.id],
    )
    main = env.ref("base.main_company")
    wh1 = env["stock.warehouse"].search([("company_id", "=", main.id)], limit=1)
    wh2 = env["stock.warehouse"].create(
        {"name": "Bench East", "code": "BEN", "company_id": main.id}
    )
    customers = env.ref("stock.stock_location_customers")
    env.flush_all()
    cr.execute("SELECT setseed(0.42)")
    cr.execute(
        """INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
               company_id, date, product_uom_qty, product_qty, quantity, state,
               procure_method, reference)
           SELECT pp.id, pt.uom_id, l.loc, %(customers)s, %(company)s,
                  (now() AT TIME ZONE 'UTC')::date - d + interval '10 hours', q, q, q, 'done',
                  'make_to_stock', 'bench'
             FROM product_product pp
             JOIN product_template pt ON pt.id = pp.product_tmpl_id
            CROSS JOIN (VALUES (%(loc1)s), (%(loc2)s)) AS l(loc)
            CROSS JOIN generate_series(1, %(days)s) d
            CROSS JOIN LATERAL (SELECT 1 + floor(random() * (1 + pp.id %% 20)) AS q) qty
            WHERE pp.product_tmpl_id = ANY(%(tmpls)s) AND random() < %(rate)s""",
        {
            "customers": customers.id,
            "company": main.id,
            "loc1": wh1.lot_stock_id.id,
            "loc2": wh2.lot_stock_id.id,
            "days": args.days,
            "tmpls": tmpl_ids,
            "rate": args.rate,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
