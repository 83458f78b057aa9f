from . import stock_kpi_export_wizard
