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
demo
    A synthetic catalogue generator and the end-to-end planning run used by the CLI.
"""

__version__ = "0.1.0"

#: Status of an item that was computed normally.
STATUS_OK = "ok"
