"""A tolerant, streaming HAR reader: one entry in memory at a time, bad entries skipped alone."""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from auditor.traffic.exchange import Exchange
from auditor.traffic.fields import encodable, encodable_url, status_code, utc_from_iso
from auditor.traffic.jsonstream import JsonCursor, JsonSyntaxError, SkippedValue

_ENTRY_START = re.compile(
    r'\{\s*"(?:startedDateTime|request|response|pageref|cache|timings|time|connection'
    r'|serverIPAddress|_[A-Za-z]\w*)"'
)
"""How an entry object starts (exporters put these keys first); an entry's inner objects
(request, response, headers, timings) start with other keys."""


@dataclass(frozen=True)
class EntryProblem:
    index: int
    reason: str


@dataclass(frozen=True)
class DocumentProblem:
    """The document cannot be read further here; ``index`` is the entry where reading stopped."""

    index: int | None
    reason: str


def text_chunks(binary_chunks: Iterator[bytes]) -> Iterator[str]:
    """Decode bytes to text: UTF-8 with or without BOM, or UTF-16 when it has a BOM."""
    first = next(binary_chunks, b"")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    else:
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    chunk: bytes | None = first
    while chunk:
        text = decoder.decode(chunk)
        if text:
            yield text
        chunk = next(binary_chunks, None)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def read_har(
    binary_chunks: Iterator[bytes], file: str
) -> Iterator[Exchange | EntryProblem | DocumentProblem]:
    """The entries of a HAR document as exchanges, in file order, with problems in line.

    Where the JSON breaks, reading resumes at the next entry object (as the flow dump reader
    resumes at the next length prefix): a flipped byte costs the entry it is in.
    """
    reader = _HarReader(JsonCursor(text_chunks(binary_chunks)), file)
    yield from reader.read()


class _HarReader:
    def __init__(self, cursor: JsonCursor, file: str) -> None:
        self.cursor = cursor
        self.file = file
        self.index = 0
        self.found_log = False

    def read(self) -> Iterator[Exchange | EntryProblem | DocumentProblem]:
        cursor = self.cursor
        if cursor.peek() == "[":
            yield DocumentProblem(
                None, "a JSON array, not a HAR document (HAR is an object with a 'log')"
            )
            return
        try:
            yield from self._walk()
        except _BrokenEntry as exc:
            yield EntryProblem(self.index, str(exc))
            self.index += 1
            cursor.advance()  # past the "{" of the entry that broke
        except (JsonSyntaxError, SkippedValue) as exc:
            yield DocumentProblem(self.index if self.found_log else None, str(exc))
        else:
            return
        yield from self._scan()

    def _walk(self) -> Iterator[Exchange | EntryProblem | DocumentProblem]:
        """Along the document's structure: the top object, `log`, `entries`, each entry."""
        cursor = self.cursor
        for key in cursor.members():
            if key != "log" or self.found_log:
                _step_over(cursor)
                continue
            self.found_log = True
            if cursor.peek() != "{":
                _step_over(cursor)
                yield DocumentProblem(None, "'log' is not an object: not a HAR document")
                return
            found_entries = False
            for log_key in cursor.members():
                if log_key != "entries" or cursor.peek() != "[":
                    _step_over(cursor)
                    continue
                found_entries = True
                for _ in cursor.elements():
                    yield self._entry()
            if not found_entries:
                yield DocumentProblem(None, "the HAR 'log' has no 'entries' list")
        if cursor.peek() is not None:
            yield DocumentProblem(
                None, f"extra data after the document at character {cursor.offset}"
            )
        if not self.found_log:
            yield DocumentProblem(None, "a JSON object without a 'log': not a HAR document")

    def _entry(self) -> Exchange | EntryProblem:
        index = self.index
        try:
            entry = self.cursor.value()
        except SkippedValue as exc:
            self.index += 1
            return EntryProblem(index, f"entry {exc}")
        except JsonSyntaxError as exc:
            raise _BrokenEntry(str(exc)) from None
        self.index += 1
        return _entry_or_problem(entry, self.file, index)

    def _scan(self) -> Iterator[Exchange | EntryProblem | DocumentProblem]:
        """After a syntax error: every later object that is an entry, in order.

        An object that decodes but is no entry (an entry's request, a page) is stepped over
        whole; one that does not decode costs an entry only when it starts like one.
        """
        cursor = self.cursor
        while cursor.find_object():
            head = cursor.head(200)
            try:
                candidate = cursor.value()
            except SkippedValue as exc:
                if _ENTRY_START.match(head):
                    yield EntryProblem(self.index, f"entry {exc}")
                    self.index += 1
                continue
            except JsonSyntaxError as exc:
                if _ENTRY_START.match(head):
                    yield EntryProblem(self.index, str(exc))
                    self.index += 1
                cursor.advance()
                continue
            if isinstance(candidate, dict) and ("request" in candidate or "response" in candidate):
                yield _entry_or_problem(candidate, self.file, self.index)
                self.index += 1


class _BrokenEntry(ValueError):
    """An entry whose JSON breaks: the cursor is still at its start."""


def _step_over(cursor: JsonCursor) -> None:
    """A member we do not read (`creator`, `pages`): decoded to check it, or skipped."""
    with contextlib.suppress(SkippedValue):
        cursor.value()


def _entry_or_problem(entry: Any, file: str, index: int) -> Exchange | EntryProblem:
    try:
        return exchange_from_entry(entry, file, index)
    except _BadEntry as exc:
        return EntryProblem(index, str(exc))
    except Exception as exc:
        # whatever else a strange entry trips over, it costs that entry only
        return EntryProblem(index, f"entry cannot be read ({type(exc).__name__})")


class _BadEntry(ValueError):
    pass


def exchange_from_entry(entry: Any, file: str, index: int) -> Exchange:
    """One HAR entry as an exchange; only the request method and URL are required."""
    if not isinstance(entry, dict):
        raise _BadEntry("entry is not an object")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise _BadEntry("entry has no request")
    url = request.get("url")
    if not isinstance(url, str) or not url:
        raise _BadEntry("request has no url")
    url = encodable_url(url)
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _BadEntry("request url cannot be parsed") from None
    method = request.get("method")
    if not isinstance(method, str) or not method:
        raise _BadEntry("request has no method")
    method = encodable(method)
    request_headers = _headers(request.get("headers"))
    if not host:
        host = next((v.lower() for k, v in request_headers if k.lower() == "host"), "")
    response = entry.get("response")
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes | None = None
    if isinstance(response, dict):
        # browsers export failed requests as status 0: no status, as no response
        status = status_code(response.get("status"))
        response_headers = _headers(response.get("headers"))
        if status is not None:
            response_body = _content(response.get("content"))
    return Exchange(
        file=file,
        index=index,
        method=method.upper(),
        url=url,
        host=host,
        request_headers=request_headers,
        request_raw_body=_post_data(request.get("postData")),
        status=status,
        response_headers=response_headers,
        response_raw_body=response_body,
        timestamp=parse_timestamp(entry.get("startedDateTime")),
    )


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    """Header lists as browsers ({"name", "value"}) and some tools ([name, value]) write them."""
    if not isinstance(raw, list):
        return ()
    out: list[tuple[str, str]] = []
    for header in raw:
        if isinstance(header, dict):
            name, value = header.get("name"), header.get("value")
        elif isinstance(header, list | tuple) and len(header) == 2:
            name, value = header
        else:
            continue
        if isinstance(name, str) and name and not name.startswith(":"):
            text = "" if value is None else value if isinstance(value, str) else repr(value)
            out.append((encodable(name), encodable(text)))
    return tuple(out)


def _content(content: Any) -> bytes | None:
    """A response body; HAR text is usually decoded, base64 when marked, possibly still encoded."""
    if not isinstance(content, dict):
        return None
    text = content.get("text")
    if not isinstance(text, str):
        return None
    if str(content.get("encoding", "")).lower() == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return None
    return text.encode("utf-8", errors="surrogatepass")


def _post_data(post: Any) -> bytes:
    if not isinstance(post, dict):
        return b""
    text = post.get("text")
    if isinstance(text, str):
        if str(post.get("encoding", "")).lower() == "base64":
            try:
                return base64.b64decode(text, validate=False)
            except (binascii.Error, ValueError):
                return b""
        return text.encode("utf-8", errors="surrogatepass")
    params = post.get("params")
    if isinstance(params, list):
        # forms exported as params only: rebuild the urlencoded body rules can read
        from urllib.parse import urlencode

        pairs = [
            (str(p.get("name", "")), str(p.get("value", "")))
            for p in params
            if isinstance(p, dict) and p.get("name")
        ]
        return urlencode(pairs).encode()
    return b""


def parse_timestamp(raw: Any) -> datetime | None:
    """HAR `startedDateTime` as an aware UTC datetime; a time without offset is taken as UTC."""
    return utc_from_iso(raw)
