import inspect

from lxml import etree
from odoo.service.model import call_kw
from odoo.tests import tagged

from .common import StockSegmentCommon

PLANNING_MODULES = (
    "stock_segment",
    "stock_segment_forecast",
    "stock_segment_replenishment",
    "stock_segment_lifecycle",
    "stock_segment_kpi",
)


def call_button(records, method):
    """Call ``method`` as the web client's button does (``/web/dataset/call_button``):
    the ids of the selection (list header) or of the record (form) as first argument."""
    return call_kw(records.browse(), method, [records.ids], {"context": dict(records.env.context)})


@tagged("post_install", "-at_install")
class TestButtons(StockSegmentCommon):
    def test_every_object_button_takes_the_selection(self):
        """Every ``type="object"`` button of the planning addons' views is a record
        method the client can call with the selected ids and nothing else."""
        views = (
            self.env["ir.model.data"]
            .search([("model", "=", "ir.ui.view"), ("module", "in", PLANNING_MODULES)])
            .mapped("res_id")
        )
        checked = []
        for view in self.env["ir.ui.view"].browse(views):
            model = type(self.env[view.model])
            for button in etree.fromstring(view.arch_db).iter("button"):
                if button.get("type") != "object":
                    continue
                name = button.get("name")
                where = f"{view.xml_id}: {name}"
                method = getattr(model, name, None)
                self.assertTrue(callable(method), f"{where} is not a method of {view.model}")
                self.assertFalse(
                    getattr(method, "_api_model", False),
                    f"{where} is @api.model: the client passes the selected ids",
                )
                params = list(inspect.signature(method).parameters.values())[1:]
                self.assertTrue(
                    all(
                        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                        for p in params
                    ),
                    f"{where} needs arguments the client does not pass",
                )
                checked.append(where)
        self.assertIn(
            "stock_segment.stock_planning_profile_view_list: action_classify_now", checked
        )

    def test_classify_now_from_the_list_and_the_form(self):
        self.classify()
        Profile = self.Profile.with_user(self.manager)
        profiles = Profile.search([("company_id", "=", self.company.id)])
        self.assertGreater(len(profiles), 1)
        # List header: with a selection, with none (display="always"); then the form.
        for selection in (profiles[:2], Profile, profiles[:1]):
            action = call_button(selection, "action_classify_now")
            self.assertEqual(action["tag"], "soft_reload")
        self.assertEqual(
            Profile.search_count([("company_id", "=", self.company.id)]), len(profiles)
        )

    def test_unlock_segment_from_the_form(self):
        self.classify()
        profile = self.profile(self.products["steady"], self.wh1).with_user(self.manager)
        profile.write(
            {
                "segment_id": profile.segment_id.id,
                "segment_locked": True,
                "segment_lock_reason": "x",
            }
        )
        self.assertEqual(profile.segment_locked_by_id, self.manager)
        self.assertTrue(call_button(profile, "action_unlock_segment"))
        self.assertFalse(profile.segment_locked)
