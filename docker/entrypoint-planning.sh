#!/bin/bash
# On first start, create the database PLANNING_DB with the planning addons and demo data,
# then hand over to the image's own entrypoint (which serves Odoo).
set -e
DB="${PLANNING_DB:-planning}"
MODULES="${PLANNING_MODULES:-stock_segment}"
MARKER="/var/lib/odoo/.planning-initialised-${DB}"

if [ "$1" = "odoo" ] && [ "$#" -eq 1 ] && [ ! -f "$MARKER" ]; then
    echo "planning: initialising database ${DB} with ${MODULES} and demo data"
    /entrypoint.sh odoo -c /etc/odoo/odoo.conf -d "$DB" -i "$MODULES" --with-demo \
        --stop-after-init
    touch "$MARKER"
fi
if [ "$1" = "odoo" ] && [ "$#" -eq 1 ]; then
    exec /entrypoint.sh odoo -c /etc/odoo/odoo.conf
fi
exec /entrypoint.sh "$@"
