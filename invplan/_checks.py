"""Input checking shared by the engine.

Batch calls never raise on a bad item: the item gets a status and finite placeholder
outputs. A single-item call (all inputs scalar) with a bad input raises ``ValueError``
naming the field, so interactive use fails loudly.
"""

from __future__ import annotations

import numpy as np


def as_float_array(value, name: str, size: int | None = None) -> np.ndarray:
    """Return ``value`` as a 1-D float array, broadcast to ``size`` when given.

    Non-numeric input raises ``ValueError`` naming ``name`` (a programming error, not
    a data error: data errors are NaN / negative numbers and become statuses).
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {value!r:.80}") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if size is not None and arr.size != size:
        if arr.size == 1:
            arr = np.full(size, arr[0])
        else:
            raise ValueError(f"{name}: expected {size} values, got {arr.size}")
    return arr


def broadcast_size(*values) -> int:
    """Common length of array-like arguments (scalars count as length 1)."""
    sizes = {np.size(v) for v in values if v is not None and np.ndim(v) > 0}
    if len(sizes) > 1:
        sizes.discard(1)
    if len(sizes) > 1:
        raise ValueError(f"inputs have different lengths: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def all_scalar(*values) -> bool:
    """True when every given argument is a scalar (a single-item call)."""
    return all(v is None or np.ndim(v) == 0 for v in values)


def raise_for_single(status: np.ndarray, fields: dict[str, str]) -> None:
    """Raise ``ValueError`` for a single-item call whose status is not ``ok``.

    ``fields`` maps a status to the message naming the offending field.
    """
    st = str(status[0])
    if st != "ok" and st in fields:
        raise ValueError(fields[st])


def first_status(status: np.ndarray, mask: np.ndarray, value: str) -> None:
    """Set ``status`` to ``value`` where ``mask`` holds and no earlier problem was found."""
    status[mask & (status == "ok")] = value
