"""Set-based SQL for the planning jobs: inserts with what the ORM's create does around
them, and batch statements without JIT compilation."""

from contextlib import contextmanager

from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL


def insert_records(model, vals_list):
    """Create the records of ``vals_list`` in one ``INSERT ... SELECT FROM unnest(...)``.

    For the planning jobs' bulk writes: the ORM's ``create`` sends one INSERT per 100 rows
    (and one UPDATE per 100 rows for each stored computed field it computes afterwards),
    so the statements of a batch would grow with its size. ``vals_list`` holds stored
    column values only (no x2many, translated or company-dependent field), including the
    stored computed ones (computed by the caller); the fields not given get their default
    (one ``default_get`` for all rows) as in ``create``. As ``create`` does after its
    INSERT, the records are fetched (one query), the one2many lists that hold them are
    invalidated, their dependent fields are marked modified, their Python constraints
    and company consistency are checked, their tracking is discarded under
    ``tracking_disable``, and the create access is checked.
    Nothing else runs: callers use it where the ORM's create would post no chatter
    message, tracking nor follower (the jobs' ``tracking_disable`` context) and where no
    override of ``create`` applies. Returns the records, in the order of ``vals_list``."""
    if not vals_list:
        return model.browse()
    given = set().union(*vals_list)
    missing = default_columns(model, given)
    defaults = model.default_get(missing) if missing else {}
    rows = [dict(defaults, **vals) for vals in vals_list]
    names = sorted(given | set(defaults))
    arrays, casts = [], []
    currencies = {}
    for name in names:
        field = model._fields[name]
        assert field.store and field.column_type, name
        assert not (field.translate or field.company_dependent), name
        if field.type == "monetary":
            # Rounded in the row's currency, as the ORM's create stores an amount.
            values = []
            for row in rows:
                if name not in row:
                    values.append(None)
                    continue
                currency = _row_currency(model, field, row, currencies)
                amount = float(row[name] or 0.0)
                values.append(currency.round(amount) if currency else amount)
            arrays.append(values)
        else:
            arrays.append(
                [
                    field.convert_to_column(row[name], model, row) if name in row else None
                    for row in rows
                ]
            )
        casts.append(SQL(field.column_type[1]))
    now = model.env.cr.now()
    uid = model.env.uid
    model.env.cr.execute(
        SQL(
            """
        INSERT INTO %(table)s (%(columns)s, create_uid, write_uid, create_date, write_date)
        SELECT %(values)s, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(arrays)s) WITH ORDINALITY AS u(%(aliases)s, ord)
         ORDER BY u.ord
        RETURNING id
            """,
            table=SQL.identifier(model._table),
            columns=SQL(", ").join(SQL.identifier(name) for name in names),
            values=SQL(", ").join(SQL("u.%s", SQL.identifier(name)) for name in names),
            uid=uid,
            now=now,
            arrays=SQL(", ").join(
                SQL("%s::%s[]", values, cast) for values, cast in zip(arrays, casts, strict=True)
            ),
            aliases=SQL(", ").join(SQL.identifier(name) for name in names),
        )
    )
    records = model.browse([r[0] for r in model.env.cr.fetchall()])
    # The new rows in cache in one query (reading them later would fetch 1,000 at a time).
    records.fetch(names)
    after_insert(records, names)
    return records


def default_columns(model, given=()):
    """The stored column fields of ``model`` an insert fills with their default: neither
    computed, nor the id and log-access columns, nor in ``given``."""
    return [
        name
        for name, field in model._fields.items()
        if field.store
        and field.column_type
        and not field.compute
        and name not in given
        and name not in LOG_ACCESS_COLUMNS
        and name != "id"
    ]


def product_unit_factors(product_ids):
    """SQL of the rows (id, factor): each product of ``product_ids`` with the factor of its
    unit, for converting moves to the product's unit. Each product's template is read by
    its key (a lateral read), never the whole table of templates of a batch."""
    return SQL(
        """
        SELECT pp.id, u.factor
          FROM product_product pp
         CROSS JOIN LATERAL (
               SELECT pu.factor
                 FROM product_template pt
                 JOIN uom_uom pu ON pu.id = pt.uom_id
                WHERE pt.id = pp.product_tmpl_id
               OFFSET 0) u
         WHERE pp.id = ANY(%s)
        """,
        list(product_ids),
    )


def after_insert(records, names):
    """What the ORM's ``create`` does after its INSERT, for rows inserted in SQL with the
    columns ``names``: the one2many lists holding them invalidated, their dependent fields
    marked modified, their Python constraints and company consistency checked, their
    tracking discarded under ``tracking_disable``, the create access checked."""
    model = records.browse()
    # The one2many lists of other records (a plan's proposals, a product's reorder rules)
    # see the new rows, as the ORM's create adds them to those lists.
    for name in names:
        for inverse in model.pool.field_inverses[model._fields[name]]:
            model.env[inverse.model_name].invalidate_model([inverse.name])
    given_fields = [model._fields[name] for name in names]
    with model.env.protecting(given_fields, records):
        records.modified(list(model._fields), create=True)
    records._validate_fields(names)
    if model._check_company_auto:
        # "Incompatible companies" refused as the ORM's create refuses it.
        check_company(records)
    if model.env.context.get("tracking_disable") and hasattr(records, "_track_discard"):
        # As create under tracking_disable: no tracking message for them later in the
        # transaction.
        records._track_discard()
    records.check_access("create")


def check_company(records):
    """The ORM's company consistency check (``_check_company``) of new records, by set.

    Odoo checks each record's linked records against that record's company, one
    ``filtered_domain`` per record and field: about 0.4 ms per record and field, which
    at 100,000 new plans or rules made company checks one of a night's largest costs.
    Here the records are grouped by company: for each company and field, all the linked
    records of the group are filtered at once by the same domain (the linked model's
    ``_check_company_domain`` of that company), which accepts the union exactly when it
    accepts each record's own. When a group holds an inconsistency, Odoo's own check
    runs on that group, so the refusal and its message are Odoo's."""
    model = records.browse()
    checked = [
        field for field in model._fields.values() if field.relational and field.check_company
    ]
    if not records or not checked:
        return
    names = [field.name for field in checked]
    if "company_id" not in model or any(field.company_dependent for field in checked):
        # Companies in company_ids, no company field or company-dependent links: Odoo's
        # own check, record by record.
        records._check_company()
        return
    groups = {}
    for record in records.sudo():
        groups.setdefault(record.company_id, []).append(record.id)
    for company, ids in groups.items():
        group = records.sudo().browse(ids)
        for name in names:
            linked = group[name]
            if not linked:
                continue
            domain = linked._check_company_domain(company)
            if domain and linked != linked.with_context(active_test=False).filtered_domain(domain):
                records.browse(ids)._check_company([name])
                return


def _row_currency(model, field, row, cache):
    """The currency of a monetary ``field`` in a row to insert: its currency field's
    value, or the one its related currency field reaches from the row (the company's
    currency), as the ORM's create finds it; one lookup per distinct value."""
    name = field.get_currency_field(model)
    currency_field = model._fields[name]
    if name in row:
        key = (name, row[name])
    elif currency_field.related and currency_field.related.split(".")[0] in row:
        first = currency_field.related.split(".")[0]
        key = (first, row[first])
    else:
        return None
    if key not in cache:
        cache[key] = model.new({key[0]: key[1]})[name]
    return cache[key]


@contextmanager
def without_jit(cr):
    """PostgreSQL's JIT compilation off for the statements of the block, the previous
    setting back after it (a setting local to the transaction: a block that fails is
    undone with its savepoint, the setting with it).

    A batch's reads walk each product's moves (thousands of index scans): PostgreSQL
    estimates them above its JIT thresholds and spends a large part of their time
    compiling them (measured in the stock aging and KPI batches: 0.08 to 0.5 s a
    statement); the results are the same. Three statements per block, whatever its
    size."""
    cr.execute(SQL("SELECT current_setting('jit')"))
    previous = cr.fetchone()[0]
    if previous == "off":
        yield
        return
    cr.execute(SQL("SET LOCAL jit = off"))
    yield
    cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))
