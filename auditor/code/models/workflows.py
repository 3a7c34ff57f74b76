"""Workflow frameworks: Airflow (HTTP hooks, operators and sensors, XCom, Variables),
Dagster (resources, config, assets wired by name), Prefect and Luigi."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.code.models.spec import (
    CallContext,
    ClassRunner,
    ClientClass,
    Delay,
    EnvGetter,
    LibraryModel,
    Lookup,
    ParamWiring,
    Registry,
    Send,
    Source,
    Special,
    TaskMethod,
    arg,
    kw,
)
from auditor.code.strings import method_name
from auditor.code.values import (
    NONE,
    UNKNOWN,
    Client,
    DictV,
    Duration,
    Func,
    Instance,
    ListV,
    Num,
    Opaque,
    Str,
    Unknown,
    Value,
    concat,
    hole,
)

_SECONDS = 1 / 86400
_WEEK = 7.0

HTTP_HOOK = ClientClass(
    names=(
        "airflow.providers.http.hooks.http.HttpHook",
        "airflow.hooks.http_hook.HttpHook",
        "airflow.providers.http.hooks.http.HttpAsyncHook",
    ),
    kind="airflow-http",
    response="requests",
    base_url=None,
    headers=None,
    params=None,
    method=arg(0, "method"),
    default_method="POST",
    labels=(arg(1, "http_conn_id"),),
    verbs=False,
    sends={
        "run": Send(
            method=None,
            url=arg(0, "endpoint"),
            body=arg(1, "data", "json"),
            headers=arg(2, "headers"),
            params=kw(),
            data_is_query=True,
        ),
        "run_with_advanced_retry": Send(
            method=None,
            url=kw("endpoint"),
            body=kw("data", "json"),
            headers=kw("headers"),
            params=kw(),
            data_is_query=True,
        ),
    },
)


_XCOM_PULL = re.compile(r"\{\{[^}]*xcom_pull\(\s*(?:task_ids\s*=\s*)?['\"]([\w.-]+)['\"][^}]*\}\}")


def _templated(call: CallContext, value: Value) -> Value:
    """A templated field that pulls another task's result (``{{ ti.xcom_pull(...) }}``)
    holds that result where the template is."""
    if not isinstance(value, Str) or not value.known:
        return value
    match = _XCOM_PULL.search(value.text)
    if match is None:
        return value
    pulled = call.interpreter.registered("task", match.group(1), call.frame)
    if pulled is None:
        return value
    if isinstance(pulled, ListV):
        pulled = pulled.element()
    before, after = value.text[: match.start()], value.text[match.end() :]
    return concat(Str(before, (), value.origins), hole(pulled), Str(after))


def _operator_request(call: CallContext, default_method: str, delay_days: float = 0.0) -> Value:
    kwargs = call.kwargs
    method = method_name(kwargs.get("method")) or default_method
    endpoint = _templated(call, kwargs.get("endpoint", Str("")))
    data = kwargs.get("data")
    params = data if method in ("GET", "DELETE") else None
    body = None if params is not None else data
    label = kwargs.get("http_conn_id")
    names = (label.text,) if isinstance(label, Str) and label.known else ()
    frame = call.frame
    if delay_days:
        frame = replace(frame, delay_days=frame.delay_days + delay_days)
    if kwargs.get("pagination_function") is not None:
        # the operator sends the request again with what the function returns: a page loop,
        # where any number the code gives (`"page": 1`) is only the first one
        frame = replace(frame, loop_depth=frame.loop_depth + 1)
        if isinstance(params, DictV):
            params = params.copy()
            for key, value in list(params.entries.items()):
                if isinstance(value, Num):
                    params.entries[key] = Num(value.n, default=True)
    response = call.interpreter.http_request(
        Client("airflow-http", names=names, typed=True),
        method,
        endpoint,
        kwargs.get("headers"),
        params,
        body,
        call.node,
        frame,
        stack="airflow-http",
        response="requests",
    )
    result: Value = response
    for key in ("response_filter", "response_check", "pagination_function"):
        handler = kwargs.get(key)
        if handler is not None and not isinstance(handler, Unknown):
            value = call.interpreter.call_value(handler, [response], {}, call.node, frame)
            if key == "response_filter":
                result = value
    task_id = kwargs.get("task_id")
    if isinstance(task_id, Str) and task_id.known:
        call.interpreter.register("task", task_id.text, result)
    return Opaque("airflow-operator", attrs={k: v for k, v in kwargs.items() if k != "**"})


def _http_operator(call: CallContext) -> Value | None:
    return _operator_request(call, "POST")


def _http_sensor(call: CallContext) -> Value | None:
    timeout = call.kwargs.get("timeout")
    days = _WEEK
    if isinstance(timeout, Num):
        days = timeout.n * _SECONDS
    elif isinstance(timeout, Duration):
        days = timeout.days
    return _operator_request(call, "GET", delay_days=days)


def _env_var(call: CallContext) -> Value | None:
    key = call.args[0] if call.args else UNKNOWN
    name = key.text if isinstance(key, Str) and key.known else ""
    return hole(Unknown(source="the environment", name=name))


def _next_step(call: CallContext) -> Value | None:
    """Metaflow's ``self.next(self.step, foreach="items")``: the step runs once per element
    of ``items``, given as ``self.input``. (Steps that follow without foreach run on their
    own, on the flow's state: run from here they would nest one call per step.)"""
    flow = call.receiver
    foreach = call.kwargs.get("foreach")
    if not isinstance(flow, Instance) or not isinstance(foreach, Str) or not foreach.known:
        return None
    steps = [a for a in call.args if isinstance(a, Func) and a.bound_self is flow]
    if not steps:
        return None
    items = call.interpreter.attribute(flow, foreach.text, call.node, call.frame)
    frame = replace(call.frame, loop_depth=call.frame.loop_depth + 1)
    flow.attrs["input"] = call.interpreter.iterate(items, frame)
    for step in steps:
        call.interpreter.call_value(step, [], {}, call.node, frame)
    flow.attrs.pop("input", None)
    return NONE


MODEL = LibraryModel(
    name="workflows",
    clients=(HTTP_HOOK,),
    method_specials=(Special(("next",), _next_step),),
    specials=(
        Special(
            (
                "airflow.providers.http.operators.http.HttpOperator",
                "airflow.providers.http.operators.http.SimpleHttpOperator",
                "airflow.operators.http_operator.SimpleHttpOperator",
            ),
            _http_operator,
        ),
        Special(
            (
                "airflow.providers.http.sensors.http.HttpSensor",
                "airflow.sensors.http_sensor.HttpSensor",
            ),
            _http_sensor,
        ),
        Special(("dagster.EnvVar",), _env_var),
    ),
    class_runners=(
        ClassRunner(
            bases=(
                "airflow.sensors.base.BaseSensorOperator",
                "airflow.sensors.base_sensor_operator.BaseSensorOperator",
            ),
            method="poke",
            delays=(Delay(kw("timeout"), _SECONDS),),
            default_days=_WEEK,
        ),
    ),
    env_getters=(
        EnvGetter(
            (
                "airflow.models.Variable.get",
                "airflow.models.variable.Variable.get",
                "airflow.sdk.Variable.get",
            ),
            key=arg(0, "key"),
            default=kw("default_var", "default"),
            stored="an Airflow Variable",
        ),
        EnvGetter(
            ("prefect.variables.Variable.get", "prefect.variables.get"),
            key=arg(0, "name"),
            default=arg(1, "default"),
            stored="a Prefect Variable",
        ),
    ),
    sources=(
        Source(
            ("prefect.blocks.system.JSON.load", "prefect.blocks.system.String.load"),
            "a stored block",
            stored=True,
        ),
        Source(
            # Metaflow's client API reads what earlier runs kept (their artifacts), and its
            # S3 client what was put in a bucket
            (
                "metaflow.Flow",
                "metaflow.Run",
                "metaflow.Step",
                "metaflow.Task",
                "metaflow.Metaflow",
                "metaflow.S3",
                "metaflow.client.Flow",
                "metaflow.client.Run",
                "metaflow.plugins.datatools.s3.S3",
            ),
            "an earlier run's artifacts",
            stored=True,
        ),
    ),
    registries=(
        Registry(
            (
                "airflow.operators.python.PythonOperator",
                "airflow.operators.python_operator.PythonOperator",
                "airflow.providers.standard.operators.python.PythonOperator",
            ),
            kind="task",
            key=kw("task_id"),
            value=kw("python_callable"),
        ),
    ),
    method_lookups=(Lookup(("xcom_pull",), kind="task", key=arg(0, "task_ids")),),
    task_methods=(
        TaskMethod(("fn", "submit", "with_options")),
        # Prefect's `task.map(ids)` runs the task once per element of each sequence given
        TaskMethod(("map",), run="each"),
    ),
    model_bases=(
        "dagster.ConfigurableResource",
        "dagster.Config",
        "dagster.ConfigurableIOManager",
        "dagster.PermissiveConfig",
        "luigi.Task",
        "luigi.WrapperTask",
        "luigi.ExternalTask",
        "luigi.Config",
    ),
    field_makers=(
        "luigi.Parameter",
        "luigi.IntParameter",
        "luigi.FloatParameter",
        "luigi.ListParameter",
        "luigi.DictParameter",
        "luigi.DateParameter",
        "luigi.DateHourParameter",
        "luigi.BoolParameter",
        "luigi.TupleParameter",
        "luigi.TimeDeltaParameter",
        "dagster.Field",
    ),
    param_wiring=(ParamWiring(("asset", "multi_asset", "graph_asset")),),
    aliases={
        "airflow.operators.python_operator.PythonOperator": (
            "airflow.operators.python.PythonOperator"
        ),
    },
)
