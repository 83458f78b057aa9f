from . import (
    test_batch_scale,
    test_hostile_catalogue,
    test_overview,
    test_security,
    test_snapshot,
    test_spc,
    test_spc_alerts,
    test_tour,
    test_undefined_kpis,
    test_workbook,
)
