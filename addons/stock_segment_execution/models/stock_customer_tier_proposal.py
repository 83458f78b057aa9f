import logging
from datetime import timedelta

import numpy as np
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from invplan import execution

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "stock_segment.group_planning_manager"
PROPOSAL_STATES = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("superseded", "Superseded"),
]
CLASSIFICATION_DAYS = 365


class StockCustomerTierProposal(models.Model):
    """A tier the nightly classification proposes for a customer; applied when a
    Planning Manager approves it."""

    _name = "stock.customer.tier.proposal"
    _description = "Customer Tier Proposal"
    _inherit = ["mail.thread"]
    _order = "state_sequence, revenue desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    current_tier_id = fields.Many2one("stock.customer.tier", readonly=True)
    proposed_tier_id = fields.Many2one("stock.customer.tier", required=True, readonly=True)
    revenue = fields.Monetary(
        "12-month Revenue",
        readonly=True,
        help="Invoiced or ordered revenue of the customer "
        "over the last 12 months (confirmed sale order lines).",
    )
    margin = fields.Monetary("12-month Margin", readonly=True)
    revenue_share = fields.Float(
        "Cumulative Share (%)",
        readonly=True,
        digits=(16, 2),
        help="Share of the company's revenue made by this customer and every bigger one.",
    )
    state = fields.Selection(PROPOSAL_STATES, required=True, default="pending", tracking=True)
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    date = fields.Date("Proposed On", required=True, default=fields.Date.context_today)
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_date = fields.Datetime("Decided On", readonly=True)
    reason = fields.Char(help="Why the tier is approved or rejected.")

    @api.depends("state")
    def _compute_state_sequence(self):
        for proposal in self:
            proposal.state_sequence = 0 if proposal.state == "pending" else 1

    @api.depends("partner_id", "proposed_tier_id")
    def _compute_display_name(self):
        for proposal in self:
            proposal.display_name = (
                f"{proposal.partner_id.display_name} → {proposal.proposed_tier_id.name}"
            )

    # ------------------------------------------------------------------ buttons
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise UserError(self.env._("Only a Planning Manager can decide tier proposals."))
        if self.filtered(lambda p: p.state != "pending"):
            raise UserError(self.env._("Only pending proposals can be decided."))

    def action_approve(self):
        """Give each customer its proposed tier; the partner's chatter tracks the change
        and an audit row keeps who approved it."""
        self._check_manager()
        Audit = self.env["stock.execution.audit"].sudo()
        for proposal in self:
            partner = proposal.partner_id.commercial_partner_id
            Audit.create(
                {
                    "action": "tier_change",
                    "company_id": proposal.company_id.id,
                    "partner_id": partner.id,
                    "old_value": partner.customer_tier_id.display_name or "",
                    "new_value": proposal.proposed_tier_id.display_name,
                    "reason": proposal.reason or self.env._("Nightly classification"),
                    "approved_by_id": self.env.user.id,
                    "res_model": self._name,
                    "res_id": proposal.id,
                }
            )
            partner.sudo().customer_tier_id = proposal.proposed_tier_id
        self.write(
            {
                "state": "approved",
                "decided_by_id": self.env.user.id,
                "decided_date": fields.Datetime.now(),
            }
        )
        return True

    def action_reject(self):
        self._check_manager()
        self.write(
            {
                "state": "rejected",
                "decided_by_id": self.env.user.id,
                "decided_date": fields.Datetime.now(),
            }
        )
        return True

    # ------------------------------------------------------------------ the job
    @api.model
    def _customer_revenue(self, company, date_to):
        """12-month revenue and margin per commercial customer of ``company``, from the
        confirmed sale order lines, in one query: {partner id: (revenue, margin)}.
        The margin is the line's subtotal less the product's cost."""
        self.env["sale.order.line"].flush_model()
        self.env["sale.order"].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        date_from = date_to - timedelta(days=CLASSIFICATION_DAYS)
        cost = SQL("COALESCE((pp.standard_price ->> %s)::numeric, 0)", str(company.id))
        self.env.cr.execute(
            SQL(
                """
            SELECT COALESCE(rp.commercial_partner_id, rp.id),
                   SUM(sol.price_subtotal),
                   SUM(sol.price_subtotal - %(cost)s * sol.product_uom_qty)
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner rp ON rp.id = so.partner_id
         LEFT JOIN product_product pp ON pp.id = sol.product_id
             WHERE so.company_id = %(company)s
               AND so.state = 'sale'
               AND so.date_order >= %(date_from)s
               AND so.date_order < %(date_to)s
               AND sol.display_type IS NULL
          GROUP BY 1
                """,
                cost=cost,
                company=company.id,
                date_from=date_from,
                date_to=date_to + timedelta(days=1),
            )
        )
        return {
            row[0]: (float(row[1] or 0.0), float(row[2] or 0.0)) for row in self.env.cr.fetchall()
        }

    @api.model
    def _run_classification(self, companies=None, day=None):
        """Propose a tier for each customer of each company from its 12-month revenue
        and margin (engine :func:`invplan.execution.classify_customers`, with hysteresis
        so a customer near a boundary does not flip every night). Customers set by hand
        are left alone. A proposal replaces the pending one of the same customer.
        Returns {company id: counters}."""
        day = day or fields.Date.context_today(self)
        results = {}
        for company in companies or self.env["res.company"].search([("active", "=", True)]):
            results[company.id] = self._classify_company(company, day)
        return results

    @api.model
    def _classify_company(self, company, day):
        Tier = self.env["stock.customer.tier"].sudo()
        tiers = Tier.search([("company_id", "in", [company.id, False])], order="sequence, id")
        if not tiers:
            return {"pairs": 0, "failed": 0}
        revenue = self._customer_revenue(company, day)
        if not revenue:
            return {"pairs": 0, "failed": 0}
        ranked = self.env["res.partner"].sudo().browse(list(revenue)).exists()
        # Every customer counts in the Pareto curve; those set by hand get no proposal.
        try:
            proposed = self._propose_tiers(ranked, revenue, tiers)
        except ValueError as error:
            # Bad tier settings (e.g. revenue shares loaded around the constraint): the
            # step records a failure and an exception to work instead of stopping.
            _logger.warning("Customer tier classification of %s: %s", company.name, error)
            self._raise_classification_failure(company, error)
            return {"pairs": len(ranked), "failed": len(ranked), "proposals": 0}
        partners = ranked.filtered(lambda p: not p.customer_tier_locked)
        if not partners:
            return {"pairs": 0, "failed": 0}
        pending = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "pending"),
                ("partner_id", "in", partners.ids),
            ]
        )
        pending_by_partner = {p.partner_id.id: p for p in pending}
        to_create = []
        to_supersede = self.browse()
        for partner in partners:
            tier, share = proposed[partner.id]
            old = pending_by_partner.get(partner.id)
            if tier == partner.customer_tier_id:
                if old:
                    to_supersede |= old
                continue
            if old and old.proposed_tier_id == tier:
                continue
            if old:
                to_supersede |= old
            rev, margin = revenue[partner.id]
            to_create.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "current_tier_id": partner.customer_tier_id.id,
                    "proposed_tier_id": tier.id,
                    "revenue": rev,
                    "margin": margin,
                    "revenue_share": share,
                    "date": day,
                }
            )
        if to_supersede:
            to_supersede.write({"state": "superseded"})
        if to_create:
            self.sudo().with_context(mail_create_nolog=True).create(to_create)
        return {"pairs": len(partners), "failed": 0, "proposals": len(to_create)}

    @api.model
    def _raise_classification_failure(self, company, error):
        """One open data-quality exception per company naming the tiers' settings."""
        message = self.env._(
            "The customer tier classification could not run: %(error)s. Check the revenue "
            "shares of the customer tiers (increasing, between 0 and 100).",
            error=str(error)[:500],
        )
        Exception_ = self.env["stock.planning.exception"].sudo()
        domain = [
            ("company_id", "=", company.id),
            ("source", "=", "execution"),
            ("exception_type", "=", "data_quality"),
            ("state", "in", ("new", "in_progress")),
        ]
        exc = Exception_.search(domain, limit=1)
        if exc:
            if exc.message != message:
                exc.message = message
            return exc
        return Exception_.with_context(mail_create_nolog=True).create(
            {
                "exception_type": "data_quality",
                "source": "execution",
                "severity": "high",
                "company_id": company.id,
                "message": message,
            }
        )

    @api.model
    def _propose_tiers(self, partners, revenue, tiers):
        """{partner id: (proposed tier, cumulative share in %)} by the engine's Pareto
        classification. The cuts are the tiers' cumulative revenue shares in priority
        order (the tiers without one take the customers left, the first of them only);
        the hysteresis band is ``stock_segment_execution.tier_tolerance`` (%) and the
        measure ``stock_segment_execution.tier_measure`` (revenue or margin)."""
        icp = self.env["ir.config_parameter"].sudo()
        measure = icp.get_param("stock_segment_execution.tier_measure", "revenue")
        if measure not in ("revenue", "margin"):
            measure = "revenue"
        try:
            tolerance = float(icp.get_param("stock_segment_execution.tier_tolerance", "2.0"))
        except ValueError:
            tolerance = 2.0
        cut_tiers = tiers.filtered(lambda t: t.revenue_share > 0)
        rest = tiers - cut_tiers
        ranked = [*cut_tiers, rest[:1] or cut_tiers[-1:]]
        cuts = (
            np.maximum.accumulate([t.revenue_share / 100.0 for t in cut_tiers]) if cut_tiers else []
        )
        index = {tier.id: k for k, tier in enumerate(ranked)}
        rev = np.array([revenue[p.id][0] for p in partners], dtype=float)
        mar = np.array([revenue[p.id][1] for p in partners], dtype=float)
        current = np.array([index.get(p.customer_tier_id.id, -1) for p in partners], dtype=float)
        if len(cuts):
            codes = execution.classify_customers(
                rev,
                mar,
                measure=measure,
                cuts=tuple(cuts),
                current=current,
                tolerance=max(tolerance, 0.0) / 100.0,
            )
        else:
            codes = np.zeros(len(partners), dtype=int)
        shares = execution.customer_cumulative_share(rev, mar, measure=measure)
        return {
            partner.id: (ranked[int(code)], float(share) * 100.0)
            for partner, code, share in zip(partners, codes, shares, strict=True)
        }
