from . import stock_aging_export, stock_last_time_buy
