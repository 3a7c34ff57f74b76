"""Python's builtins and the methods of str, dict and list, over abstract values."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from auditor.code.core import EvaluatorCore
from auditor.code.expressions import BUILTIN_EXCEPTIONS, OPAQUE_BUILTINS
from auditor.code.frames import Frame
from auditor.code.models.spec import DataMethod
from auditor.code.strings import known_strings, split_text, str_format, template_substitute
from auditor.code.values import (
    NONE,
    UNKNOWN,
    ClassRef,
    Composed,
    ConfigMap,
    Data,
    DictV,
    Duration,
    External,
    Func,
    Instance,
    Joined,
    LambdaV,
    LenOf,
    ListV,
    Num,
    OneOf,
    Opaque,
    Partial,
    Response,
    Str,
    SuperRef,
    Unknown,
    Value,
    as_str,
    hole,
    literal_list,
    one_of,
)
from auditor.urls import HOLE

_STR_TRANSFORMS = frozenset(
    "strip rstrip lstrip lower upper removesuffix removeprefix casefold title capitalize".split()
)


class BuiltinsMixin(EvaluatorCore):
    # -- containers ---------------------------------------------------------------------
    def iterate(self, value: Value, frame: Frame, *, first_only: bool = False) -> Value:
        """The value of one element when iterating ``value``; notes uses of response data."""
        if isinstance(value, OneOf):
            return one_of([self.iterate(v, frame, first_only=first_only) for v in value.options])
        if isinstance(value, Data):
            if not frame.module.generated:
                # a generated model walks every list it decodes; how the project then uses
                # the model's list says whether the page is taken for the whole collection
                self.events.iterated(value, first_only)
            return Data(value.request, (*value.path, "[]"))
        if isinstance(value, ListV):
            if isinstance(value.origin, Data) and not frame.module.generated:
                self.events.iterated(value.origin, first_only)
            if (
                value.items
                and len(value.items) > 1
                and any(isinstance(v, Data | Response | OneOf) for v in value.items)
            ):
                # responses collected in a loop: each of them is iterated over
                return one_of(value.items)
            element = value.element()
            if isinstance(element, Unknown) and value.source and not element.source:
                return Unknown(
                    source=value.source,
                    stored=self.models.is_stored_source(value.source),
                    made_in=frame.func_id,
                    item=True,
                )
            if isinstance(element, Unknown) and element is not UNKNOWN:
                return replace(element, item=True)
            return element
        if isinstance(value, DictV):
            return _unspelled_key(value)
        if isinstance(value, Unknown):
            return replace(value, name=_singular(value.name), bound=None, item=True)
        if isinstance(value, Response):
            # a response object that iterates its items (a generated client's list model)
            self.events.body_read(value.request)
            self.events.iterated(Data(value.request), first_only)
            return Data(value.request, ("[]",))
        if isinstance(value, Instance) and value.stored:
            if value.records_of is not None:
                # a query of an ORM iterates records of its model
                return Instance(
                    value.records_of, stored=True, spans=value.spans, made_in=frame.func_id
                )
            return value  # a recordset iterates records of its own model
        return UNKNOWN

    def item(self, owner: Value, key: Value, node: cst.CSTNode, frame: Frame) -> Value:
        if isinstance(owner, OneOf):
            return one_of([self.item(o, key, node, frame) for o in owner.options])
        if isinstance(owner, Data):
            if isinstance(key, Str) and key.known:
                return self.read_key(owner, key.text, node, frame)
            if isinstance(key, OneOf):
                # for key in ("group_ids", "tag_ids"): user[key]
                return one_of([self.item(owner, k, node, frame) for k in key.options])
            if isinstance(key, ListV) and key.items:
                # df[["id", "skills"]]: the columns are read, the table stays the rows
                for column in key.items:
                    if isinstance(column, Str) and column.known:
                        self.read_key(owner, column.text, node, frame)
                return owner
            if isinstance(key, Num):
                if key.n in (0, -1):
                    self.events.indexed(owner, int(key.n))
                return Data(owner.request, (*owner.path, "[]"))
            return Data(owner.request, (*owner.path, "*"))
        if (
            isinstance(owner, Response)
            and self.models.response_kind(owner.protocol).fields_are_data
        ):
            # what an object nobody modeled answered, read by key: the decoded body (a
            # wrapper's `post()` that returns `resp.json()`)
            self.events.body_read(owner.request)
            return self.item(Data(owner.request), key, node, frame)
        if isinstance(owner, DictV):
            if isinstance(key, Str) and key.known:
                found = owner.get_ci(key.text)
                if found is not None:
                    return found
            return owner.elem if owner.elem is not None else UNKNOWN
        if isinstance(owner, ListV):
            if isinstance(key, Num) and owner.items is not None:
                index = key.as_int
                if index is not None and -len(owner.items) <= index < len(owner.items):
                    return owner.items[index]
            if isinstance(owner.origin, Data) and isinstance(key, Num) and key.n in (0, -1):
                self.events.indexed(owner.origin, int(key.n))
            return owner.element()
        if isinstance(owner, External):
            return self.external_item(owner, key, frame)
        if isinstance(owner, Instance):
            method = self.attribute(owner, "__getitem__", node, frame)
            from auditor.code.values import Func

            if isinstance(method, Func):
                return self.call_function(method, [key], {}, None, frame)
            return UNKNOWN
        if isinstance(owner, Unknown):
            if isinstance(key, Str) and key.known:
                stored = self.stored("key", key.text, frame)
                if stored is not None:
                    return stored
                registered = self.named_class(key.text)
                if registered is not None:
                    # a framework registry (Odoo's env["res.partner"]): the model's records
                    return self.default_instance(registered)
            name = key.text if isinstance(key, Str) and key.known else owner.name
            taken = frame.func_id if owner.stored else owner.taken_in
            return replace(owner, name=name, bound=None, taken_in=taken)
        return UNKNOWN

    def external_item(self, owner: External, key: Value, frame: Frame) -> Value:
        name = self.models.normalize(owner.name)
        key_text = key.text if isinstance(key, Str) and key.known else ""
        if self.models.is_settings_object(name) and key_text:
            found = self.setting(key_text)
            if found is not None:
                return found
        if key_text:
            kept = self.stored("key", key_text, frame)
            if kept is not None:
                return kept
            registered = self.named_class(key_text)
            if registered is not None:
                return self.default_instance(registered)
        source = self.models.mapping_source(name)
        if source is not None:
            unknown = Unknown(source=source.source, name=key_text, stored=source.stored)
            return hole(unknown) if source.source == "the environment" else unknown
        return UNKNOWN

    # -- builtins -----------------------------------------------------------------------
    def call_builtin(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> Value:
        arg = args[0] if args else UNKNOWN
        if name == "len":
            return self.length(arg)
        if name in ("list", "tuple", "sorted", "set", "reversed", "frozenset"):
            return self.as_list(arg, frame)
        if name == "range":
            return _range(args)
        if name == "enumerate":
            element = self.iterate(arg, frame)
            return ListV(
                elem=literal_list([Num(0), element]),
                source=arg.source if isinstance(arg, ListV | Unknown) else "",
            )
        if name == "zip":
            elements = [self.iterate(a, frame) for a in args]
            return ListV(elem=literal_list(elements), source="zip")
        if name in ("map", "filter"):
            return self.mapped(name, args, frame)
        if name in ("str", "repr"):
            return as_str(arg) if args else Str("")
        if name in ("int", "float"):
            if isinstance(arg, Num):
                return arg
            if isinstance(arg, Str) and arg.known:
                try:
                    return Num(float(arg.text))
                except ValueError:
                    return UNKNOWN
            if isinstance(arg, Unknown):
                # a number is one value, whatever it was read from: never a list of ids
                return replace(arg, source="a number", name="", bound=None)
            return UNKNOWN
        if name == "dict":
            if isinstance(arg, Unknown) and arg.stored and not kwargs:
                return arg  # a mapping read back (`dict(shelf)`): its keys and values are old
            if isinstance(arg, Data) and not kwargs:
                return arg  # a copy of a response's mapping: reading it reads the response
            result = arg.copy() if isinstance(arg, DictV) else _dict_of_pairs(arg, bool(args))
            result.node = frame.ref(node)
            for key, value in kwargs.items():
                if key == "**":
                    result.open = True
                else:
                    result.set_ci(key, value, frame.ref(node))
            return result
        if name == "next":
            return self.iterate(arg, frame, first_only=True)
        if name == "iter" and len(args) == 2:
            # iter(make_next, sentinel): what the callable returns, call after call
            made = self.call_value(arg, [], {}, node, frame)
            return ListV(elem=made, source="a callable's results")
        if name == "iter":
            return arg
        if name == "open":
            return Unknown(source="a file", stored=True, made_in=frame.func_id)
        if name == "input":
            return Unknown(source="user input")
        if name == "super":
            if frame.cls is not None and frame.self_value is not None:
                return SuperRef(frame.self_value, frame.cls)
            return UNKNOWN
        if name == "getattr" and len(args) >= 2:
            attr_name = args[1]
            if isinstance(attr_name, Str) and attr_name.known:
                return self.method_of_value(args[0], attr_name.text, node, frame)
            return args[2] if len(args) > 2 else UNKNOWN
        if name == "setattr" and len(args) >= 3:
            target, attr_name, value = args[:3]
            if isinstance(target, Instance) and isinstance(attr_name, Str) and attr_name.known:
                target.attrs[attr_name.text] = value
            return UNKNOWN
        if name == "type" and len(args) == 1 and isinstance(arg, Instance):
            return ClassRef(arg.cls)
        if name in ("min", "max") and len(args) == 2:
            a, b = args
            if isinstance(a, Num) and isinstance(b, Num):
                return Num(min(a.n, b.n) if name == "min" else max(a.n, b.n))
            if isinstance(a, Duration) and isinstance(b, Duration):
                return Duration(min(a.days, b.days) if name == "min" else max(a.days, b.days))
            if name == "min" and (isinstance(a, Duration) or isinstance(b, Duration)):
                # `min(timedelta(days=n), JOB_TTL)`: at most the span the code spells
                return a if isinstance(a, Duration) else b
            return a if isinstance(a, Num) else b if isinstance(b, Num) else UNKNOWN
        if name in OPAQUE_BUILTINS:
            if name in ("sum", "any", "all") and isinstance(arg, Data):
                self.events.iterated(arg, False)
            return UNKNOWN
        if name == "print":
            return UNKNOWN
        if name in ("locals", "vars") and not args:
            # generated clients read their parameters back with locals()
            return DictV(dict(frame.env))
        if name in BUILTIN_EXCEPTIONS:
            # `raise RuntimeError(resp.text)`: the body is shown, not followed or kept
            return Opaque(f"builtins.{name}")
        self.hand_on(args, kwargs)
        return UNKNOWN

    def method_of_value(self, owner: Value, name: str, node: cst.CSTNode, frame: Frame) -> Value:
        """``getattr(owner, name)``: a bound method for receivers we cannot type."""
        from auditor.code.values import Bound, Opaque

        if isinstance(owner, Unknown | Opaque):
            return Bound(owner, name)
        return self.attribute(owner, name, node, frame)

    def length(self, arg: Value) -> Value:
        if isinstance(arg, OneOf):
            return one_of([self.length(option) for option in arg.options])
        if isinstance(arg, ListV) and arg.items is not None:
            return Num(len(arg.items))
        if isinstance(arg, ListV) and arg.origin is not None:
            # a list made item by item from a page (`[Model(d) for d in body["data"]]`)
            origin: Value | None = arg.origin
            for _ in range(4):
                if isinstance(origin, OneOf):
                    origin = next((o for o in origin.options if isinstance(o, Data | ListV)), None)
                if isinstance(origin, ListV) and origin.items is None:
                    origin = origin.origin
                if not isinstance(origin, OneOf):
                    break
            if isinstance(origin, Data):
                self.events.measured(origin)
                return LenOf(origin.request)
        if isinstance(arg, Data):
            self.events.measured(arg)
            return LenOf(arg.request)
        return UNKNOWN

    def as_list(self, arg: Value, frame: Frame) -> Value:
        if isinstance(arg, Data):
            self.events.iterated(arg, False)
            return ListV(
                origin=arg, elem=Data(arg.request, (*arg.path, "[]")), source="an API response"
            )
        if isinstance(arg, ListV):
            if isinstance(arg.origin, Data):
                self.events.iterated(arg.origin, False)
            return arg.copy()
        if isinstance(arg, Unknown):
            return ListV(
                source=arg.source or "other data",
                elem=replace(arg, name=""),
                origin=arg,
                bound=arg.bound,
            )
        if isinstance(arg, OneOf):
            return one_of([self.as_list(o, frame) for o in arg.options])
        return ListV(source="other data")

    def mapped(self, name: str, args: list[Value], frame: Frame) -> Value:
        seq = args[1] if len(args) > 1 else UNKNOWN
        func = args[0] if args else UNKNOWN
        if isinstance(seq, OneOf):
            return one_of([self.mapped(name, [func, option], frame) for option in seq.options])
        frame.loop_depth += 1  # the function runs once per element: a loop
        try:
            return self.mapped_elements(name, func, seq, frame)
        finally:
            frame.loop_depth -= 1

    def mapped_elements(self, name: str, func: Value, seq: Value, frame: Frame) -> Value:
        if isinstance(seq, ListV):
            element: Value = UNKNOWN
            if name == "map":
                element = self.call_value(func, [seq.element()], {}, None, frame)
            return ListV(
                size=seq.size if name == "map" else None,
                bound=seq.bound
                if seq.bound is not None
                else (seq.size if name == "filter" else None),
                source=seq.source,
                origin=seq,
                elem=element if name == "map" else seq.element(),
            )
        if isinstance(seq, Data):
            self.events.iterated(seq, False)
            item: Value = Data(seq.request, (*seq.path, "[]"))
            if name == "map":
                item = self.call_value(func, [item], {}, None, frame)
            return ListV(source="an API response", origin=seq, elem=item)
        source = seq.source if isinstance(seq, Unknown) else ""
        bound = seq.bound if isinstance(seq, Unknown) else None
        mapped: Value = UNKNOWN
        if name == "map" and isinstance(func, Func | Partial | LambdaV | Composed):
            # the project's function runs on each element, whatever the sequence is
            mapped = self.call_value(func, [self.iterate(seq, frame)], {}, None, frame)
        return ListV(source=source, origin=seq, bound=bound, elem=mapped)

    # -- methods of str, dict and list --------------------------------------------------
    def str_method(
        self, target: Str, name: str, args: list[Value], kwargs: dict[str, Value]
    ) -> Value:
        if name == "format":
            return str_format(target, args, kwargs)
        if name in ("substitute", "safe_substitute"):
            # a `string.Template`, held as its text
            return template_substitute(target, args[0] if args else None, kwargs)
        if name == "join" and args:
            seq = args[0]
            if isinstance(seq, ListV) and seq.items is not None:
                parts = [as_str(item) for item in seq.items]
                if all(p.known for p in parts):
                    return Str(
                        target.text.join(p.text for p in parts),
                        (),
                        tuple(o for p in parts for o in p.origins)[:24],
                    )
            if isinstance(seq, Data):
                self.events.iterated(seq, False)
            return Str(HOLE, (Joined(seq),))
        if name in _STR_TRANSFORMS:
            if target.known:
                try:
                    call_args = [a.text for a in args if isinstance(a, Str) and a.known]
                    return Str(getattr(target.text, name)(*call_args), (), target.origins)
                except (TypeError, ValueError):
                    return target
            return target
        if name in ("encode", "decode"):
            return target
        if name == "replace" and len(args) >= 2 and target.known:
            old, new = args[0], args[1]
            if isinstance(old, Str) and isinstance(new, Str) and old.known and new.known:
                return Str(target.text.replace(old.text, new.text), (), target.origins)
            return hole(target)
        if name in ("split", "rsplit", "splitlines"):
            if target.known:
                sep = args[0].text if args and isinstance(args[0], Str) and args[0].known else None
                return split_text(target, sep if name != "splitlines" else "\n")
            source = (
                target.slots[0].source
                if target.slots and isinstance(target.slots[0], Unknown | ListV)
                else "a string"
            )
            return ListV(source=source or "a string")
        if name in ("startswith", "endswith", "isdigit", "isalpha", "find", "count", "index"):
            return UNKNOWN
        return UNKNOWN

    def dict_method(
        self,
        target: DictV,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if isinstance(target, ConfigMap):
            found = self.config_method(target, name, args, kwargs, frame)
            if found is not None:
                return found
        if name == "update":
            for update in args:
                if isinstance(update, DictV):
                    target.merge(update)
                else:
                    target.open = True
            for key, value in kwargs.items():
                if key == "**":
                    target.open = True
                else:
                    target.set_ci(key, value, frame.ref(node))
            return UNKNOWN
        if name in ("get", "setdefault", "pop") and args:
            lookup = args[0]
            if isinstance(lookup, Str) and lookup.known:
                found = target.get_ci(lookup.text)
                if found is not None:
                    return found
                if name == "setdefault" and len(args) > 1:
                    target.set_ci(lookup.text, args[1], frame.ref(node))
                    return args[1]
                if not target.open and target.elem is None:
                    # the key is not there: the default (None unless given)
                    return args[1] if len(args) > 1 else NONE
            if target.elem is not None:
                return target.elem
            return args[1] if len(args) > 1 else UNKNOWN
        if name == "copy":
            return target.copy()
        values = [*target.entries.values(), *([target.elem] if target.elem is not None else [])]
        closed = not target.open and target.elem is None
        if name == "values":
            if closed:
                return literal_list(list(target.entries.values()), "a dict")
            return ListV(elem=one_of(values) if values else UNKNOWN, source="a dict")
        if name == "items":
            if closed:
                pairs: list[Value] = [literal_list([Str(k), v]) for k, v in target.entries.items()]
                return literal_list(pairs, "a dict")
            return ListV(
                elem=literal_list([_unspelled_key(target), one_of(values) if values else UNKNOWN]),
                source="a dict",
            )
        if name == "keys":
            if closed:
                return literal_list([Str(k) for k in target.entries], "a dict")
            return ListV(elem=_unspelled_key(target), source="a dict")
        return UNKNOWN

    def config_method(
        self,
        target: ConfigMap,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        frame: Frame,
    ) -> Value | None:
        """An INI parser's or section's methods; None for what a dict does the same."""
        if name == "read_dict" and args:
            given = args[0]
            if not isinstance(given, DictV):
                target.open = True
                return UNKNOWN
            for section_name, values in given.entries.items():
                current = target.get_ci(section_name)
                if not isinstance(current, ConfigMap):
                    current = ConfigMap(open=True)
                    target.set_ci(section_name, current)
                if isinstance(values, DictV):
                    current.merge(values)
                    current.open = True
            return UNKNOWN
        getter = _CONFIG_GETTERS.get(name)
        if getter is None or not args:
            return None
        first = args[0]
        found = target.get_ci(first.text) if isinstance(first, Str) and first.known else None
        parser = any(isinstance(v, ConfigMap) for v in target.entries.values())
        section: DictV = target
        option: Value = first
        if len(args) >= 2 and (isinstance(found, DictV) or parser):
            # parser.get(section, option): the section's option, or the DEFAULT one
            section = found if isinstance(found, DictV) else ConfigMap(open=True)
            option = args[1]
            fallback = kwargs.get("fallback", args[2] if len(args) > 2 else None)
        else:
            # section.get(option, fallback)
            fallback = kwargs.get("fallback", args[1] if len(args) > 1 else None)
        value: Value | None = None
        option_name = option.text if isinstance(option, Str) and option.known else ""
        if option_name:
            value = section.get_ci(option_name)
            if value is None:
                defaults = target.get_ci("DEFAULT")
                if isinstance(defaults, DictV):
                    value = defaults.get_ci(option_name)
        if value is None:
            value = fallback or Unknown(source="the configuration", name=option_name)
        if getter == "number" and isinstance(value, Str) and value.known:
            try:
                return Num(float(value.text))
            except ValueError:
                return UNKNOWN
        return value

    def list_method(self, target: ListV, name: str, args: list[Value], frame: Frame) -> Value:
        if name in ("append", "add", "insert", "appendleft") and args:
            added = args[-1]
            if target.shared:
                self.events.escape(added, "stored")
            if target.items is not None:
                if len(target.items) < 512:
                    target.items.append(added)
                    target.size = len(target.items)
                else:
                    target.items, target.size = None, None
            elif isinstance(target.elem, Unknown):
                target.elem = added
            else:
                target.elem = one_of([target.elem, added])
            return UNKNOWN
        if name in ("extend", "update") and args:
            self.accumulate(target, args[0], frame)
            return UNKNOWN
        if name == "copy":
            return target.copy()
        if name in ("pop", "popleft"):
            return target.element()
        return UNKNOWN

    def data_method(
        self,
        target: Data,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        table = self.models.data_method(name)
        if table is not None:
            return self.table_method(target, table, args, kwargs, node, frame)
        if name in ("get", "pop", "setdefault") and args:
            key = args[0]
            if isinstance(key, Str) and key.known:
                return self.read_key(target, key.text, node, frame)
            return Data(target.request, (*target.path, "*"))
        if name in ("items", "values"):
            return Data(target.request, (*target.path, f"{name}()"))
        if name in ("copy", "decode", "encode", "strip"):
            return target  # the same body (bytes read from a response, decoded as text)
        return UNKNOWN

    def table_method(
        self,
        target: Data,
        method: DataMethod,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        """A method of a table built from response items (``df.explode("skills")``): the
        columns it names are read from every row."""
        named = [method.keys.pick(args, kwargs)] if method.keys is not None else []
        if method.every_arg:
            named = [*args, *kwargs.values()]
        for given in named:
            for column in known_strings(given):
                # read where the column is named (a `pl.col(...)` line of its own)
                written = next((o.node for o in column.origins if o.module is frame.module), node)
                self.read_key(target, column.text, written, frame)
        if method.returns == "rows":
            return ListV(elem=target, origin=target, source="the rows of a table")
        if method.returns == "pairs":
            pair = ListV(items=[Num(0), target], size=2, source="a tuple")
            return ListV(elem=pair, origin=target, source="the rows of a table")
        return target


def _unspelled_key(target: DictV) -> Value:
    """A key of a mapping the analysis cannot spell: what was stored as a key, if known."""
    return target.key_elem if target.key_elem is not None else Str(HOLE, (UNKNOWN,))


def _dict_of_pairs(arg: Value, given: bool) -> DictV:
    """``dict(pairs)``: keys spelled out when the pairs are, else what the values hold
    (``dict(zip(COLUMNS, row))`` of a stored row holds stored values)."""
    result = DictV(open=given)
    if isinstance(arg, ListV):
        pairs = arg.items if arg.items is not None else [arg.elem]
        for pair in pairs:
            if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
                key, value = pair.items
                if isinstance(key, Str) and key.known and arg.items is not None:
                    result.set_ci(key.text, value)
                else:
                    result.elem = value if result.elem is None else one_of([result.elem, value])
        result.open = arg.items is None or result.elem is not None
    elif isinstance(arg, Unknown):
        result.elem = replace(arg, name="")
    return result


def _singular(name: str) -> str:
    if name.endswith("ids"):
        return name[:-1]
    return name[:-1] if name.endswith("s") else name


def _range(args: list[Value]) -> Value:
    nums = [a.as_int for a in args if isinstance(a, Num) and a.as_int is not None]
    if len(nums) == len(args) and args:
        start, stop = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
        step = nums[2] if len(nums) > 2 else 1
        if not step:
            return ListV(size=0, source="a range")
        size = len(range(start, stop, step))
        if size <= 64:
            return ListV(
                items=[Num(i) for i in range(start, stop, step)], size=size, source="a range"
            )
        return ListV(size=size, elem=Num(start), source="a range")
    return ListV(source="a range", elem=Num(0))


_CONFIG_GETTERS = {
    "get": "text",
    "getint": "number",
    "getfloat": "number",
    "getboolean": "flag",
}
