"""Ansible collections: modules import their shared client from
``ansible_collections.<ns>.<name>.plugins.module_utils``, send with ``fetch_url`` /
``open_url`` / ``Request``, and take their options from ``AnsibleModule.params``."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

MODULE_UTILS = """
import json

from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import fetch_url
from ansible.module_utils._text import to_text

ACCEPT_V1 = "application/vnd.dokeos+json;version=1"

def common_options():
    return dict(
        api_url=dict(type="str", default="https://training.dokeos.com/api"),
        api_key=dict(type="str", required=True, no_log=True),
    )

class Lms(object):
    def __init__(self, module):
        self.module = module
        self.root = module.params["api_url"]
        self.headers = {"Authorization": "Token " + module.params["api_key"]}

    def call(self, verb, path, query=None, payload=None):
        url = self.root + path
        if query:
            url = url + "?" + urlencode(query)
        data = None if payload is None else json.dumps(payload)
        resp, info = fetch_url(self.module, url, data=data, headers=self.headers, method=verb)
        if info["status"] >= 400:
            self.module.fail_json(msg=info.get("msg"))
        raw = resp.read() if resp else b""
        return json.loads(to_text(raw)) if raw else {}
"""


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_modules_reach_their_collection_s_module_utils(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "plugins/__init__.py": "",
            "plugins/module_utils/__init__.py": "",
            "plugins/module_utils/lms.py": MODULE_UTILS,
            "plugins/modules/lms_users.py": """
            from ansible.module_utils.basic import AnsibleModule
            from ansible_collections.acme.lms.plugins.module_utils.lms import (
                ACCEPT_V1,
                Lms,
                common_options,
            )

            def main():
                spec = common_options()
                state = dict(type="str", choices=["present", "absent"], default="present")
                spec.update(state=state)
                module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
                lms = Lms(module)
                lms.headers["Accept"] = ACCEPT_V1  # !DK001
                everyone = lms.call("GET", "/users", {"department": "ops"})  # !DK004
                tagged = [u["email"] for u in everyone["data"] if u["tag_ids"]]  # !DK002
                if module.params["state"] == "absent":
                    # the playbook may say absent: this branch runs too
                    lms.call("DELETE", "/users/%d" % everyone["data"][0]["id"])  # !DK005
                module.exit_json(changed=False, tagged=tagged)
            """,
        },
    )


def test_what_a_module_hands_to_exit_json_is_its_output(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "plugins/__init__.py": "",
            "plugins/module_utils/__init__.py": "",
            "plugins/module_utils/lms.py": MODULE_UTILS,
            "plugins/modules/lms_group.py": """
            from ansible.module_utils.basic import AnsibleModule
            from ansible_collections.acme.lms.plugins.module_utils.lms import Lms, common_options

            def main():
                options = dict(common_options(), name=dict(type="str"), learners=dict(type="list"))
                module = AnsibleModule(argument_spec=options)
                lms = Lms(module)
                group = {"name": module.params["name"], "learner_ids": module.params["learners"]}
                # creating a group with learners adds them: a job in V2
                created = lms.call("POST", "/groups", payload=group)  # !DK005
                module.exit_json(changed=True, group=created)
            """,
        },
    )


def test_open_url_and_request_send_with_the_headers_given(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "plugins/modules/lms_report.py": """
            import json

            from ansible.module_utils.basic import AnsibleModule
            from ansible.module_utils.urls import Request, open_url

            HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}  # !DK001

            def main():
                spec = dict(learners=dict(type="list", elements="int"))
                module = AnsibleModule(argument_spec=spec)
                # the playbook's list may hold any number of learners
                ids = ",".join(str(i) for i in module.params["learners"])
                url = "https://training.dokeos.com/api/participations?user_ids=" + ids
                resp = open_url(url, headers=HEADERS)  # !DK003
                first = json.loads(resp.read())["data"][0]
                client = Request(headers={"Accept": "application/vnd.dokeos+json;version=2"})
                groups = client.get("https://training.dokeos.com/api/groups")  # !DK004
                page = json.loads(groups.read())
                # the module's result is the list, as if it were every group
                module.exit_json(changed=False, first=first, groups=page["data"])
            """,
        },
    )


def test_a_query_the_code_filled_is_sent(tmp_path: Path) -> None:
    # `if query:` on a dict with keys always takes the branch that adds the query string,
    # so the attributes asked for there reach the request
    check(
        tmp_path,
        {
            "plugins/__init__.py": "",
            "plugins/module_utils/__init__.py": "",
            "plugins/module_utils/lms.py": MODULE_UTILS,
            "plugins/modules/lms_tags.py": """
            from ansible.module_utils.basic import AnsibleModule
            from ansible_collections.acme.lms.plugins.module_utils.lms import Lms, common_options

            def every_user(lms, query):
                page = 1
                while True:
                    items = lms.call("GET", "/users", dict(query, page=page))["data"]
                    for item in items:
                        yield item
                    if len(items) < 20:
                        return
                    page += 1

            def main():
                module = AnsibleModule(argument_spec=common_options())
                lms = Lms(module)
                p = module.params
                given = dict((k, p[k]) for k in ("department", "site") if p[k])
                wanted = dict(given, response_attributes="tag_ids")
                tags = [u["tag_ids"] for u in every_user(lms, wanted)]  # ok: DK002
                module.exit_json(changed=False, tags=tags)
            """,
        },
    )
