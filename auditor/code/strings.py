"""String semantics on strings with holes: formatting, joining URLs, query strings."""

from __future__ import annotations

import re
import string
from urllib.parse import unquote_plus, urljoin, urlsplit

from auditor.code.values import (
    UNKNOWN,
    Data,
    DictV,
    ListV,
    Opaque,
    Response,
    Str,
    Value,
    as_str,
    concat,
    hole,
)
from auditor.urls import HOLE

_PERCENT = re.compile(r"%(\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGc%]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_absolute(text: str) -> bool:
    return bool(_SCHEME.match(text))


def str_format(template: Str, args: list[Value], kwargs: dict[str, Value]) -> Str:
    """``template.format(*args, **kwargs)``."""
    if not template.known:
        return hole(template)
    parts: list[Str] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template.text))
    except ValueError:
        return hole(template)
    for literal, field_name, _spec, _conv in parsed:
        if literal:
            parts.append(Str(literal))
        if field_name is None:
            continue
        head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
        value: Value
        if head == "":
            value = args[auto] if auto < len(args) else UNKNOWN
            auto += 1
        elif head.isdigit():
            index = int(head)
            value = args[index] if index < len(args) else UNKNOWN
        else:
            value = kwargs.get(head, UNKNOWN)
        if head != field_name:
            value = UNKNOWN
        parts.append(as_str(value))
    result = concat(*parts)
    return Str(result.text, result.slots, (*template.origins, *result.origins))


_TEMPLATE_FIELD = re.compile(r"\$(?:(\$)|(\w+)|\{(\w+)\})")


def template_substitute(template: Str, mapping: Value | None, kwargs: dict[str, Value]) -> Str:
    """``string.Template(template).substitute(mapping, **kwargs)``: ``$name`` and
    ``${name}`` filled with what is known of them."""
    if not template.known:
        return hole(template)
    entries = dict(mapping.entries) if isinstance(mapping, DictV) else {}
    entries.update(kwargs)
    parts: list[Str] = []
    last = 0
    for match in _TEMPLATE_FIELD.finditer(template.text):
        parts.append(Str(template.text[last : match.start()]))
        last = match.end()
        if match.group(1):
            parts.append(Str("$"))
            continue
        name = match.group(2) or match.group(3)
        parts.append(as_str(entries.get(name, UNKNOWN)))
    parts.append(Str(template.text[last:]))
    result = concat(*parts)
    return Str(result.text, result.slots, (*template.origins, *result.origins))


def percent_format(template: Str, values: Value) -> Str:
    """``template % values``."""
    if not template.known:
        return hole(template)
    items = values.items if isinstance(values, ListV) and values.items is not None else [values]
    parts: list[Str] = []
    pos = 0
    index = 0
    for match in _PERCENT.finditer(template.text):
        parts.append(Str(template.text[pos : match.start()]))
        if match.group(0) == "%%":
            parts.append(Str("%"))
        elif match.group(1):
            key = match.group(1)[1:-1]
            value = values.get_ci(key) if isinstance(values, DictV) else None
            parts.append(as_str(value if value is not None else UNKNOWN))
        else:
            parts.append(as_str(items[index] if index < len(items) else UNKNOWN))
            index += 1
        pos = match.end()
    parts.append(Str(template.text[pos:]))
    result = concat(*parts)
    return Str(result.text, result.slots, (*template.origins, *result.origins))


def join_url(base: Str, path: Str) -> Str:
    """``urljoin(base, path)``, holes kept."""
    if is_absolute(path.text):
        return path
    if not base.known and HOLE in base.text.split("://", 1)[-1].split("/", 1)[0]:
        # unknown host: keep the path as the base's continuation
        return concat(base, Str("/") if not path.text.startswith("/") else Str(""), path)
    joined = urljoin(base.text, path.text)
    # holes survive urljoin as characters; recover their slots in order
    slots = tuple(s for s in (*base.slots, *path.slots))
    count = joined.count(HOLE)
    slots = slots[-count:] if count else ()
    return Str(joined, slots, (*base.origins, *path.origins))


def prefix_base(base: Str, url: Str) -> Str:
    """A relative URL sent through a client with a base URL (``httpx.Client(base_url=)``)."""
    if base.text.endswith("/") and url.text.startswith("/"):
        return concat(Str(base.text[:-1], base.slots, base.origins), url)
    if not base.text.endswith("/") and url.text and not url.text.startswith(("/", "?")):
        return concat(base, Str("/"), url)
    return concat(base, url)


def urlencode(value: Value) -> Value:
    """``urlencode(mapping)``: ``k=v&k2=v2`` with holes for unknown values."""
    if not isinstance(value, DictV):
        if isinstance(value, ListV) and value.items is not None:
            parts: list[Str] = []
            for pair in value.items:
                if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
                    if parts:
                        parts.append(Str("&"))
                    parts.extend([as_str(pair.items[0]), Str("="), as_str(pair.items[1])])
            if parts:
                return concat(*parts)
        return hole(value)
    pieces: list[Str] = []
    for key, item in value.entries.items():
        if pieces:
            pieces.append(Str("&"))
        pieces.append(Str(f"{key}="))
        pieces.append(as_str(item))
    return concat(*pieces)


def query_params(url: Str) -> list[tuple[str, Value]]:
    """The query string's parameters, each value keeping the values of its holes."""
    text = url.text
    start = text.find("?")
    if start < 0:
        return []
    end = text.find("#", start)
    query = text[start + 1 : end if end >= 0 else len(text)]
    hole_index = text[:start].count(HOLE)
    params: list[tuple[str, Value]] = []
    for pair in re.split(r"[&;]", query):
        key, _, value = pair.partition("=")
        key_holes = key.count(HOLE)
        value_holes = value.count(HOLE)
        slots = url.slots[hole_index + key_holes : hole_index + key_holes + value_holes]
        hole_index += key_holes + value_holes
        if not key or HOLE in key:
            continue
        if len(slots) < value_holes:
            slots = tuple(UNKNOWN for _ in range(value_holes))
        params.append(
            (
                unquote_plus(key),
                Str(unquote_plus(value) if not value_holes else value, tuple(slots)),
            )
        )
    return params


def plain_literal(code: str) -> str | None:
    """The text of a string literal with no prefix and no escapes (most of them), fast."""
    if "\\" in code or code[:1] not in ("'", '"'):
        return None
    quote = code[:3] if code[:3] in ('"""', "'''") else code[:1]
    return code[len(quote) : len(code) - len(quote)]


def method_name(value: Value | None) -> str | None:
    """An HTTP method given as a string (``"get"``, ``"DELETE"``)."""
    if isinstance(value, Str) and value.known and value.text.isalpha():
        return value.text.upper()
    return None


def split_text(target: Str, sep: str | None) -> ListV:
    pieces = target.text.split(sep)
    return ListV(items=[Str(p) for p in pieces[:512]], size=len(pieces), source="a literal list")


def jsonpath_keys(path: str) -> tuple[str, ...] | None:
    """The keys a simple JSONPath walks (``$.data[*]`` → ``("data", "[]")``), or None for
    one this analysis does not read (filters, recursive descent, unions)."""
    text = path.strip()
    if not text.startswith("$") or any(c in text for c in "?(),") or ".." in text:
        return None
    keys: list[str] = []
    for part in text[1:].replace("[*]", ".[*]").split("."):
        if not part:
            continue
        if part == "[*]":
            keys.append("[]")
        elif part.startswith("[") and part.endswith("]"):
            keys.append(part[1:-1].strip("'\""))
        else:
            keys.append(part)
    return tuple(keys)


def jsonpath_pick(body: Value, path: str) -> Value:
    """What a JSONPath picks in a response or its data: a list's items, or one match."""
    if isinstance(body, Response):
        body = Data(body.request)
    if not isinstance(body, Data):
        return UNKNOWN
    keys = jsonpath_keys(path)
    if keys is None:
        return UNKNOWN
    if keys and keys[-1] == "[]":
        return Data(body.request, (*body.path, *keys[:-1]))  # iterated: its items
    return ListV(items=[Data(body.request, (*body.path, *keys))], size=1, source="a match")


def name_words(name: str) -> list[str]:
    """The lower-case words of an identifier (``make_get_request``, ``getJson``)."""
    return [w.lower() for w in re.split(r"_+|(?<=[a-z])(?=[A-Z])", name) if w]


def known_names(given: Value | None) -> list[str]:
    """The texts of one known string or of a list of them (``"skills"``, ``["id", "email"]``)."""
    return [name.text for name in known_strings(given)]


def known_strings(given: Value | None) -> list[Str]:
    """The known strings ``known_names`` reads, with where each was written."""
    names = given.items if isinstance(given, ListV) and given.items else [given]
    # a column expression (`pl.col("skills")`) names the columns it was made with
    names = [a for n in names for a in (n.args if isinstance(n, Opaque) and n.fluent else (n,))]
    return [n for n in names if isinstance(n, Str) and n.known]


_URL_PARTS = ("scheme", "netloc", "hostname", "path", "query", "fragment")


def url_parts(url: Value) -> Value:
    """``urlparse(url)`` or ``urlsplit(url)``: the parts its text spells (a base URL's
    host); a part the text leaves open is a string made from the whole URL (a next link's
    path is still the response's)."""
    text = as_str(url)
    try:
        split = urlsplit(text.text)
        parts = {name: getattr(split, name) for name in _URL_PARTS}
    except ValueError:
        parts = {}
    attrs: dict[str, Value] = {}
    for name in _URL_PARTS:
        part = parts.get(name)
        if isinstance(part, str) and HOLE not in part:
            attrs[name] = Str(part, origins=text.origins)
        else:
            attrs[name] = hole(url, text.origins)
    return Opaque("urllib.parse.SplitResult", attrs=attrs, args=(url,))
