"""dlt: RESTClient requests relative to its base URL with its headers; paginate() walks
pages with dlt's own paginators (one with SinglePagePaginator), runs a project's
paginator around each request, and yields pages of the items data_selector picks; the
resources a source returns are run, with their parameters from configuration."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_sources_resources_and_paginators(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/client.py": """
            from dlt.sources.helpers.requests import Client
            from dlt.sources.helpers.rest_client import RESTClient
            from dlt.sources.helpers.rest_client.paginators import BasePaginator

            class ShortPages(BasePaginator):
                def __init__(self, page_size=20):
                    super().__init__()
                    self.page_size = page_size
                    self.page = 1

                def init_request(self, request):
                    request.params = dict(request.params or {})
                    request.params["page"] = self.page

                def update_state(self, response, data=None):
                    if not data or len(data) < self.page_size:
                        self._has_next_page = False
                    self.page += 1

                def update_request(self, request):
                    request.params["page"] = self.page

            def lms(base_url):
                return RESTClient(
                    base_url=base_url,
                    headers={"Accept": "application/vnd.dokeos+json;version=2"},
                    data_selector="data",
                )

            def admin_session(token):
                session = Client(request_timeout=30).session
                session.headers.update(
                    {"Accept": "application/vnd.dokeos+json;version=1"}  # !DK001
                )
                return session

            def purge(token, user_id):
                admin_session(token).delete(f"https://acme.dokeos.com/api/user/{user_id}")  # !DK005
            """,
            "lms/source.py": """
            import dlt
            from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator

            from lms.client import ShortPages, lms

            @dlt.source(name="lms")
            def lms_source(base_url="https://acme.dokeos.com/api", training_ids=None):
                client = lms(base_url)

                @dlt.resource(primary_key="id")
                def users():
                    for page in client.paginate("/users"):  # ok: DK004
                        yield [{"id": u["id"], "tags": u["tag_ids"]} for u in page]  # !DK002

                @dlt.resource(primary_key="id")
                def groups():
                    one = SinglePagePaginator()
                    for page in client.paginate("/groups", paginator=one):  # !DK004
                        yield page

                @dlt.resource(primary_key="id")
                def enrolments():
                    for page in client.paginate(  # ok: DK004
                        "/participations", params={"user_ids": 7}, paginator=ShortPages()
                    ):
                        yield page

                @dlt.resource(primary_key="id")
                def focus():
                    if not training_ids:
                        return
                    for page in client.paginate(  # !DK003 !DK004
                        "/participations",
                        params={"training_ids": ",".join(map(str, training_ids))},
                        paginator=ShortPages(page_size=100),
                    ):
                        yield page

                return users, groups, enrolments, focus
            """,
            "pipeline.py": """
            import dlt

            from lms.source import lms_source

            def main():
                pipeline = dlt.pipeline(pipeline_name="lms", destination="duckdb")
                pipeline.run(lms_source())
            """,
        },
    )
