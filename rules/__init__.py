"""The rules, one module per V2 change, and the catalog of facts they read."""

from __future__ import annotations

from auditor.rules.base import CodeExample, RawFinding, Rule, TrafficExample
from auditor.rules.dk001_v1_accept_header import V1AcceptHeader
from auditor.rules.dk002_attribute_not_requested import AttributeNotRequested
from auditor.rules.dk003_id_list_over_limit import IdListOverLimit
from auditor.rules.dk004_pagination_ignored import PaginationIgnored
from auditor.rules.dk005_async_job_ignored import AsyncJobIgnored
from auditor.rules.dk006_job_expired import JobExpired
from auditor.rules.dk100_unused_suppression import UnusedSuppression

ALL_RULES: tuple[Rule, ...] = (
    V1AcceptHeader(),
    AttributeNotRequested(),
    IdListOverLimit(),
    PaginationIgnored(),
    AsyncJobIgnored(),
    JobExpired(),
    UnusedSuppression(),
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_ID", "CodeExample", "RawFinding", "Rule", "TrafficExample"]
