"""Scale of a what-if scenario's evaluation inside Odoo, against the replenishment job.

Builds a synthetic catalogue in a scratch database that has ``stock_segment_scenario``
installed, with set-based SQL: products with a vendor price list line and the Buy route,
one plan per product in one warehouse, in three segments (A, B, C: continuous review,
their rules by ABC class), a forecast and a stored classification on every plan, and
daily customer deliveries over the replay window. Then, in the same run:

1. the anchor: the nightly replenishment job on the same plans, a first run (lead times,
   policy, reorder rules created) and the **recompute** run after demand moved (the
   replenishment step's recompute of the same plans);
2. a scenario evaluated through the background job path (*Evaluate* queues it and
   triggers the scheduled action; the scheduled action's method runs it): a service
   target change and a lead-time shock, replayed on the real demand;
3. a second scenario through the same path: new ABC cut-offs (re-segmentation of every
   plan) replayed on demand drawn from the forecast distributions.

Prints seconds and the ratio of each evaluation to the anchor, measured in this run.

Run from the Odoo source directory (so that ``import odoo`` works)::

    python /path/to/benchmarks/scenario_odoo_scale.py --db BENCH_DB --addons-path A,B \\
        --items 10000 [--days 182] [--db-host H --db-port P --db-user U]

Commits (the scheduled action's path). Use a scratch database.
"""

import argparse
import os
import time
from datetime import date, datetime, timedelta

from odoo_bench import add_database_arguments, open_registry


def build_catalogue(env, items, days, seed):
    """Company, warehouse, segments and rules, products, plans and demand; the ids."""
    from odoo.tools import SQL

    cr = env.cr
    company = env["res.company"].create({"name": f"Scenario scale {items}"})
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1) or env[
        "stock.warehouse"
    ].create({"name": "Scenario scale", "code": "SSC", "company_id": company.id})
    segments = {}
    for cls, target in (("A", 98.0), ("B", 95.0), ("C", 90.0)):
        segments[cls] = env["stock.segment"].create(
            {
                "name": f"Scenario scale {cls}",
                "code": f"SC{cls}{items}",
                "company_id": company.id,
                "replenishment_policy": "sS",
                "service_level_target": target,
                "ordering_cost": 40.0,
                "order_cover_days": 0.0,
                "auto_apply_tolerance": 10.0,
            }
        )
        env["stock.segment.rule"].create(
            {
                "company_id": company.id,
                "sequence": 1,
                "segment_id": segments[cls].id,
                "abc_class": cls,
            }
        )
    vendor = env["res.partner"].create({"name": "Scenario scale vendor"})
    buy = env.ref("purchase_stock.route_warehouse0_buy")
    uom = env.ref("uom.product_uom_unit")
    customers = env.ref("stock.stock_location_customers")
    env.flush_all()
    cr.execute(SQL("SELECT setseed(%s)", seed))
    cr.execute(
        SQL(
            """
        WITH t AS (
            INSERT INTO product_template (name, type, is_storable, uom_id, tracking,
                   service_tracking, active, sale_ok, purchase_ok, list_price,
                   create_uid, write_uid, create_date, write_date)
            SELECT jsonb_build_object('en_US', 'Scenario item ' || g), 'consu', true,
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
        )
        INSERT INTO stock_route_product (route_id, product_id)
        SELECT %(buy)s, product_tmpl_id FROM p
            """,
            uom=uom.id,
            n=items,
            company=str(company.id),
            company_id=company.id,
            vendor=vendor.id,
            currency=company.currency_id.id,
            buy=buy.id,
        )
    )
    # Plans: a daily level per product (7 in 10 fast, the rest slow), its ABC class by the
    # rank of its yearly value (80 / 15 / 5 % of the value), the class's segment.
    cr.execute(
        SQL(
            """
        CREATE TEMP TABLE scenario_item ON COMMIT DROP AS
        SELECT pp.id AS product_id,
               CASE WHEN pp.id %% 10 < 7 THEN 2 + random() * 20 ELSE 0.2 + random() * 0.6 END
                 AS level,
               0.2 + random() * 1.2 AS cv
          FROM product_product pp
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE pt.name ->> 'en_US' LIKE 'Scenario item %%'
            """
        )
    )
    cr.execute(
        SQL(
            """
        WITH v AS (
            SELECT i.product_id, i.level, i.cv,
                   i.level * 365 * (pp.standard_price ->> %(company)s)::float8 AS value
              FROM scenario_item i JOIN product_product pp ON pp.id = i.product_id
        ), c AS (
            SELECT *, (SUM(value) OVER (ORDER BY value DESC, product_id) - value)
                        / SUM(value) OVER () AS before
              FROM v
        )
        INSERT INTO stock_planning_profile (product_id, warehouse_id, company_id, segment_id,
               active, abc_class, xyz_class, annual_value, demand_cv, avg_daily_demand,
               forecast_daily, demand_sigma_daily, forecast_date,
               create_uid, write_uid, create_date, write_date)
        SELECT product_id, %(wh)s, %(company_id)s,
               CASE WHEN before < 0.8 THEN %(a)s WHEN before < 0.95 THEN %(b)s ELSE %(c)s END,
               true,
               CASE WHEN before < 0.8 THEN 'A' WHEN before < 0.95 THEN 'B' ELSE 'C' END,
               CASE WHEN cv < 0.5 THEN 'X' WHEN cv < 1.0 THEN 'Y' ELSE 'Z' END,
               value, cv, level, level, level * cv, %(today)s, 1, 1, now(), now()
          FROM c
            """,
            company=str(company.id),
            company_id=company.id,
            wh=warehouse.id,
            a=segments["A"].id,
            b=segments["B"].id,
            c=segments["C"].id,
            today=date.today(),
        )
    )
    # Daily deliveries over the replay window: a delivery on 6 days in 10, gamma-like.
    start = datetime.combine(date.today() - timedelta(days=days), datetime.min.time())
    cr.execute(
        SQL(
            """
        INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
               company_id, date, date_deadline, product_uom_qty, product_qty, quantity, state,
               procure_method, reference, create_uid, write_uid, create_date, write_date)
        SELECT i.product_id, %(uom)s, %(stock)s, %(customers)s, %(company)s, d.at, d.at,
               d.q, d.q, d.q, 'done', 'make_to_stock', 'Scenario delivery', 1, 1, d.at, d.at
          FROM scenario_item i
         CROSS JOIN generate_series(0, %(days)s - 1) day
         CROSS JOIN LATERAL (
               SELECT %(start)s::timestamp + day * interval '1 day' + interval '10 hours' AS at,
                      CASE WHEN random() < 0.6
                           THEN round((i.level / 0.6) * (1 + i.cv * (random() - 0.5) * 2))
                           ELSE 0 END AS q) d
         WHERE d.q > 0
            """,
            uom=uom.id,
            stock=warehouse.lot_stock_id.id,
            customers=customers.id,
            company=company.id,
            start=start,
            days=days,
        )
    )
    for table in ("stock_planning_profile", "stock_move", "product_supplierinfo"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    cr.execute(SQL("SELECT count(*) FROM stock_move WHERE reference = 'Scenario delivery'"))
    n_moves = cr.fetchone()[0]
    return company.id, segments["A"].id, n_moves


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--seed", type=float, default=0.17)
    args = parser.parse_args()

    registry = open_registry(args)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL

    today = date.today()
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company_id, segment_a, n_moves = build_catalogue(env, args.items, args.days, args.seed)
    setup_s = time.perf_counter() - t0

    # ------------------------------------------------------------------ anchor
    def replenishment():
        t = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            stats = env["stock.planning.profile"]._run_replenishment(
                companies=env["res.company"].browse(company_id),
                today=today,
                batch_size=args.batch_size,
            )[company_id]
        return time.perf_counter() - t, stats

    first_s, _first = replenishment()
    with registry.cursor() as cr:
        cr.execute(
            SQL(
                """UPDATE stock_planning_profile
                      SET avg_daily_demand = avg_daily_demand
                          * CASE WHEN id %% 10 = 3 THEN 1.6 ELSE 1.04 END
                    WHERE company_id = %s""",
                company_id,
            )
        )
    anchor_s, anchor_stats = replenishment()

    # ------------------------------------------------------------------ scenarios
    def evaluate(name, vals, changes):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
            scenario = env["stock.planning.scenario"].create(
                {
                    "name": name,
                    "company_id": company_id,
                    "history_days": args.days,
                    "change_ids": [(0, 0, c) for c in changes],
                    **vals,
                }
            )
            scenario.action_evaluate()
            scenario_id = scenario.id
        t = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref("stock_segment_scenario.ir_cron_scenario_evaluate")
            cron.method_direct_trigger()
        seconds = time.perf_counter() - t
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            scenario = env["stock.planning.scenario"].browse(scenario_id)
            out = {
                "s": seconds,
                "state": scenario.job_state,
                "message": scenario.job_message,
                "items": scenario.item_count,
                "not_planned": scenario.not_planned_count,
                "moved": scenario.moved_count,
                "engine_s": scenario.evaluation_seconds,
                "cur": scenario.current_stock_value,
                "new": scenario.scenario_stock_value,
            }
        return out

    policy = evaluate(
        "Scale: A to 99.5 %, +30 % lead time",
        {},
        [
            {"kind": "service_target", "value": 99.5, "segment_id": segment_a},
            {"kind": "lead_time_pct", "value": 30.0},
        ],
    )
    reseg = evaluate(
        "Scale: ABC cut-offs 70 / 90 on forecast-drawn demand",
        {"demand_source": "forecast", "demand_seed": 3},
        [{"kind": "abc_cutoffs", "value": 70.0, "value_2": 90.0}],
    )

    print(
        f"{args.items} plans, one warehouse, {args.days} days replayed, {n_moves} delivery "
        f"moves, cores={os.cpu_count()}, Odoo {odoo.release.serie}"
    )
    print(f"catalogue setup (not timed against the anchor): {setup_s:.1f} s")
    print(f"replenishment first run (reorder rules created): {first_s:.1f} s")
    print(
        f"ANCHOR replenishment recompute run of the same plans: {anchor_s:.1f} s "
        f"(proposals {anchor_stats['proposals']}, failed {anchor_stats['failed']})"
    )
    for label, r in (
        ("policy scenario (target + lead-time shock, real demand)", policy),
        ("re-segmentation scenario (ABC cut-offs, forecast-drawn demand)", reseg),
    ):
        print(
            f"{label}: {r['s']:.1f} s through the scheduled action (evaluation "
            f"{r['engine_s']:.1f} s), state {r['state']}"
            + (f" ({r['message']})" if r["message"] else "")
            + f", {r['items']} plans replayed, {r['not_planned']} not planned, "
            f"{r['moved']} change segment; stock value {r['cur']:.0f} -> {r['new']:.0f}; "
            f"ratio to the anchor {r['s'] / anchor_s:.2f}"
        )


if __name__ == "__main__":
    main()
