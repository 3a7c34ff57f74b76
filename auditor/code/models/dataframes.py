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
from auditor.code.values import Data, ListV, Value


def _table(call: CallContext) -> Value | None:
    rows = call.args[0] if call.args else call.kwargs.get("data")
    if isinstance(rows, Data):
        call.interpreter.iterate(rows, call.frame)
        return Data(rows.request, (*rows.path, "[]"))
    if isinstance(rows, ListV) and isinstance(rows.origin, Data):
        call.interpreter.iterate(rows, call.frame)
        element = rows.element()
        if isinstance(element, Data):
            return element
        return Data(rows.origin.request, (*rows.origin.path, "[]"))
    return None


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

MODEL = LibraryModel(
    name="dataframes",
    specials=(Special(_TABLES, _table),),
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
                "select",
                "with_columns",
                "unnest",
                "drop_nulls",
            ),
            keys=arg(0, "column", "by", "keys", "columns", "subset"),
        ),
        DataMethod(
            ("drop_duplicates", "dropna", "fillna", "pivot_table", "unique"),
            keys=kw("subset", "values", "columns"),
        ),
        DataMethod(
            ("iterrows", "iter_rows", "itertuples", "to_dicts", "rows", "to_records"),
            returns="rows",
        ),
        DataMethod(("to_dict",), returns="same"),
    ),
    aliases={"pd.DataFrame": "pandas.DataFrame", "pl.DataFrame": "polars.DataFrame"},
)
