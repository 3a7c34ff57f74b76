"""Each vendor change told in plain words for readers who do not write the code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlainWords:
    label: str
    """A word or two, for table columns."""
    title: str
    what_changed: str
    what_to_do: str


# Keyed by the catalog's change ids. A change the catalog gains later and this table lacks
# still gets a section: its catalog title and the rules' own texts stand in (see model.py).
PLAIN_WORDS: dict[str, PlainWords] = {
    "v1": PlainWords(
        label="V1",
        title="Version 1 of the API is switched off",
        what_changed=(
            "Every request an integration sends names the API version it wants. Dokeos is "
            "retiring version 1 completely, so any request that still asks for it will stop "
            "working on the day of the switch."
        ),
        what_to_do=(
            "Developers change the requested version to 2 where it is set (usually in one "
            "place), then look at the other changes in this report: a few version 2 calls "
            "now behave differently too."
        ),
    ),
    "participations": PlainWords(
        label="Participations",
        title="Reading participations",
        what_changed=(
            "Lists of participations now come back in pages of 20. The progress of each "
            "learner, module by module, is left out unless the request asks for it. And one "
            "request may now filter on at most five trainings or five users."
        ),
        what_to_do=(
            "Read every page rather than only the first, ask for progress explicitly where "
            "the integration uses it, and send longer lists of trainings or users in "
            "batches of five."
        ),
    ),
    "users": PlainWords(
        label="Users",
        title="Reading users",
        what_changed=(
            "Lists of users now come back in pages of 20. A user's groups, roles, tags and "
            "skills are left out unless the request asks for them."
        ),
        what_to_do=(
            "Read every page, and have each request name the extra user details the "
            "integration relies on."
        ),
    ),
    "groups": PlainWords(
        label="Groups",
        title="Groups and their members",
        what_changed=(
            "Lists of groups now come back in pages of 20. Adding or removing learners, "
            "managers or participations in a group is no longer done on the spot: Dokeos "
            "queues the work and answers with a job number."
        ),
        what_to_do=(
            "Read every page of group lists. After changing who is in a group, follow the "
            "job until it has finished before relying on the new membership."
        ),
    ),
    "deletes": PlainWords(
        label="Deletes",
        title="Deleting users",
        what_changed=(
            "Deleting a user is now queued: Dokeos answers at once with a job number and "
            "does the deletion afterwards."
        ),
        what_to_do=(
            "Follow the job until it reports that it is done before treating the user as "
            "gone, for example before removing them from other systems."
        ),
    ),
    "syncs": PlainWords(
        label="Syncs",
        title="Synchronising presence and webinar sessions",
        what_changed=(
            "Synchronising presence sessions and webinar sessions is now queued, with one "
            "job number for each session."
        ),
        what_to_do=(
            "Follow each session's job until it has finished before relying on the "
            "synchronised attendance."
        ),
    ),
    "training_gate": PlainWords(
        label="Gates",
        title="Changing training gates",
        what_changed=(
            "Changing a training gate is now queued: the answer carries a job number "
            "instead of meaning that the change has been made."
        ),
        what_to_do="Follow the job until it has finished before relying on the new gate.",
    ),
    "jobs": PlainWords(
        label="Jobs",
        title="Following queued work (jobs)",
        what_changed=(
            "Dokeos now offers a way to ask how a queued job is going. A job number only "
            "stays valid for one week."
        ),
        what_to_do=(
            "Check each job soon after it was created, and never keep a job number to look "
            "at more than a week later."
        ),
    ),
}

OTHER_CHANGE_ID = "other"
"""Findings of a rule no catalog change names (a result written by a newer version)."""

OTHER = PlainWords(
    label="Other",
    title="Other findings",
    what_changed="Findings of rules this version of dokeos-audit does not describe.",
    what_to_do="Read each finding's message; a newer dokeos-audit explains them in full.",
)
