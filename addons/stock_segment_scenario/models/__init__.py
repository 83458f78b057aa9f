from . import stock_planning_scenario, stock_replenishment_proposal, stock_segment
