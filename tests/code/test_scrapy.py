"""Scrapy: spiders yield requests the engine sends with the project's default headers,
and each response goes to the request's callback; ``self.settings`` is the project's
settings module, which a spider's ``custom_settings`` overrides."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

SETTINGS = """
import os

BOT_NAME = "lms"
LMS_ROOT = os.environ.get("LMS_ROOT", "https://academy.dokeos.com/api")
DEFAULT_REQUEST_HEADERS = {
    "Accept": "application/vnd.dokeos+json;version=1",  # !DK001
}
"""


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_callbacks_get_the_response_of_their_request(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/settings.py": SETTINGS,
            "lms/spiders/users.py": """
            import scrapy

            class Users(scrapy.Spider):
                '''Learners and groups from the Dokeos API.'''

                name = "users"

                def url(self, path):
                    return self.settings.get("LMS_ROOT") + path

                def start_requests(self):
                    yield scrapy.Request(self.url("/groups"), callback=self.groups)  # !DK004
                    yield self.page(1)

                def page(self, number):
                    url = self.url(f"/users?page={number}&response_attributes=tag_ids")
                    return scrapy.Request(url, callback=self.users, cb_kwargs={"number": number})

                def users(self, response, number):
                    rows = response.json()["data"]
                    for row in rows:
                        yield {"email": row["email"], "tags": row["tag_ids"]}  # ok: DK002
                    if rows:
                        yield self.page(number + 1)

                def groups(self, response):
                    for group in response.json()["data"]:
                        yield {"id": group["id"], "managers": group["manager_ids"]}
            """,
        },
    )


def test_jobs_yielded_as_items_are_kept_and_custom_settings_win(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/settings.py": SETTINGS,
            "lms/spiders/cleanup.py": """
            import scrapy
            from scrapy.http import JsonRequest

            class Cleanup(scrapy.Spider):
                '''Dokeos housekeeping: session syncs and leavers.'''

                name = "cleanup"

                def start_requests(self):
                    root = self.settings.get("LMS_ROOT")
                    sync = f"{root}/presence_sessions/sync"
                    keep = self.keep_jobs
                    yield JsonRequest(sync, data={}, method="PUT", callback=keep)  # ok: DK005
                    yield scrapy.Request(f"{root}/user/42", method="DELETE")  # !DK005

                def keep_jobs(self, response):
                    for entry in response.json()["data"]:
                        yield {"job_id": entry["job_id"]}  # to the pipeline's job table
            """,
            "lms/spiders/directory.py": """
            import scrapy

            class Directory(scrapy.Spider):
                # another vendor beside the Dokeos spiders: its own Accept, not the default
                name = "directory"
                custom_settings = {"DEFAULT_REQUEST_HEADERS": {"Accept": "application/json"}}

                def start_requests(self):
                    yield scrapy.Request("https://hr.example.com/users", callback=self.people)

                def people(self, response):
                    for person in response.json()["results"]:
                        yield {"skills": person["skills"]}  # ok: DK002
            """,
        },
    )


def test_downloader_middlewares_set_headers_on_the_requests_they_pick(tmp_path: Path) -> None:
    # the project's middleware is made by from_crawler with the project's settings; its
    # process_request sees each request the engine sends: the host test and the
    # isinstance test of the request object decide which requests get its header
    check(
        tmp_path,
        {
            "lms/settings.py": """
            BOT_NAME = "lms"
            LMS_ROOT = "https://academy.dokeos.com/api"
            DEFAULT_REQUEST_HEADERS = {
                "Accept": "application/vnd.dokeos+json;version=1",  # !DK001
            }
            DOWNLOADER_MIDDLEWARES = {
                "lms.middlewares.LmsHeaders": 450,
                "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
            }
            """,
            "lms/middlewares.py": """
            from urllib.parse import urlparse

            from scrapy.http import JsonRequest
            from scrapy.utils.httpobj import urlparse_cached

            V1 = "application/vnd.dokeos+json;version=1"

            class LmsHeaders:
                def __init__(self, host):
                    self.host = host

                @classmethod
                def from_crawler(cls, crawler):
                    return cls(urlparse(crawler.settings["LMS_ROOT"]).hostname)

                def process_request(self, request, spider):
                    if urlparse_cached(request).hostname != self.host:
                        return None
                    if isinstance(request, JsonRequest):
                        request.headers["Accept"] = V1  # !DK001
                    return None
            """,
            "lms/spiders/sync.py": """
            import scrapy
            from scrapy.http import JsonRequest

            class Sync(scrapy.Spider):
                '''Trainings created on Dokeos, people read from HR.'''

                name = "sync"
                custom_settings = {"DEFAULT_REQUEST_HEADERS": {"Accept": "application/json"}}

                def start_requests(self):
                    root = self.settings.get("LMS_ROOT")
                    yield JsonRequest(f"{root}/trainings", data={"title": "Onboarding"})
                    yield scrapy.Request("https://hr.example.org/people", callback=self.people)

                def people(self, response):
                    for person in response.json():
                        yield {"skills": person["skills"]}  # ok: DK002
            """,
            "lms/spiders/plain.py": """
            import scrapy

            class Plain(scrapy.Spider):
                '''Dokeos trainings.'''

                name = "plain"

                def start_requests(self):
                    root = self.settings.get("LMS_ROOT")
                    yield scrapy.Request(f"{root}/trainings", callback=self.trainings)

                def trainings(self, response):
                    return response.json()["meta"]
            """,
        },
    )


def test_a_callback_asks_for_more_through_the_helper_that_made_its_request(
    tmp_path: Path,
) -> None:
    # the engine calls parse_groups after the helper returned: the helper is not being
    # evaluated when the callback calls it again
    check(
        tmp_path,
        {
            "lms/settings.py": SETTINGS,
            "lms/spiders/groups.py": """
            import scrapy

            class Groups(scrapy.Spider):
                '''Dokeos groups and their members.'''

                name = "groups"

                def api(self, path, **kwargs):
                    return scrapy.Request(self.settings.get("LMS_ROOT") + path, **kwargs)

                def start_requests(self):
                    yield self.api("/groups", callback=self.parse_groups)  # !DK004

                def parse_groups(self, response):
                    for group in response.json()["data"]:
                        yield self.api(  # !DK004
                            f"/users?group_ids={group['id']}",
                            callback=self.parse_members,
                        )

                def parse_members(self, response):
                    for member in response.json()["data"]:
                        yield {"roles": member["role_names"]}  # !DK002
            """,
        },
    )
