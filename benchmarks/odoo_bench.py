"""Shared set-up of the benchmarks that run inside Odoo (``*_odoo_scale.py``).

They run from the Odoo source directory, so that ``import odoo`` finds the tree, against
a scratch database that has the addons installed.
"""

import os
import sys


def add_database_arguments(parser):
    """The database and addons options every Odoo benchmark takes."""
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument("--db-user", default="odoo")


def open_registry(args):
    """Odoo's configuration from the options, and the registry of ``args.db``."""
    sys.path.insert(0, os.getcwd())  # run from the Odoo source directory
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        [
            "-d",
            args.db,
            "--db_host",
            args.db_host,
            "--db_port",
            args.db_port,
            "--db_user",
            args.db_user,
            "--addons-path",
            args.addons_path,
        ]
    )
    return Registry(args.db)
