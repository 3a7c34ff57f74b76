"""dlt (data load tool): ``RESTClient`` and its paginators, the retrying requests helpers,
and the decorators that make resources of generators.

``client.paginate(path, paginator=...)`` sends the request again for each page its
paginator asks for: dlt's own paginators walk every page (``SinglePagePaginator`` reads
one), and a project's ``BasePaginator`` subclass is run as dlt runs it, its
``init_request``, ``update_state`` and ``update_request`` around each request."""

from __future__ import annotations

from dataclasses import replace

from auditor.code.frames import Frame
from auditor.code.models.spec import (
    CallContext,
    ClientClass,
    LibraryModel,
    Send,
    Special,
    arg,
    kw,
)
from auditor.code.strings import jsonpath_pick, method_name
from auditor.code.values import (
    UNKNOWN,
    Client,
    Data,
    DictV,
    External,
    Func,
    Instance,
    ListV,
    NoneV,
    Opaque,
    PreparedRequest,
    Response,
    Str,
    Value,
    walk_values,
)

_ONE_PAGE = frozenset({"SinglePagePaginator"})
"""dlt's paginators that read one page; the others walk pages (numbers, offsets, links,
cursors), and with none given dlt detects the API's own."""

_REQUEST = Send(method=arg(1, "method"), url=arg(0, "path"), response="requests")


def _paginate(call: CallContext) -> Value | None:
    client = call.receiver
    if not isinstance(client, Client):
        return None
    args, kwargs = call.args, call.kwargs
    path = arg(0, "path").pick(args, kwargs) or Str("")
    paginator = kwargs.get("paginator") or client.kept.get("paginator")
    selector = kwargs.get("data_selector") or client.kept.get("data_selector")
    return walk_pages(call, client, path, paginator, selector)


def _paginate_url(call: CallContext) -> Value | None:
    """``dlt.sources.helpers.rest_client.paginate(url, ...)``: a client made for one walk."""
    headers = kw("headers").pick(call.args, call.kwargs)
    client = Client("dlt-rest", headers=headers.copy() if isinstance(headers, DictV) else DictV())
    url = arg(0, "url").pick(call.args, call.kwargs) or UNKNOWN
    return walk_pages(
        call, client, url, call.kwargs.get("paginator"), call.kwargs.get("data_selector")
    )


def walk_pages(
    call: CallContext, client: Client, path: Value, paginator: Value | None, selector: Value | None
) -> Value:
    """The pages of one query: each a list of the items ``data_selector`` picks."""
    interpreter, node = call.interpreter, call.node
    method = method_name(kw("method").pick(call.args, call.kwargs)) or "GET"
    given = kw("params").pick(call.args, call.kwargs)
    params = given.copy() if isinstance(given, DictV) else DictV(open=given is not None)
    body = kw("json").pick(call.args, call.kwargs)
    request = PreparedRequest(path, DictV(), params, method, body, call.frame.ref(node))
    project = paginator if isinstance(paginator, Instance) else None
    if project is not None:
        _run_hook(call, project, "init_request", [request])
    walks = project is not None or _library_walks(paginator)
    frame = replace(call.frame, loop_depth=call.frame.loop_depth + 1) if walks else call.frame
    response = interpreter.http_request(
        client,
        method,
        path,
        None,
        request.params,
        body,
        node,
        frame,
        stack="dlt",
        response="requests",
    )
    text = selector.text if isinstance(selector, Str) and selector.known else "data"
    page = jsonpath_pick(response, text if text.startswith("$") else f"$.{text}[*]")
    if project is not None:
        _run_hook(call, project, "update_state", [response, page], frame)
        _run_hook(call, project, "update_request", [request], frame)
    elif walks:
        # dlt reads where the next page is (a link, a total, a cursor) from each answer,
        # and goes on while there is one
        for sent in walk_values(response):
            if isinstance(sent, Response):
                interpreter.note_tested(
                    interpreter.read_key(Data(sent.request), "meta", node, frame)
                )
    return ListV(elem=page, source="pages")


def _library_walks(paginator: Value | None) -> bool:
    if paginator is None or isinstance(paginator, NoneV):
        return True  # dlt detects the API's pagination from the first answer
    name = paginator.name if isinstance(paginator, Opaque | External) else ""
    return name.rsplit(".", 1)[-1] not in _ONE_PAGE


def _run_hook(
    call: CallContext, paginator: Instance, name: str, args: list[Value], frame: Frame | None = None
) -> None:
    hook = call.interpreter.attribute(paginator, name, call.node, call.frame)
    if isinstance(hook, Func):
        call.interpreter.call_value(hook, args, {}, call.node, frame or call.frame)


def _helper_client(call: CallContext) -> Value | None:
    """``Client(...)`` of dlt's requests helpers: its ``.session`` is a requests session."""
    session = call.interpreter.call_value(
        External("requests.Session"), [], {}, call.node, call.frame
    )
    return Opaque("dlt.sources.helpers.requests.Client", {"session": session})


REST_CLIENT = ClientClass(
    names=(
        "dlt.sources.helpers.rest_client.RESTClient",
        "dlt.sources.helpers.rest_client.client.RESTClient",
    ),
    kind="dlt-rest",
    response="requests",
    base_url=arg(0, "base_url"),
    headers=arg(1, "headers"),
    params=None,
    verb_url=arg(0, "path"),
    sends={"request": _REQUEST},
    keeps={"paginator": arg(3, "paginator"), "data_selector": arg(4, "data_selector")},
    specials={"paginate": _paginate},
)

_HELPERS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "Session")

MODEL = LibraryModel(
    name="dlt",
    clients=(REST_CLIENT,),
    specials=(
        Special(("dlt.sources.helpers.requests.Client",), _helper_client),
        Special(("dlt.sources.helpers.rest_client.paginate",), _paginate_url),
    ),
    # resources and sources are the generators and functions they decorate
    decorators=(
        "dlt.source",
        "dlt.resource",
        "dlt.transformer",
        "dlt.defer",
        "dlt.sources.incremental",
    ),
    # arguments not passed come from config.toml, secrets.toml or the environment
    configured_params=("source", "resource", "transformer"),
    # dlt's requests helpers are requests with retries and timeouts
    aliases={f"dlt.sources.helpers.requests.{name}": f"requests.{name}" for name in _HELPERS},
)
