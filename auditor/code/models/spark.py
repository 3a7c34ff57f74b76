"""PySpark: what ``spark.read`` loads is stored data (a table, a lake's files), and the
function given to ``mapPartitions``/``foreachPartition`` runs on each partition's rows,
on the executors."""

from __future__ import annotations

from dataclasses import replace

from auditor.code.models.spec import CallContext, LibraryModel, Source, Special
from auditor.code.values import ListV, Value


def _each_partition(call: CallContext) -> Value | None:
    """``rdd.mapPartitions(f)``: f is given an iterator over one partition's rows, once per
    partition (a loop the executors run)."""
    func = call.args[0] if call.args else call.kwargs.get("f")
    if func is None or call.receiver is None:
        return None
    frame = replace(call.frame, loop_depth=call.frame.loop_depth + 1)
    row = call.interpreter.iterate(call.receiver, frame)
    rows = ListV(elem=row, origin=row, source="a partition's rows")
    made = call.interpreter.call_value(func, [rows], {}, call.node, frame)
    return made if isinstance(made, ListV) else ListV(source="a partition's results")


MODEL = LibraryModel(
    name="spark",
    method_sources=(
        Source(
            ("jdbc", "parquet", "table", "orc", "csv", "load", "delta"),
            "a table read with Spark",
            stored=True,
            receivers=("read",),
        ),
    ),
    method_specials=(
        Special(("mapPartitions", "foreachPartition", "mapPartitionsWithIndex"), _each_partition),
    ),
)
