from . import stock_kpi_snapshot, stock_planning_card, stock_planning_exception, stock_planning_run
