"""Objects a framework base class gives its subclasses' objects: an HTTP client configured
from the object's own attributes (a Locust user's ``self.client`` sends to its ``host``),
or the project object that runs this one (a TaskSet's ``self.user``). The frameworks are
data (``ClientAttribute`` and ``ParentObject`` models); this module builds the objects."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from auditor.code.core import EvaluatorCore
from auditor.code.frames import Frame
from auditor.code.models.spec import ClientAttribute
from auditor.code.modules import ClassInfo
from auditor.code.values import (
    UNKNOWN,
    Bound,
    ClassRef,
    Client,
    DictV,
    Instance,
    ListV,
    OneOf,
    Unknown,
    Value,
)


class FrameworkObjectsMixin(EvaluatorCore):
    def framework_attribute(
        self, owner: Instance, attr: str, node: cst.CSTNode, frame: Frame
    ) -> Value | None:
        """What a framework base class gives its subclasses' objects under ``attr``: an
        HTTP client configured from the object, or the project object that runs it."""
        for base in self.external_bases(owner.cls):
            name = self.models.normalize(base)
            client = self.models.client_attr(name, attr)
            if client is not None:
                return self.attribute_client(owner, attr, client, node, frame)
            parent = self.models.parent_object(name, attr)
            if parent is not None:
                return self.running_object(owner.cls, parent.listed_in)
        return None

    def attribute_client(
        self, owner: Instance, attr: str, model: ClientAttribute, node: cst.CSTNode, frame: Frame
    ) -> Value:
        if model.via is not None:
            holder = self.attribute(owner, model.via, node, frame)
            if isinstance(holder, Instance):
                return self.attribute(holder, attr, node, frame)
            return Client(model.kind)
        held = owner.attrs.get("client")
        if not isinstance(held, Client):
            held = Client(model.kind)
            if model.base_url_attr is not None:
                base = self.attribute(owner, model.base_url_attr, node, frame)
                if not isinstance(base, Unknown):
                    held.base_url = base
            if model.headers_attr is not None:
                headers = self.attribute(owner, model.headers_attr, node, frame)
                if isinstance(headers, DictV):
                    held.headers = headers.copy()
            # one client per object, as the framework makes it: headers set on it stay
            owner.attrs["client"] = held
            self.clients.append(held)
            for name in model.set_up:
                method = self.lookup_method(owner.cls, name)
                running = frame.func is not None and frame.func.name.value == name
                if method is not None and not running and (id(owner), name) not in self.setting_up:
                    self.setting_up.add((id(owner), name))
                    bound = replace(method, bound_self=owner)
                    self.call_function(bound, [], {}, None, frame, entry=True)
        return Bound(held, attr) if attr in model.delegates else held

    def running_object(self, cls: ClassInfo, listed_in: str) -> Value:
        """The object of the project class whose ``listed_in`` class attribute lists this
        class (a list, or a mapping of weights)."""
        for info in list(self.modules.values()):
            for candidate in list(info.classes.values()) if info is not None else ():
                listed = self.lookup_class_attr(candidate, listed_in)
                members = (
                    listed.items or ()
                    if isinstance(listed, ListV)
                    else (listed.key_elem,)
                    if isinstance(listed, DictV)
                    else ()
                )
                for member in members:
                    options = member.options if isinstance(member, OneOf) else (member,)
                    if any(isinstance(o, ClassRef) and o.cls is cls for o in options):
                        return self.default_instance(candidate)
        return UNKNOWN
