"""invplan: the segment-driven inventory planning engine.

Pure Python (numpy, pandas, scipy, statsmodels); imports no Odoo. Every function is
vectorised over many items at once and documents its formula and source.

Modules
-------
classify
    ABC, XYZ, demand pattern (Syntetos-Boylan-Croston), lifecycle stage, segment rules.
policy
    Safety factors, safety stock, reorder points (normal and discrete), order quantities,
    replenishment policies (s,Q), (s,S), (R,S), make-to-order, newsvendor.
plausibility
    Checks of planning inputs for values a buyer would call absurd (one row per finding).
planning
    The end-to-end run on plain tables used by the command line.
demo
    A synthetic catalogue generator for the command line's demo.
"""

__version__ = "0.1.0"

#: Status of an item that was computed normally.
STATUS_OK = "ok"
