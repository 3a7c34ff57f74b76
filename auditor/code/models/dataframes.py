"""pandas and polars: tables built from response items, whose columns are the items' keys."""

from __future__ import annotations

from auditor.code.models.spec import (
    CallContext,
    DataMethod,
    LibraryModel,
    Source,
    Special,
    arg,
    kw,
)
from auditor.code.strings import known_names
from auditor.code.values import Data, ListV, OneOf, Opaque, Value, one_of


def _table(call: CallContext) -> Value | None:
    rows = call.args[0] if call.args else call.kwargs.get("data")
    if isinstance(rows, OneOf):
        # rows from whichever branch ran (a bare array or a body's "data")
        tables = [_rows_table(call, option) for option in rows.options]
        found = [table for table in tables if table is not None]
        return one_of(found) if found else None
    return _rows_table(call, rows)


def _rows_table(call: CallContext, rows: Value | None) -> Value | None:
    element: Value | None = None
    if isinstance(rows, Data):
        call.interpreter.iterate(rows, call.frame)
        element = Data(rows.request, (*rows.path, "[]"))
    elif isinstance(rows, ListV):
        item = call.interpreter.iterate(rows, call.frame)
        options = item.options if isinstance(item, OneOf) else (item,)
        found = next((o for o in options if isinstance(o, Data)), None)
        if found is not None:
            element = found  # the rows are response items (collected from pages, say)
        elif isinstance(rows.origin, Data):
            element = Data(rows.origin.request, (*rows.origin.path, "[]"))
    if not isinstance(element, Data):
        return None
    # json_normalize(rows, record_path="progressions", meta=["id"]) reads those keys
    for keyword in ("record_path", "meta"):
        for name in known_names(call.kwargs.get(keyword)):
            read = call.interpreter.read_key(element, name, call.node, call.frame)
            if keyword == "record_path" and isinstance(read, Data):
                element = Data(read.request, (*read.path, "[]"))
    return element


def _concat(call: CallContext) -> Value | None:
    """``pd.concat(frames)``: one table of the rows of every table in the list (pages
    collected in a loop)."""
    tables = call.args[0] if call.args else call.kwargs.get("objs", call.kwargs.get("items"))
    if tables is None:
        return None
    found = call.interpreter.iterate(tables, call.frame)
    options = found.options if isinstance(found, OneOf) else (found,)
    rows: list[Value] = [option for option in options if isinstance(option, Data)]
    return one_of(rows) if rows else None


_TABLES = (
    "pandas.DataFrame",
    "pandas.DataFrame.from_records",
    "pandas.DataFrame.from_dict",
    "pandas.json_normalize",
    "pandas.io.json.json_normalize",
    "polars.DataFrame",
    "polars.from_dicts",
    "polars.from_records",
    "polars.from_dict",
    "polars.json_normalize",
)


def _column(call: CallContext) -> Value | None:
    """``pl.col("skills")``: an expression that reads the columns it names."""
    return Opaque("polars.Expr", args=tuple(call.args), fluent=True)


MODEL = LibraryModel(
    name="dataframes",
    specials=(
        Special(("polars.col",), _column),
        Special(_TABLES, _table),
        Special(("pandas.concat", "polars.concat"), _concat),
    ),
    sources=(
        Source(
            (
                "pandas.read_csv",
                "pandas.read_excel",
                "pandas.read_json",
                "pandas.read_parquet",
                "polars.read_csv",
                "polars.read_excel",
                "polars.read_parquet",
                "polars.read_json",
                "openpyxl.load_workbook",
            ),
            "a file",
            stored=True,
        ),
        Source(
            ("pandas.read_sql", "pandas.read_sql_query", "polars.read_database"),
            "a database query",
            stored=True,
        ),
    ),
    data_methods=(
        DataMethod(
            (
                "explode",
                "sort_values",
                "groupby",
                "set_index",
                "pivot",
                "melt",
                "value_counts",
                "unnest",
                "drop_nulls",
            ),
            keys=arg(0, "column", "by", "keys", "columns", "subset"),
        ),
        # polars: columns by name or as expressions, any number of them
        DataMethod(
            ("select", "with_columns", "filter", "group_by", "agg", "sort"),
            every_arg=True,
        ),
        DataMethod(
            ("drop_duplicates", "dropna", "fillna", "pivot_table", "unique"),
            keys=kw("subset", "values", "columns"),
        ),
        DataMethod(("iter_rows", "itertuples", "to_dicts", "rows", "to_records"), returns="rows"),
        DataMethod(("iterrows",), returns="pairs"),
        DataMethod(("to_dict",), returns="same"),
    ),
    aliases={"pd.DataFrame": "pandas.DataFrame", "pl.DataFrame": "polars.DataFrame"},
)
