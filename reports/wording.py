"""Dates, spans and counts as the human reports say them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.reports.model import ReportModel, RunView


def parse_time(timestamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def when(timestamp: str) -> str:
    """An ISO timestamp as people read it, keeping its UTC offset; anything else unchanged."""
    moment = parse_time(timestamp)
    if moment is None:
        return timestamp
    return moment_words(moment)


def moment_words(moment: datetime) -> str:
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("+0000", "-0000") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{moment.strftime('%Y-%m-%d %H:%M')} {zone}"


def day_words(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def switch_over_phrase(model: ReportModel) -> str:
    """``Dokeos switches to version 2 on 30 September 2024: in 12 days.``"""
    day, days = model.switch_over, model.days_to_switch_over
    if day is None or days is None:
        return ""
    if days > 0:
        return f"Dokeos switches to version 2 on {day_words(day)}: in {plural(days, 'day')}."
    if days == 0:
        return f"Dokeos switches to version 2 today, {day_words(day)}."
    ago = -days
    span = plural(ago, "day") if ago < 60 else f"about {plural(round(ago / 30.4), 'month')}"
    return (
        f"Dokeos switched to version 2 on {day_words(day)}, {span} ago: whatever is left "
        "here is already broken for users."
    )


def run_time_phrase(run: RunView) -> str:
    """When a run was made, and for traffic when its requests were sent."""
    parts = []
    if run.first_request and run.last_request:
        first, last = when(run.first_request), when(run.last_request)
        if first == last:
            parts.append(f"requests sent {first}")
        elif first[:10] == last[:10]:
            parts.append(f"requests sent {first} to {last[11:]}")
        else:
            parts.append(f"requests sent {first} to {last}")
    if run.made_at:
        verb = "scanned" if run.kind == "code" else "checked"
        parts.append(f"{verb} {when(run.made_at)}")
    return "; ".join(parts)
