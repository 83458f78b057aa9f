"""Forecasting engine: bucketing, batch methods, statsmodels models, selection, top-down.

See ``docs/forecasting.md`` for the user documentation.
"""

from ._base import METHOD_STATUSES, MethodResult
from .bucketing import DemandBuckets, OutlierFlags, bucket_demand, flag_outliers
from .methods import (
    ADIDA,
    SBA,
    SES,
    TSB,
    Croston,
    ForecastMethod,
    Holt,
    HoltWinters,
    MovingAverage,
    Naive,
    SeasonalES,
    SeasonalNaive,
    Zero,
    make_method,
)
from .selection import (
    ForecastBatchResult,
    backtest_origins,
    candidates_for,
    forecast_batch,
    historical_share,
    top_down_forecast,
)

__all__ = [
    "DemandBuckets",
    "OutlierFlags",
    "bucket_demand",
    "flag_outliers",
    "ADIDA",
    "METHOD_STATUSES",
    "SBA",
    "SES",
    "TSB",
    "Croston",
    "ForecastMethod",
    "Holt",
    "HoltWinters",
    "MethodResult",
    "MovingAverage",
    "SeasonalES",
    "Naive",
    "SeasonalNaive",
    "Zero",
    "make_method",
    "ForecastBatchResult",
    "backtest_origins",
    "candidates_for",
    "forecast_batch",
    "historical_share",
    "top_down_forecast",
]
