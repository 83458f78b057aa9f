from . import (
    product_template,
    res_config_settings,
    stock_planning_card,
    stock_planning_profile,
    stock_planning_profile_demo,
    stock_planning_run,
    stock_planning_screen,
    stock_segment,
    stock_segment_migration,
    stock_segment_rule,
)
