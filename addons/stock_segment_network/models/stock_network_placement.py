import logging
import math

import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.tools import SQL

from invplan.network import Network, gsm_cost, gsm_place
from invplan.policy import safety_factor_cycle

from .stock_planning_exception import NETWORK_EXCEPTION_TYPES

_logger = logging.getLogger(__name__)

DEFAULT_HOLDING_RATE = 25.0  # % of the cost per year, when the segment gives none


class StockNetworkPlacement(models.Model):
    """Guaranteed-service placement of one product at one warehouse of the network."""

    _name = "stock.network.placement"
    _description = "Safety-stock Placement"
    _order = "product_id, sequence, warehouse_id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, index=True, readonly=True)
    segment_id = fields.Many2one("stock.segment", index=True, readonly=True)
    profile_id = fields.Many2one("stock.planning.profile", "Plan", readonly=True, index=True)
    proposal_id = fields.Many2one(
        "stock.replenishment.proposal", readonly=True, ondelete="set null"
    )
    sequence = fields.Integer(readonly=True, help="Position of the node, suppliers first.")
    date = fields.Date("Placed On", readonly=True)
    inbound_service_time = fields.Integer(
        "Service Time In (days)",
        readonly=True,
        help="Days within which the node's supplier (or the vendor, at the central node) "
        "delivers: its service time plus the transit time.",
    )
    outbound_service_time = fields.Integer(
        "Service Time Out (days)",
        readonly=True,
        help="Days the node promises its customers or the warehouses it resupplies.",
    )
    net_replenishment_time = fields.Integer(
        "Covered Time (days)",
        readonly=True,
        help="Service time in minus service time out: the days of demand the node's stock covers.",
    )
    net_demand_mean = fields.Float(
        "Net Demand / Day",
        readonly=True,
        digits="Product Unit",
        help="Own customers' forecast plus the forecast of the warehouses it resupplies.",
    )
    net_demand_sigma = fields.Float("Net Demand Sigma / Day", readonly=True, digits="Product Unit")
    safety_stock = fields.Float(readonly=True, digits="Product Unit")
    base_stock = fields.Float(
        readonly=True,
        digits="Product Unit",
        help="Demand over the covered time plus the safety stock: the proposed min.",
    )
    holds_stock = fields.Boolean(readonly=True)
    independent_safety_stock = fields.Float(
        "Safety Stock (independent)",
        readonly=True,
        digits="Product Unit",
        help="Safety stock of today's independent plans: every warehouse promises 0 days "
        "and covers its full lead time.",
    )
    holding_cost_rate = fields.Float(
        "Holding Cost / Unit / Day", readonly=True, digits="Product Price"
    )
    placed_cost = fields.Monetary(
        "Safety-stock Cost / Day (placed)",
        currency_field="currency_id",
        readonly=True,
    )
    independent_cost = fields.Monetary(
        "Safety-stock Cost / Day (independent)",
        currency_field="currency_id",
        readonly=True,
    )
    saving = fields.Monetary(
        "Saving / Day",
        currency_field="currency_id",
        readonly=True,
        help="Independent plans' safety-stock holding cost minus the placement's.",
    )
    safety_stock_value = fields.Monetary(
        "Safety-stock Value (placed)", currency_field="currency_id", readonly=True
    )
    independent_value = fields.Monetary(
        "Safety-stock Value (independent)", currency_field="currency_id", readonly=True
    )

    # ------------------------------------------------------------------ job
    @api.model
    def _fetch_inputs(self, company, warehouse_ids):
        """The plans of opted-in segments at the network's warehouses, with their
        reorder rules' min / max: one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id,
                   p.forecast_daily, p.demand_sigma_daily, p.lead_time_days,
                   p.reorder_point_qty, p.max_qty, p.order_qty, p.unit_cost_used,
                   s.service_level_target, s.service_metric, s.holding_cost_rate,
                   s.network_push, op.id AS op_id, op.product_min_qty AS op_min,
                   op.product_max_qty AS op_max, op.id IS NOT NULL AS op_active
              FROM stock_planning_profile p
              JOIN stock_segment s ON s.id = p.segment_id
         LEFT JOIN LATERAL (
                   -- the plan's reorder rule, as the plan's ``orderpoint_id`` finds it
                   SELECT o.id, o.product_min_qty, o.product_max_qty
                     FROM stock_warehouse_orderpoint o
                    WHERE o.product_id = p.product_id AND o.warehouse_id = p.warehouse_id
                      AND o.active
                 ORDER BY o.id LIMIT 1) op ON true
             WHERE p.company_id = %s AND p.active AND s.network_placement
               AND p.warehouse_id = ANY(%s)
          ORDER BY p.product_id, p.warehouse_id
            """,
                company.id,
                list(warehouse_ids),
            )
        )
        cols = [d[0] for d in self.env.cr.description]
        return pd.DataFrame(self.env.cr.fetchall(), columns=cols)

    @api.model
    def _product_costs(self, company, product_ids):
        products = self.env["product.product"].with_company(company).browse(product_ids)
        return dict(zip(products.ids, products.mapped("standard_price"), strict=True))

    @api.model
    def _prepare_inputs(self, company, rows, code):
        """The engine's inputs per plan: node code, daily mean and sigma, holding cost
        per unit and day, safety factor and lead time (whole days)."""
        missing = rows.unit_cost_used.isna() | (rows.unit_cost_used <= 0)
        costs = self._product_costs(company, [int(p) for p in rows.product_id[missing].unique()])
        rows["node"] = rows.warehouse_id.map(code)
        rows["mu"] = rows.forecast_daily.astype(float).fillna(0.0).clip(lower=0.0)
        rows["sd"] = rows.demand_sigma_daily.astype(float).fillna(0.0).clip(lower=0.0)
        cost = rows.unit_cost_used.where(~missing, rows.product_id.map(costs)).astype(float)
        rate = rows.holding_cost_rate.where(rows.holding_cost_rate > 0, DEFAULT_HOLDING_RATE)
        rows["h"] = cost.fillna(0.0) * rate.astype(float) / 100.0 / 365.0
        rows["cost"] = cost.fillna(0.0)
        rows = self._safety_factors(rows)
        rows["lead"] = np.ceil(rows.lead_time_days.astype(float).fillna(0.0).clip(lower=0.0))
        return rows

    @api.model
    def _safety_factors(self, rows):
        """The service target of each plan. A cycle-service segment's target gives the
        safety factor z (``safety_factor_cycle``). A fill-rate segment's target is kept
        as a fill rate (``beta``) with the plan's order quantity (``q``: its order
        quantity, else its min-max band): the engine then finds, node by node, the
        safety factor that meets it over the cover the placement chooses
        (``safety_factor_fill_rate``). A plan without an order quantity cannot have a
        fill rate computed: its target is used as a cycle service level."""
        target = rows.service_level_target.astype(float).fillna(95.0).clip(50.0, 99.99) / 100.0
        rows["z"] = safety_factor_cycle(target.to_numpy())
        band = (rows.max_qty.astype(float) - rows.reorder_point_qty.astype(float)).fillna(0.0)
        order = rows.order_qty.astype(float).fillna(0.0)
        rows["q"] = order.where(order > 0, band).clip(lower=0.0)
        fill = (rows.service_metric == "fill_rate") & (rows.q > 0)
        rows["beta"] = target.where(fill, 0.0)
        return rows

    @api.model
    def _place_company(self, network, batch_size=None, today=None):
        """Place the safety stock of the company's opted-in products on ``network``
        (valid), in batches of products: each batch stores its placement and pooling
        rows, proposes the min / max of each node and syncs its exceptions with a
        number of queries that does not depend on the number of products in it."""
        company = network.company_id
        code = {n.warehouse_id.id: n.warehouse_id.code for n in network.node_ids}
        wh_of = {c: w for w, c in code.items()}
        arcs = [
            (code[a.supplier_wh_id.id], code[a.warehouse_id.id], math.ceil(a.lead_time_days))
            for a in network.arc_ids
        ]
        connected = {a.supplier_wh_id.id for a in network.arc_ids} | {
            a.warehouse_id.id for a in network.arc_ids
        }
        rows = self._fetch_inputs(company, connected)
        self._clear_company(company)
        stats = {"placed": 0, "proposals": 0, "skipped": 0, "pooling": 0}
        stats.update(exceptions=0, transfers=0, batches=0, failed=0)
        if rows.empty:
            stats["exceptions_closed"] = self._close_stale_exceptions(company, set())
            return stats
        rows = self._prepare_inputs(company, rows, code)
        # The sub-network each product spans: one engine call per sub-network and batch.
        nodes_of, demand_of = {}, {}
        columns = (rows.product_id.to_numpy(), rows.node.to_numpy(), rows.mu.to_numpy())
        for product_id, node, mu, sd in zip(*columns, rows.sd.to_numpy(), strict=True):
            nodes_of.setdefault(int(product_id), set()).add(node)
            if mu > 0 or sd > 0:
                demand_of.setdefault(int(product_id), set()).add(node)
        group_of = {}
        for product_id in sorted(nodes_of):
            kept = self._sub_network(arcs, nodes_of[product_id], demand_of.get(product_id, set()))
            if kept:
                group_of[product_id] = tuple(kept)
            else:
                stats["skipped"] += 1
        params = self.env["ir.config_parameter"].sudo()
        size = batch_size or int(params.get_param("stock_segment_network.batch_size", 1000))
        ctx = {
            "company": company,
            "code": code,
            "wh_of": wh_of,
            "suppliers": {a.warehouse_id.id: a.supplier_wh_id.id for a in network.arc_ids},
            "supplier_names": {
                a.warehouse_id.id: a.supplier_wh_id.display_name for a in network.arc_ids
            },
            "rows": rows.set_index("product_id", drop=False).sort_index(),
            "group_of": group_of,
            "today": today or self.env["stock.planning.run"]._planning_day(),
            "threshold": float(params.get_param("stock_segment_network.saving_threshold", "100")),
            "job_user": self.env.ref("base.user_root").id,
            "placed_profiles": set(),
        }
        ids = sorted(group_of)
        batches = [ids[i : i + max(size, 1)] for i in range(0, len(ids), max(size, 1))]
        stats["batches"] = len(batches)

        def run(product_ids):
            for key, value in self._place_batch(ctx, product_ids).items():
                stats[key] = stats.get(key, 0) + value

        failed = self.env["stock.planning.profile"]._run_batches(
            "Network placement", batches, run, logger=_logger, shared=False
        )
        stats["failed"] = len(failed)
        # A failed product keeps its exceptions: it was not placed, nor found clear.
        kept = ctx["placed_profiles"] | set(rows.id[rows.product_id.isin(failed)].astype(int))
        stats["exceptions_closed"] = self._close_stale_exceptions(company, kept)
        return stats

    @api.model
    def _close_stale_exceptions(self, company, placed_profile_ids):
        """Close, as done by the job, the open network exceptions of the company's plans
        that this run did not place (their segment no longer opts in, the plan left the
        network, the product was skipped, the network became invalid): nothing checks
        them any more. Returns the number closed."""
        Exception_ = self.env["stock.planning.exception"].sudo()
        types = [key for key, _label in NETWORK_EXCEPTION_TYPES]
        stale = Exception_.search(
            [
                ("source", "=", "network"),
                ("exception_type", "in", types),
                ("company_id", "=", company.id),
                ("state", "in", ["new", "in_progress"]),
                ("profile_id", "not in", list(placed_profile_ids)),
            ]
        )
        if not stale:
            return 0
        _created, _updated, resolved = Exception_._sync_exceptions(
            "network", types, stale.profile_id.ids, {}
        )
        return resolved

    @api.model
    def _clear_company(self, company):
        """The company's last placement and pooling rows go (one DELETE each) and its
        pending transfers (decided ones stay)."""
        self.env.flush_all()
        for model in ("stock.network.placement", "stock.network.pooling"):
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE company_id = %s",
                    SQL.identifier(self.env[model]._table),
                    company.id,
                )
            )
            self.env[model].invalidate_model()
        self.env["stock.network.distribution"].sudo().search(
            [("company_id", "=", company.id), ("state", "=", "pending")]
        ).unlink()

    @api.model
    def _place_batch(self, ctx, product_ids):
        """Place one batch of products: one ``gsm_place`` and one ``gsm_cost`` (today's
        independent plans) per sub-network, then bulk writes."""
        company = ctx["company"]
        rows = ctx["rows"].loc[list(product_ids)].reset_index(drop=True)
        groups = {}
        for product_id in product_ids:
            groups.setdefault(ctx["group_of"][product_id], []).append(product_id)
        out = {"skipped": 0}
        frames = []
        for kept, ids in groups.items():
            net = Network(list(kept))
            sub = rows[rows.product_id.isin(ids) & rows.node.isin(net.nodes)]

            def frame(col, sub=sub, ids=ids, net=net):
                return (
                    sub.pivot(index="product_id", columns="node", values=col)
                    .reindex(index=ids, columns=list(net.nodes))
                    .fillna(0.0)
                )

            si = frame("lead")
            roots = set(net.roots)
            si[[c for c in si.columns if c not in roots]] = 0.0
            inputs = {
                "holding_cost": frame("h"),
                "demand_mean": frame("mu"),
                "demand_sigma": frame("sd"),
                "z": frame("z").where(lambda f: f > 0, 1.6448536269514722),
                "inbound_service_time": si,
            }
            if (sub.beta > 0).any():
                inputs.update(fill_rate=frame("beta"), order_qty=frame("q"))
            try:
                placed = gsm_place(net, products=ids, **inputs).nodes
                indep = gsm_cost(net, 0.0, products=ids, **inputs).nodes
            except ValueError as exc:
                # Bad data of a group never stops the company's other products.
                _logger.warning(
                    "Network placement of %s products of %s skipped: %s",
                    len(ids),
                    company.name,
                    exc,
                )
                out["skipped"] += len(ids)
                continue
            seq = {node: k for k, node in enumerate(net.topological_order())}
            placed["sequence"] = placed.node.map(seq)
            placed["independent_safety_stock"] = indep.safety_stock.to_numpy()
            placed["independent_cost"] = indep.safety_stock_cost.to_numpy()
            frames.append(placed)
        if not frames:
            return out
        placed = pd.concat(frames, ignore_index=True).merge(
            rows[["product_id", "node", "id", "segment_id", "warehouse_id", "cost"]],
            left_on=["product", "node"],
            right_on=["product_id", "node"],
        )
        placed = placed.sort_values(["product_id", "sequence"], kind="stable")
        vals = [
            {
                "company_id": company.id,
                "product_id": int(r.product_id),
                "warehouse_id": int(r.warehouse_id),
                "segment_id": int(r.segment_id),
                "profile_id": int(r.id),
                "sequence": int(r.sequence),
                "date": ctx["today"],
                "inbound_service_time": int(r.inbound_service_time),
                "outbound_service_time": int(r.outbound_service_time),
                "net_replenishment_time": int(r.net_replenishment_time),
                "net_demand_mean": float(r.net_demand_mean),
                "net_demand_sigma": float(r.net_demand_sigma),
                "safety_stock": float(r.safety_stock),
                "base_stock": float(r.base_stock),
                "holds_stock": bool(r.holds_stock),
                "independent_safety_stock": float(r.independent_safety_stock),
                "holding_cost_rate": float(r.holding_cost_rate),
                "placed_cost": float(r.safety_stock_cost),
                "independent_cost": float(r.independent_cost),
                "saving": float(r.independent_cost - r.safety_stock_cost),
                "safety_stock_value": float(r.safety_stock) * float(r.cost),
                "independent_value": float(r.independent_safety_stock) * float(r.cost),
            }
            for r in placed.itertuples(index=False)
        ]
        # One dict per plan: row lookups in a DataFrame would cost more than the rest.
        plans = rows.set_index("id").to_dict("index")
        out["pooling"] = self.env["stock.network.pooling"]._pool_batch(
            company, rows, ctx["code"], today=ctx["today"]
        )
        out["proposals"] = self._propose_rows(ctx, vals, plans)
        _insert_rows(self, vals)
        out["placed"] = len(vals)
        ctx["placed_profiles"].update(v["profile_id"] for v in vals)
        out["exceptions"] = self._sync_network_exceptions(ctx, vals, plans)
        out["transfers"] = self.env["stock.network.distribution"]._plan_push(
            company, groups, rows, vals, ctx["wh_of"], today=ctx["today"]
        )
        return out

    @api.model
    def _sync_network_exceptions(self, ctx, vals, plans):
        """The network's exceptions of the placed plans (``vals``: the placement rows of
        a batch): a resupplied warehouse whose reorder rule's min is below the stock
        needed for the time its supplier warehouse guarantees (its service time plus
        transit), and a placement whose yearly saving reaches the threshold but waits
        for approval."""
        threshold = ctx["threshold"]
        yearly = {}
        for v in vals:
            yearly[v["product_id"]] = yearly.get(v["product_id"], 0.0) + 365.0 * v["saving"]
        found = {}
        for v in vals:
            plan = plans[v["profile_id"]]
            base = {
                "product_id": v["product_id"],
                "warehouse_id": v["warehouse_id"],
                "segment_id": v["segment_id"],
                "company_id": v["company_id"],
            }
            supplier = ctx["suppliers"].get(v["warehouse_id"])
            current_min = float(plan["op_min"] or 0.0) if plan["op_active"] else 0.0
            # A pushed warehouse has no rule: the distribution plan resupplies it.
            pushed = bool(plan["network_push"])
            if supplier and not pushed and current_min < v["base_stock"] - 1.0:
                found[(v["profile_id"], "network_inconsistent")] = dict(
                    base,
                    severity="high",
                    message=self.env._(
                        "The reorder rule's min (%(min).1f) is below the %(base).1f units "
                        "needed while %(supplier)s delivers within %(si)s days (its service "
                        "time plus transit).",
                        min=current_min,
                        base=v["base_stock"],
                        supplier=ctx["supplier_names"][v["warehouse_id"]],
                        si=v["inbound_service_time"],
                    ),
                    financial_impact=float(plan["cost"] or 0.0) * (v["base_stock"] - current_min),
                )
            saving = yearly[v["product_id"]]
            if v.get("proposal_id") and saving >= threshold and saving > 0:
                found[(v["profile_id"], "network_saving_unapplied")] = dict(
                    base,
                    severity="medium",
                    message=self.env._(
                        "The network placement saves %(saving).2f a year of safety-stock "
                        "holding cost for this product; its proposal waits for approval.",
                        saving=saving,
                    ),
                    financial_impact=saving,
                )
        created, updated, _resolved = self.env["stock.planning.exception"]._sync_exceptions(
            "network",
            [key for key, _label in NETWORK_EXCEPTION_TYPES],
            [v["profile_id"] for v in vals],
            found,
        )
        return created + updated

    @staticmethod
    def _sub_network(arcs, nodes, demand):
        """The arcs between the warehouses where the product has a plan (``nodes``),
        leaves without demand pruned (a warehouse that sells nothing of the product and
        resupplies no one needs no stock of it; ``demand``: the warehouses with
        demand)."""
        kept = [a for a in arcs if a[0] in nodes and a[1] in nodes]
        while True:
            ups = {a[0] for a in kept}
            drop = {a[1] for a in kept if a[1] not in ups and a[1] not in demand}
            if not drop:
                return kept
            kept = [a for a in kept if a[1] not in drop]

    @api.model
    def _propose_rows(self, ctx, vals, plans):
        """A pending proposal per node whose placed min / max differ from its reorder
        rule: min = base stock (rounded up), max = min + the plan's order quantity.
        An identical network proposal still pending is kept (no new approval for the
        same change); other pending proposals of the batch's plans are superseded.
        Sets ``proposal_id`` in ``vals``; returns the number of new proposals."""
        if not vals:
            return 0
        Proposal = self.env["stock.replenishment.proposal"]
        Profile = self.env["stock.planning.profile"].sudo()
        profiles = Profile.browse([v["profile_id"] for v in vals])
        # What the proposal values read, in two queries for the batch: the plans' rules
        # (found by the input query as the plans' ``orderpoint_id`` finds them; put in
        # the cache, or the ORM would compute them a thousand plans at a time) and
        # their fields.
        op_ids = [
            None
            if pd.isna(plans[v["profile_id"]]["op_id"])
            else int(plans[v["profile_id"]]["op_id"])
            for v in vals
        ]
        Profile._fields["orderpoint_id"]._insert_cache(profiles, op_ids)
        profiles.fetch(["segment_id"])
        self.env["stock.warehouse.orderpoint"].sudo().browse(
            sorted({i for i in op_ids if i})
        ).fetch(["product_min_qty", "product_max_qty", "replenishment_uom_id", "trigger"])
        self.env.cr.execute(
            SQL(
                """
            SELECT profile_id, id, action, new_min_qty, new_max_qty
              FROM stock_replenishment_proposal
             WHERE profile_id = ANY(%s) AND state = 'pending' AND reason = 'network'
            """,
                profiles.ids,
            )
        )
        waiting = {r[0]: r[1:] for r in self.env.cr.fetchall()}
        creates, targets, kept = [], [], set()
        for v in vals:
            plan = plans[v["profile_id"]]
            band = max(0.0, _num(plan["max_qty"]) - _num(plan["reorder_point_qty"]))
            new_min = float(math.ceil(v["base_stock"] - 1e-9))
            new_max = new_min + float(math.ceil(band - 1e-9))
            has_op = not pd.isna(plan["op_id"])
            active = has_op and bool(plan["op_active"])
            old_min = _num(plan["op_min"]) if has_op else 0.0
            old_max = _num(plan["op_max"]) if has_op else 0.0
            push = bool(plan["network_push"]) and v["warehouse_id"] in ctx["suppliers"]
            if push:
                # A pushed warehouse is resupplied by the distribution plan: its rule
                # is proposed for archiving, never created.
                if not active:
                    continue
                new_min = new_max = 0.0
            if active and not push and abs(old_min - new_min) < 0.01:
                if abs(old_max - new_max) < 0.01:
                    continue
            action = "archive" if push else ("update" if has_op else "create")
            same = waiting.get(v["profile_id"])
            if same and same[1] == action and abs(same[2] - new_min) < 0.01:
                if abs(same[3] - new_max) < 0.01:
                    v["proposal_id"] = same[0]
                    kept.add(v["profile_id"])
                    continue
            values = Proposal._rule_change_values(
                Profile.browse(v["profile_id"]),
                new_min,
                new_max,
                _num(plan["cost"]),
                action="archive" if push else None,
            )
            creates.append(
                {
                    **values,
                    "reason": "network",
                    "reason_detail": self.env._(
                        "Network placement: service time in %(si)s, out %(so)s days; safety "
                        "stock %(ss).1f (independent plans: %(ind).1f).",
                        si=v["inbound_service_time"],
                        so=v["outbound_service_time"],
                        ss=v["safety_stock"],
                        ind=v["independent_safety_stock"],
                    ),
                    "proposed_by_id": ctx["job_user"],
                }
            )
            targets.append(v)
        proposals = Proposal._propose_in_place_of_pending(
            creates, profiles=profiles.filtered(lambda p: p.id not in kept)
        )
        for v, proposal_id in zip(targets, proposals.ids, strict=True):
            v["proposal_id"] = proposal_id
        return len(proposals)


def _num(x):
    """A number of a plan's row: 0 for a missing (None or NaN) value."""
    return 0.0 if x is None or pd.isna(x) else float(x)


def _insert_rows(model, vals_list):
    """Rows of ``model`` (plain stored fields, no chatter, no computed stored field) in
    one ``INSERT``, whatever their number: the ORM would insert them 100 at a time."""
    if not vals_list:
        return
    model.env.flush_all()
    columns = sorted({c for v in vals_list for c in v})
    fields_ = model._fields
    uid, now = model.env.uid, fields.Datetime.now()

    def value(v, c):
        x = v.get(c)
        if x is False and fields_[c].type != "boolean":
            return None
        return x

    # One placeholder per value: composing an SQL object per value would take longer
    # than the insert itself.
    row = "(" + ", ".join(["%s"] * (len(columns) + 4)) + ")"
    params = [x for v in vals_list for x in (*(value(v, c) for c in columns), uid, uid, now, now)]
    model.env.cr.execute(
        SQL(
            "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) VALUES %s",
            SQL.identifier(model._table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ".join([row] * len(vals_list)), *params),
        )
    )
    model.invalidate_model()
