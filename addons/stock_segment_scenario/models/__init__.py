from . import stock_planning_scenario
