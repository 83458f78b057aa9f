from . import stock_planning_run, stock_planning_run_batch
