from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    provision_journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        help="Journal of the obsolescence provision and disposal entries; without it "
        "(or without the accounts) proposals are approved but not posted.",
    )
    provision_expense_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        help="Charged with the provision increase (credited on a release).",
    )
    provision_account_id = fields.Many2one(
        "account.account",
        "Inventory Provision Account",
        check_company=True,
        help="Contra-asset account holding the provision.",
    )
