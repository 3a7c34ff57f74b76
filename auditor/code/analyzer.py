"""Follows values through the project's code to build the model of its HTTP calls.

The evaluator (``Evaluator``: the language core in its parts, which names no library)
reads what libraries do from ``auditor.code.models``; what rules need is built by the
observers in ``auditor.code.observers`` and turned into HttpCalls by ``facts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditor.catalog import Catalog
from auditor.code.calls import CallsMixin
from auditor.code.core import EvaluatorCore
from auditor.code.events import EventBus
from auditor.code.expressions import ExpressionsMixin
from auditor.code.facts import Facts
from auditor.code.framework_objects import FrameworkObjectsMixin
from auditor.code.http import HttpMixin
from auditor.code.libcalls import LibraryCallsMixin
from auditor.code.model import HttpCall, JobPoll
from auditor.code.models import ModelIndex
from auditor.code.models.spec import ProjectSend
from auditor.code.objects import ObjectsMixin
from auditor.code.observers.attributes import AttributeReads
from auditor.code.observers.jobs import AgeLimits, JobFollowing
from auditor.code.observers.paging import PageWalking
from auditor.code.project import Project
from auditor.code.pybuiltins import BuiltinsMixin
from auditor.code.routes import RoutesMixin
from auditor.code.statements import StatementsMixin
from auditor.code.streams import StreamsMixin


class Evaluator(
    StatementsMixin,
    ExpressionsMixin,
    CallsMixin,
    ObjectsMixin,
    FrameworkObjectsMixin,
    BuiltinsMixin,
    LibraryCallsMixin,
    HttpMixin,
    RoutesMixin,
    StreamsMixin,
    EvaluatorCore,
):
    """The abstract interpreter: every part of the language core in one object."""


@dataclass
class FileAnalysis:
    calls: list[HttpCall]
    polls: list[JobPoll]


class Analyzer(Evaluator):
    """Evaluates the project's modules; ``model()`` turns what it saw into HttpCalls."""

    def __init__(
        self, project: Project, catalog: Catalog, declared: Iterable[ProjectSend] = ()
    ) -> None:
        self.attribute_reads = AttributeReads()
        self.page_walking = PageWalking(catalog)
        self.job_following = JobFollowing(catalog)
        events = EventBus(
            [self.attribute_reads, self.page_walking, self.job_following, AgeLimits()]
        )
        super().__init__(project, catalog, ModelIndex.default(declared), events)

    def model(self) -> FileAnalysis:
        """HttpCalls of every context that is not superseded by a calling context."""
        self.rerun_store_misses()
        classes = frozenset(name for m in self.modules.values() if m for name in m.classes)
        facts = Facts(
            self.catalog, self.attribute_reads, self.page_walking, self.job_following, classes
        )
        requests = [r for r in self.requests if r.entry is None or r.entry not in self.called]
        facts.settle_dokeos(self.requests, self.clients)
        calls, polls = facts.build(requests)
        return FileAnalysis(calls, polls)
