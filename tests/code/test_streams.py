"""Singer SDK taps: a ``RESTStream`` subclass describes its request in attributes and
methods; the SDK sends it (page after page, once per partition) and hands each record
to ``post_process``."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

BASE = """
from singer_sdk.streams import RESTStream

class LmsStream(RESTStream):
    url_base = "https://school.dokeos.com/api"
    records_jsonpath = "$.data[*]"

    @property
    def http_headers(self):
        return {"Accept": "application/vnd.dokeos+json;version=2"}

    def get_url_params(self, context, next_page_token):
        return {"page": next_page_token or 1}
"""


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_records_reach_post_process_from_the_stream_s_request(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "tap_lms/base.py": BASE,
            "tap_lms/streams.py": """
            from tap_lms.base import LmsStream

            class Learners(LmsStream):
                name = "learners"
                path = "/users"

                def post_process(self, row, context=None):
                    row["groups"] = row.get("group_ids") or []  # !DK002
                    return row

            class Enrolments(LmsStream):
                name = "enrolments"
                path = "/participations"

                def get_url_params(self, context, next_page_token):
                    params = super().get_url_params(context, next_page_token)
                    params["response_attributes"] = "progressions"
                    return params

                def post_process(self, row, context=None):
                    row["steps"] = len(row["progressions"])  # ok: DK002
                    return row
            """,
            "tap_lms/tap.py": """
            from singer_sdk import Tap

            from tap_lms import streams

            class TapLms(Tap):
                name = "tap-lms"

                def discover_streams(self):
                    return [streams.Learners(self), streams.Enrolments(self)]
            """,
        },
    )


def test_headers_partitions_and_a_single_request_stream(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "tap_lms/base.py": BASE,
            "tap_lms/streams.py": """
            from tap_lms.base import LmsStream

            def fives(ids):
                for i in range(0, len(ids), 5):
                    yield ids[i : i + 5]

            class CourseProgress(LmsStream):
                name = "course_progress"
                path = "/participations"

                @property
                def partitions(self):
                    return [{"ids": chunk} for chunk in fives(self.config["training_ids"])]

                def get_url_params(self, context, next_page_token):
                    ids = ",".join(str(i) for i in context["ids"])
                    return {"training_ids": ids, "page": next_page_token or 1}  # ok: DK003

            class OneLearner(LmsStream):
                name = "one_learner"
                path = "/participations/{participation_id}"
                records_jsonpath = "$.data"

                @property
                def http_headers(self):
                    headers = dict(super().http_headers)
                    headers["Accept"] = "application/vnd.dokeos+json;version=1"  # !DK001
                    return headers

                def get_new_paginator(self):
                    return None

                def get_url_params(self, context, next_page_token):
                    return {}

                def post_process(self, row, context=None):
                    row["tags"] = row.get("tag_ids")  # ok: DK002
                    row["steps"] = row.get("progressions")  # !DK002
                    return row
            """,
            "tap_lms/tap.py": """
            from singer_sdk import Tap

            from tap_lms.streams import CourseProgress, OneLearner

            class TapLms(Tap):
                name = "tap-lms"

                def discover_streams(self):
                    return [cls(tap=self) for cls in (CourseProgress, OneLearner)]
            """,
        },
    )
