"""Output files and interruptions (issue 13, item 15): stale temporaries, symlinks, Ctrl-C,
bidirectional controls."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.cli.common import EXIT_INTERRUPTED, write_atomically
from auditor.cli.output_target import STALE_AFTER_SECONDS
from auditor.findings import RunResult
from auditor.reports import renderer_for
from tests.reports.sample_runs import code_run, traffic_run

REPO = Path(__file__).resolve().parents[2]


def test_stale_temporary_files_of_killed_runs_are_cleaned(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    stale = tmp_path / ".report.html.k3x9a_2q.tmp"
    fresh = tmp_path / ".report.html.zz81mq0w.tmp"  # another run, writing right now
    other = tmp_path / ".other.html.k3x9a_2q.tmp"
    for leftover in (stale, fresh, other):
        leftover.write_text("half a report")
    old = time.time() - STALE_AFTER_SECONDS - 5
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_atomically(report, "<html></html>\n")
    assert report.read_text() == "<html></html>\n"
    assert not stale.exists() and fresh.exists() and other.exists()


def test_output_onto_a_symlink_writes_through_it(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "report.json"
    target.write_text("old\n")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    write_atomically(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert not list(tmp_path.glob(".report.json.*")) and not list(shared.glob(".report*"))


def test_output_onto_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "report.txt"
    link.symlink_to(tmp_path / "made.txt")
    write_atomically(link, "text\n")
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "text\n"


def test_ctrl_c_during_a_traffic_run_exits_130(tmp_path: Path) -> None:
    # a FIFO nobody writes to: the run waits on it until interrupted
    fifo = tmp_path / "capture.mitm"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "traffic", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    writer = None
    try:
        # the write end opens (without blocking) only once the run has opened the read end:
        # from then on it waits in read() for bytes that never come
        deadline = time.monotonic() + 60
        while writer is None and time.monotonic() < deadline and process.poll() is None:
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.05)
        assert writer is not None, "the run never opened the capture"
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if writer is not None:
            os.close(writer)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr


def test_ctrl_c_during_a_scan_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.cli import scan_cmd

    def interrupted(*args: object, **kwargs: object) -> RunResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan_cmd, "scan_paths", interrupted)
    (tmp_path / "sync.py").write_text("import requests\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path)])
    assert result.exit_code == EXIT_INTERRUPTED and "interrupted" in result.stderr


BIDI = "\u202e"


def with_bidi() -> list[RunResult]:
    code, traffic = code_run(), traffic_run()
    finding = code.findings[0]
    assert finding.context is not None
    lines = (f'ACCESS = "user{BIDI} nimda"', *finding.context.lines[1:])
    code.findings[0] = type(finding)(
        **{**finding.__dict__, "context": type(finding.context)(finding.context.start_line, lines)}
    )
    flow = traffic.findings[0].flow
    assert flow is not None
    traffic.findings[0] = type(traffic.findings[0])(
        **{
            **traffic.findings[0].__dict__,
            "message": f"reads {BIDI}gnp.exe",
            "flow": type(flow)(**{**flow.__dict__, "url": f"{flow.url}&q={BIDI}x"}),
        }
    )
    return [code, traffic]


@pytest.mark.parametrize("output_format", ["html", "text"])
def test_bidirectional_controls_are_shown_escaped(output_format: str) -> None:
    out = renderer_for(output_format)(with_bidi())
    assert BIDI not in out
    assert "\\u202e" in out
