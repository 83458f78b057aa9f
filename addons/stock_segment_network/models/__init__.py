from . import (
    stock_network,
    stock_network_distribution,
    stock_network_placement,
    stock_network_pooling,
    stock_planning_card,
    stock_planning_exception,
    stock_planning_profile,
    stock_planning_run,
    stock_replenishment_proposal,
    stock_segment,
)
