"""A tolerant, streaming HAR reader: one entry in memory at a time, bad entries skipped alone."""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from auditor.traffic.exchange import Exchange

CHUNK_CHARS = 1 << 20
_WHITESPACE = " \t\r\n"


class HarSyntaxError(ValueError):
    """The document stops being JSON (or HAR-shaped) here; entries before it were read."""


@dataclass(frozen=True)
class EntryProblem:
    index: int
    reason: str


@dataclass(frozen=True)
class DocumentProblem:
    """The document cannot be read further; ``index`` is the entry where reading stopped."""

    index: int | None
    reason: str


class _JsonCursor:
    """Reads a JSON document piece by piece from a stream of text chunks.

    Containers are walked by hand only along the path to `log.entries`; every other value
    (an entry, `pages`, `creator`) is decoded whole by the C scanner in `raw_decode`, which
    is why this keeps pace with `json.load` while holding one entry at a time.
    """

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()
        self.consumed = 0
        """Characters dropped from the front of the buffer, for error offsets."""

    @property
    def offset(self) -> int:
        return self.consumed + self._pos

    def _fill(self, at_least: int = 1) -> bool:
        """Append at least ``at_least`` more characters (fewer at end of stream)."""
        if self._eof:
            return False
        if self._pos > CHUNK_CHARS:
            self.consumed += self._pos
            self._buffer = self._buffer[self._pos :]
            self._pos = 0
        added = 0
        parts = [self._buffer]
        while added < at_least:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._eof = True
                break
            parts.append(chunk)
            added += len(chunk)
        self._buffer = "".join(parts)
        return added > 0

    def peek(self) -> str | None:
        """The next character that is not whitespace, without consuming it; None at the end."""
        while True:
            buffer, pos = self._buffer, self._pos
            while pos < len(buffer) and buffer[pos] in _WHITESPACE:
                pos += 1
            self._pos = pos
            if pos < len(buffer):
                return buffer[pos]
            if not self._fill():
                return None

    def take(self, expected: str) -> None:
        found = self.peek()
        if found != expected:
            where = "the end of the file" if found is None else repr(found)
            raise HarSyntaxError(f"expected {expected!r} at character {self.offset}, found {where}")
        self._pos += 1

    def value(self) -> Any:
        """Decode the next whole JSON value, reading as much more text as it needs."""
        if self.peek() is None:
            raise HarSyntaxError(
                f"the file ends where a value should start (character {self.offset})"
            )
        want = CHUNK_CHARS
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or not self._looks_cut(exc):
                    raise HarSyntaxError(
                        f"invalid JSON at character {self.consumed + exc.pos}: {exc.msg}"
                    ) from None
                # grow geometrically so a huge entry costs linear, not quadratic, time
                self._fill(want)
                want *= 2
                continue
            if end == len(self._buffer) and isinstance(value, int | float) and self._fill():
                continue  # a number at the end of the buffer may go on in the next chunk
            self._pos = end
            return value

    def _looks_cut(self, exc: json.JSONDecodeError) -> bool:
        return exc.pos >= len(self._buffer) - 1 or exc.msg.startswith(
            ("Unterminated string", "Invalid \\escape", "Invalid \\uXXXX")
        )

    def members(self) -> Iterator[str]:
        """Keys of the object that starts here; the caller consumes each member's value."""
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise HarSyntaxError(f"object key expected at character {self.offset}")
            self.take(":")
            yield key
            following = self.peek()
            if following == ",":
                self._pos += 1
                continue
            if following == "}":
                self._pos += 1
                return
            raise HarSyntaxError(f"expected ',' or '}}' at character {self.offset}")

    def elements(self) -> Iterator[None]:
        """One step per element of the array that starts here; the caller consumes each."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield None
            following = self.peek()
            if following == ",":
                self._pos += 1
                continue
            if following == "]":
                self._pos += 1
                return
            raise HarSyntaxError(f"expected ',' or ']' at character {self.offset}")


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
    """The entries of a HAR document as exchanges, in file order, with problems in line."""
    cursor = _JsonCursor(text_chunks(binary_chunks))
    index = 0
    found_log = False
    try:
        first = cursor.peek()
        if first == "[":
            yield DocumentProblem(
                None, "a JSON array, not a HAR document (HAR is an object with a 'log')"
            )
            return
        for key in cursor.members():
            if key != "log" or found_log:
                cursor.value()
                continue
            found_log = True
            if cursor.peek() != "{":
                cursor.value()
                yield DocumentProblem(None, "'log' is not an object: not a HAR document")
                return
            found_entries = False
            for log_key in cursor.members():
                if log_key != "entries" or cursor.peek() != "[":
                    cursor.value()
                    continue
                found_entries = True
                for _ in cursor.elements():
                    entry = cursor.value()
                    yield _entry_or_problem(entry, file, index)
                    index += 1
            if not found_entries:
                yield DocumentProblem(None, "the HAR 'log' has no 'entries' list")
        if cursor.peek() is not None:
            yield DocumentProblem(
                None, f"extra data after the document at character {cursor.offset}"
            )
    except HarSyntaxError as exc:
        yield DocumentProblem(index if found_log else None, str(exc))
        return
    if not found_log:
        yield DocumentProblem(None, "a JSON object without a 'log': not a HAR document")


def _entry_or_problem(entry: Any, file: str, index: int) -> Exchange | EntryProblem:
    try:
        return exchange_from_entry(entry, file, index)
    except _BadEntry as exc:
        return EntryProblem(index, str(exc))


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
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _BadEntry("request url cannot be parsed") from None
    method = request.get("method")
    if not isinstance(method, str) or not method:
        raise _BadEntry("request has no method")
    request_headers = _headers(request.get("headers"))
    if not host:
        host = next((v.lower() for k, v in request_headers if k.lower() == "host"), "")
    response = entry.get("response")
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes | None = None
    if isinstance(response, dict):
        raw_status = response.get("status")
        if isinstance(raw_status, int | float | str) and str(raw_status).strip().isdigit():
            status = int(raw_status) or None  # browsers export failed requests as status 0
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
            out.append((name, "" if value is None else str(value)))
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
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
