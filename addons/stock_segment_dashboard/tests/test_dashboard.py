import json
import math

from odoo.tests import TransactionCase, new_test_user, tagged

NUMERIC = ("integer", "float", "monetary")


def leaves(domain):
    """The (path, operator, value) conditions of a domain, operators left out."""
    return [leaf for leaf in domain if isinstance(leaf, list | tuple) and len(leaf) == 3]


def groupby_spec(dimension):
    granularity = dimension.get("granularity")
    name = dimension["fieldName"]
    return f"{name}:{granularity}" if granularity else name


def aggregate_spec(measure):
    if measure["fieldName"] == "__count":
        return "__count"
    return f"{measure['fieldName']}:{measure['aggregator']}"


@tagged("post_install", "-at_install")
class TestPlanningDashboard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref(
            "stock_segment_dashboard.spreadsheet_dashboard_inventory_planning"
        )
        cls.data = json.loads(cls.dashboard.spreadsheet_data)
        cls.company = cls.env.ref("base.main_company")
        cls.stock_manager = new_test_user(
            cls.env,
            login="dashboard_stock_manager",
            groups="stock.group_stock_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, [cls.company.id])],
        )
        cls.stock_user = new_test_user(
            cls.env,
            login="dashboard_stock_user",
            groups="stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, [cls.company.id])],
        )
        cls.pivots = cls.data["pivots"]
        cls.lists = cls.data["lists"]
        cls.odoo_charts = [
            figure["data"]
            for sheet in cls.data["sheets"]
            for figure in sheet["figures"]
            if figure["data"].get("type", "").startswith("odoo_")
        ]

    # ------------------------------------------------------------------ record
    def test_dashboard_in_its_group_for_stock_managers(self):
        self.assertEqual(self.dashboard.name, "Inventory Planning")
        self.assertEqual(
            self.dashboard.dashboard_group_id,
            self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_logistics"),
        )
        self.assertIn(self.dashboard, self.dashboard.dashboard_group_id.dashboard_ids)
        self.assertTrue(self.dashboard.is_published)
        self.assertEqual(self.dashboard.group_ids, self.env.ref("stock.group_stock_manager"))
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(
            self.dashboard,
            Dashboard.with_user(self.stock_manager).search([("id", "=", self.dashboard.id)]),
        )
        self.assertFalse(
            Dashboard.with_user(self.stock_user).search([("id", "=", self.dashboard.id)])
        )
        # What the Dashboards app loads for the stock manager.
        served = json.loads(
            self.dashboard.with_user(self.stock_manager)._get_serialized_readonly_dashboard()
        )
        self.assertEqual(served["snapshot"]["pivots"].keys(), self.pivots.keys())

    def test_every_part_is_present(self):
        models = {p["model"] for p in self.pivots.values()} | {
            ls["model"] for ls in self.lists.values()
        }
        self.assertEqual(
            models,
            {"stock.kpi.snapshot", "stock.replenishment.proposal", "stock.planning.exception"},
        )
        measures = {m["fieldName"] for p in self.pivots.values() for m in p["measures"]}
        for field in (
            "service_achieved",
            "service_target",
            "end_inventory_value",
            "turns",
            "stock_value_change",
            "financial_impact",
        ):
            self.assertIn(field, measures)
        self.assertTrue(self.odoo_charts)
        cells = [c for sheet in self.data["sheets"] for c in sheet["cells"].values()]
        for pid in self.pivots:
            self.assertTrue(
                any(f"PIVOT({pid}," in c or f"PIVOT.VALUE({pid}," in c for c in cells),
                f"pivot {pid} is shown nowhere",
            )
        self.assertTrue(any(c.startswith("=ODOO.LIST(1,") for c in cells))

    # ------------------------------------------------------------------ references
    def assertPath(self, model, path):
        """Each step of a field path exists; returns the last field."""
        field = None
        for name in path.split("."):
            self.assertIn(name, self.env[model]._fields, f"{model}.{name} ({path})")
            field = self.env[model]._fields[name]
            model = field.comodel_name or model
        return field

    def assertGroupable(self, model, dimension):
        field = self.assertPath(model, dimension.split(":")[0])
        self.assertTrue(field._description_groupable(self.env), f"{model}.{dimension}")

    def assertMeasure(self, model, field_name, aggregator=None):
        if field_name == "__count":
            return
        field = self.assertPath(model, field_name)
        self.assertTrue(field.store, f"{model}.{field_name} is not stored")
        self.assertIn(field.type, NUMERIC, f"{model}.{field_name}")
        self.assertTrue(field._description_aggregator(self.env), f"{model}.{field_name}")
        if aggregator:
            self.assertIn(aggregator, ("sum", "avg", "min", "max"))

    def test_every_model_and_field_exists(self):
        for pivot in self.pivots.values():
            model = pivot["model"]
            self.assertIn(model, self.env.registry)
            for leaf in leaves(pivot["domain"]):
                self.assertPath(model, leaf[0])
            for dimension in pivot["rows"] + pivot["columns"]:
                self.assertGroupable(model, groupby_spec(dimension))
            for measure in pivot["measures"]:
                self.assertMeasure(model, measure["fieldName"], measure.get("aggregator"))
        for chart in self.odoo_charts:
            model = chart["metaData"]["resModel"]
            self.assertIn(model, self.env.registry)
            for leaf in leaves(chart["searchParams"]["domain"]):
                self.assertPath(model, leaf[0])
            for dimension in chart["metaData"]["groupBy"]:
                self.assertGroupable(model, dimension)
            self.assertMeasure(model, chart["metaData"]["measure"])
        for spreadsheet_list in self.lists.values():
            model = spreadsheet_list["model"]
            self.assertIn(model, self.env.registry)
            for leaf in leaves(spreadsheet_list["domain"]):
                self.assertPath(model, leaf[0])
            for column in spreadsheet_list["columns"]:
                self.assertPath(model, column)
            for order in spreadsheet_list["orderBy"]:
                field = self.assertPath(model, order["name"])
                self.assertTrue(field._description_sortable(self.env))
        filters = {f["id"]: f for f in self.data["globalFilters"]}
        for source in list(self.pivots.values()) + list(self.lists.values()) + self.odoo_charts:
            model = source.get("model") or source["metaData"]["resModel"]
            self.assertEqual(set(source["fieldMatching"]), set(filters))
            for filter_id, match in source["fieldMatching"].items():
                if not match.get("chain"):
                    continue
                field = self.assertPath(model, match["chain"])
                if filters[filter_id]["type"] == "relation":
                    self.assertEqual(field.comodel_name, filters[filter_id]["modelName"])
                else:
                    self.assertEqual(field.type, match["type"])
        for spreadsheet_filter in filters.values():
            if spreadsheet_filter["type"] == "relation":
                self.assertIn(spreadsheet_filter["modelName"], self.env.registry)

    def test_selection_values_in_domains_exist(self):
        """A state or level the domains filter on is one of the field's keys."""
        sources = list(self.pivots.values()) + list(self.lists.values())
        for source in sources:
            for path, _op, value in leaves(source["domain"]):
                field = self.assertPath(source["model"], path)
                if field.type != "selection":
                    continue
                keys = {k for k, _label in field._description_selection(self.env)}
                for v in value if isinstance(value, list) else [value]:
                    self.assertIn(v, keys, f"{source['model']}.{path}")

    # ------------------------------------------------------------------ data
    def test_data_loads_as_stock_manager(self):
        """The read_group calls of the pivots, charts and the list, made as a stock
        manager, return what the company's data holds."""
        for pivot in self.pivots.values():
            Model = self.env[pivot["model"]]
            rows = [groupby_spec(d) for d in pivot["rows"]]
            cols = [groupby_spec(d) for d in pivot["columns"]]
            aggregates = [aggregate_spec(m) for m in pivot["measures"]]
            if "__count" not in aggregates:
                aggregates.append("__count")
            as_manager = Model.with_user(self.stock_manager).formatted_read_grouping_sets(
                pivot["domain"], [[], rows, cols, rows + cols], aggregates
            )
            company_domain = [*pivot["domain"], ("company_id", "=", self.company.id)]
            as_admin = Model.sudo().formatted_read_grouping_sets(
                company_domain, [[], rows, cols, rows + cols], aggregates
            )
            self.assertEqual(as_manager, as_admin, pivot["name"])
        for chart in self.odoo_charts:
            Model = self.env[chart["metaData"]["resModel"]]
            field = chart["metaData"]["measure"]
            spec = f"{field}:{Model._fields[field].aggregator}"
            groups = Model.with_user(self.stock_manager).formatted_read_group(
                chart["searchParams"]["domain"], chart["metaData"]["groupBy"], [spec]
            )
            for group in groups:
                value = group[spec]
                self.assertTrue(value is None or math.isfinite(value))
        for spreadsheet_list in self.lists.values():
            Model = self.env[spreadsheet_list["model"]]
            order = ", ".join(
                f"{o['name']} {'asc' if o['asc'] else 'desc'}" for o in spreadsheet_list["orderBy"]
            )
            result = Model.with_user(self.stock_manager).web_search_read(
                spreadsheet_list["domain"],
                {column: {} for column in spreadsheet_list["columns"]},
                limit=20,
                order=order,
            )
            expected = Model.sudo().search(
                [*spreadsheet_list["domain"], ("company_id", "=", self.company.id)],
                limit=20,
                order=order,
            )
            self.assertEqual([r["id"] for r in result["records"]], expected.ids)
            impacts = [r["financial_impact"] for r in result["records"]]
            self.assertEqual(impacts, sorted(impacts, reverse=True))

    def test_service_by_segment_leaves_months_without_data_out(self):
        """The service pivot's figure of a segment is the mean of its monthly rows that
        have one: a month without delivery lines (no data) does not count as 0."""
        Snapshot = self.env["stock.kpi.snapshot"]
        segment = self.env["stock.segment"].create(
            {"name": "Dashboard test segment", "code": "DTS", "company_id": self.company.id}
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        base = {
            "period_type": "month",
            "level": "segment",
            "company_id": self.company.id,
            "warehouse_id": warehouse.id,
            "segment_id": segment.id,
        }
        rows = Snapshot.sudo().create(
            [
                dict(base, date_from="2026-01-01", date_to="2026-01-31", service_achieved=90.0),
                dict(base, date_from="2026-02-01", date_to="2026-02-28", service_achieved=96.0),
                dict(base, date_from="2026-03-01", date_to="2026-03-31"),
            ]
        )
        # No delivery line in March: no figure (NULL), as the snapshot job writes it.
        rows.flush_recordset()
        self.env.cr.execute(
            "UPDATE stock_kpi_snapshot SET service_achieved = NULL WHERE id = %s", [rows[2].id]
        )
        rows.invalidate_recordset()
        pivot = self.pivots["1"]
        groups = Snapshot.with_user(self.stock_manager).formatted_read_group(
            [*pivot["domain"], ("segment_id", "=", segment.id)],
            ["segment_id"],
            ["service_achieved:avg", "__count"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["__count"], 3)
        self.assertAlmostEqual(groups[0]["service_achieved:avg"], 93.0)
