"""Helpers that split a sequence into chunks of a given size."""

from __future__ import annotations

from auditor.code.models.spec import Chunker, LibraryModel, arg

MODEL = LibraryModel(
    name="chunking",
    chunkers=(
        Chunker(
            (
                "itertools.batched",
                "more_itertools.chunked",
                "more_itertools.batched",
                "more_itertools.ichunked",
                "more_itertools.sliced",
                "more_itertools.chunked_even",
                "boltons.iterutils.chunked",
                "boltons.iterutils.chunked_iter",
                "iteration_utilities.grouper",
                "pydash.chunk",
            ),
            seq=arg(0, "iterable", "seq", "src", "array"),
            size=arg(1, "n", "size"),
        ),
        Chunker(
            (
                "toolz.partition_all",
                "cytoolz.partition_all",
                "funcy.chunks",
                "funcy.lchunks",
                "toolz.itertoolz.partition_all",
            ),
            seq=arg(1, "seq"),
            size=arg(0, "n"),
        ),
    ),
)
