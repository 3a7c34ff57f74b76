"""Parsing a source file safely: what Python itself cannot parse, or what is too big for
the analyzer, is refused with a reason before libcst sees it.

libcst's native parser overflows its stack (a crash that takes the whole process down) on
code nested more deeply than Python accepts, and needs several kilobytes of memory per
syntax node. Python's own parser rejects the first quickly and counts the second; libcst
then parses on a thread with a large stack, so no file that Python accepts crashes it.
"""

from __future__ import annotations

import ast
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import libcst as cst

from auditor.errors import UnreadableSource

DEFAULT_MAX_FILE_SIZE = 1_000_000
"""Bytes of source analyzed per file by default (``max-file-size`` in the configuration)."""
BYTES_PER_NODE = 16
"""The node limit is the size limit over this: about 300 MB of libcst trees at worst."""
_COUNT_NODES_ABOVE = 32_000
"""Smaller files cannot hold enough nodes to matter: their nodes are not counted."""
TOKENS_PER_NODE = 3
"""Real code has one to two tokens a syntax node: three leaves room before the count."""
_TOKEN = re.compile(
    # a string literal or a comment is one token, whatever it holds
    r"""[rbuRBUfF]{0,2}(?:"{3}[\s\S]*?"{3}|'{3}[\s\S]*?'{3}|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')"""
    r"|#[^\n]*|\w+|\S"
)
_STACK = 256 * 1024 * 1024

_PY2 = re.compile(rb"^\s*print\s+[^(\s=]|except\s+\w+\s*,\s*\w+\s*:|^\s*exec\s+['\"]", re.M)


def parse_python(
    text: str, *, max_size: int = DEFAULT_MAX_FILE_SIZE
) -> tuple[cst.Module, ast.Module]:
    """The libcst and ast trees of a module, or UnreadableSource saying why not."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_size:
        raise UnreadableSource(
            f"too large to analyze ({size:,} bytes; the limit is {max_size:,}, "
            "`max-file-size` in [tool.dokeos-audit])"
        )
    limit = max_size // BYTES_PER_NODE
    if size > _COUNT_NODES_ABOVE:
        # Python's own tree costs about a kilobyte a node: a file of tiny tokens (a list
        # literal of a million numbers) is refused on a count of its words and symbols
        # before it is built
        tokens = sum(1 for _ in _TOKEN.finditer(text))
        if tokens > limit * TOKENS_PER_NODE:
            raise UnreadableSource(
                f"too large to analyze ({tokens:,} tokens; the limit is "
                f"{limit * TOKENS_PER_NODE:,}, raise `max-file-size` in [tool.dokeos-audit])"
            )
    tree = python_ast(text)
    if size > _COUNT_NODES_ABOVE:
        nodes = sum(1 for _ in ast.walk(tree))
        if nodes > limit:
            raise UnreadableSource(
                f"too large to analyze ({nodes:,} syntax nodes; the limit is {limit:,}, "
                "raise `max-file-size` in [tool.dokeos-audit])"
            )
    return libcst_module(text), tree


def python_ast(text: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        line = exc.lineno or 1
        message = (exc.msg or "invalid syntax").rstrip(".")
        hint = " (Python 2 code?)" if _PY2.search(text.encode("utf-8", "replace")) else ""
        raise UnreadableSource(f"syntax error at line {line}: {message}{hint}") from None
    except (RecursionError, MemoryError):
        raise UnreadableSource(
            "nested too deeply for Python's parser (Python itself cannot run this file)"
        ) from None
    except ValueError as exc:  # NUL bytes and the like
        raise UnreadableSource(f"cannot parse: {exc}") from None


def libcst_module(text: str) -> cst.Module:
    """``libcst.parse_module`` on a thread with a large stack."""
    outcome = _parser().submit(_parse, text).result()
    if isinstance(outcome, cst.Module):
        return outcome
    raise UnreadableSource(outcome)


def _parse(text: str) -> cst.Module | str:
    """The module, or why libcst refused it."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"syntax error at line {exc.raw_line}: libcst cannot parse it"
    except (RecursionError, MemoryError):
        return "nested too deeply to analyze"
    except Exception as exc:  # the parser's own failures are this file's only
        return f"cannot parse: {type(exc).__name__}"


_PARSERS: dict[int, ThreadPoolExecutor] = {}
_PARSERS_LOCK = threading.Lock()


def _parser() -> ThreadPoolExecutor:
    """This process's parsing thread, made once: starting a thread with a large stack for
    each file cost more than parsing small files. A worker process forked from this one
    has no such thread (fork copies only the thread that forks), so each process id gets
    its own."""
    pid = os.getpid()
    with _PARSERS_LOCK:
        found = _PARSERS.get(pid)
        if found is None:
            previous = threading.stack_size()
            try:
                threading.stack_size(_STACK)
                found = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dokeos-audit-parse")
                found.submit(int).result()  # its thread starts now, with the large stack
            finally:
                threading.stack_size(previous)
            _PARSERS.clear()
            _PARSERS[pid] = found
        return found
