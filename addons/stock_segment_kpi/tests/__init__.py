from . import test_hostile_catalogue, test_security, test_snapshot, test_spc, test_workbook
