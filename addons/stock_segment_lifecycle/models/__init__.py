from . import (
    product_template,
    purchase_order_line,
    res_company,
    stock_aging_bucket,
    stock_aging_report,
    stock_disposal,
    stock_lifecycle_policy,
    stock_planning_exception,
    stock_planning_profile,
    stock_provision_proposal,
    stock_provision_proposal_line,
    stock_provision_rate,
)
