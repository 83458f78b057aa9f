from odoo import models


class StockReplenishmentProposal(models.Model):
    _inherit = "stock.replenishment.proposal"

    def _scenario_lines(self):
        return (
            self.env["stock.planning.scenario.pilot"]
            .sudo()
            .search([("proposal_id", "in", self.ids)])
        )

    def action_approve(self):
        """The approval of a scenario's pilot proposal of a plan that changes segment
        also moves the plan to the scenario's segment and locks it there: the nightly
        run would otherwise plan it by its old segment again and undo the approved
        rule."""
        pending = self.filtered(lambda p: p.state == "pending")
        res = super().action_approve()
        approved = pending.filtered(lambda p: p.state == "approved")
        if approved:
            approved._scenario_lines()._move_segment(self.env.user)
        return res

    def action_rollback(self):
        """Rolling back a scenario's approved proposal gives the plan back the segment
        and lock it had before the approval moved it."""
        applied = self.filtered(lambda p: p.state in ("approved", "auto_applied"))
        res = super().action_rollback()
        rolled = applied.filtered(lambda p: p.state == "rolled_back")
        if rolled:
            lines = rolled._scenario_lines()
            restored, left = lines._restore_segment(self.env.user)
            for scenario in (restored | left).scenario_id:
                mine = restored.filtered(lambda line, s=scenario: line.scenario_id == s)
                kept = left.filtered(lambda line, s=scenario: line.scenario_id == s)
                scenario.message_post(
                    body=self.env._(
                        "%(user)s rolled back proposals of plans the scenario moved: "
                        "%(restored)s plans got back their segment and lock, %(left)s "
                        "changed since were left as they are.",
                        user=self.env.user.name,
                        restored=len(mine),
                        left=len(kept),
                    )
                )
        return res
