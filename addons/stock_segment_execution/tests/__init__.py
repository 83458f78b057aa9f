from . import (
    test_allocation,
    test_cycle_counts,
    test_kpi,
    test_promising,
    test_reservation,
    test_slotting,
    test_tiers,
    test_tour,
)
