from markupsafe import escape
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import clean_context
from odoo.tools.mail import generate_tracking_message_id

LIFECYCLE_STAGES = [
    ("new", "New"),
    ("growth", "Growth"),
    ("mature", "Mature"),
    ("decline", "Decline"),
    ("phase_out", "Phase-out"),
    ("end_of_life", "End of life"),
    ("obsolete", "Obsolete"),
]
# The engine (invplan.classify.suggest_lifecycle) suggests new / growth / mature / decline /
# dormant / obsolete; "dormant" (no demand for a while) is a decline for the product.
ENGINE_TO_PRODUCT_STAGE = {
    "new": "new",
    "growth": "growth",
    "mature": "mature",
    "decline": "decline",
    "dormant": "decline",
    "obsolete": "obsolete",
}
# Stages decided by people: suggestions never overwrite them automatically.
DECIDED_STAGES = ("phase_out", "end_of_life")
# Stages that remove stock (rules archived, disposals reviewed): never applied
# automatically, only confirmed by a Planning Manager.
STOCK_REMOVING_STAGES = ("phase_out", "end_of_life", "obsolete")
STAGE_DATE_FIELDS = {
    "new": "lifecycle_introduction_date",
    "phase_out": "lifecycle_phase_out_date",
    "end_of_life": "lifecycle_end_of_life_date",
}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        tracking=True,
        help="Confirmed lifecycle stage; segment rules use it.",
    )
    lifecycle_stage_suggested = fields.Selection(
        LIFECYCLE_STAGES,
        "Suggested Lifecycle Stage",
        readonly=True,
        copy=False,
        help="Stage suggested by the nightly classification from the demand history.",
    )
    lifecycle_stage_date = fields.Date(
        "In Stage Since", copy=False, tracking=True, help="Date the current stage was set."
    )
    lifecycle_suggestion_date = fields.Date(readonly=True, copy=False)
    lifecycle_introduction_date = fields.Date("Introduction Date", copy=False)
    lifecycle_phase_out_date = fields.Date("Phase-out Date", copy=False, tracking=True)
    lifecycle_end_of_life_date = fields.Date("End-of-life Date", copy=False, tracking=True)
    lifecycle_suggestion_pending = fields.Boolean(
        compute="_compute_lifecycle_suggestion_pending",
        search="_search_lifecycle_suggestion_pending",
    )
    # Plans are for planning users only (a plain Inventory user sees segments, not plans).
    planning_profile_ids = fields.One2many(
        "stock.planning.profile",
        "product_tmpl_id",
        string="Planning Profiles",
        groups="stock_segment.group_planning_user",
    )
    planning_profile_count = fields.Integer(
        compute="_compute_planning_profile_count", groups="stock_segment.group_planning_user"
    )

    @api.depends("lifecycle_stage", "lifecycle_stage_suggested")
    def _compute_lifecycle_suggestion_pending(self):
        for template in self:
            template.lifecycle_suggestion_pending = bool(
                template.lifecycle_stage_suggested
                and template.lifecycle_stage_suggested != template.lifecycle_stage
            )

    def _search_lifecycle_suggestion_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        self.env.cr.execute(
            """SELECT id FROM product_template
                WHERE lifecycle_stage_suggested IS NOT NULL
                  AND lifecycle_stage_suggested IS DISTINCT FROM lifecycle_stage"""
        )
        ids = [r[0] for r in self.env.cr.fetchall()]
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    @api.depends("planning_profile_ids")
    def _compute_planning_profile_count(self):
        counts = dict(
            self.env["stock.planning.profile"]._read_group(
                [("product_tmpl_id", "in", self.ids)], ["product_tmpl_id"], ["__count"]
            )
        )
        for template in self:
            template.planning_profile_count = counts.get(template, 0)

    def write(self, vals):
        if (
            vals.get("lifecycle_stage") in STOCK_REMOVING_STAGES
            and not self.env.su
            and not self.env.user.has_group("stock_segment.group_planning_manager")
            and any(t.lifecycle_stage != vals["lifecycle_stage"] for t in self)
        ):
            raise AccessError(
                self.env._(
                    "Only a Planning Manager can move a product to a stage that removes "
                    "stock (phase-out, end of life, obsolete)."
                )
            )
        if vals.get("lifecycle_stage") and "lifecycle_stage_date" not in vals:
            vals = dict(vals, lifecycle_stage_date=self.env["stock.planning.run"]._planning_day())
            date_field = STAGE_DATE_FIELDS.get(vals["lifecycle_stage"])
            if date_field and date_field not in vals:
                # The stage's own date (introduction, phase-out, end of life) is set
                # where it is empty, never moved: a product introduced 4 days ago and
                # confirmed "new" today keeps its introduction date.
                empty = self.filtered(lambda t, f=date_field: not t[f])
                res = super().write(vals)
                if empty:
                    super(ProductTemplate, empty).write({date_field: vals["lifecycle_stage_date"]})
                return res
        return super().write(vals)

    def _write_lifecycle_stage_logged(self, stage):
        """Write ``stage`` on the templates (the classification's auto-apply) and log
        their chatter tracking at once: one ``mail.message`` create for all of them.

        The messages are those Odoo's tracking logs when the transaction is flushed
        (``mail.thread._track_finalize``: a note by the current user with the changed
        tracked fields), built by the same methods; only their creation is grouped
        (Odoo logs one message per record, one create each and one more for its
        tracked values, which made the first night's stage changes the longest part
        of the classification). A template whose change has a subtype, a log message
        or an author set for its tracking is left to Odoo's own tracking."""
        self.write({"lifecycle_stage": stage})
        if self.env.context.get("tracking_disable") or not self._track_get_fields():
            return
        data = self.env.cr.precommit.data
        pending = data.get(f"mail.tracking.{self._name}", {})
        special = set(data.get(f"mail.tracking.message.{self._name}", {}))
        special |= set(data.get(f"mail.tracking.author.{self._name}", {}))
        initial = {i: pending[i] for i in self.ids if pending.get(i) and i not in special}
        if not initial:
            return
        records = self.browse(list(initial)).sudo().with_context(clean_context(self.env.context))
        tracked_fields = records.fields_get(
            self._track_get_fields(), attributes=("string", "type", "selection", "currency_field")
        )
        author_id, email_from = records._message_compute_author()
        base = {
            "author_id": author_id,
            "email_from": email_from,
            "model": self._name,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "attachment_ids": False,
            "message_type": "notification",
            "is_internal": True,
            "subject": False,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "partner_ids": False,
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                default=email_from, author_id=author_id
            )[False],
        }
        values_list, tracking_list, logged = [], [], {}
        for record in records:
            changes, tracking_value_ids = record._mail_track(tracked_fields, initial[record.id])
            if changes and record._track_subtype({f: initial[record.id][f] for f in changes}):
                continue  # a message with a subtype notifies: Odoo's own tracking posts it
            pending.pop(record.id, None)
            if not changes:
                continue
            logged[record] = changes
            if tracking_value_ids:
                values_list.append(
                    dict(
                        base,
                        res_id=record.id,
                        body=escape(record._track_get_default_log_message(changes)),
                        message_id=generate_tracking_message_id("message-notify"),
                    )
                )
                tracking_list.append(tracking_value_ids)
        if values_list:
            messages = records._message_create(values_list)
            # The tracked values, as mail.message's create adds them (create commands),
            # in one create for all the messages instead of one per message.
            tracking_values = []
            for message, commands in zip(messages, tracking_list, strict=True):
                if any(len(cmd) != 3 or cmd[0] != 0 for cmd in commands):
                    message.sudo().write({"tracking_value_ids": commands})
                    continue
                tracking_values += [dict(cmd[2], mail_message_id=message.id) for cmd in commands]
            self.env["mail.tracking.value"].sudo().create(tracking_values)
        for record, changes in logged.items():
            record._message_track_post_template(changes)

    def action_confirm_lifecycle_suggestion(self):
        """Confirm the suggested stage, grouped by stage so one write serves many products.

        A stage that removes stock (phase-out, end of life, obsolete) is a Planning
        Manager's decision."""
        if not (self.env.su or self.env.user.has_group("stock_segment.group_planning_user")):
            raise AccessError(self.env._("Only planning users can confirm lifecycle stages."))
        pending = self.filtered("lifecycle_suggestion_pending")
        removing = pending.filtered(lambda t: t.lifecycle_stage_suggested in STOCK_REMOVING_STAGES)
        if (
            removing
            and not self.env.su
            and not self.env.user.has_group("stock_segment.group_planning_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only a Planning Manager can confirm a stage that removes stock "
                    "(phase-out, end of life, obsolete): %(products)s.",
                    products=", ".join(removing.mapped("display_name")[:5]),
                )
            )
        for stage in {t.lifecycle_stage_suggested for t in pending}:
            # The planning role decides the stage; a planner need not edit products.
            pending.filtered(lambda t, s=stage: t.lifecycle_stage_suggested == s).sudo().write(
                {"lifecycle_stage": stage}
            )
        return True

    def action_view_planning_profiles(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment.action_stock_planning_profile"
        )
        action["domain"] = [("product_tmpl_id", "in", self.ids)]
        action["context"] = {}
        return action
