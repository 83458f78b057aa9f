"""Scale of the network placement inside Odoo: products x 4 warehouses.

Builds a synthetic catalogue with set-based SQL in a database that has
``stock_segment_network`` installed: one company, a central warehouse resupplying three
regional ones through Odoo's own resupply routes (2, 3 and 4 days of transit), a segment
that opts in, and per product one planning profile per warehouse (forecast and daily
sigma at the regional ones, none at the central one; the vendor's lead time at the
central one) with a reorder rule at today's independent min / max. Then, each case run
once at each of two batch sizes from the same state (the run is rolled back between the
two), counting the SQL queries of every batch (``_place_batch``):

1. first placement: every node whose placed min differs from its rule gets a proposal;
2. nightly re-run with the first placement's proposals still pending and nothing
   changed: no new proposal;
3. re-run with the demand of one product in ten moved by 60 %: their proposals
   supersede the pending ones.

The anchor, measured in the same run on the same reorder rules, is Odoo's own
computation of the quantity to order of every rule (``_compute_qty_to_order_computed``,
what the scheduler and the Replenishment screen compute). Also printed: the engine
alone (``gsm_place`` + ``gsm_cost`` for every product in one call per sub-network)
against ``gsm_cost`` called once per product, as before the costing was vectorised.

Run from the Odoo source directory (so that ``import odoo`` works)::

    python benchmarks/network_odoo_scale.py --db BENCH_DB --addons-path A,B \\
        --products 10000 --batch-sizes 250,1000 [--db-host H --db-port P --db-user U]

Commits the catalogue and the first placement. Use a scratch database.
"""

import argparse
import os
import statistics
import time
from collections import defaultdict

import numpy as np
from odoo_bench import add_database_arguments, open_registry

REGIONS = (("RG1", 2), ("RG2", 3), ("RG3", 4))  # code, transit days from the central


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--batch-sizes", default="250,1000")
    parser.add_argument("--seed", type=float, default=0.42)
    args = parser.parse_args()
    sizes = [int(x) for x in args.batch_sizes.split(",")]

    registry = open_registry(args)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import SQL

    from invplan.network import Network, gsm_cost, gsm_place

    # ------------------------------------------------------------------ catalogue
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("stock_segment_replenishment.approver_id", 0)
        company = env["res.company"].create({"name": f"Network scale {args.products}"})
        Warehouse = env["stock.warehouse"].with_company(company)
        central = Warehouse.search([("company_id", "=", company.id)], limit=1)
        if central:
            central.code = "CEN"
        else:
            central = Warehouse.create(
                {"name": "Network scale central", "code": "CEN", "company_id": company.id}
            )
        regions = []
        for code, days in REGIONS:
            wh = Warehouse.create(
                {
                    "name": f"Network scale {code}",
                    "code": code,
                    "company_id": company.id,
                    "resupply_wh_ids": [(6, 0, central.ids)],
                }
            )
            route = env["stock.route"].search(
                [("supplied_wh_id", "=", wh.id), ("supplier_wh_id", "=", central.id)]
            )
            route.rule_ids[:1].delay = days
            regions.append((wh, days))
        segment = env["stock.segment"].create(
            {
                "name": "Network scale",
                "code": f"NS{args.products}",
                "company_id": company.id,
                "replenishment_policy": "sS",
                "service_metric": "cycle_service_level",
                "service_level_target": 97.0,
                "holding_cost_rate": 25.0,
                "network_placement": True,
            }
        )
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
                SELECT jsonb_build_object('en_US', 'Network item ' || g), 'consu', true,
                       %(uom)s, 'none', 'no', true, true, true, 10, 1, 1, now(), now()
                  FROM generate_series(1, %(n)s) g
                RETURNING id
            )
            INSERT INTO product_product (product_tmpl_id, active, standard_price,
                   create_uid, write_uid, create_date, write_date)
            SELECT id, true, jsonb_build_object(%(company)s, 2 + random() * 50),
                   1, 1, now(), now() FROM t
            """,
                uom=uom.id,
                n=args.products,
                company=str(company.id),
            )
        )
        # One plan per product and warehouse: the central one sells nothing and buys
        # from the vendor in 5-19 days; the regional ones sell (sigma ~ CV 0.3-1.2 of
        # the mean) and are resupplied by the central one.
        nodes = [(central.id, 0)] + [(wh.id, days) for wh, days in regions]
        cr.execute(
            SQL(
                """
            INSERT INTO stock_planning_profile (product_id, warehouse_id, company_id,
                   segment_id, active, forecast_daily, demand_sigma_daily, lead_time_days,
                   unit_cost_used, create_uid, write_uid, create_date, write_date)
            SELECT d.id, d.wh, %(company_id)s, %(segment)s, true,
                   d.mu, d.mu * (0.3 + 0.9 * random()),
                   CASE WHEN d.days = 0 THEN 5 + (d.id %% 15) ELSE d.days END,
                   d.cost, 1, 1, now(), now()
              FROM (SELECT p.id, n.wh, n.days,
                           (p.standard_price ->> %(company)s)::float AS cost,
                           CASE WHEN n.days = 0 THEN 0 ELSE 0.5 + random() * 20 END AS mu
                      FROM product_product p
                      JOIN product_template t ON t.id = p.product_tmpl_id
                     CROSS JOIN (SELECT unnest(%(whs)s) AS wh, unnest(%(days)s) AS days) n
                     WHERE t.name ->> 'en_US' LIKE 'Network item %%'
                       AND p.standard_price ? %(company)s) d
            """,
                company_id=company.id,
                company=str(company.id),
                segment=segment.id,
                whs=[w for w, _d in nodes],
                days=[d for _w, d in nodes],
            )
        )
        # Today's independent plans: every warehouse covers its own lead time at the
        # segment's 97 % (z = 1.881), with a band of a week of demand.
        cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET reorder_point_qty = ceil(q.rop), max_qty = ceil(q.rop) + ceil(7 * q.mu)
              FROM (SELECT id, forecast_daily AS mu,
                           forecast_daily * lead_time_days
                           + 1.881 * demand_sigma_daily * sqrt(lead_time_days) AS rop
                      FROM stock_planning_profile WHERE company_id = %s) q
             WHERE q.id = p.id
            """,
                company.id,
            )
        )
        cr.execute(
            SQL(
                """
            INSERT INTO stock_warehouse_orderpoint (name, product_id, warehouse_id,
                   location_id, company_id, trigger, product_min_qty, product_max_qty,
                   active, create_uid, write_uid, create_date, write_date)
            SELECT 'NS' || p.id, p.product_id, p.warehouse_id, w.lot_stock_id,
                   p.company_id, 'auto', p.reorder_point_qty, p.max_qty, true,
                   1, 1, now(), now()
              FROM stock_planning_profile p
              JOIN stock_warehouse w ON w.id = p.warehouse_id
             WHERE p.company_id = %s
            """,
                company.id,
            )
        )
        for table in ("stock_planning_profile", "stock_warehouse_orderpoint", "product_product"):
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        company_id = company.id
        n_profiles = env["stock.planning.profile"].search_count([("company_id", "=", company_id)])
    setup_s = time.perf_counter() - t0

    # ------------------------------------------------------------------ instrumented runs
    Placement = registry["stock.network.placement"]
    batch_queries = defaultdict(list)
    engine_s = defaultdict(float)
    current = {}
    original = Placement._place_batch

    def counted(self, ctx, ids):
        before = self.env.cr.sql_log_count
        result = original(self, ctx, ids)
        batch_queries[(current["case"], current["size"])].append(self.env.cr.sql_log_count - before)
        return result

    Placement._place_batch = counted

    def run(case, size, commit=False):
        current.update(case=case, size=size)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"stock_segment_no_commit": True})
            t = time.perf_counter()
            stats = env["stock.network"]._run_placement(
                companies=env["res.company"].browse(company_id), batch_size=size
            )[company_id]
            env.flush_all()
            seconds = time.perf_counter() - t
            if not commit:
                cr.rollback()
        return {"case": case, "size": size, "s": seconds, "stats": stats}

    results = []
    for size in sizes:  # first placement, from the same state at both sizes
        results.append(run("first", size, commit=size == sizes[-1]))
    for size in sizes:  # the first placement's proposals pending, nothing changed
        results.append(run("unchanged", size))
    with registry.cursor() as cr:
        cr.execute(
            SQL(
                "UPDATE stock_planning_profile SET forecast_daily = forecast_daily * 1.6, "
                "demand_sigma_daily = demand_sigma_daily * 1.6 "
                "WHERE company_id = %s AND product_id %% 10 = 3",
                company_id,
            )
        )
    for size in sizes:
        results.append(run("demand moved", size))

    # ------------------------------------------------------------------ Odoo's own
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ops = env["stock.warehouse.orderpoint"].search([("company_id", "=", company_id)])
        n_ops = len(ops)
        t = time.perf_counter()
        ops._compute_qty_to_order_computed()
        env.flush_all()
        odoo_qty_s = time.perf_counter() - t
        cr.rollback()

    # ------------------------------------------------------------------ engine alone
    rng = np.random.default_rng(1)
    net = Network([("CEN", code, days) for code, days in REGIONS])
    P = args.products
    mu = {code: rng.uniform(0.5, 20.5, P) for code, _d in REGIONS}
    inputs = {
        "holding_cost": {n: rng.uniform(0.005, 0.04, P) for n in net.nodes},
        "demand_mean": mu,
        "demand_sigma": {c: m * rng.uniform(0.3, 1.2, P) for c, m in mu.items()},
        "z": 1.881,
        "inbound_service_time": {"CEN": rng.integers(5, 20, P)},
    }
    t = time.perf_counter()
    gsm_place(net, **inputs)
    engine_s["place"] = time.perf_counter() - t
    t = time.perf_counter()
    one_call = gsm_cost(net, 0.0, **inputs).cost.to_numpy()
    engine_s["cost"] = time.perf_counter() - t
    t = time.perf_counter()
    loop = np.array(
        [
            gsm_cost(
                net,
                0.0,
                holding_cost={n: v[k] for n, v in inputs["holding_cost"].items()},
                demand_mean={n: v[k] for n, v in mu.items()},
                demand_sigma={n: v[k] for n, v in inputs["demand_sigma"].items()},
                z=1.881,
                inbound_service_time={"CEN": inputs["inbound_service_time"]["CEN"][k]},
            ).cost.iloc[0]
            for k in range(P)
        ]
    )
    engine_s["loop"] = time.perf_counter() - t
    assert np.allclose(one_call, loop, rtol=1e-12)

    # ------------------------------------------------------------------ report
    print(
        f"{args.products} products x 4 warehouses ({n_profiles} plans, {n_ops} reorder rules), "
        f"cores={os.cpu_count()}, Odoo {odoo.release.serie}"
    )
    print(f"catalogue setup (set-based SQL, not timed against the anchor): {setup_s:.1f} s")
    for r in results:
        q = batch_queries[(r["case"], r["size"])]
        st = r["stats"]
        print(
            f"{r['case']:>12}, batch size {r['size']:>5} products: {r['s']:.1f} s "
            f"({1000 * r['s'] / args.products:.2f} ms/product); placed {st['placed']}, "
            f"proposals {st['proposals']}, pooling rows {st['pooling']}, exceptions "
            f"{st['exceptions']}, failed {st['failed']}; queries per batch: min {min(q)}, "
            f"median {statistics.median(q)}, max {max(q)} over {len(q)} batches"
        )
    print(
        f"anchor: Odoo's quantity to order of the same {n_ops} reorder rules "
        f"(_compute_qty_to_order_computed): {odoo_qty_s:.1f} s"
    )
    for case in ("first", "unchanged", "demand moved"):
        best = min(r["s"] for r in results if r["case"] == case)
        print(f"ratio {case} placement (best batch size) / anchor: {best / odoo_qty_s:.2f}")
    print(
        f"engine alone, {P} products on the 4-node tree: gsm_place {engine_s['place']:.2f} s, "
        f"gsm_cost in one call {engine_s['cost']:.3f} s, gsm_cost once per product "
        f"{engine_s['loop']:.1f} s (ratio loop / one call "
        f"{engine_s['loop'] / engine_s['cost']:.0f})"
    )


if __name__ == "__main__":
    main()
