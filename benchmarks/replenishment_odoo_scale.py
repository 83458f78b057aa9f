"""Scale of the nightly replenishment job inside Odoo, and Odoo's own Replenishment.

Builds a synthetic catalogue in a database that has ``stock_segment_replenishment``
installed (products with a vendor price list line and the Buy route, one planning profile
per product in one warehouse, a forecast set on each profile; one product in 25 has no
vendor, a data exception on its plan), then:

1. first run: lead times, policy, proposals and the creation of every reorder rule, the
   profiles split in equal parts, one part per batch size;
2. recompute run: demand moved on every profile (most within the segment's tolerance,
   one in ten beyond it; half the products without a vendor get one) and the job run
   again at every batch size: policy recompute, proposals, bulk auto-apply, approval
   activities, exceptions resolved;
3. Odoo's own Replenishment computation on the same catalogue, in the same run: the
   quantity to order of every reorder rule (``_compute_qty_to_order_computed``, what the
   scheduler and the Replenishment screen compute) and opening the Replenishment action
   (``action_open_orderpoints``).

Prints seconds, SQL queries per batch at every batch size (equal when extraction and
writes are set-based), the ratio of our recompute to Odoo's computation, and the
extrapolation to 100,000 profiles when run smaller (labelled as such).

Run from the Odoo source directory (so that ``import odoo`` works)::

    python benchmarks/replenishment_odoo_scale.py --db BENCH_DB --addons-path A,B \\
        --profiles 20000 --batch-sizes 500,2000,5000 [--db-host H --db-port P --db-user U]

Commits as the cron does (one commit per batch). Use a scratch database.
"""

import argparse
import cProfile
import os
import re
import statistics
import time
from collections import defaultdict
from datetime import date

from odoo_bench import add_database_arguments, open_registry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--profiles", type=int, default=20000)
    parser.add_argument("--batch-sizes", default="500,2000,5000")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument(
        "--skip-odoo-action",
        action="store_true",
        help="do not open Odoo's Replenishment action (it can take long on big catalogues)",
    )
    parser.add_argument(
        "--skip-odoo",
        action="store_true",
        help="measure only the planning job: neither Odoo's quantity to order nor its "
        "Replenishment action",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="print, for the largest batch of each run, its SQL statements grouped by kind "
        "(statement and table), to see which ones grow with the batch",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="write a cProfile of the two runs to FILE (read it with pstats)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.batch_sizes.split(",")]

    registry = open_registry(args)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL

    today = date.today()

    # ------------------------------------------------------------------ catalogue
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create({"name": f"Replenishment scale {args.profiles}"})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        ) or env["stock.warehouse"].create(
            {"name": "Replenishment scale", "code": "RSC", "company_id": company.id}
        )
        segment = env["stock.segment"].create(
            {
                "name": "Replenishment scale",
                "code": f"RS{args.profiles}",
                "company_id": company.id,
                "replenishment_policy": "sS",
                "auto_apply_tolerance": 10.0,
            }
        )
        vendor = env["res.partner"].create({"name": "Scale vendor"})
        buy = env.ref("purchase_stock.route_warehouse0_buy")
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
                SELECT jsonb_build_object('en_US', 'Replenishment item ' || g), 'consu', true,
                       %(uom)s, 'none', 'no', true, true, true, 10, 1, 1, now(), now()
                  FROM generate_series(1, %(n)s) g
                RETURNING id
            ), p AS (
                INSERT INTO product_product (product_tmpl_id, active, standard_price,
                       create_uid, write_uid, create_date, write_date)
                SELECT id, true, jsonb_build_object(%(company)s, 2 + random() * 50),
                       1, 1, now(), now() FROM t
                RETURNING id, product_tmpl_id
            ), s AS (
                INSERT INTO product_supplierinfo (partner_id, product_tmpl_id, product_uom_id,
                       currency_id, delay, min_qty, price, sequence, company_id,
                       create_uid, write_uid, create_date, write_date)
                SELECT %(vendor)s, product_tmpl_id, %(uom)s, %(currency)s,
                       3 + (id %% 12), 0, 5, 1, %(company_id)s, 1, 1, now(), now() FROM p
                 -- One product in 25 without a vendor: a data exception on its plan.
                 WHERE id %% 25 <> 7
            ), r AS (
                INSERT INTO stock_route_product (route_id, product_id)
                SELECT %(buy)s, product_tmpl_id FROM p
            )
            INSERT INTO stock_planning_profile (product_id, warehouse_id, company_id,
                   segment_id, active, avg_daily_demand, demand_sigma_daily, forecast_date,
                   create_uid, write_uid, create_date, write_date)
            SELECT id, %(wh)s, %(company_id)s, %(segment)s, true,
                   CASE WHEN id %% 10 < 7 THEN 2 + random() * 20 ELSE random() * 0.5 END,
                   0.5 + random() * 3, %(today)s, 1, 1, now(), now()
              FROM p
            """,
                uom=uom.id,
                n=args.profiles,
                company=str(company.id),
                company_id=company.id,
                vendor=vendor.id,
                currency=company.currency_id.id,
                buy=buy.id,
                wh=warehouse.id,
                segment=segment.id,
                today=today,
            )
        )
        cr.execute("ANALYZE stock_planning_profile")
        cr.execute("ANALYZE product_supplierinfo")
        cr.execute(
            SQL(
                "SELECT id FROM stock_planning_profile WHERE company_id = %s ORDER BY id",
                company.id,
            )
        )
        profile_ids = [r[0] for r in cr.fetchall()]
        company_id = company.id
        vendor_values = (vendor.id, uom.id, company.currency_id.id)
    setup_s = time.perf_counter() - t0

    # ------------------------------------------------------------------ instrumented runs
    Profile = registry["stock.planning.profile"]
    batch_queries = defaultdict(list)
    # Statement kinds of the largest batch of each run: {run: {kind: count}}.
    batch_kinds = {}
    current = {}
    original = Profile._replenish_batch
    from odoo.sql_db import Cursor

    original_execute = Cursor.execute
    recording = []

    def recorded_execute(self, query, params=None, log_exceptions=True):
        if recording:
            recording[-1][_statement_kind(query)] += 1
        return original_execute(self, query, params, log_exceptions)

    if args.statements:
        Cursor.execute = recorded_execute

    def counted(self, ctx, ids):
        before = self.env.cr.sql_log_count
        recording.append(defaultdict(int))
        try:
            result = original(self, ctx, ids)
        finally:
            kinds = recording.pop()
        count = self.env.cr.sql_log_count - before
        key = (current["run"], current["size"])
        batch_queries[key].append(count)
        if sum(kinds.values()) and count >= max(batch_queries[key]):
            batch_kinds[key] = dict(kinds)
        return result

    Profile._replenish_batch = counted
    part = -(-len(profile_ids) // len(sizes))
    parts = [profile_ids[k * part : (k + 1) * part] for k in range(len(sizes))]

    def run(name):
        out = []
        for size, ids in zip(sizes, parts, strict=True):
            current.update(run=name, size=size)
            t = time.perf_counter()
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                stats = env["stock.planning.profile"]._run_replenishment(
                    companies=env["res.company"].browse(company_id),
                    today=today,
                    batch_size=size,
                    profile_ids=ids,
                )[company_id]
            out.append({"size": size, "n": len(ids), "s": time.perf_counter() - t, "stats": stats})
        return out

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    first = run("first")
    with registry.cursor() as cr:
        # Half the products without a vendor get one: their data exceptions are resolved.
        cr.execute(
            SQL(
                """
            INSERT INTO product_supplierinfo (partner_id, product_tmpl_id, product_uom_id,
                   currency_id, delay, min_qty, price, sequence, company_id,
                   create_uid, write_uid, create_date, write_date)
            SELECT %s, pp.product_tmpl_id, %s, %s, 5, 0, 5, 1, p.company_id, 1, 1, now(), now()
              FROM stock_planning_profile p JOIN product_product pp ON pp.id = p.product_id
             WHERE p.company_id = %s AND pp.id %% 50 = 7
            """,
                *vendor_values,
                company_id,
            )
        )
        # Demand moves: +4 % on most plans (inside the 10 % tolerance), +60 % on one in ten.
        cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile
               SET avg_daily_demand = avg_daily_demand
                   * CASE WHEN id %% 10 = 3 THEN 1.6 ELSE 1.04 END
             WHERE company_id = %s
            """,
                company_id,
            )
        )
    second = run("recompute")
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    Cursor.execute = original_execute

    # ------------------------------------------------------------------ Odoo's own
    odoo_qty_s = odoo_action_s = None
    if not args.skip_odoo:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            ops = env["stock.warehouse.orderpoint"].search([("company_id", "=", company_id)])
            n_ops = len(ops)
            t = time.perf_counter()
            ops._compute_qty_to_order_computed()
            env.flush_all()
            odoo_qty_s = time.perf_counter() - t
            cr.rollback()
    if not (args.skip_odoo_action or args.skip_odoo):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
            t = time.perf_counter()
            env["stock.warehouse.orderpoint"].with_context(
                force_orderpoint_recompute=True
            ).action_open_orderpoints()
            env.flush_all()
            odoo_action_s = time.perf_counter() - t
            cr.rollback()

    n = len(profile_ids)
    print(f"{n} profiles, one warehouse, cores={os.cpu_count()}, Odoo {odoo.release.serie}")
    print(f"catalogue setup (not timed against the target): {setup_s:.1f} s")
    totals = {}
    for name, runs in (("first", first), ("recompute", second)):
        totals[name] = sum(r["s"] for r in runs)
        for r in runs:
            q = batch_queries[(name, r["size"])]
            st = r["stats"]
            print(
                f"{name:>9} run, batch size {r['size']:>5}: {r['n']} profiles in {r['s']:.1f} s "
                f"({1000 * r['s'] / r['n']:.2f} ms/profile); proposals {st['proposals']} "
                f"(auto-applied {st['auto_applied']}, pending {st['pending']}), failed "
                f"{st['failed']}; queries per batch: min {min(q)}, median "
                f"{statistics.median(q)}, max {max(q)} over {len(q)} batches"
            )
        print(f"{name:>9} run total: {totals[name]:.1f} s for {n} profiles")
    if odoo_qty_s is not None:
        print(
            f"Odoo quantity to order of {n_ops} reorder rules (_compute_qty_to_order_computed):"
            f" {odoo_qty_s:.1f} s; ratio recompute run / Odoo's: "
            f"{totals['recompute'] / odoo_qty_s:.2f}"
        )
    if odoo_action_s is not None:
        print(
            f"Odoo Replenishment action (action_open_orderpoints, forced recompute): "
            f"{odoo_action_s:.1f} s; ratio recompute run / Odoo's: "
            f"{totals['recompute'] / odoo_action_s:.2f}"
        )
    for (name, size), kinds in sorted(batch_kinds.items()):
        print(f"statements of the largest {name} batch at batch size {size}:")
        for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"  {count:>5}  {kind}")
    for name in ("first", "recompute"):
        if n < 100000:
            print(
                f"EXTRAPOLATED (linear in profiles, not measured): {name} run for 100000 "
                f"profiles ~ {totals[name] * 100000 / n:.0f} s (target <= 180 s)"
            )
        else:
            print(f"{name} run for 100000 profiles: {totals[name]:.0f} s (target <= 180 s)")


def _statement_kind(query):
    """A statement's kind: its verb and first table (``UPDATE stock_move``)."""
    text = query.code if hasattr(query, "code") else query
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = " ".join(str(text).split())
    match = re.match(
        r"(?is)^(WITH\b.*?\)\s*)?(SELECT|INSERT INTO|UPDATE|DELETE FROM|\w+)\s*(.*)", text
    )
    if not match:
        return text[:60]
    verb, rest = match.group(2).upper(), match.group(3)
    if verb == "SELECT":
        table = re.search(r"(?i)\bFROM\s+\"?(\w+)", rest)
        return f"SELECT {table.group(1) if table else rest[:40]}"
    return f"{verb} {rest.split(' ')[0].strip(chr(34))}"


if __name__ == "__main__":
    main()
