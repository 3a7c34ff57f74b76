"""Progress bars and terminal helpers that hand back what they wrap (rich, tqdm, click)."""

from __future__ import annotations

from auditor.code.models.spec import LibraryModel, Passthrough, arg

MODEL = LibraryModel(
    name="ui",
    passthrough=(
        Passthrough(
            (
                "rich.progress.track",
                "tqdm.tqdm",
                "tqdm.auto.tqdm",
                "tqdm.notebook.tqdm",
                "tqdm.std.tqdm",
                "tqdm.asyncio.tqdm",
                "tqdm.rich.tqdm",
                "click.progressbar",
                "typer.progressbar",
                "alive_progress.alive_it",
                "progressbar.progressbar",
            ),
            arg(0, "iterable", "sequence"),
        ),
    ),
)
