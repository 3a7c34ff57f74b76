"""Ansible modules: ``module_utils.urls`` sends the requests, ``AnsibleModule`` holds the
task's options (their defaults unless the playbook gives them)."""

from __future__ import annotations

from auditor.code.models.spec import (
    CallContext,
    ClientClass,
    LibraryModel,
    Output,
    Passthrough,
    Send,
    Sink,
    Special,
    arg,
    kw,
)
from auditor.code.strings import method_name
from auditor.code.values import (
    NONE,
    Client,
    DictV,
    ListV,
    Num,
    Opaque,
    Str,
    Unknown,
    Value,
    literal_list,
    one_of,
)

_URLS = "ansible.module_utils.urls"
_PLAYBOOK = "the playbook"

# open_url(url, data=None, headers=None, method=None, ...) returns a urllib response
_OPEN_URL = Send(
    method=kw("method"),
    url=arg(0, "url"),
    headers=kw("headers"),
    params=kw(),
    body=arg(1, "data"),
    infer_method=True,
    response="urllib",
)

# Request(headers=...).open(method, url, data=..., headers=...), and its verb methods
REQUEST = ClientClass(
    names=(f"{_URLS}.Request",),
    kind="ansible-request",
    response="urllib",
    base_url=None,
    headers=kw("headers"),
    params=None,
    sends={
        "open": Send(
            method=arg(0, "method"),
            url=arg(1, "url"),
            headers=kw("headers"),
            params=kw(),
            body=kw("data"),
            response="urllib",
        )
    },
)


def _fetch_url(call: CallContext) -> Value | None:
    """``resp, info = fetch_url(module, url, data=..., headers=..., method=...)``: the
    response (None on an HTTP error, whose body is then in ``info["body"]``) and a dict
    of what happened."""
    args, kwargs = call.args, call.kwargs
    url = args[1] if len(args) > 1 else kwargs.get("url")
    if url is None:
        return None
    body = args[2] if len(args) > 2 else kwargs.get("data")
    if body is NONE:
        body = None
    method = method_name(kwargs.get("method")) or ("POST" if body is not None else "GET")
    response = call.interpreter.http_request(
        Client("ansible-fetch-url"),
        method,
        url,
        kwargs.get("headers"),
        None,
        body,
        call.node,
        call.frame,
        stack="ansible-fetch-url",
        response="urllib",
    )
    info = DictV({"status": Unknown(source="the response status")}, open=True)
    return literal_list([response, info], source="a tuple")


def _option_value(spec: Value) -> Value:
    """An option's value: one of its ``choices``, else its ``default`` unless the playbook
    gives one (a number or flag then stays open in tests: the playbook may say otherwise)."""
    if not isinstance(spec, DictV):
        return Unknown(source=_PLAYBOOK)
    choices = spec.entries.get("choices")
    if isinstance(choices, ListV) and choices.items:
        return one_of(choices.items)
    default = spec.entries.get("default")
    if isinstance(default, Num):
        return Num(default.n, default=True, boolean=default.boolean)
    if default is not None and default is not NONE:
        return default
    kind = spec.entries.get("type")
    if isinstance(kind, Str) and kind.text == "list":
        return ListV(elem=Unknown(source=_PLAYBOOK), source=_PLAYBOOK)
    return Unknown(source=_PLAYBOOK)


def _ansible_module(call: CallContext) -> Value | None:
    """``AnsibleModule(argument_spec={...})``: ``module.params`` maps each option to what
    the playbook gives, its default when it gives nothing."""
    spec = call.kwargs.get("argument_spec", call.args[0] if call.args else None)
    params = DictV(open=True)
    if isinstance(spec, DictV):
        for name, option in spec.entries.items():
            params.set_ci(name, _option_value(option))
        params.open = spec.open
    if isinstance(spec, DictV) and not spec.entries:
        params.open = True
    return Opaque("ansible-module", attrs={"params": params})


MODEL = LibraryModel(
    name="ansible",
    http_functions={f"{_URLS}.open_url": _OPEN_URL},
    clients=(REQUEST,),
    specials=(
        Special((f"{_URLS}.fetch_url",), _fetch_url),
        Special(("ansible.module_utils.basic.AnsibleModule",), _ansible_module),
    ),
    # a module's result goes back to the playbook: used whole, as a return would be; its
    # failure message is only shown
    method_outputs=(Output(("exit_json",)),),
    method_sinks=(Sink(("fail_json",)),),
    passthrough=(
        Passthrough(
            tuple(
                f"ansible.module_utils.{m}.{f}"
                for m in ("common.text.converters", "_text")
                for f in ("to_text", "to_native", "to_bytes")
            )
        ),
    ),
    aliases={
        # Ansible's vendored six and text helpers are the standard library's
        "ansible.module_utils.six.moves.urllib.parse.urlencode": "urllib.parse.urlencode",
        "ansible.module_utils.six.moves.urllib.parse.quote": "urllib.parse.quote",
        "ansible.module_utils.six.moves.urllib.parse.urljoin": "urllib.parse.urljoin",
    },
)
