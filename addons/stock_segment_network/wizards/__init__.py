from . import stock_network_pooling_export
