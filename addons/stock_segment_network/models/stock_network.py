import logging
import math
from datetime import timedelta

from markupsafe import Markup, escape
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from invplan.network import Network

_logger = logging.getLogger(__name__)

NETWORK_STATES = [
    ("valid", "Valid"),
    ("invalid", "Invalid"),
    ("empty", "No resupply route"),
]
NETWORK_KINDS = [
    ("serial", "Serial"),
    ("assembly", "Assembly"),
    ("distribution", "Distribution"),
    ("tree", "Tree"),
    ("general", "General"),
]
NODE_ROLES = [
    ("root", "Central (resupplies others)"),
    ("inner", "Intermediate"),
    ("leaf", "Regional (resupplied)"),
    ("alone", "Not connected"),
]


class StockNetwork(models.Model):
    """A company's resupply network, read from its warehouses and the inter-warehouse
    routes Odoo creates for ``Resupply From`` (``resupply_wh_ids``)."""

    _name = "stock.network"
    _description = "Resupply Network"
    _order = "company_id"
    _check_company_auto = True

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    node_ids = fields.One2many("stock.network.node", "network_id", "Nodes")
    arc_ids = fields.One2many("stock.network.arc", "network_id", "Arcs")
    state = fields.Selection(NETWORK_STATES, readonly=True, default="empty")
    kind = fields.Selection(NETWORK_KINDS, readonly=True, help="Shape of the network.")
    error_message = fields.Text(
        "Validation Error",
        readonly=True,
        help="Why the network cannot be planned (a cycle, two routes between two "
        "warehouses, a missing lead time), naming the arc.",
    )
    date_read = fields.Datetime("Read On", readonly=True)
    node_count = fields.Integer(compute="_compute_counts")
    arc_count = fields.Integer(compute="_compute_counts")
    placement_count = fields.Integer(compute="_compute_counts", string="Placement Rows")

    diagram = fields.Html(
        compute="_compute_diagram",
        sanitize=False,
        help="The warehouses, suppliers on the left, and the resupply arcs with their "
        "lead times in days.",
    )

    _company_uniq = models.Constraint("unique(company_id)", "A company has one resupply network.")

    def _compute_counts(self):
        Placement = self.env["stock.network.placement"]
        counts = dict(
            Placement._read_group(
                [("company_id", "in", self.company_id.ids)], ["company_id"], ["__count"]
            )
        )
        for network in self:
            network.node_count = len(network.node_ids)
            network.arc_count = len(network.arc_ids)
            network.placement_count = counts.get(network.company_id, 0)

    @api.depends("node_ids", "arc_ids", "arc_ids.lead_time_days")
    def _compute_diagram(self):
        for network in self:
            network.diagram = network._svg()

    def _svg(self):
        """A plain SVG of the network: one column per level (suppliers first), a box
        per warehouse, an arrow per arc labelled with its lead time."""
        nodes = self.node_ids.filtered(lambda n: n.role != "alone")
        if not nodes:
            return False
        level = {n.warehouse_id.id: 0 for n in nodes}
        for _round in range(len(nodes)):  # longest path from a root; bounded on a cycle
            changed = False
            for arc in self.arc_ids:
                new = level.get(arc.supplier_wh_id.id, 0) + 1
                if new > level.get(arc.warehouse_id.id, 0) and new <= len(nodes):
                    level[arc.warehouse_id.id] = new
                    changed = True
            if not changed:
                break
        columns = {}
        for node in nodes:
            columns.setdefault(level[node.warehouse_id.id], []).append(node)
        box_w, box_h, gap_x, gap_y = 150, 36, 110, 24
        pos = {}
        for col, col_nodes in columns.items():
            for row, node in enumerate(col_nodes):
                pos[node.warehouse_id.id] = (
                    10 + col * (box_w + gap_x),
                    10 + row * (box_h + gap_y),
                )
        width = 20 + (max(columns) + 1) * (box_w + gap_x) - gap_x
        height = 20 + max(len(c) for c in columns.values()) * (box_h + gap_y) - gap_y
        parts = [
            Markup(
                '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" '
                'font-family="sans-serif" font-size="12">'
                '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
                'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
                '<path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>'
            )
            % (width, height)
        ]
        for arc in self.arc_ids:
            x1, y1 = pos.get(arc.supplier_wh_id.id, (0, 0))
            x2, y2 = pos.get(arc.warehouse_id.id, (0, 0))
            x1, y1, x2, y2 = x1 + box_w, y1 + box_h / 2, x2, y2 + box_h / 2
            parts.append(
                Markup(
                    '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#555" '
                    'marker-end="url(#arrow)"/><text x="%s" y="%s" text-anchor="middle" '
                    'fill="#555">%s</text>'
                )
                % (
                    x1,
                    y1,
                    x2,
                    y2,
                    (x1 + x2) / 2,
                    (y1 + y2) / 2 - 4,
                    escape(self.env._("%s d", f"{arc.lead_time_days:g}")),
                )
            )
        for node in nodes:
            x, y = pos[node.warehouse_id.id]
            parts.append(
                Markup(
                    '<rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="#e9f2fb" '
                    'stroke="#2c6fad"/><text x="%s" y="%s" text-anchor="middle">%s</text>'
                )
                % (x, y, box_w, box_h, x + box_w / 2, y + box_h / 2 + 4, escape(node.code or ""))
            )
        parts.append(Markup("</svg>"))
        return Markup("").join(parts)

    # ------------------------------------------------------------------ reading
    @api.model
    def _for_company(self, company):
        network = self.sudo().search([("company_id", "=", company.id)], limit=1)
        if not network:
            network = self.sudo().create(
                {"name": self.env._("Network of %s", company.name), "company_id": company.id}
            )
        return network

    @api.model
    def _read_routes(self, company):
        """Warehouses and resupply arcs of ``company`` in two queries: one arc per
        (supplier, supplied) warehouse pair, its lead time the sum of the delays of the
        route's active rules (days), the lowest over the pair's active routes."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id, code FROM stock_warehouse WHERE company_id = %s AND active "
                "ORDER BY sequence, id",
                company.id,
            )
        )
        warehouses = cr.fetchall()
        cr.execute(
            SQL(
                """
            SELECT route.supplier_wh_id, route.supplied_wh_id,
                   MIN(route.delay) AS delay, (ARRAY_AGG(route.id ORDER BY route.id))[1]
              FROM (SELECT r.id, r.supplier_wh_id, r.supplied_wh_id,
                           COALESCE(SUM(rule.delay), 0) AS delay
                      FROM stock_route r
                      JOIN stock_warehouse sup ON sup.id = r.supplier_wh_id AND sup.active
                      JOIN stock_warehouse dst ON dst.id = r.supplied_wh_id AND dst.active
                 LEFT JOIN stock_rule rule ON rule.route_id = r.id AND rule.active
                     WHERE r.active AND dst.company_id = %s AND sup.company_id = %s
                  GROUP BY r.id) route
          GROUP BY route.supplier_wh_id, route.supplied_wh_id
          ORDER BY route.supplier_wh_id, route.supplied_wh_id
            """,
                company.id,
                company.id,
            )
        )
        arcs = cr.fetchall()
        return warehouses, arcs

    @api.model
    def _observed_transfer_times(self, company):
        """Statistics of the done inter-warehouse transfers of ``company`` over the last
        ``stock_segment_network.transfer_history_days`` (365) days, in one query:
        ``{(supplier wh, supplied wh): (count, mean days, std days)}``.

        A transfer is a done move leaving a warehouse for a transit location and the
        done move it feeds (``move_dest_ids``) from that transit location into another
        warehouse: its duration runs from the shipment to the receipt, the arc's
        transit time (the supplier's own waiting time is its service time, which the
        placement chooses). The standard deviation is the sample one."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_segment_network.transfer_history_days", 365)
        )
        since = fields.Datetime.now() - timedelta(days=max(days, 1))
        self.env.cr.execute(
            SQL(
                """
            SELECT src.warehouse_id, dst.warehouse_id, COUNT(*),
                   AVG(t.days), COALESCE(STDDEV_SAMP(t.days), 0)
              FROM (SELECT m1.location_id, m2.location_dest_id,
                           GREATEST(EXTRACT(EPOCH FROM (m2.date - m1.date)) / 86400.0, 0)
                           AS days
                      FROM stock_move m2
                      JOIN stock_move_move_rel rel ON rel.move_dest_id = m2.id
                      JOIN stock_move m1 ON m1.id = rel.move_orig_id
                      JOIN stock_location tr ON tr.id = m1.location_dest_id
                     WHERE m2.state = 'done' AND m1.state = 'done'
                       AND m2.company_id = %s AND m2.date >= %s
                       AND tr.usage = 'transit' AND m2.location_id = tr.id) t
              JOIN stock_location src ON src.id = t.location_id
              JOIN stock_location dst ON dst.id = t.location_dest_id
             WHERE src.warehouse_id IS NOT NULL AND dst.warehouse_id IS NOT NULL
               AND src.warehouse_id <> dst.warehouse_id
          GROUP BY src.warehouse_id, dst.warehouse_id
            """,
                company.id,
                since,
            )
        )
        return {
            (sup, dst): (n, float(mean), float(std))
            for sup, dst, n, mean, std in self.env.cr.fetchall()
        }

    @api.model
    def _arc_lead_times(self, company, arcs):
        """Each arc's lead time and its source: the mean of the observed transfers when
        there are at least ``stock_segment_network.min_transfer_observations`` (5) of
        them, else the delay of the route's rules. ``arcs``: (supplier, supplied, rule
        delay, route) rows of :meth:`_read_routes`."""
        minimum = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_segment_network.min_transfer_observations", 5)
        )
        observed = self._observed_transfer_times(company)
        out = {}
        for sup, dst, delay, _route in arcs:
            n, mean, std = observed.get((sup, dst), (0, 0.0, 0.0))
            row = {
                "route_delay_days": float(delay),
                "observation_count": n,
                "observed_mean_days": mean if n else 0.0,
                "lead_time_std_days": std if n else 0.0,
            }
            if n >= max(minimum, 1):
                row.update(lead_time_days=mean, lead_time_source="observed")
            else:
                row.update(lead_time_days=float(delay), lead_time_source="route")
            out[(sup, dst)] = row
        return out

    def action_refresh(self):
        for network in self:
            network._sync()
        return True

    def _sync(self):
        """Read the network again from the routes and validate it with the engine."""
        self.ensure_one()
        company = self.company_id
        warehouses, arcs = self._read_routes(company)
        lead = self._arc_lead_times(company, arcs)
        arcs = [
            (sup, dst, lead[(sup, dst)]["lead_time_days"], route) for sup, dst, _d, route in arcs
        ]
        code = {wid: wcode for wid, wcode in warehouses}
        suppliers, customers = {}, {}
        for sup, dst, _delay, _route in arcs:
            customers[sup] = customers.get(sup, 0) + 1
            suppliers[dst] = suppliers.get(dst, 0) + 1
        state, kind, error = "empty", False, False
        if arcs:
            try:
                net = self._engine_network(code, arcs)
                net.check_tree()
                state, kind = "valid", net.kind()
            except ValueError as exc:
                state, error = "invalid", str(exc)
        sudo = self.sudo()
        sudo.node_ids.unlink()
        sudo.arc_ids.unlink()

        def role(wid):
            if wid in customers and wid in suppliers:
                return "inner"
            if wid in customers:
                return "root"
            if wid in suppliers:
                return "leaf"
            return "alone"

        self.env["stock.network.node"].sudo().create(
            [
                {
                    "network_id": self.id,
                    "warehouse_id": wid,
                    "role": role(wid),
                    "supplier_count": suppliers.get(wid, 0),
                    "customer_count": customers.get(wid, 0),
                }
                for wid, _code in warehouses
            ]
        )
        self.env["stock.network.arc"].sudo().create(
            [
                {
                    "network_id": self.id,
                    "supplier_wh_id": sup,
                    "warehouse_id": dst,
                    "route_id": route,
                    **lead[(sup, dst)],
                }
                for sup, dst, _delay, route in arcs
            ]
        )
        sudo.write(
            {
                "state": state,
                "kind": kind,
                "error_message": error,
                "date_read": fields.Datetime.now(),
            }
        )
        return self

    @api.model
    def _engine_network(self, code, arcs):
        """The engine's network on warehouse codes, arc lead times in whole days."""
        return Network(
            [
                (code.get(sup, str(sup)), code.get(dst, str(dst)), math.ceil(delay))
                for sup, dst, delay, _route in arcs
            ]
        )

    @api.model
    def action_open_company_network(self):
        network = self._for_company(self.env.company)._sync()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Resupply Network"),
            "res_model": "stock.network",
            "view_mode": "form",
            "res_id": network.id,
        }

    def action_run_placement(self):
        if not self.env.user.has_group("stock_segment.group_planning_manager"):
            raise UserError(self.env._("Only a Planning Manager can run the placement."))
        stats = self.with_context(stock_segment_no_commit=True)._run_placement(
            companies=self.company_id
        )
        for network in self:
            if network.state == "invalid":
                raise UserError(
                    self.env._(
                        "The resupply network of %(company)s is not valid: %(error)s",
                        company=network.company_id.name,
                        error=network.error_message,
                    )
                )
        total = sum(s.get("proposals", 0) for s in stats.values())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Placement done: %s proposals.", total),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_placement(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_network.action_stock_network_placement"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    @api.model
    def _run_placement(self, companies=None, batch_size=None, today=None):
        """Read each company's network and place the safety stock of the products of
        segments that opt in, ``batch_size`` products at a time (default: the
        ``stock_segment_network.batch_size`` setting, 1000), for the day ``today``
        (default: :meth:`stock.planning.run._planning_day`; the nightly run passes its
        own day). Returns ``{company id: counters}``."""
        companies = companies or self.env["res.company"].search([("id", "!=", False)])
        today = today or self.env["stock.planning.run"]._planning_day()
        Placement = self.env["stock.network.placement"]
        stats = {}
        for company in companies:
            network = self._for_company(company)._sync()
            if network.state != "valid":
                # No placement on a network that cannot be planned: the replenishment
                # plans each warehouse alone again.
                domain = [("company_id", "=", company.id)]
                self.env["stock.network.placement"].sudo().search(domain).unlink()
                self.env["stock.network.pooling"].sudo().search(domain).unlink()
                self.env["stock.network.distribution"].sudo().search(
                    [*domain, ("state", "=", "pending")]
                ).unlink()
                closed = Placement._close_stale_exceptions(company, set())
                stats[company.id] = {
                    "proposals": 0,
                    "placed": 0,
                    "network": network.state,
                    "exceptions_closed": closed,
                }
                if network.state == "invalid":
                    _logger.warning(
                        "Network placement of %s skipped: %s", company.name, network.error_message
                    )
                continue
            stats[company.id] = Placement._place_company(
                network, batch_size=batch_size, today=today
            )
        return stats

    # ------------------------------------------------------------------ demo
    @api.model
    def _load_demo_network(self, supplied_xmlid, days=2, segment_xmlids=()):
        """Demo: transit days on the routes resupplying ``supplied_xmlid``, the given
        segments opted in, and a first placement of the main company."""
        warehouse = self.env.ref(supplied_xmlid)
        routes = self.env["stock.route"].search([("supplied_wh_id", "=", warehouse.id)])
        for route in routes:
            route.rule_ids[:1].delay = days
        segments = self.env["stock.segment"]
        for xmlid in segment_xmlids:
            segments |= self.env.ref(xmlid, raise_if_not_found=False) or segments
        segments.write({"network_placement": True})
        self.with_context(stock_segment_no_commit=True)._run_placement(
            companies=warehouse.company_id
        )


class StockNetworkNode(models.Model):
    _name = "stock.network.node"
    _description = "Resupply Network Node"
    _order = "network_id, role, warehouse_id"

    network_id = fields.Many2one("stock.network", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="network_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, ondelete="cascade")
    code = fields.Char(related="warehouse_id.code")
    role = fields.Selection(NODE_ROLES, readonly=True)
    supplier_count = fields.Integer("Resupplied From", readonly=True)
    customer_count = fields.Integer("Resupplies", readonly=True)
    supplier_arc_ids = fields.One2many(
        "stock.network.arc", compute="_compute_arcs", string="Inbound Arcs"
    )
    customer_arc_ids = fields.One2many(
        "stock.network.arc", compute="_compute_arcs", string="Outbound Arcs"
    )

    def _compute_arcs(self):
        for node in self:
            arcs = node.network_id.arc_ids
            node.supplier_arc_ids = arcs.filtered(
                lambda a, n=node: a.warehouse_id == n.warehouse_id
            )
            node.customer_arc_ids = arcs.filtered(
                lambda a, n=node: a.supplier_wh_id == n.warehouse_id
            )

    @api.depends("warehouse_id")
    def _compute_display_name(self):
        for node in self:
            node.display_name = node.warehouse_id.display_name


class StockNetworkArc(models.Model):
    _name = "stock.network.arc"
    _description = "Resupply Network Arc"
    _order = "network_id, supplier_wh_id, warehouse_id"

    network_id = fields.Many2one("stock.network", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="network_id.company_id", store=True, index=True)
    supplier_wh_id = fields.Many2one(
        "stock.warehouse", "Supplier Warehouse", required=True, ondelete="cascade"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", "Resupplied Warehouse", required=True, ondelete="cascade"
    )
    lead_time_days = fields.Float(
        "Lead Time (days)",
        readonly=True,
        digits=(16, 1),
        help="The mean of the observed transfers between the two warehouses when there "
        "are enough of them, else the sum of the delays of the route's rules. The "
        "placement rounds it up to whole days.",
    )
    lead_time_source = fields.Selection(
        [("observed", "Observed transfers"), ("route", "Route rules")],
        "Lead Time From",
        readonly=True,
    )
    lead_time_std_days = fields.Float(
        "Lead-time Std. Dev. (days)",
        readonly=True,
        digits=(16, 2),
        help="Sample standard deviation of the observed transfers' durations.",
    )
    observation_count = fields.Integer(
        "Transfers Observed",
        readonly=True,
        help="Done transfers from the supplier warehouse, through transit, into this one "
        "over the history window (the setting stock_segment_network.transfer_history_days).",
    )
    observed_mean_days = fields.Float("Observed Mean (days)", readonly=True, digits=(16, 1))
    route_delay_days = fields.Float(
        "Route Delay (days)",
        readonly=True,
        digits=(16, 1),
        help="Sum of the delays of the route's rules: the lead time when too few "
        "transfers were observed (the setting stock_segment_network."
        "min_transfer_observations, 5).",
    )
    route_id = fields.Many2one("stock.route", readonly=True, ondelete="set null")

    @api.depends("supplier_wh_id", "warehouse_id")
    def _compute_display_name(self):
        for arc in self:
            arc.display_name = f"{arc.supplier_wh_id.code} -> {arc.warehouse_id.code}"
