"""Lean SQL for the few statements on the hottest paths (an approval step, an audit append).

Django's ORM compiles every query anew: on this machine that is 150–300 µs of CPU for a one-row
read or update, against 15–70 µs for the same statement through a cursor. An approval step runs
about a dozen statements, so the compile time alone exceeded the engine's whole step. `Table`
builds each statement once per model and column list and converts values through the model's own
fields (the same adapters and converters the ORM uses), so what is written and read is exactly
what the ORM would write and read. Use it only where a profile shows the ORM cost; everything else
stays ORM.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import signals
from django.db.models.base import ModelState


class Statement(NamedTuple):
    sql: str
    params: list


class Table:
    """Statements on one model's table. Column names are the fields' attnames (`assignee_id`)."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.meta = model._meta
        self.table = self.meta.db_table
        self.fields = {f.attname: f for f in self.meta.concrete_fields}
        self.all_columns = tuple(self.fields)
        self.plain = {
            n for n, f in self.fields.items()
            if f.get_internal_type() not in ("DecimalField", "JSONField", "UUIDField", "BinaryField", "FloatField")
        }
        self.datetimes = {n for n, f in self.fields.items() if type(f) is models.DateTimeField}
        self._sql: dict[Any, str] = {}
        self._cols: dict[str, str] = {}
        self._readers: dict[Any, list] = {}
        self._kinds: list | None = None

    # --- writing ---------------------------------------------------------------------------------

    def prep(self, name: str, value: Any) -> Any:
        """`value` as the database takes it for column `name` (for parameters of a WHERE)."""
        return self._prep(name, value)

    def _prep(self, name: str, value: Any, db: Any = None) -> Any:
        if type(value) in _PLAIN and name in self.plain:  # written unchanged: skip the field's adapter
            return value
        db = db or _db()
        if type(value) is datetime.datetime and value.tzinfo is not None and name in self.datetimes:
            # what DateTimeField and the backend make of an aware datetime, minus their calls
            if db.vendor == "postgresql":
                return value
            if db.vendor == "sqlite" and settings.USE_TZ:
                return str(value.astimezone(db.timezone).replace(tzinfo=None))
        return self.fields[name].get_db_prep_save(value, db)

    def insert(self, rows: Sequence[dict[str, Any]], along: Sequence[Statement] = ()) -> list[int]:
        """Insert rows (dicts of attname → value, all with the same keys); returns their ids in order.

        `along`: UPDATE statements (`update_statement`) to run with the insert. On PostgreSQL they
        are WITH clauses of the insert (one round trip: data-modifying CTEs run exactly once, on the
        snapshot the insert sees); elsewhere they run just before it. They must not touch the rows
        inserted."""
        if not rows:
            return []
        names = tuple(rows[0])
        db = _db()
        q = db.ops.quote_name
        combined = bool(along) and db.vendor == "postgresql"
        key = ("insert", names, len(rows), db.vendor, tuple(s.sql for s in along) if combined else ())
        sql = self._sql.get(key)
        if sql is None:
            one = "(" + ", ".join(["%s"] * len(names)) + ")"
            sql = (
                f"INSERT INTO {q(self.table)} ({', '.join(q(self.fields[n].column) for n in names)}) "
                f"VALUES {', '.join([one] * len(rows))} RETURNING {q(self.meta.pk.column)}"
            )
            if combined:
                sql = "WITH " + ", ".join(f"{q(f'along_{i}')} AS ({s.sql})" for i, s in enumerate(along)) + " " + sql
            self._sql[key] = sql
        params = [self._prep(n, row[n], db) for row in rows for n in names]
        with kept_cursor(db) as cursor:
            if combined:
                params = [p for s in along for p in s.params] + params
            else:
                for statement in along:
                    cursor.execute(statement.sql, statement.params)
            cursor.execute(sql, params)
            ids = [r[0] for r in cursor.fetchall()]
        # RETURNING promises no order; the ids of one statement's rows grow in VALUES order.
        return sorted(ids)

    def insert_objects(
        self, objs: Sequence[models.Model], names: Iterable[str] | None = None, along: Sequence[Statement] = ()
    ) -> None:
        """Insert model instances (their pk is set); `names`: the columns to write (default: all but
        the pk); `along`: as for `insert`."""
        names = tuple(names or (n for n in self.all_columns if n != self.meta.pk.attname))
        ids = self.insert([{n: getattr(o, n) for n in names} for o in objs], along)
        given = self.meta.pk.attname in names  # e.g. a UUID made by the caller: keep it
        for obj, pk in zip(objs, ids, strict=True):
            if not given:
                obj.pk = pk
            obj._state.adding = False
            obj._state.db = DEFAULT_DB_ALIAS

    def as_read(self, objs: Iterable[models.Model]) -> None:
        """Give decimals, dates and times of just-written instances the form reading the rows back
        would give (decimals to the column's places, date text parsed), e.g. for audit snapshots."""
        kinds = self._kinds
        if kinds is None:
            kinds = self._kinds = [
                (n, f, decimal.Decimal(1).scaleb(-f.decimal_places) if isinstance(f, models.DecimalField) else None)
                for n, f in self.fields.items()
                if isinstance(f, (models.DecimalField, models.DateField, models.TimeField))
            ]
        for obj in objs:
            for name, field, places in kinds:
                value = getattr(obj, name)
                if value is None:
                    continue
                value = field.to_python(value)
                setattr(obj, name, value.quantize(places) if places is not None else value)

    def update(self, where: str, params: Sequence[Any], **values: Any) -> int:
        """UPDATE … SET values WHERE `where` (SQL on this table's columns); returns the row count.
        A value may be `models.F(name) + n` only in the form of `Increment(n)`."""
        statement = self.update_statement(where, params, **values)
        with kept_cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            return cursor.rowcount

    def update_statement(self, where: str, params: Sequence[Any], **values: Any) -> Statement:
        """The statement `update` runs, not run (e.g. to go `along` an insert)."""
        names = tuple(values)
        db = _db()
        q = db.ops.quote_name
        key = ("update", names, where, db.vendor)
        sql = self._sql.get(key)
        if sql is None:
            sets = []
            for n in names:
                col = q(self.fields[n].column)
                sets.append(f"{col} = {col} + %s" if isinstance(values[n], Increment) else f"{col} = %s")
            sql = self._sql[key] = f"UPDATE {q(self.table)} SET {', '.join(sets)} WHERE {where}"
        args = [v.by if isinstance(v, Increment) else self._prep(n, v, db) for n, v in values.items()]
        return Statement(sql, [*args, *params])

    def update_pk(self, pk: Any, **values: Any) -> int:
        return self.update(f"{self.col(self.meta.pk.attname)} = %s", [pk], **values)

    def build(self, **values: Any) -> models.Model:
        """`Model(**values)`: a new, unsaved instance, the fields not given at their defaults and
        related objects given by field name cached as the ORM caches them. Made without running
        `Model.__init__` when the model allows (see `reader`): a step writes a task row, a
        notification and audit events, and the ORM's per-field setattr cost about as much as
        writing the row."""
        model = self.model
        if not self._builds_plainly:
            return model(**values)
        related = self._relations
        obj = _bare(model)
        state, d = obj._state, obj.__dict__
        for name, value in values.items():
            field = related.get(name)
            if field is not None:  # as the forward descriptor sets it: the key, and the object cached
                if value is not None and not isinstance(value, field.related_model):
                    return model(**values)  # let the ORM refuse it
                d[field.attname] = None if value is None else getattr(value, field.target_field.attname)
                state.fields_cache[name] = value
            elif name in self.fields:
                d[name] = value
            else:  # a property, or something unusual: the ORM's way
                return model(**values)
        for attname, field in self.fields.items():
            if attname not in d:
                d[attname] = field.get_default()
        return obj

    # --- reading ---------------------------------------------------------------------------------

    def columns_sql(self, names: Sequence[str] | None = None, alias: str | None = None) -> str:
        q = _db().ops.quote_name
        prefix = f"{q(alias or self.table)}."
        return ", ".join(prefix + q(self.fields[n].column) for n in (names or self.all_columns))

    def reader(self, names: Sequence[str] | None = None):
        """A function turning a row of `names` columns (in that order) into a model instance, as
        `Model.from_db` does (values converted by the fields' converters). Models without their
        own `__init__` / `from_db` and without init signal receivers are made without running
        `Model.__init__` (its per-field setattr cost more than the statement on a hot read)."""
        names = tuple(names or self.all_columns)
        db = _db()
        key = (names, db.vendor)
        hit = self._readers.get(key)
        if hit is None:
            converters = []
            for i, n in enumerate(names):
                field = self.fields[n]
                col = field.get_col(self.table)
                convs = db.ops.get_db_converters(col) + field.get_db_converters(db)
                if n in self.datetimes and db.vendor == "sqlite" and settings.USE_TZ and len(convs) == 1:
                    convs = [_sqlite_datetime]
                if convs:
                    converters.append((i, convs, col))
            hit = self._readers[key] = (converters, self._plain_init())
        converters, plain = hit
        model = self.model

        def read(row: Sequence[Any]) -> models.Model:
            values = list(row)
            if converters:
                conn = _db()
                for i, convs, col in converters:
                    value = values[i]
                    for conv in convs:
                        value = conv(value, col, conn)
                    values[i] = value
            if not plain:
                return model.from_db(DEFAULT_DB_ALIAS, names, values)
            obj = _bare(model)
            obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
            obj.__dict__.update(zip(names, values, strict=True))
            return obj

        return read

    @functools.cached_property
    def _builds_plainly(self) -> bool:
        return self._plain_init()

    @functools.cached_property
    def _relations(self) -> dict[str, models.Field]:
        """The relation fields by name (`recipient`), for `build`."""
        return {f.name: f for f in self.meta.concrete_fields if f.is_relation}

    def _plain_init(self) -> bool:
        model = self.model
        return (
            model.__init__ is models.Model.__init__
            and model.from_db.__func__ is models.Model.from_db.__func__
            and not signals.pre_init.has_listeners(model)
            and not signals.post_init.has_listeners(model)
        )

    def select(
        self, where: str, params: Sequence[Any], *, names: Sequence[str] | None = None,
        order_by: str = "", for_update: bool = False,
    ) -> list[models.Model]:
        """Instances of the rows matching `where` (SQL on this table's columns)."""
        names = tuple(names or self.all_columns)
        db = _db()
        key = ("select", names, where, order_by, for_update, db.vendor)
        sql = self._sql.get(key)
        if sql is None:
            sql = f"SELECT {self.columns_sql(names)} FROM {db.ops.quote_name(self.table)} WHERE {where}"
            if order_by:
                sql += f" ORDER BY {order_by}"
            if for_update and db.features.has_select_for_update:
                sql += " FOR UPDATE"
            self._sql[key] = sql
        read = self.reader(names)
        with kept_cursor(db) as cursor:
            cursor.execute(sql, list(params))
            return [read(row) for row in cursor.fetchall()]

    def get(self, pk: Any, *, related: Sequence[str] = (), lock: bool = False) -> models.Model:
        """The row with this primary key, like `Model.objects.select_related(*related).get(pk=pk)`
        (and `.select_for_update(of=("self",))` with `lock`: only this table's row is locked), in
        one prepared statement. `related`: forward foreign keys of this model (one level); raises
        the model's DoesNotExist."""
        db = _db()
        key = ("get", tuple(related), lock, db.vendor)
        hit = self._sql.get(key)
        if hit is None:
            q = db.ops.quote_name
            me = q(self.table)
            columns, joins, parts = [self.columns_sql()], [], []
            for name in related:
                field = self.meta.get_field(name)
                other = table_of(field.related_model)
                alias = f"r_{name}"
                columns.append(other.columns_sql(alias=alias))
                kind = "LEFT OUTER JOIN" if field.null else "INNER JOIN"
                joins.append(
                    f"{kind} {q(other.table)} {q(alias)} ON {q(alias)}.{q(field.target_field.column)} = "
                    f"{me}.{q(field.column)}"
                )
                parts.append((field, other, other.all_columns.index(other.meta.pk.attname)))
            sql = (f"SELECT {', '.join(columns)} FROM {me} {' '.join(joins)} "
                   f"WHERE {me}.{q(self.meta.pk.column)} = %s")
            if lock and db.features.has_select_for_update:
                sql += f" FOR UPDATE OF {me}" if db.features.has_select_for_update_of else " FOR UPDATE"
            hit = self._sql[key] = (sql, parts)
        sql, parts = hit
        with kept_cursor(db) as cursor:
            cursor.execute(sql, [self._prep(self.meta.pk.attname, pk, db)])
            row = cursor.fetchone()
        if row is None:
            raise self.model.DoesNotExist(f"{self.meta.object_name} matching pk={pk!r} does not exist.")
        start = len(self.all_columns)
        obj = self.reader()(row[:start])
        for field, other, pk_index in parts:
            end = start + len(other.all_columns)
            piece = row[start:end]
            field.set_cached_value(obj, other.reader()(piece) if piece[pk_index] is not None else None)
            start = end
        return obj

    def values(self, where: str, params: Sequence[Any], *, names: Sequence[str], limit: int = 0) -> list[tuple]:
        """Raw column values (no conversion: use it for ids, text and numbers)."""
        names = tuple(names)
        db = _db()
        key = ("values", names, where, limit, db.vendor)
        sql = self._sql.get(key)
        if sql is None:
            sql = self._sql[key] = (
                f"SELECT {self.columns_sql(names)} FROM {db.ops.quote_name(self.table)} WHERE {where}"
                + (f" LIMIT {int(limit)}" if limit else "")
            )
        with kept_cursor(db) as cursor:
            cursor.execute(sql, list(params))
            return cursor.fetchall()

    def col(self, name: str) -> str:
        """The quoted column of field `name` (attname), for WHERE clauses (one database per process)."""
        quoted = self._cols.get(name)
        if quoted is None:
            quoted = self._cols[name] = _db().ops.quote_name(self.fields[name].column)
        return quoted


def _bare(model: type[models.Model]) -> models.Model:
    """An instance of `model` with a fresh state and no field set, without `Model.__init__`."""
    obj = model.__new__(model)
    obj._state = ModelState()
    return obj


def _sqlite_datetime(value: Any, expression: Any, connection: Any) -> Any:
    """Django's SQLite converter of DateTimeField values (with USE_TZ), minus its calls: a naive
    datetime (the driver parses columns declared `datetime`) or ISO text is taken in the
    connection's time zone, unless it names its own."""
    if value is None:
        return None
    if type(value) is str:
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return connection.ops.convert_datetimefield_value(value, expression, connection)
    if type(value) is not datetime.datetime:
        return connection.ops.convert_datetimefield_value(value, expression, connection)
    return value if value.tzinfo is not None else value.replace(tzinfo=connection.timezone)


def _db() -> Any:
    """This thread's database connection object (`connection` is a proxy that looks it up again
    on every attribute it is asked for)."""
    return connections[DEFAULT_DB_ALIAS]


@contextlib.contextmanager
def kept_cursor(db: Any = None) -> Iterator[Any]:
    """`connection.cursor()`, kept and used again while the database connection (and whether its
    queries are logged or wrapped) stays the same: making Django's cursor for each statement cost
    about a third of the CPU of a one-row statement on PostgreSQL. Errors are wrapped and execute
    wrappers run as with any Django cursor; the block must not close it. It has `execute(sql,
    params)` (`%s` placeholders), `fetchone()`, `fetchall()` and `rowcount`.

    On SQLite, when no query is logged or wrapped, statements go straight to the driver's cursor
    (`_SQLiteStatements`): Django's cursor would rewrite the placeholders of every statement anew."""
    db = db or _db()
    kept = db.__dict__.get("_yewu_cursor")
    watched = db.queries_logged or bool(db.execute_wrappers)
    if kept is None or kept[0] is not db.connection or kept[1] != watched or db.connection is None:
        made = db.cursor()  # connects when needed
        if db.vendor == "sqlite" and not watched:
            made = _SQLiteStatements(db, made)
        kept = db.__dict__["_yewu_cursor"] = (db.connection, watched, made)
    yield kept[2]


class _SQLiteStatements:
    """Django's cursor for SQLite, minus the per-statement work that does not change: the SQL's
    `%s` placeholders become `?` once per statement text (as Django's SQLite cursor converts them),
    then the driver runs it, with Django's checks for a broken transaction and its error wrapping."""

    __slots__ = ("db", "raw", "wrapper")

    def __init__(self, db: Any, wrapper: Any):
        self.db = db
        self.wrapper = wrapper  # keeps Django's cursor (and so the driver's) open
        self.raw = wrapper.cursor  # Django's SQLiteCursorWrapper, a sqlite3.Cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        qmark = _QMARK.get(sql)
        if qmark is None:
            if len(_QMARK) > 5000:
                _QMARK.clear()
            qmark = _QMARK[sql] = self.raw.convert_query(sql)
        db = self.db
        db.validate_no_broken_transaction()
        with db.wrap_database_errors:
            return _SQLITE_EXECUTE(self.raw, qmark, params)

    def fetchone(self) -> Any:
        with self.db.wrap_database_errors:
            return self.raw.fetchone()

    def fetchall(self) -> list:
        with self.db.wrap_database_errors:
            return self.raw.fetchall()

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount


_QMARK: dict[str, str] = {}
_SQLITE_EXECUTE = sqlite3.Cursor.execute  # the driver's own, not Django's override


@functools.cache
def table_of(model: type[models.Model]) -> Table:
    """One Table per model for code that is handed models (its statements are then built once)."""
    return Table(model)


_PLAIN = frozenset({str, int, type(None)})


class Increment:
    """`column = column + by` in Table.update."""

    __slots__ = ("by",)

    def __init__(self, by: int = 1):
        self.by = by


def in_list(n: int) -> str:
    """`(%s, %s, …)` for an IN clause of n values (n ≥ 1)."""
    return "(" + ", ".join(["%s"] * n) + ")"


def memo(key: Any, compute: Any) -> Any:
    """`compute()`, remembered for the rest of the current transaction (outside one: not at all).

    For reads that several services repeat within one transaction (which version of a process is
    in force). The memo ends with the transaction and with a rolled-back savepoint: Django replaces
    its list of on-commit callbacks at each commit and rollback, so holding that list tells whether
    we are still in the same transaction. Writers of what is remembered call `forget()` (see the
    signal handlers of the model concerned)."""
    values = _memo_values()
    if values is None:
        return compute()
    if key not in values:
        values[key] = compute()
    return values[key]


def memo_many(keys: list, compute: Any) -> dict:
    """`memo` for several keys read together: `compute(missing_keys)` returns a dict with a value for
    each key it is given, and is called once for those not remembered yet (not at all when none)."""
    values = _memo_values()
    if values is None:
        return compute(list(keys))
    missing = [k for k in keys if k not in values]
    if missing:
        values.update(compute(missing))
    return {k: values[k] for k in keys}


def _memo_values() -> dict | None:
    """The current transaction's memo (None outside a transaction)."""
    conn = _db()  # the thread's own connection (the `connection` proxy is shared by threads)
    if not conn.in_atomic_block:
        return None
    marker = conn.run_on_commit
    state = conn.__dict__.get("_yewu_memo")
    if state is None or state[0] is not marker:
        state = conn.__dict__["_yewu_memo"] = (marker, {})
    return state[1]


def forget(**_: Any) -> None:
    """Drop every transaction memo (a signal receiver: takes and ignores the signal's arguments)."""
    _db().__dict__.pop("_yewu_memo", None)
