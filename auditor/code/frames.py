"""The evaluation state of one function call (or of a module's top level)."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from auditor.code.modules import ClassInfo, ModuleInfo
from auditor.code.values import NodeRef, Value


@dataclass
class Frame:
    module: ModuleInfo
    func: cst.FunctionDef | None
    env: dict[str, Value]
    globals: dict[str, Value]
    """The module's namespace."""
    chain: tuple[NodeRef, ...]
    """Call sites from the entry point down to this frame."""
    entry: int | None
    depth: int = 0
    self_value: Value | None = None
    cls: ClassInfo | None = None
    closure: dict[str, Value] | None = None
    returns: list[Value] = field(default_factory=list)
    yields: list[Value] = field(default_factory=list)
    spans: list[float] = field(default_factory=list)
    """Spans of time (days) this code compares ages with: the age limits it puts on data."""
    caller_spans: tuple[list[float], ...] = ()
    global_names: set[str] = field(default_factory=set)
    unit: cst.CSTNode | None = None
    """At module level: the top-level statement being evaluated (positions are per unit)."""
    loop_depth: int = 0
    """Loops around the code being evaluated, callers' loops included."""
    delay_days: float = 0.0
    """How long after the calling code this runs (a task scheduled for later)."""
    delayed_func: int | None = None
    """id() of the function that was scheduled to run later."""
    left: bool = False
    """A ``return`` or ``raise`` that surely runs has been reached: what follows is dead."""
    branches: int = 0
    """Branches around the code being evaluated whose test the values do not decide,
    callers' included: a key set here may keep the value it had."""

    @property
    def func_id(self) -> int | None:
        return id(self.func) if self.func is not None else None

    def ref(self, node: cst.CSTNode) -> NodeRef:
        return NodeRef(self.module, node, self.func_id, self.unit if self.func is None else None)

    def nested(self, env: dict[str, Value]) -> Frame:
        """A frame for a comprehension: its own names, the same function otherwise."""
        inner = Frame(
            self.module,
            self.func,
            env,
            self.globals,
            self.chain,
            self.entry,
            self.depth,
            self.self_value,
            self.cls,
            self.closure,
            spans=self.spans,
            caller_spans=self.caller_spans,
            global_names=self.global_names,
            unit=self.unit,
            loop_depth=self.loop_depth + 1,
            branches=self.branches,
            delay_days=self.delay_days,
            delayed_func=self.delayed_func,
        )
        return inner
