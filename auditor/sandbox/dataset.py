"""The tenant the sandbox serves: seeded, realistic data, or the team's own JSON file."""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.errors import AuditError

Record = dict[str, Any]

COLLECTIONS = (
    "users",
    "groups",
    "trainings",
    "participations",
    "presence_sessions",
    "webinar_sessions",
    "training_gates",
)
"""What a tenant holds; `--data` files use these keys (a missing one is an empty list)."""

DEFAULT_SEED = 2024
DEFAULT_USERS = 340
"""Hundreds of users: /users takes 17 pages of 20, so a client that reads one page is seen."""

_FIRST = (
    "Alice Amélie Bruno Camille Chloé Daniel Élodie Fatima Gabriel Hugo Inès Jonas Karim "
    "Léa Lucas Manon Mehdi Nadia Noah Olivia Paul Quentin Rania Sofia Thomas Yasmine Zoé"
).split()
_LAST = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Mercier"
).split()
_DEPARTMENTS = ("Finance", "HR", "IT", "Operations", "Sales", "Legal", "Support", "R&D")
_TRAININGS = (
    "GDPR essentials",
    "Fire safety",
    "Code of conduct",
    "Onboarding",
    "Excel advanced",
    "Leadership 101",
    "Customer care",
    "Cybersecurity awareness",
    "Project management",
    "Negotiation",
    "First aid",
    "Anti-bribery",
    "Time management",
    "Public speaking",
    "Data literacy",
    "Diversity and inclusion",
    "Sales pipeline",
    "Agile basics",
    "Quality management",
    "Health and safety",
    "Product training",
    "Feedback culture",
    "Remote work",
    "Budgeting",
)
_SKILLS = ("python", "excel", "negotiation", "first-aid", "sql", "leadership", "english")
_EPOCH = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)


class DatasetError(AuditError):
    """A --data file the sandbox cannot serve (not JSON, or records without an id)."""


@dataclass
class Dataset:
    """Every collection as id → record, in id order (lists are served in that order)."""

    collections: dict[str, dict[int, Record]] = field(
        default_factory=lambda: {name: {} for name in COLLECTIONS}
    )

    def of(self, name: str) -> dict[int, Record]:
        return self.collections.setdefault(name, {})

    def next_id(self, name: str) -> int:
        records = self.of(name)
        return max(records, default=0) + 1

    def counts(self) -> dict[str, int]:
        return {name: len(records) for name, records in self.collections.items()}

    def to_json(self) -> dict[str, list[Record]]:
        return {name: list(records.values()) for name, records in self.collections.items()}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def seeded_dataset(seed: int = DEFAULT_SEED, users: int = DEFAULT_USERS) -> Dataset:
    """A mid-sized company's tenant, the same for the same seed."""
    rng = random.Random(seed)
    data = Dataset()
    group_count = max(2, users // 9)
    for group_id in range(1, group_count + 1):
        department = _DEPARTMENTS[(group_id - 1) % len(_DEPARTMENTS)]
        data.of("groups")[group_id] = {
            "id": group_id,
            "name": f"{department} cohort {1 + (group_id - 1) // len(_DEPARTMENTS)}",
            "description": f"Learners of the {department} department",
            "learner_ids": [],
            "manager_ids": [],
        }
    for user_id in range(1, users + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        login = f"{first.lower()}.{last.lower()}{user_id}"
        login = unicodedata.normalize("NFKD", login).encode("ascii", "ignore").decode()
        groups = sorted(rng.sample(range(1, group_count + 1), k=rng.choice((1, 1, 2, 3))))
        manager = rng.random() < 0.08
        data.of("users")[user_id] = {
            "id": user_id,
            "username": login,
            "email": f"{login}@acme-corp.example",
            "firstname": first,
            "lastname": last,
            "external_id": f"EMP{10000 + user_id}",
            "status": "active" if rng.random() > 0.05 else "inactive",
            "created_at": _iso(_EPOCH + timedelta(hours=rng.randrange(0, 20000))),
            "group_ids": groups,
            "role_names": ["learner", "manager"] if manager else ["learner"],
            "tag_ids": sorted(rng.sample(range(1, 16), k=rng.randrange(0, 4))),
            "skills": [
                {"label": skill, "level": rng.randrange(1, 6)}
                for skill in rng.sample(_SKILLS, k=rng.randrange(0, 3))
            ],
        }
        for group_id in groups:
            key = "manager_ids" if manager and rng.random() < 0.5 else "learner_ids"
            data.of("groups")[group_id][key].append(user_id)
    for training_id, title in enumerate(_TRAININGS, start=1):
        data.of("trainings")[training_id] = {
            "id": training_id,
            "title": title,
            "code": f"TR-{training_id:03d}",
            "modules": rng.randrange(3, 8),
        }
        opens = _EPOCH + timedelta(days=rng.randrange(0, 300))
        data.of("training_gates")[training_id] = {
            "id": training_id,
            "training_id": training_id,
            "opens_at": _iso(opens),
            "closes_at": _iso(opens + timedelta(days=90)),
        }
    participation_id = 0
    for user_id in data.of("users"):
        for training_id in sorted(rng.sample(range(1, len(_TRAININGS) + 1), k=rng.randrange(1, 5))):
            participation_id += 1
            modules = data.of("trainings")[training_id]["modules"]
            percents = [rng.choice((0, 0, 25, 50, 80, 100, 100, 100)) for _ in range(modules)]
            done = all(p >= 100 for p in percents)
            data.of("participations")[participation_id] = {
                "id": participation_id,
                "user_id": user_id,
                "training_id": training_id,
                "status": "completed"
                if done
                else ("in_progress" if any(percents) else "not_started"),
                "score": rng.randrange(40, 101) if done else None,
                "progressions": [
                    {"module_id": training_id * 100 + n, "title": f"Module {n}", "percent": p}
                    for n, p in enumerate(percents, start=1)
                ],
            }
    for kind, label in (("presence_sessions", "Classroom"), ("webinar_sessions", "Webinar")):
        for session_id in range(1, 13):
            starts = _EPOCH + timedelta(days=7 * session_id, hours=rng.randrange(8, 17))
            data.of(kind)[session_id] = {
                "id": session_id,
                "training_id": rng.randrange(1, len(_TRAININGS) + 1),
                "title": f"{label} {session_id}",
                "starts_at": _iso(starts),
                "attendee_ids": sorted(rng.sample(range(1, users + 1), k=min(users, 12))),
                "synced_at": None,
            }
    return data


def load_dataset(path: Path) -> Dataset:
    """The team's own tenant: `{"users": [...], "groups": [...], ...}`, each record with an id."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise DatasetError(f"{path} is not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise DatasetError(f"{path} must hold an object with the keys {', '.join(COLLECTIONS)}")
    data = Dataset()
    for name, records in raw.items():
        if name not in COLLECTIONS:
            raise DatasetError(
                f"{path}: unknown collection {name!r} (known: {', '.join(COLLECTIONS)})"
            )
        if not isinstance(records, list):
            raise DatasetError(f"{path}: {name} must be a list of objects")
        for position, record in enumerate(records):
            if not isinstance(record, dict) or not isinstance(record.get("id"), int):
                raise DatasetError(f"{path}: {name}[{position}] needs an integer id")
            data.of(name)[record["id"]] = record
    for name in COLLECTIONS:
        data.collections[name] = dict(sorted(data.of(name).items()))
    return data
