from . import (
    purchase_order,
    res_config_settings,
    res_partner,
    stock_planning_exception,
    stock_planning_profile,
    stock_planning_run,
    stock_replenishment_audit,
    stock_replenishment_proposal,
    stock_segment,
    stock_supplier_lead_time,
    stock_vendor_order_cycle,
    stock_warehouse_orderpoint,
)
