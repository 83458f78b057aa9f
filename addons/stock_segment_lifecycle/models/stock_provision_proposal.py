import calendar
import logging
import math
from datetime import date

import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from invplan.lifecycle import provision

_logger = logging.getLogger(__name__)
PLANNING_MANAGER = "stock_segment.group_planning_manager"
FINANCE_MANAGER = "account.group_account_manager"


class StockProvisionProposal(models.Model):
    """Monthly obsolescence provision per company, warehouse and segment."""

    _name = "stock.provision.proposal"
    _description = "Obsolescence Provision Proposal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, company_id, warehouse_id, segment_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date("Period End", required=True, index=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, check_company=True)
    segment_id = fields.Many2one("stock.segment", readonly=True)
    line_ids = fields.One2many("stock.provision.proposal.line", "proposal_id", "Lines")
    value_basis = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Stock on hand at its unit cost (the product cost of the company).",
    )
    amount = fields.Monetary("Provision", currency_field="currency_id", readonly=True)
    previous_amount = fields.Monetary(
        "Provision Booked Before",
        currency_field="currency_id",
        readonly=True,
        help="Provision of the last approved or posted proposal of this warehouse and segment.",
    )
    adjustment_amount = fields.Monetary(
        "Adjustment",
        currency_field="currency_id",
        compute="_compute_adjustment_amount",
        store=True,
        help="Provision minus the provision booked before: the amount of the entry.",
    )
    state = fields.Selection(
        [
            ("draft", "To Approve"),
            ("approved", "Approved"),
            ("posted", "Posted"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    left_out_note = fields.Text(
        "Left Out: Data to Check",
        readonly=True,
        help="Stock left out of this provision: quarantined plans, values that are not "
        "plausible and amounts above the plausible maximum. Correct or confirm the data, "
        "then recompute.",
    )
    proposed_by_id = fields.Many2one("res.users", readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True, tracking=True)
    date_approved = fields.Datetime(readonly=True)
    move_id = fields.Many2one("account.move", "Journal Entry", readonly=True, copy=False)

    @api.depends("date", "warehouse_id", "segment_id")
    def _compute_name(self):
        for prop in self:
            parts = [
                self.env._("Provision"),
                prop.date and prop.date.strftime("%Y-%m") or "",
                prop.warehouse_id.code or "",
                prop.segment_id.code or prop.segment_id.name or self.env._("no segment"),
            ]
            prop.name = " ".join(p for p in parts if p)

    @api.depends("amount", "previous_amount")
    def _compute_adjustment_amount(self):
        for prop in self:
            prop.adjustment_amount = prop.amount - prop.previous_amount

    # ------------------------------------------------------------------ actions
    def _check_can_approve(self):
        if self.env.su:
            return
        user = self.env.user
        if not (user.has_group(PLANNING_MANAGER) or user.has_group(FINANCE_MANAGER)):
            raise AccessError(
                self.env._("Only a Planning Manager or a finance manager can approve provisions.")
            )
        if any(p.proposed_by_id == user for p in self):
            raise UserError(self.env._("Whoever proposed a provision cannot approve it."))

    def _check_plausible_amounts(self):
        """Nothing is approved or posted from an amount that is not a finite number or
        lies above the plausible maximum (``stock_segment.plausibility_max_amount``)."""
        limit = self.env["stock.planning.profile"]._plausibility_max_amount()
        for prop in self:
            amounts = [prop.amount, prop.previous_amount, prop.adjustment_amount, prop.value_basis]
            lines = prop.sudo().line_ids
            amounts += lines.mapped("amount") + lines.mapped("value")
            if any(not math.isfinite(a or 0.0) or abs(a or 0.0) > limit for a in amounts):
                raise UserError(
                    self.env._(
                        "%(name)s holds an amount that is not plausible (above %(limit)s or "
                        "not a number): correct the costs, then recompute the proposal.",
                        name=prop.display_name,
                        limit=limit,
                    )
                )

    def action_approve(self):
        self._check_can_approve()
        if any(p.state != "draft" for p in self):
            raise UserError(self.env._("Only proposals to approve can be approved."))
        self._check_plausible_amounts()
        self.sudo().write(
            {
                "state": "approved",
                "approved_by_id": self.env.user.id,
                "date_approved": fields.Datetime.now(),
            }
        )
        return True

    def action_cancel(self):
        self._check_can_approve()
        if any(p.state == "posted" for p in self):
            raise UserError(self.env._("A posted provision cannot be cancelled."))
        self.sudo().write({"state": "cancelled"})
        return True

    def action_post(self):
        """Post the adjustment as a journal entry: finance managers only."""
        if not (self.env.su or self.env.user.has_group(FINANCE_MANAGER)):
            raise AccessError(self.env._("Only a finance manager can post provisions."))
        if any(p.state != "approved" for p in self):
            raise UserError(self.env._("Approve the provision before posting it."))
        if "account.move" not in self.env:
            raise UserError(self.env._("Accounting is not installed: nothing can be posted."))
        self._check_plausible_amounts()
        for prop in self:
            prop.sudo().move_id = prop._create_provision_move()
        self.sudo().write({"state": "posted"})
        return True

    def _create_provision_move(self):
        self.ensure_one()
        company = self.company_id
        journal = company.provision_journal_id
        expense = company.provision_expense_account_id
        contra = company.provision_account_id
        if not (journal and expense and contra):
            raise UserError(
                self.env._(
                    "Set the provision journal and accounts of %s (Settings > Companies) "
                    "before posting.",
                    company.name,
                )
            )
        amount = self.currency_id.round(self.adjustment_amount)
        if self.currency_id.is_zero(amount):
            return self.env["account.move"]
        debit, credit = (expense, contra) if amount > 0 else (contra, expense)
        move = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "date": self.date,
                    "ref": self.name,
                    "line_ids": [
                        (0, 0, {"name": self.name, "account_id": debit.id, "debit": abs(amount)}),
                        (0, 0, {"name": self.name, "account_id": credit.id, "credit": abs(amount)}),
                    ],
                }
            )
        )
        move.action_post()
        return move

    def action_recompute(self):
        """Recompute the proposals of this month from the current aging report."""
        if not (self.env.su or self.env.user.has_group(PLANNING_MANAGER)):
            raise AccessError(self.env._("Only a Planning Manager can propose provisions."))
        for company in self.env.companies:
            self.sudo()._propose_provisions(company, proposer=self.env.user)
        return True

    # ------------------------------------------------------------------ monthly job
    @api.model
    def _cron_propose_provisions(self):
        """Each company on its own: a company whose matrix is incomplete is logged and
        skipped, the others get their proposals."""
        for company in self.env["res.company"].search([("active", "=", True)]):
            try:
                with self.env.cr.savepoint():
                    self.with_company(company)._propose_provisions(company)
            except Exception:  # noqa: BLE001  (one company must not stop the others)
                self.env.invalidate_all()
                _logger.exception("Provision proposals of %s skipped", company.name)

    @api.model
    def _period_end(self, day):
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])

    @api.model
    def _propose_provisions(self, company, today=None, proposer=None):
        """One proposal per warehouse x segment from the aging report: value per bucket
        and stage, rates from the matrix, the provision from the engine. A proposal
        still to approve for the period is replaced; approved ones are kept."""
        today = today or self.env["stock.planning.run"]._planning_day()
        period_end = self._period_end(today)
        Bucket = self.env["stock.aging.bucket"]
        buckets, _limits = Bucket._buckets_for(company)
        limit = self.env["stock.planning.profile"]._plausibility_max_amount()
        Report = self.env["stock.aging.report"].sudo()
        # Stock of quarantined plans (or of implausible values) is left out, and listed.
        left_out = {}
        for wh, seg, product in Report._read_group(
            [("company_id", "=", company.id), ("quantity", ">", 0), ("left_out", "=", True)],
            ["warehouse_id", "segment_id", "product_id"],
        ):
            left_out.setdefault((wh.id, seg.id or False), []).append(
                self.env._("%s (data to check)", product.display_name)
            )
        groups = Report._read_group(
            [("company_id", "=", company.id), ("quantity", ">", 0), ("left_out", "=", False)],
            ["warehouse_id", "segment_id", "lifecycle_stage", "bucket_id"],
            ["value:sum", "quantity:sum"],
        )
        if not groups and not left_out:
            return self.browse()
        cells = pd.DataFrame(
            [
                {
                    "warehouse": wh.id,
                    "segment": seg.id or False,
                    "stage": stage or False,
                    "bucket": str(bucket.id),
                    "value": float(value or 0.0),
                    "quantity": float(qty or 0.0),
                }
                for wh, seg, stage, bucket, value, qty in groups
            ],
            columns=["warehouse", "segment", "stage", "bucket", "value", "quantity"],
        )
        # A value that is not a finite number or not plausible never reaches a provision.
        plausible = np.isfinite(cells["value"].to_numpy(float)) & (
            np.abs(np.nan_to_num(cells["value"].to_numpy(float), nan=np.inf)) <= limit
        )
        for row in cells[~plausible].itertuples():
            left_out.setdefault(
                (int(row.warehouse), int(row.segment) if row.segment else False), []
            ).append(
                self.env._(
                    "stock value %(value)s of stage %(stage)s, bucket %(bucket)s: not plausible",
                    value=row.value,
                    stage=self.env["stock.planning.profile"]._stage_label(row.stage) or "-",
                    bucket=self.env["stock.aging.bucket"].browse(int(row.bucket)).display_name,
                )
            )
        cells = cells[plausible].copy()
        if cells.empty and not left_out:
            return self.browse()
        stages = sorted(set(cells["stage"]), key=str)
        rates = self.env["stock.provision.rate"]._rates_for(company, buckets, stages)
        labels = [str(b.id) for b in buckets]
        cells["rate"] = 0.0
        cells["amount"] = 0.0
        for stage in stages:
            mask = cells["stage"] == stage
            part = cells[mask]
            # One column per bucket, the cell's value in its own bucket: the engine's
            # provision is then the provision of each cell.
            values = pd.DataFrame(0.0, index=part.index, columns=labels)
            for idx, bucket, value in zip(part.index, part["bucket"], part["value"], strict=True):
                values.at[idx, bucket] = value
            try:
                amounts = provision(values, rates[stage])
            except ValueError as error:
                raise self.env["stock.provision.rate"]._missing_rate_error(error) from error
            cells.loc[mask, "amount"] = amounts.to_numpy()
            cells.loc[mask, "rate"] = [100.0 * rates[stage][b] for b in part["bucket"]]

        existing = self.sudo().search(
            [("company_id", "=", company.id), ("date", "=", period_end), ("state", "=", "draft")]
        )
        kept = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("date", "=", period_end),
                ("state", "in", ("approved", "posted")),
            ]
        )
        decided = {(p.warehouse_id.id, p.segment_id.id or False) for p in kept}
        booked = {}
        for prop in self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("state", "in", ("approved", "posted")),
                ("date", "<", period_end),
            ],
            order="date desc, id desc",
        ):
            booked.setdefault((prop.warehouse_id.id, prop.segment_id.id or False), prop.amount)
        seq = {str(b.id): i for i, b in enumerate(buckets)}
        vals_list = []
        keys = {
            (int(w), int(s) if s else False)
            for w, s in zip(cells["warehouse"], cells["segment"], strict=True)
        }
        keys |= set(left_out)
        for wh, seg in sorted(keys, key=lambda k: (k[0], k[1] or 0)):
            if (wh, seg) in decided:
                continue
            part = cells[(cells["warehouse"] == wh) & (cells["segment"] == seg)]
            # A line amount above the plausible maximum is refused: left out, listed.
            amounts = part["amount"].to_numpy(float)
            refused = ~np.isfinite(amounts) | (np.abs(np.nan_to_num(amounts, nan=np.inf)) > limit)
            notes = list(left_out.get((wh, seg), []))
            for row in part[refused].itertuples():
                notes.append(
                    self.env._(
                        "provision %(amount)s of stage %(stage)s above the plausible maximum "
                        "%(limit)s: refused",
                        amount=row.amount,
                        stage=self.env["stock.planning.profile"]._stage_label(row.stage) or "-",
                        limit=limit,
                    )
                )
            part = part[~refused]
            if part.empty:
                if notes:
                    # Only stock to check: the provision booked stays as it is (no
                    # release), the proposal lists what was left out.
                    vals_list.append(
                        {
                            "date": period_end,
                            "company_id": company.id,
                            "warehouse_id": wh,
                            "segment_id": seg,
                            "value_basis": 0.0,
                            "amount": booked.get((wh, seg), 0.0),
                            "previous_amount": booked.get((wh, seg), 0.0),
                            "proposed_by_id": proposer.id if proposer else False,
                            "left_out_note": "\n".join(notes),
                        }
                    )
                continue
            vals_list.append(
                {
                    "date": period_end,
                    "company_id": company.id,
                    "warehouse_id": wh,
                    "segment_id": seg,
                    "value_basis": round(float(part["value"].sum()), 2),
                    "amount": round(float(part["amount"].sum()), 2),
                    "previous_amount": booked.get((wh, seg), 0.0),
                    "proposed_by_id": proposer.id if proposer else False,
                    "left_out_note": "\n".join(notes) or False,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "bucket_id": int(r.bucket),
                                "bucket_sequence": seq[r.bucket],
                                "lifecycle_stage": r.stage,
                                "quantity": r.quantity,
                                "value": round(r.value, 2),
                                "rate": r.rate,
                                "amount": round(r.amount, 2),
                            },
                        )
                        for r in part.itertuples()
                    ],
                }
            )
        # A proposal still to approve is replaced only when its figures changed: a rerun
        # on unchanged data writes nothing.
        unchanged = self.sudo().browse()
        to_create = []
        by_key = {(p.warehouse_id.id, p.segment_id.id or False): p for p in existing}
        for vals in vals_list:
            old = by_key.get((vals["warehouse_id"], vals["segment_id"] or False))
            if old and not (old & unchanged) and old._same_figures(vals):
                unchanged |= old
            else:
                to_create.append(vals)
        (existing - unchanged).unlink()
        return unchanged | (
            self.sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(to_create)
        )

    def _same_figures(self, vals):
        """Whether this proposal holds the figures and lines of ``vals``."""
        self.ensure_one()
        currency = self.currency_id

        def money(a, b):
            return currency.compare_amounts(a or 0.0, b or 0.0) == 0

        if not (
            money(self.value_basis, vals["value_basis"])
            and money(self.amount, vals["amount"])
            and money(self.previous_amount, vals["previous_amount"])
            and self.proposed_by_id.id == (vals["proposed_by_id"] or False)
            and (self.left_out_note or False) == (vals["left_out_note"] or False)
        ):
            return False
        lines = sorted(
            (
                line.bucket_id.id,
                line.lifecycle_stage or "",
                line.bucket_sequence,
                line.quantity,
                line.value,
                line.rate,
                line.amount,
            )
            for line in self.line_ids
        )
        new = sorted(
            (
                v["bucket_id"],
                v["lifecycle_stage"] or "",
                v["bucket_sequence"],
                v["quantity"],
                v["value"],
                v["rate"],
                v["amount"],
            )
            for _c, _i, v in vals.get("line_ids", [])
        )
        if len(lines) != len(new):
            return False
        qty_digits = (
            self.env["stock.provision.proposal.line"]._fields["quantity"].get_digits(self.env)
            or (16, 6)
        )[1]
        for a, b in zip(lines, new, strict=True):
            if a[:3] != b[:3]:
                return False
            if float_compare(a[3], b[3], precision_digits=qty_digits) or float_compare(
                a[5], b[5], precision_digits=2
            ):
                return False
            if not (money(a[4], b[4]) and money(a[6], b[6])):
                return False
        return True
