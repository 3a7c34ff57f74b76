"""Data classes and validation models (pydantic, attrs, msgspec, cattrs): fields with
defaults, built from mappings, and size bounds on list fields."""

from __future__ import annotations

from auditor.code.models.spec import (
    CallContext,
    LibraryModel,
    Passthrough,
    SizeBound,
    Special,
    kw,
)
from auditor.code.values import ClassRef, Value


def _structure(call: CallContext) -> Value | None:
    """``converter.structure(data, User)``: a User built from the data's keys."""
    if len(call.args) >= 2 and isinstance(call.args[1], ClassRef):
        return call.interpreter.call_value(
            call.args[1], [], {"**": call.args[0]}, call.node, call.frame
        )
    return None


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
