"""Data classes and validation models (pydantic, attrs, msgspec, cattrs): fields with
defaults, built from mappings, and size bounds on list fields."""

from __future__ import annotations

import libcst as cst

from auditor.code.models.spec import (
    CallContext,
    LibraryModel,
    Passthrough,
    SizeBound,
    Special,
    kw,
)
from auditor.code.values import ClassRef, ListV, Value


def _structure(call: CallContext) -> Value | None:
    """``converter.structure(data, User)``: a User built from the data's keys;
    ``structure(rows, list[User])``: a list of them, one per row."""
    if len(call.args) < 2:
        return None
    if isinstance(call.args[1], ClassRef):
        return call.interpreter.call_value(
            call.args[1], [], {"**": call.args[0]}, call.node, call.frame
        )
    model = _item_type(call)
    if model is None:
        return None
    row = call.interpreter.iterate(call.args[0], call.frame)
    made = call.interpreter.call_value(model, [], {"**": row}, call.node, call.frame)
    return ListV(elem=made, origin=call.args[0], source="models built from a list")


def _item_type(call: CallContext) -> ClassRef | None:
    """The project class a ``list[User]`` (``List``, ``Sequence``, ``tuple[User, ...]``)
    given as the type holds."""
    given = call.node.args[1].value if len(call.node.args) > 1 else None
    if not isinstance(given, cst.Subscript) or not given.slice:
        return None
    first = given.slice[0].slice
    if not isinstance(first, cst.Index):
        return None
    found = call.interpreter.eval(first.value, call.frame)
    return found if isinstance(found, ClassRef) else None


MODEL = LibraryModel(
    name="datamodels",
    model_bases=(
        "pydantic.BaseModel",
        "pydantic.v1.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic_settings.BaseSettings",
        "pydantic.BaseSettings",
        "pydantic.v1.BaseSettings",
        "sqlmodel.SQLModel",
        "msgspec.Struct",
        "typing.TypedDict",
        "typing_extensions.TypedDict",
        "typing.NamedTuple",
        "marshmallow_dataclass.dataclass",
    ),
    field_makers=(
        "pydantic.Field",
        "pydantic.v1.Field",
        "pydantic.fields.Field",
        "dataclasses.field",
        "attr.ib",
        "attr.attrib",
        "attrs.field",
        "attr.field",
        "msgspec.field",
        "sqlmodel.Field",
        "Field",
        "field",
    ),
    model_constructors=(
        "model_validate",
        "model_validate_json",
        "parse_obj",
        "parse_raw",
        "from_dict",
        "from_json",
        "validate",
        "model_construct",
        "construct",
        "from_orm",
        "from_api",
        "from_response",
        "from_payload",
        "from_mapping",
        "from_row",
        "load",
    ),
    passthrough=(
        Passthrough(
            (
                "msgspec.json.decode",
                "msgspec.convert",
                "msgspec.msgpack.decode",
                "orjson.loads",
                "ujson.loads",
                "simplejson.loads",
                "rapidjson.loads",
                "pydantic.TypeAdapter.validate_python",
            ),
        ),
    ),
    method_passthrough=(
        Passthrough(
            (
                "decode",
                "validate_python",
                "validate_json",
                "convert",
                "loads",
                "deserialize",
                "parse_obj_as",
                "validate_strings",
                "load",  # marshmallow: `UserSchema().load(body)` keeps the body's fields
            ),
        ),
    ),
    bounds=(
        SizeBound(("pydantic.conlist", "pydantic.conset"), size=kw("max_length", "max_items")),
        SizeBound(("annotated_types.MaxLen",), size=kw("max_length")),
    ),
    specials=(Special(("cattrs.structure", "cattr.structure"), _structure),),
    method_specials=(Special(("structure",), _structure),),
)
