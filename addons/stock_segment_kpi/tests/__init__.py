from . import test_security, test_snapshot, test_spc, test_workbook
