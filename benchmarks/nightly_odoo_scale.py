"""The whole nightly planning run inside Odoo, end to end, with one worker and with two.

Builds one catalogue with set-based SQL in a copy of a database that has the planning
addons installed (``stock_segment_kpi``, ``stock_segment_lifecycle``,
``stock_segment_replenishment``): PAIRS product x warehouse pairs (PAIRS / 2 storable
products in two warehouses of the main company) with two years of weekly done customer
deliveries (smooth, intermittent and dying items), a receipt from the vendor every four
weeks, on-hand stock, a vendor price list line with its delay, the Buy route and a
standard price. No plan is inserted: the classification step creates them from the moves,
as on a real database.

The catalogue database is then copied twice (``createdb -T``) and the same first run
(``stock.planning.run._run_company``: classification, forecast, replenishment, stock
aging, KPI snapshot) is run on each copy:

- one worker: the run alone;
- two workers: the run, and beside it a second process with its own registry that calls
  ``stock.planning.run._cron_work()`` every second while a step is running (the helping
  cron worker), taking a share of the step's stored batches.

Prints per step: seconds, items, batches, workers, records written (from the step
records), the total, and the batches each worker ran (``stock_planning_run_batch.worker``).
After the one-worker run, Odoo's own quantity to order of every reorder rule of the
company (``_compute_qty_to_order_computed``, what the scheduler and the Replenishment
screen compute) is timed on the same database, rolled back.

Run from the Odoo source directory (so that ``import odoo`` works) with Odoo's
interpreter and the repository on PYTHONPATH::

    PYTHONPATH=/path/to/repo python /path/to/repo/benchmarks/nightly_odoo_scale.py \\
        --template DB_WITH_ADDONS --addons-path A,B --pairs 10000 [--keep]

With ``--nights 2`` the one-worker database runs a second night (the next day, on the
same data: a recompute night, where the rules exist and few values change) after the
first, and its steps are printed the same way.

With ``--ddmrp`` the same catalogue is also copied to a database where OCA DDMRP
(``ddmrp``, installed from PyPI into Odoo's Python environment) is installed; one buffer
per product x warehouse pair of the catalogue is created there (not timed), then DDMRP's
ADU computation (``stock.buffer.cron_ddmrp_adu``) and buffer refresh
(``stock.buffer.cron_ddmrp``) on those buffers are timed: the anchor the whole run is
compared with. When DDMRP is not installed the anchor is skipped with a line saying so.
The folder holding ``odoo.addons.ddmrp`` is added to the addons path for that database.

Per step it also prints the SQL statements the run's worker sent during the step
(Odoo's process-wide statement counter, read around each step) and their number per
batch, and the peak resident memory of each worker process (``getrusage``).

A large catalogue takes minutes to build: ``--generate-only`` builds it, keeps the
database (``PREFIX_PAIRS_cat``) and saves its figures beside it in the temporary folder;
``--catalogue PREFIX_PAIRS_cat`` then copies it for the runs instead of building one
(update its planning addons first, ``-u``, when their code changed since).
``--ddmrp-buffers N`` runs DDMRP on an even sample of N pairs and scales its time to
every pair (DDMRP at 100,000 buffers would take hours).

Every database it makes is named after ``--prefix`` and dropped at the end (unless
``--keep``). The first run writes the new reorder rules at once
(``stock_segment_replenishment.auto_apply_new_rules``), as a go-live run does; without it
every rule would wait for approval and there would be no rule for Odoo's anchor.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

from odoo_bench import add_database_arguments, open_registry


# ---------------------------------------------------------------------- catalogue
def generate(env, pairs, weeks, day, seed):
    """The catalogue of ``pairs`` product x warehouse pairs in the main company, set-based."""
    from odoo.tools import SQL

    cr = env.cr
    company = env.ref("base.main_company")
    wh1 = env["stock.warehouse"].search([("company_id", "=", company.id)], order="id", limit=1)
    wh2 = env["stock.warehouse"].create(
        {"name": "Nightly East", "code": "NTE", "company_id": company.id}
    )
    vendor = env["res.partner"].create({"name": "Nightly vendor", "is_company": True})
    buy = env.ref("purchase_stock.route_warehouse0_buy")
    uom = env.ref("uom.product_uom_unit")
    categ = env.ref("product.product_category_all", raise_if_not_found=False) or env[
        "product.category"
    ].search([], limit=1)
    customers = env.ref("stock.stock_location_customers")
    suppliers = env.ref("stock.stock_location_suppliers")
    env["ir.config_parameter"].set_param("stock_segment_replenishment.auto_apply_new_rules", "1")
    env.flush_all()
    n_products = (pairs + 1) // 2
    start = day - timedelta(weeks=weeks)
    cr.execute(SQL("SELECT setseed(%s)", seed))
    cr.execute(
        SQL(
            """
        WITH t AS (
            INSERT INTO product_template (name, type, is_storable, uom_id, categ_id, tracking,
                   service_tracking, active, sale_ok, purchase_ok, list_price,
                   create_uid, write_uid, create_date, write_date)
            SELECT jsonb_build_object('en_US', 'Nightly item ' || g), 'consu', true,
                   %(uom)s, %(categ)s, 'none', 'no', true, true, true,
                   round((8 + random() * 90)::numeric, 2), 1, 1,
                   %(created)s, %(created)s
              FROM generate_series(1, %(n)s) g
            RETURNING id, list_price
        ), p AS (
            INSERT INTO product_product (product_tmpl_id, active, standard_price,
                   create_uid, write_uid, create_date, write_date)
            SELECT id, true, jsonb_build_object(%(company)s, round(list_price * 0.6, 2)),
                   1, 1, %(created)s, %(created)s FROM t
            RETURNING id, product_tmpl_id
        ), s AS (
            INSERT INTO product_supplierinfo (partner_id, product_tmpl_id, product_uom_id,
                   currency_id, delay, min_qty, price, sequence, company_id,
                   create_uid, write_uid, create_date, write_date)
            SELECT %(vendor)s, p.product_tmpl_id, %(uom)s, %(currency)s, 3 + (p.id %% 12), 0,
                   round(t.list_price * 0.6, 2), 1, %(company_id)s, 1, 1, now(), now()
              FROM p JOIN t ON t.id = p.product_tmpl_id
        )
        INSERT INTO stock_route_product (route_id, product_id)
        SELECT %(buy)s, product_tmpl_id FROM p
            """,
            uom=uom.id,
            categ=categ.id,
            n=n_products,
            company=str(company.id),
            company_id=company.id,
            vendor=vendor.id,
            currency=company.currency_id.id,
            buy=buy.id,
            created=start - timedelta(days=30),
        )
    )
    # The pairs: every product in both warehouses, the last one in the first only when
    # PAIRS is odd. Kind by product: 60 % smooth, 30 % intermittent, 10 % dying (no
    # demand in the last 40 weeks).
    cr.execute(
        SQL(
            """
        CREATE TEMP TABLE nightly_pair ON COMMIT DROP AS
        SELECT pp.id AS product_id, w.stock AS stock, w.k AS k, pp.id %% 10 AS kind,
               2 + (pp.id %% 17) + w.k * 3 AS level
          FROM product_product pp
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
         CROSS JOIN (VALUES (0, %(s1)s), (1, %(s2)s)) AS w(k, stock)
         WHERE pt.name ->> 'en_US' LIKE 'Nightly item %%'
           AND (w.k = 0 OR pp.id < (SELECT max(id) FROM product_product) OR %(even)s)
            """,
            s1=wh1.lot_stock_id.id,
            s2=wh2.lot_stock_id.id,
            even=pairs % 2 == 0,
        )
    )
    cr.execute(
        SQL(
            """
        INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
               company_id, date, date_deadline, product_uom_qty, product_qty, quantity, state,
               procure_method, reference, create_uid, write_uid, create_date, write_date)
        SELECT p.product_id, %(uom)s, p.stock, %(customers)s, %(company)s, d.at, d.at,
               d.q, d.q, d.q, 'done', 'make_to_stock', 'Nightly delivery', 1, 1, d.at, d.at
          FROM nightly_pair p
         CROSS JOIN generate_series(0, %(weeks)s - 1) w
         CROSS JOIN LATERAL (
               SELECT %(start)s::timestamp + (w * 7 + floor(random() * 7)) * interval '1 day'
                        + interval '10 hours' AS at,
                      CASE WHEN p.kind < 6 AND random() < 0.9
                               THEN round(p.level * (1 + 0.3 * sin(w / 8.3)) + random() * 4)
                           WHEN p.kind BETWEEN 6 AND 8 AND random() < 0.25
                               THEN round(1 + random() * 9)
                           WHEN p.kind = 9 AND w < %(weeks)s - 40 AND random() < 0.6
                               THEN round(1 + random() * p.level)
                           ELSE 0 END AS q) d
         WHERE d.q > 0
            """,
            uom=uom.id,
            customers=customers.id,
            company=company.id,
            start=start,
            weeks=weeks,
        )
    )
    # A receipt every four weeks of about what was delivered in the four weeks before.
    cr.execute(
        SQL(
            """
        INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
               company_id, date, date_deadline, product_uom_qty, product_qty, quantity, state,
               procure_method, reference, create_uid, write_uid, create_date, write_date)
        SELECT p.product_id, %(uom)s, %(suppliers)s, p.stock, %(company)s, r.at, r.at,
               r.q, r.q, r.q, 'done', 'make_to_stock', 'Nightly receipt', 1, 1, r.at, r.at
          FROM nightly_pair p
         CROSS JOIN generate_series(0, %(weeks)s / 4 - 1) c
         CROSS JOIN LATERAL (
               SELECT %(start)s::timestamp + (c * 28 + 1) * interval '1 day'
                        + interval '8 hours' AS at,
                      round(CASE WHEN p.kind < 6 THEN 4 * p.level
                                 WHEN p.kind < 9 THEN 5 ELSE p.level END
                            * (0.8 + random() * 0.4)) AS q) r
         WHERE r.q > 0 AND NOT (p.kind = 9 AND c > %(weeks)s / 4 - 12)
            """,
            uom=uom.id,
            suppliers=suppliers.id,
            company=company.id,
            start=start,
            weeks=weeks,
        )
    )
    # On hand: a few weeks of demand (dying items keep what they had), entered a while ago.
    cr.execute(
        SQL(
            """
        INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
               reserved_quantity, in_date, create_uid, write_uid, create_date, write_date)
        SELECT product_id, stock, %(company)s,
               round(CASE WHEN kind = 9 THEN 2 * level ELSE level * (1 + random() * 4) END),
               0, %(day)s::timestamp - (floor(random() * 120) || ' days')::interval,
               1, 1, now(), now()
          FROM nightly_pair
            """,
            company=company.id,
            day=day,
        )
    )
    cr.execute(SQL("SELECT count(*) FROM nightly_pair"))
    n_pairs = cr.fetchone()[0]
    cr.execute(
        SQL(
            "SELECT count(*) FILTER (WHERE reference = 'Nightly delivery'), "
            "count(*) FILTER (WHERE reference = 'Nightly receipt') FROM stock_move"
        )
    )
    deliveries, receipts = cr.fetchone()
    return {"pairs": n_pairs, "deliveries": deliveries, "receipts": receipts}


# ---------------------------------------------------------------------- roles
def role_generate(args):
    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api

    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        out = generate(env, args.pairs, args.weeks, args.day, args.seed)
        cr.commit()
    with registry.cursor() as cr:
        cr.execute("ANALYZE")
    out["seconds"] = time.perf_counter() - t0
    write_json(args.out, out)


def count_step_queries(registry):
    """SQL statements per step code of this process, counted around each step's work.

    Odoo counts every statement of the process in ``odoo.sql_db.sql_counter``; the step's
    ``_execute`` is wrapped to read it before and after (the run's worker executes the
    steps one after the other, so the difference is the step's statements)."""
    import odoo.sql_db as sql_db

    counts = {}
    Step = registry["stock.planning.run.step"]  # the model's class
    execute = Step._execute

    def _execute(self, *args, **kwargs):
        before = sql_db.sql_counter
        try:
            return execute(self, *args, **kwargs)
        finally:
            for step in self:
                counts[step.code] = counts.get(step.code, 0) + sql_db.sql_counter - before

    Step._execute = _execute
    return counts


def peak_rss_mb():
    """The process's peak resident memory, in MB (``getrusage``: kilobytes on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def role_run(args):
    """The run of the main company; with ``--anchor``, Odoo's quantity to order after it."""
    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api

    out = {}
    queries = count_step_queries(registry)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        t0 = time.perf_counter()
        run = env["stock.planning.run"]._run_company(company, day=args.day)
        cr.commit()
        out["wall"] = time.perf_counter() - t0
        out.update(run_summary(cr, run, company))
        out["queries"] = dict(queries)
        out["rss_mb"] = peak_rss_mb()
        queries.clear()
    if args.nights > 1 and args.anchor:
        # A recompute night of the one-worker database: the next day, on the same data.
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            t0 = time.perf_counter()
            run = env["stock.planning.run"]._run_company(company, day=args.day + timedelta(days=1))
            cr.commit()
            out["second"] = {"wall": time.perf_counter() - t0}
            out["second"].update(run_summary(cr, run, company))
            out["second"]["queries"] = dict(queries)
            out["second"]["rss_mb"] = peak_rss_mb()
    if args.anchor:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company.id]})
            ops = env["stock.warehouse.orderpoint"].search([("company_id", "=", company.id)])
            t = time.perf_counter()
            ops._compute_qty_to_order_computed()
            env.flush_all()
            out["odoo_qty_to_order"] = {"rules": len(ops), "seconds": time.perf_counter() - t}
            cr.rollback()
    write_json(args.out, out)


def run_summary(cr, run, company):
    """The run's steps, the batches per worker and what the company holds after it."""
    out = {}
    out["run"] = {"state": run.state, "duration": run.duration}
    out["steps"] = [
        {
            "code": s.code,
            "state": s.state,
            "duration": s.duration,
            "items": s.items,
            "batches": s.batch_count,
            "batches_done": s.batches_done,
            "workers": s.workers,
            "written": s.written,
            "failures": s.failures,
            "note": s.note or "",
            "stats": s.stats or "",
        }
        for s in run.step_ids.sorted("sequence")
    ]
    cr.execute(
        """SELECT st.code, b.worker, count(*), sum(b.size)
             FROM stock_planning_run_batch b
             JOIN stock_planning_run_step st ON st.id = b.step_id
            WHERE st.run_id = %s
         GROUP BY st.code, st.sequence, b.worker ORDER BY st.sequence, b.worker""",
        [run.id],
    )
    out["workers"] = [list(r) for r in cr.fetchall()]
    cr.execute(
        "SELECT count(*) FROM stock_warehouse_orderpoint WHERE company_id = %s AND active",
        [company.id],
    )
    out["orderpoints"] = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM stock_planning_profile WHERE company_id = %s", [company.id])
    out["profiles"] = cr.fetchone()[0]
    return out


def role_helper(args):
    """A second worker: ``_cron_work()`` every second while a step of a run is running,
    until the run is over (or ``--timeout`` seconds)."""
    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api

    deadline = time.monotonic() + args.timeout
    calls = 0
    busy = 0.0
    seen = False
    while time.monotonic() < deadline:
        with registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), count(*) FILTER (WHERE r.state = 'running'), "
                "count(s.id) FILTER (WHERE s.state = 'running') "
                "FROM stock_planning_run r LEFT JOIN stock_planning_run_step s "
                "ON s.run_id = r.id AND s.state = 'running'"
            )
            runs, running, steps = cr.fetchone()
            if seen and not running:
                break
            seen = seen or bool(runs)
            # Only once a step runs: a run created but not yet locked by its worker
            # would otherwise be taken over whole by this one.
            if steps:
                env = api.Environment(cr, SUPERUSER_ID, {})
                t = time.perf_counter()
                env["stock.planning.run"]._cron_work()
                cr.commit()
                busy += time.perf_counter() - t
                calls += 1
        time.sleep(1.0)
    write_json(args.out, {"calls": calls, "busy": busy, "rss_mb": peak_rss_mb()})


def role_ddmrp(args):
    """DDMRP's anchor: one buffer per pair of the catalogue (not timed), then its ADU
    computation and its buffer refresh on those buffers, timed."""
    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api

    out = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        env = env(context={"allowed_company_ids": [company.id], "tracking_disable": True})
        Buffer = env["stock.buffer"]
        # The pairs of the catalogue: its products' stock in each warehouse.
        cr.execute(
            """SELECT q.product_id, q.location_id, l.warehouse_id
                 FROM stock_quant q
                 JOIN stock_location l ON l.id = q.location_id
                 JOIN product_product pp ON pp.id = q.product_id
                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                WHERE pt.name ->> 'en_US' LIKE 'Nightly item %%'
             ORDER BY q.product_id, l.warehouse_id"""
        )
        pairs = cr.fetchall()
        out["pairs"] = len(pairs)
        if args.ddmrp_buffers and args.ddmrp_buffers < len(pairs):
            # An even sample of the pairs (every k-th), when DDMRP on every pair would
            # take hours: its cost per buffer is what the ratio uses.
            step = len(pairs) / args.ddmrp_buffers
            pairs = [pairs[int(i * step)] for i in range(args.ddmrp_buffers)]
        profile = env.ref("ddmrp.stock_buffer_profile_replenish_purchased_medium_medium")
        adu = env.ref("ddmrp.adu_calculation_method_past_120")
        t = time.perf_counter()
        ids = []
        for k in range(0, len(pairs), 1000):
            ids += Buffer.create(
                [
                    {
                        "product_id": product,
                        "location_id": location,
                        "warehouse_id": warehouse,
                        "company_id": company.id,
                        "buffer_profile_id": profile.id,
                        "adu_calculation_method": adu.id,
                    }
                    for product, location, warehouse in pairs[k : k + 1000]
                ]
            ).ids
            cr.commit()
        out["buffers"] = len(ids)
        out["create_seconds"] = time.perf_counter() - t
        domain = [("id", "in", ids)]
        t = time.perf_counter()
        Buffer.cron_ddmrp_adu(domain=domain)
        cr.commit()
        out["adu_seconds"] = time.perf_counter() - t
        t = time.perf_counter()
        Buffer.cron_ddmrp(domain=domain)
        cr.commit()
        out["refresh_seconds"] = time.perf_counter() - t
        cr.execute(
            "SELECT count(*) FILTER (WHERE adu > 0), avg(adu) FROM stock_buffer WHERE id = ANY(%s)",
            [ids],
        )
        out["with_adu"], out["mean_adu"] = cr.fetchone()
    write_json(args.out, out)


def ddmrp_addons():
    """The folder that holds OCA's ``ddmrp`` in this Python environment, or None."""
    try:
        spec = importlib.util.find_spec("odoo.addons.ddmrp")
    except (ImportError, ValueError):
        spec = None
    if not spec or not spec.submodule_search_locations:
        return None
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def install_ddmrp(args, db, addons_path):
    """``ddmrp`` and its dependencies installed in ``db`` (Odoo's command line)."""
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        "-d",
        db,
        "--db_host",
        args.db_host,
        "--db_port",
        args.db_port,
        "--db_user",
        args.db_user,
        "--addons-path",
        addons_path,
        "-i",
        "ddmrp",
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
    ]
    subprocess.run(cmd, check=True)


def write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, default=str)


# ---------------------------------------------------------------------- orchestration
def child(args, role, db, out, *extra, addons_path=None):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--role",
        role,
        "--db",
        db,
        "--addons-path",
        addons_path or args.addons_path,
        "--db-host",
        args.db_host,
        "--db-port",
        args.db_port,
        "--db-user",
        args.db_user,
        "--pairs",
        str(args.pairs),
        "--weeks",
        str(args.weeks),
        "--day",
        args.day.isoformat(),
        "--seed",
        str(args.seed),
        "--nights",
        str(args.nights),
        "--out",
        out,
        "--ddmrp-buffers",
        str(args.ddmrp_buffers),
        *extra,
    ]
    return subprocess.Popen(cmd)


def pg(args, *cmd):
    subprocess.run([*cmd, "-h", args.db_host, "-p", args.db_port, "-U", args.db_user], check=True)


def wait(proc, what):
    if proc.wait() != 0:
        raise SystemExit(f"{what} failed (exit code {proc.returncode})")


def catalogue_json(args, catalogue):
    """Where the figures of a kept catalogue are saved."""
    return os.path.join(tempfile.gettempdir(), f"{catalogue}.json")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def print_run(label, res, helper=None):
    print(
        f"\n{label}: run {res['run']['state']}, {res['profiles']} plans, "
        f"{res['orderpoints']} active reorder rules after the run"
    )
    print(
        f"{'step':<15}{'seconds':>9}{'items':>9}{'batches':>9}{'workers':>9}{'written':>10}"
        f"{'failed':>8}{'queries':>9}{'q/batch':>9}"
    )
    total = 0.0
    queries = res.get("queries") or {}
    for s in res["steps"]:
        total += s["duration"]
        n = queries.get(s["code"])
        per_batch = f"{n / s['batches']:.0f}" if n is not None and s["batches"] else "-"
        print(
            f"{s['code']:<15}{s['duration']:>9.1f}{s['items']:>9}{s['batches']:>9}"
            f"{s['workers']:>9}{s['written']:>10}{s['failures']:>8}"
            f"{n if n is not None else '-':>9}{per_batch:>9}"
        )
    print(f"{'total of steps':<15}{total:>9.1f}")
    if res.get("rss_mb"):
        print(f"peak memory of the run's worker process: {res['rss_mb']:.0f} MB")
    print(f"{'run (record)':<15}{res['run']['duration']:>9.1f}")
    print(f"{'run (wall)':<15}{res['wall']:>9.1f}")
    for s in res["steps"]:
        if s["note"] or s["state"] not in ("done",):
            print(f"  step {s['code']}: state {s['state']}, note {s['note'][:300]!r}")
    workers = sorted({w for _c, w, _n, _s in res["workers"]})
    names = {w: f"worker {i + 1}" for i, w in enumerate(workers)}
    print("batches per worker (step: worker = batches / items):")
    for code in dict.fromkeys(c for c, *_ in res["workers"]):
        parts = [
            f"{names[w]} ({w}) = {n} / {size}" for c, w, n, size in res["workers"] if c == code
        ]
        print(f"  {code}: " + "; ".join(parts))
    if helper:
        print(
            f"helper: {helper['calls']} calls of _cron_work(), {helper['busy']:.1f} s busy, "
            f"peak memory {helper.get('rss_mb', 0):.0f} MB"
        )
    return total


def orchestrate(args):
    prefix = f"{args.prefix}_{args.pairs}"
    catalogue, one, two = f"{prefix}_cat", f"{prefix}_one", f"{prefix}_two"
    tmp = tempfile.mkdtemp(prefix="nightly_")
    made = []
    ddmrp_dir = ddmrp_addons() if args.ddmrp else None
    res_ddmrp = None
    try:
        if args.catalogue:
            # A catalogue generated earlier (``--generate-only``): its figures were saved
            # beside it; it is copied, never run on.
            catalogue = args.catalogue
            gen = read_json(catalogue_json(args, catalogue))
        else:
            pg(args, "createdb", "-T", args.template, catalogue)
            made.append(catalogue)
            wait(child(args, "generate", catalogue, f"{tmp}/gen.json"), "catalogue")
            gen = read_json(f"{tmp}/gen.json")
            if args.generate_only:
                made.remove(catalogue)
                with open(catalogue_json(args, catalogue), "w") as f:
                    json.dump(gen, f)
                print(f"catalogue {catalogue} kept: {gen}")
                return
        installed = None
        if ddmrp_dir:
            # Copied before any run: DDMRP starts from the same catalogue.
            ddmrp_db = f"{prefix}_ddmrp"
            if args.ddmrp_prepared:
                installed = 0.0  # installed beforehand by --prepare-ddmrp
            else:
                pg(args, "createdb", "-T", catalogue, ddmrp_db)
            made.append(ddmrp_db)
            if args.prepare_ddmrp:
                t = time.perf_counter()
                install_ddmrp(args, ddmrp_db, f"{args.addons_path},{ddmrp_dir}")
                made.remove(ddmrp_db)
                print(f"{ddmrp_db} kept, DDMRP installed in {time.perf_counter() - t:.1f} s")
                return
        if args.one_worker_only and not args.catalogue:
            one = catalogue
        elif args.one_worker_only:
            pg(args, "createdb", "-T", catalogue, one)
            made.append(one)
        else:
            for db in (one, two):
                pg(args, "createdb", "-T", catalogue, db)
                made.append(db)
        # One worker, then two: the runs are not run side by side (2 cores).
        wait(child(args, "run", one, f"{tmp}/one.json", "--anchor"), "one-worker run")
        res_one, res_two, res_helper = read_json(f"{tmp}/one.json"), None, None
        if not args.one_worker_only:
            helper = child(args, "helper", two, f"{tmp}/helper.json")
            time.sleep(2.0)  # the helper's registry is loading; it waits for a running step
            wait(child(args, "run", two, f"{tmp}/two.json"), "two-worker run")
            wait(helper, "helper")
            res_two, res_helper = read_json(f"{tmp}/two.json"), read_json(f"{tmp}/helper.json")
        if ddmrp_dir:
            path = f"{args.addons_path},{ddmrp_dir}"
            if installed is None:
                t = time.perf_counter()
                install_ddmrp(args, ddmrp_db, path)
                installed = time.perf_counter() - t
            wait(child(args, "ddmrp", ddmrp_db, f"{tmp}/ddmrp.json", addons_path=path), "DDMRP")
            res_ddmrp = read_json(f"{tmp}/ddmrp.json")
            res_ddmrp["install_seconds"] = installed
    finally:
        if not args.keep:
            for db in made:
                subprocess.run(
                    [
                        "dropdb",
                        "--if-exists",
                        "-h",
                        args.db_host,
                        "-p",
                        args.db_port,
                        "-U",
                        args.db_user,
                        db,
                    ],
                    check=False,
                )
    print(
        f"catalogue: {gen['pairs']} product x warehouse pairs, {gen['deliveries']} done "
        f"deliveries and {gen['receipts']} done receipts over {args.weeks} weeks, generated "
        f"in {gen['seconds']:.1f} s (not part of the run); run day {args.day}; "
        f"cores={os.cpu_count()}"
    )
    total_one = print_run("one worker", res_one)
    if res_two:
        total_two = print_run("two workers", res_two, res_helper)
        print(
            f"\ntotal of steps: one worker {total_one:.1f} s, two workers {total_two:.1f} s "
            f"(ratio {total_one / total_two:.2f})"
        )
    totals = {"first night": total_one}
    if res_one.get("second"):
        totals["recompute night"] = print_run(
            "one worker, recompute night (next day, same data)", res_one["second"]
        )
    anchor = res_one.get("odoo_qty_to_order")
    if anchor:
        print(
            f"\nOdoo's quantity to order of {anchor['rules']} reorder rules "
            f"(_compute_qty_to_order_computed), same database after the one-worker run: "
            f"{anchor['seconds']:.1f} s"
        )
        for label, res in (("first night", res_one), ("recompute night", res_one.get("second"))):
            if not res:
                continue
            replenishment = next(
                (s["duration"] for s in res["steps"] if s["code"] == "replenishment"), None
            )
            print(
                f"  {label}: replenishment step {replenishment:.1f} s, "
                f"/ Odoo's: {replenishment / anchor['seconds']:.2f}"
            )
    if not args.ddmrp:
        return
    if not res_ddmrp:
        print("\nDDMRP anchor skipped: OCA ddmrp is not installed in this Python environment")
        return
    ddmrp = res_ddmrp["adu_seconds"] + res_ddmrp["refresh_seconds"]
    sampled = res_ddmrp["buffers"] < res_ddmrp.get("pairs", res_ddmrp["buffers"])
    if sampled:
        # Scaled to every pair by its cost per buffer (each buffer's ADU and refresh
        # read and write only that buffer's own moves and fields).
        measured = ddmrp
        ddmrp = measured * res_ddmrp["pairs"] / res_ddmrp["buffers"]
        print(
            f"\nDDMRP run on a sample of {res_ddmrp['buffers']} of the {res_ddmrp['pairs']} "
            f"pairs ({measured:.1f} s), scaled to every pair: {ddmrp:.1f} s"
        )
    print(
        f"\nDDMRP (OCA ddmrp, same catalogue): {res_ddmrp['buffers']} buffers "
        f"(created in {res_ddmrp['create_seconds']:.1f} s, module installed in "
        f"{res_ddmrp['install_seconds']:.1f} s, neither timed in the anchor); "
        f"{res_ddmrp['with_adu']} with an ADU above 0"
    )
    print(
        f"  ADU (cron_ddmrp_adu) {res_ddmrp['adu_seconds']:.1f} s + buffer refresh "
        f"(cron_ddmrp) {res_ddmrp['refresh_seconds']:.1f} s = "
        f"{res_ddmrp['adu_seconds'] + res_ddmrp['refresh_seconds']:.1f} s"
        + (f", scaled to every pair: {ddmrp:.1f} s" if sampled else "")
    )
    for label, total in totals.items():
        print(
            f"  {label}: whole run {total:.1f} s; DDMRP / whole run: {ddmrp / total:.2f} "
            f"(target: 10 or more)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_arguments(parser)
    parser.set_defaults(db=None)
    for action in parser._actions:
        if action.dest == "db":
            action.required = False
    parser.add_argument("--template", help="database with the planning addons installed")
    parser.add_argument("--prefix", default="nightly_bench")
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--day", type=date.fromisoformat, default=date.today())
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--one-worker-only",
        action="store_true",
        help="only the one-worker run, on the catalogue database itself (no copies)",
    )
    parser.add_argument(
        "--nights",
        type=int,
        default=1,
        choices=[1, 2],
        help="2: the one-worker database also runs a recompute night (the next day)",
    )
    parser.add_argument(
        "--ddmrp",
        action="store_true",
        help="also time OCA DDMRP's ADU and buffer refresh on the same catalogue",
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="only build the catalogue database and keep it (with its figures beside it)",
    )
    parser.add_argument(
        "--catalogue",
        help="a catalogue kept by --generate-only (with the same --pairs): copied, not built",
    )
    parser.add_argument(
        "--prepare-ddmrp",
        action="store_true",
        help="with --catalogue and --ddmrp: only copy it to PREFIX_PAIRS_ddmrp, install "
        "DDMRP there (untimed) and keep it",
    )
    parser.add_argument(
        "--ddmrp-prepared",
        action="store_true",
        help="use the PREFIX_PAIRS_ddmrp database kept by --prepare-ddmrp",
    )
    parser.add_argument(
        "--ddmrp-buffers",
        type=int,
        default=0,
        help="DDMRP on an even sample of this many pairs, scaled to every pair (0: all)",
    )
    parser.add_argument(
        "--role", choices=["generate", "run", "helper", "ddmrp"], help=argparse.SUPPRESS
    )
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--anchor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=4 * 3600, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        roles = {
            "generate": role_generate,
            "run": role_run,
            "helper": role_helper,
            "ddmrp": role_ddmrp,
        }
        roles[args.role](args)
    elif not args.template and not args.catalogue:
        parser.error("--template (or --catalogue) is required")
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
