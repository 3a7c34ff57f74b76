"""Reads a large JSON document piece by piece from text chunks: values decoded whole, or
stepped over without being built when they are too deep or too large to hold."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

CHUNK_CHARS = 1 << 20
MAX_VALUE_CHARS = 128 * 1024 * 1024
"""A value (one HAR entry) longer than this is stepped over, not decoded: its text, the
objects built from it and its body would together take gigabytes."""

_WHITESPACE = " \t\r\n"
_NOT_WHITESPACE = re.compile(r"[^ \t\r\n]")
_STRUCTURAL = re.compile(r'["\[\]{}]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]}\s]")
_INT_DIGITS_LIMIT = 4300
"""CPython refuses to turn longer digit strings into int (sys.get_int_max_str_digits)."""


class JsonSyntaxError(ValueError):
    """The document stops being JSON here."""


class SkippedValue(ValueError):
    """A whole value was stepped over instead of decoded; the cursor is past its end."""


def _lenient_int(digits: str) -> int | float:
    # a number of 5,000 digits is no status, size or time anyone sent: keep the entry readable
    return int(digits) if len(digits) < _INT_DIGITS_LIMIT else float(digits)


_DECODER = json.JSONDecoder()
_LENIENT_DECODER = json.JSONDecoder(parse_int=_lenient_int)


class JsonCursor:
    """A position in a JSON text that arrives in chunks.

    Containers are walked by hand only along the path the caller wants (`log.entries` of a
    HAR); every other value is decoded whole by the C scanner in `raw_decode`, which keeps
    pace with `json.load` while holding one value at a time.
    """

    def __init__(self, chunks: Iterator[str], max_value_chars: int | None = None) -> None:
        self._chunks = chunks
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._max_value_chars = MAX_VALUE_CHARS if max_value_chars is None else max_value_chars
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
            if pos < len(buffer) and buffer[pos] not in _WHITESPACE:
                return buffer[pos]
            # a regex, not a loop over characters: a bomb can be gigabytes of blanks
            match = _NOT_WHITESPACE.search(buffer, pos)
            if match is not None:
                self._pos = match.start()
                return match.group(0)
            self._pos = len(buffer)
            if not self._fill():
                return None

    def take(self, expected: str) -> None:
        found = self.peek()
        if found != expected:
            where = "the end of the file" if found is None else repr(found)
            raise JsonSyntaxError(
                f"expected {expected!r} at character {self.offset}, found {where}"
            )
        self._pos += 1

    def advance(self) -> None:
        """Step over one character (to look for a fresh start after a syntax error)."""
        if self.peek() is not None:
            self._pos += 1

    def value(self) -> Any:
        """Decode the next whole JSON value, reading as much more text as it needs.

        Raises JsonSyntaxError where the text is not JSON (the cursor stays at the value),
        and SkippedValue for a value nested too deep for the decoder or longer than the
        limit (the cursor is then past it).
        """
        if self.peek() is None:
            raise JsonSyntaxError(
                f"the file ends where a value should start (character {self.offset})"
            )
        want = CHUNK_CHARS
        decoder = _DECODER
        while True:
            try:
                value, end = decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or not self._looks_cut(exc):
                    raise JsonSyntaxError(
                        f"invalid JSON at character {self.consumed + exc.pos}: {exc.msg}"
                    ) from None
                held = len(self._buffer) - self._pos
                if held > self._max_value_chars:
                    self.skip_value()
                    raise SkippedValue(
                        f"larger than {self._max_value_chars // (1024 * 1024)} MiB of text"
                    ) from None
                # grow geometrically so a huge value costs linear, not quadratic, time (but
                # not past the limit: a bomb of one value must not be held to find its end)
                self._fill(min(want, self._max_value_chars - held + 1))
                want *= 2
                continue
            except RecursionError:
                self.skip_value()
                raise SkippedValue("nested too deeply to decode") from None
            except ValueError:
                if decoder is _LENIENT_DECODER:
                    raise JsonSyntaxError(
                        f"invalid JSON value at character {self.offset}"
                    ) from None
                decoder = _LENIENT_DECODER  # an integer over CPython's digit limit
                continue
            if end == len(self._buffer) and isinstance(value, int | float) and self._fill():
                continue  # a number at the end of the buffer may go on in the next chunk
            self._pos = end
            return value

    def _looks_cut(self, exc: json.JSONDecodeError) -> bool:
        return exc.pos >= len(self._buffer) - 1 or exc.msg.startswith(
            ("Unterminated string", "Invalid \\escape", "Invalid \\uXXXX")
        )

    def skip_value(self) -> None:
        """Step over the next value without building it, holding one chunk at a time.

        Only strings and brackets are followed: this is for values known to be too large
        or too deep, not a validator.
        """
        first = self.peek()
        if first is None:
            raise JsonSyntaxError(f"the file ends inside a value (character {self.offset})")
        if first == '"':
            self._pos += 1
            self._skip_string()
            return
        if first not in "[{":
            self._skip_scalar()
            return
        depth = 0
        while True:
            match = _STRUCTURAL.search(self._buffer, self._pos)
            if match is None:
                self._pos = len(self._buffer)
                if not self._fill():
                    raise JsonSyntaxError(f"the file ends inside a value (character {self.offset})")
                continue
            self._pos = match.end()
            char = match.group(0)
            if char == '"':
                self._skip_string()
            elif char in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return

    def _skip_string(self) -> None:
        """From just after an opening quote to just after its closing quote."""
        while True:
            match = _STRING_STOP.search(self._buffer, self._pos)
            if match is None:
                self._pos = len(self._buffer)
            elif match.group(0) == '"':
                self._pos = match.end()
                return
            elif match.end() < len(self._buffer):
                self._pos = match.end() + 1  # the escaped character
                continue
            else:
                self._pos = match.start()  # a backslash ends the buffer: keep it
            if not self._fill():
                raise JsonSyntaxError(f"the file ends inside a string (character {self.offset})")

    def _skip_scalar(self) -> None:
        while True:
            match = _SCALAR_END.search(self._buffer, self._pos)
            if match is not None:
                self._pos = match.start()
                return
            self._pos = len(self._buffer)
            if not self._fill():
                return

    def head(self, n: int) -> str:
        """Up to ``n`` characters from here, to tell what a value looks like before decoding."""
        if len(self._buffer) - self._pos < n:
            self._fill(n)
        return self._buffer[self._pos : self._pos + n]

    def find_object(self) -> bool:
        """Move to the next ``{`` (for a fresh start after a syntax error); False at the end."""
        while True:
            at = self._buffer.find("{", self._pos)
            if at >= 0:
                self._pos = at
                return True
            self._pos = len(self._buffer)
            if not self._fill():
                return False

    def members(self) -> Iterator[str]:
        """Keys of the object that starts here; the caller consumes each member's value."""
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            try:
                key = self.value()
            except SkippedValue:
                key = None  # a container where a key belongs: stepped over, not a key
            if not isinstance(key, str):
                raise JsonSyntaxError(f"object key expected at character {self.offset}")
            self.take(":")
            yield key
            following = self.peek()
            if following == ",":
                self._pos += 1
                continue
            if following == "}":
                self._pos += 1
                return
            raise JsonSyntaxError(f"expected ',' or '}}' at character {self.offset}")

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
            raise JsonSyntaxError(f"expected ',' or ']' at character {self.offset}")
