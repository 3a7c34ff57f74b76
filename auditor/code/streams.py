"""Stream classes: a library base class that sends the request its subclass describes
(URL parts, headers, query as attributes and methods) and hands each record of the answer
to the subclass's hooks (Singer SDK's ``RESTStream``). The library is data
(``StreamClass`` models); this module only assembles the request and runs the hooks."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from auditor.code.core import EvaluatorCore
from auditor.code.frames import Frame
from auditor.code.http import fill_path
from auditor.code.models.spec import StreamClass
from auditor.code.strings import jsonpath_pick
from auditor.code.values import (
    UNKNOWN,
    Client,
    DictV,
    Instance,
    ListV,
    NoneV,
    OneOf,
    Str,
    Value,
    one_of,
)


class StreamsMixin(EvaluatorCore):
    def run_streams(self, instance: Instance, node: cst.Call, frame: Frame) -> None:
        """The request of a stream object the project makes, and its records' hooks."""
        streams = self.models.stream_classes
        if not streams:
            return
        bases = set(self.external_bases(instance.cls))
        for stream in streams:
            if bases & set(stream.bases):
                self.run_stream(stream, instance, node, frame)

    def run_stream(
        self, stream: StreamClass, instance: Instance, node: cst.Call, frame: Frame
    ) -> None:
        url: Value = Str("")
        for attr in stream.url:
            part = self.attribute(instance, attr, node, frame)
            # `/users/{user_id}/certificates`: the ids come from a context nobody spells
            url = self.add(url, fill_path(part, DictV()) if isinstance(part, Str) else part)
        headers = self.attribute(instance, stream.headers, node, frame) if stream.headers else None
        context: Value = UNKNOWN
        if stream.contexts and self.lookup_method(instance.cls, stream.contexts) is not None:
            # one request per context (a partition of the ids): what one of them holds
            listed = self.attribute(instance, stream.contexts, node, frame)
            options = listed.options if isinstance(listed, OneOf) else (listed,)
            lists: list[Value] = [o for o in options if isinstance(o, ListV)]
            if lists:
                # (None instead of a list: one request with no context, nothing to send)
                context = self.iterate(one_of(lists), frame)
        params: Value | None = self.call_hook(
            instance, stream.params, [context, UNKNOWN], node, frame
        )
        verb = self.lookup_class_attr(instance.cls, stream.verb) if stream.verb else None
        method = verb.text.upper() if isinstance(verb, Str) and verb.known else "GET"
        paginated = True
        if stream.paginator and self.lookup_method(instance.cls, stream.paginator) is not None:
            made = self.call_hook(instance, stream.paginator, [], node, frame)
            paginated = not isinstance(made, NoneV)
        sending = frame
        if paginated:
            # the library asks again with each page token the project's query is given
            sending = replace(frame, loop_depth=frame.loop_depth + 1)
        response = self.http_request(
            Client("stream"),
            method,
            url,
            headers if isinstance(headers, DictV) else None,
            params,
            None,
            node,
            sending,
            stack="stream",
            response="requests",
        )
        records = self.stream_records(stream, instance, response, node, frame)
        record = self.iterate(records, frame)
        for hook in stream.record_hooks:
            self.call_hook(instance, hook, [record, context], node, frame)

    def stream_records(
        self,
        stream: StreamClass,
        instance: Instance,
        response: Value,
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if stream.parse and self.lookup_method(instance.cls, stream.parse) is not None:
            return self.call_hook(instance, stream.parse, [response], node, frame) or UNKNOWN
        path = self.lookup_class_attr(instance.cls, stream.records_path or "")
        text = path.text if isinstance(path, Str) and path.known else stream.default_records
        return jsonpath_pick(response, text)

    def call_hook(
        self, instance: Instance, name: str | None, args: list[Value], node: cst.Call, frame: Frame
    ) -> Value | None:
        method = self.lookup_method(instance.cls, name) if name else None
        if method is None:
            return None
        return self.call_function(replace(method, bound_self=instance), args, {}, node, frame)
