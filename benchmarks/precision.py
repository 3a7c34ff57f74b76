"""Print the scanner's precision and recall per rule on an annotated corpus, without asserting.

    python benchmarks/precision.py                     # every repository of fixtures/code
    python benchmarks/precision.py path/to/corpus      # each sub-folder scanned as a project
    python benchmarks/precision.py --single path/to/project

Annotations are trailing comments ``# expect: DK002`` / ``# allow: DK002`` /
``# ok: DK002``, as described in tests/corpus.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests"))

from corpus import (  # noqa: E402
    format_report,
    format_table,
    project_roots,
    scan_projects,
    score_projects,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=PROJECT_ROOT / "fixtures" / "code")
    parser.add_argument(
        "--single", action="store_true", help="scan CORPUS as one project instead of per sub-folder"
    )
    parser.add_argument("--quiet", action="store_true", help="only the table, no list of misses")
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args(argv)

    corpus: Path = options.corpus.resolve()
    if not corpus.is_dir():
        parser.error(f"{corpus} is not a folder")
    roots = [corpus] if options.single else project_roots(corpus)
    if not roots:
        parser.error(f"no project with Python files under {corpus}")

    started = time.perf_counter()
    runs = scan_projects(roots, cwd=PROJECT_ROOT, workers=options.workers)
    elapsed = time.perf_counter() - started

    for root, run in runs.items():
        if run.document is None:
            print(f"{root.name}: no JSON result (exit {run.returncode})", file=sys.stderr)
            print(run.stderr.strip()[-2000:], file=sys.stderr)
        elif run.document.get("errors"):
            for error in run.document["errors"]:
                print(f"{root.name}: {error.get('path')}: {error.get('reason')}", file=sys.stderr)

    score = score_projects(runs)
    print(f"{len(roots)} project(s) scanned in {elapsed:.1f}s")
    print(format_table(score) if options.quiet else format_report(score))
    return 0


if __name__ == "__main__":
    sys.exit(main())
