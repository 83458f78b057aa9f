from odoo import models


class StockPlanningProfile(models.Model):
    _inherit = "stock.planning.profile"

    def _write_batch(self, ctx, batch):
        """The replenishment job leaves the reorder rules of placed plans to the network
        placement: it neither proposes their independent min / max nor supersedes the
        placement's pending proposals (two queries per batch)."""
        creates = batch.get("creates") or []
        if creates:
            placed = set(
                self.env["stock.network.placement"]
                .sudo()
                .search([("profile_id", "in", [v["profile_id"] for v in creates])])
                .profile_id.ids
            )
            if placed:
                batch["creates"] = [
                    v
                    for v in creates
                    if v["profile_id"] not in placed or v.get("action") == "archive"
                ]
        if batch.get("supersede"):
            Proposal = self.env["stock.replenishment.proposal"].sudo()
            batch["supersede"] = Proposal.search(
                [("id", "in", list(batch["supersede"])), ("reason", "!=", "network")]
            ).ids
        return super()._write_batch(ctx, batch)
