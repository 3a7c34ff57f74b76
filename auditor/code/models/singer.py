"""Singer SDK taps (Meltano): a ``RESTStream`` subclass describes its request in
attributes and methods, and the SDK sends it, page after page, handing each record to
``post_process``."""

from __future__ import annotations

from auditor.code.models.spec import CallContext, LibraryModel, Special, StreamClass
from auditor.code.strings import jsonpath_pick
from auditor.code.values import Str, Value

_REST_STREAM = StreamClass(
    bases=(
        "singer_sdk.RESTStream",
        "singer_sdk.streams.RESTStream",
        "singer_sdk.streams.rest.RESTStream",
    ),
    url=("url_base", "path"),
    verb="rest_method",
    headers="http_headers",
    params="get_url_params",
    parse="parse_response",
    records_path="records_jsonpath",
    default_records="$[*]",
    record_hooks=("post_process", "get_child_context"),
    paginator="get_new_paginator",
    contexts="partitions",
)


def _extract_jsonpath(call: CallContext) -> Value | None:
    """``extract_jsonpath("$.data[*]", input=body)``: the records the path picks."""
    path = call.args[0] if call.args else call.kwargs.get("expression")
    body = call.args[1] if len(call.args) > 1 else call.kwargs.get("input")
    if not isinstance(path, Str) or not path.known or body is None:
        return None
    return jsonpath_pick(body, path.text)


MODEL = LibraryModel(
    name="singer",
    stream_classes=(_REST_STREAM,),
    specials=(Special(("singer_sdk.helpers.jsonpath.extract_jsonpath",), _extract_jsonpath),),
)
