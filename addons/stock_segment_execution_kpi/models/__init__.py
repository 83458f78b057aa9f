from . import stock_kpi_snapshot
