"""`dmzsim report`: one self-contained HTML file per results folder. Checked as a browser would
see it: every image decodes from data, nothing points outside the file, the expected sections
are there, the trace commands it lists replay their replications, and headless Chromium opens
it without a console error and draws a first screen that is not blank."""

from __future__ import annotations

import base64
import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from sim.cli import main
from sim.report.diff import MISSING, differences
from sim.report.html import MAX_ROWS, POLICY, table

ROOT = Path(__file__).resolve().parent.parent
OBSERVED = str(ROOT / "sim" / "data" / "events_2023-11_to_2024-06.csv")
FAST = ["--seed", "5", "--backend", "serial", "--quiet"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OUTSIDE = re.compile(r"^\s*(https?:|file:|//|ftp:|javascript:)", re.I)


# --- reading a report as a browser would -----------------------------------------------------
class Page(HTMLParser):
    """What a report holds: images, links, every attribute, style text, sections, commands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.sections: list[str] = []
        self.styles: list[str] = []
        self.svgs = 0
        self.scripts = 0
        self.pres: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for k, v in values.items():
            self.attributes.append((tag, k, v))
        if "style" in values:
            self.styles.append(values["style"])
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "img":
            self.images.append(values.get("src", ""))
        elif tag == "section":
            self.sections.append(values.get("id", ""))
        elif tag == "svg":
            self.svgs += 1
        elif tag == "script":
            self.scripts += 1
        self._in.append(tag)
        if tag == "pre":
            self.pres.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "style" in self._in[-1:]:
            self.styles.append(data)
        if "pre" in self._in:
            self.pres[-1] += data


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def check_self_contained(page: Page) -> None:
    """Every image decodes from a data: URI; no attribute or style loads anything else."""
    assert page.images or page.svgs, "no figure in the report"
    for src in page.images:
        head, _, data = src.partition(",")
        assert head in ("data:image/png;base64", "data:image/svg+xml;base64"), head[:60]
        raw = base64.b64decode(data, validate=True)
        if head.startswith("data:image/png"):
            assert raw.startswith(PNG_SIGNATURE)
            pixels = mpimg.imread(io.BytesIO(raw), format="png")
            assert pixels.ndim == 3 and min(pixels.shape[:2]) > 50
        else:
            assert b"<svg" in raw[:2000]
    assert page.scripts == 0
    for tag, name, value in page.attributes:
        if name in ("src", "href", "action", "poster", "data", "srcset", "formaction"):
            if name == "href":
                assert value.startswith("#") and value[1:] in page.ids, (tag, value)
            else:
                assert value.startswith("data:"), (tag, name, value[:60])
        assert not OUTSIDE.match(value), (tag, name, value[:60])
    for text in page.styles:
        assert "@import" not in text
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", text):
            assert url.startswith("data:"), url


def trace_commands(page: Page) -> list[list[str]]:
    """The commands of the extreme-replications section, as argument lists."""
    out = []
    for text in page.pres:
        lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
        argv = shlex.split("\n".join(lines).replace("\\\n", " "))
        if argv[:2] == ["dmzsim", "trace"]:
            out.append(argv)
    return out


def outcome_row(folder: Path, scenario: str, replication: str) -> dict[str, str]:
    with open(folder / "outcomes.csv", newline="") as fh:
        return next(
            r
            for r in csv.DictReader(fh)
            if r["scenario"] == scenario and r["replication"] == replication
        )


def check_replays(folder: Path, page: Page, capsys: pytest.CaptureFixture[str]) -> None:
    """Every command listed replays its replication: the same highest rung."""
    commands = trace_commands(page)
    assert commands
    for argv in commands:
        replication = argv[argv.index("--replication") + 1]
        capsys.readouterr()
        assert main(argv[1:]) == 0
        first = capsys.readouterr().out.splitlines()[0]
        name = first.split(",")[0].lstrip("# ")
        rung = re.search(r"highest rung (\d+)", first)
        assert rung, first
        row = outcome_row(folder, name, replication)
        assert int(rung[1]) == int(float(row["highest_rung"])), (argv, row)


def report(folder: Path) -> Path:
    assert main(["report", str(folder)]) == 0
    return folder / "report.html"


# --- folders made once for the module ----------------------------------------------------------
@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("report")
    out = {k: base / k for k in ("run", "compare", "sweep", "sensitivity", "score", "svg")}
    # the run writes its report itself (--report), the others are reported afterwards
    assert (
        main(["run", "baseline_2024", "-n", "8", *FAST, "--out", str(out["run"]), "--report"]) == 0
    )
    assert main(
        ["compare", "baseline_2024", "hardline_roe", "-n", "8", *FAST, "--out", str(out["compare"])]
    ) == 0  # fmt: skip
    sweep = ["sweep", "baseline_2024", "--param", "diplomacy.initial_backing=0:1:3", "-n", "3"]
    assert main([*sweep, *FAST, "--out", str(out["sweep"])]) == 0
    assert main(["discover", str(out["sweep"]), "--outcome", "highest_rung>=3"]) == 0
    sens = ["sensitivity", "baseline_2024", "--param", "diplomacy.initial_backing=0:1"]
    sens += ["--param", "crossings.vegetation_effect=1:4", "--outcome", "mean_tension"]
    assert main([*sens, "--points", "4", "-n", "2", *FAST, "--out", str(out["sensitivity"])]) == 0
    window = ["--from", "2024-05-01", "--to", "2024-06-30"]
    score = ["score", str(out["run"]), "--observed", OBSERVED, *window]
    assert main([*score, "--out", str(out["score"])]) == 0
    svg = ["run", "hotline", "-n", "3", "--format", "svg", "--plots", "tension_fan,survival_fire"]
    assert main([*svg, *FAST, "--out", str(out["svg"]), "--posterior", "none"]) == 0
    for kind in ("compare", "sweep", "sensitivity", "score", "svg"):
        report(out[kind])
    return out


EXPECTED = {
    "run": {"question", "manifest", "headline", "forecast", "survival", "extremes", "figures"},
    "compare": {
        "question",
        "manifest",
        "headline",
        "differences",
        "forecast",
        "survival",
        "extremes",
        "figures",
    },
    "sweep": {"question", "manifest", "sweep", "prim", "figures"},
    "sensitivity": {"question", "manifest", "sobol"},
    "score": {"question", "manifest", "score"},
    "svg": {"question", "manifest", "headline", "survival", "extremes", "figures"},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_report_is_self_contained_with_its_sections(folders, kind):
    path = folders[kind] / "report.html"
    page = read_page(path)
    check_self_contained(page)
    assert EXPECTED[kind] <= set(page.sections), page.sections
    assert not list(folders[kind].glob(".report.html.*"))  # no temporary file left behind
    # every image of plots/ is in the report, once
    plots = list((folders[kind] / "plots").iterdir())
    assert len(page.images) == len(plots)


@pytest.mark.parametrize("kind", ["run", "compare", "svg"])
def test_trace_commands_replay_the_listed_replications(folders, kind, capsys):
    page = read_page(folders[kind] / "report.html")
    check_replays(folders[kind], page, capsys)


def test_compare_report_shows_the_differences_key_by_key(folders):
    text = (folders["compare"] / "report.html").read_text(encoding="utf-8")
    assert "hardline_roe: what differs from baseline_2024" in text
    assert "response.roe" in text and "hardline" in text  # the ROE key, base and new value
    assert "95% interval of the paired differences" in text
    assert "Wilson interval" in text


def test_run_report_labels_its_intervals_and_manifest(folders):
    text = (folders["run"] / "report.html").read_text(encoding="utf-8")
    for label in (
        "t-interval of a mean",
        "Wilson interval of a probability",
        "90% predictive interval",
    ):
        assert label in text
    for fact in ("dmzsim version", "root seed", "backend", "posterior", "started"):
        assert fact in text
    assert "baseline_2024.posterior.csv" in text


def test_report_escapes_what_it_shows(tmp_path, folders):
    folder = tmp_path / "escaped"
    shutil.copytree(folders["run"], folder)
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)> & \\"'
    manifest = manifest.replace('"How likely is escalation', f'"{evil} How likely is escalation', 1)
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    page = read_page(report(folder))
    assert page.scripts == 0
    assert all(v.startswith("data:") for v in page.images)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (folder / "report.html").read_text()


def test_out_writes_elsewhere(folders, tmp_path):
    target = tmp_path / "for-a-colleague.html"
    assert main(["report", str(folders["sweep"]), "--out", str(target)]) == 0
    check_self_contained(read_page(target))


def test_wide_and_long_tables_are_split_and_cut():
    headers = [f"h{j}" for j in range(20)]
    rows = [[f"r{i}", *range(19)] for i in range(40)]
    text = table(headers, rows, source="x.csv")
    assert text.count("<table>") == 2  # 20 columns: two tables of at most 12, each with h0
    assert text.count(">h0<") == 2 and text.count("<tr>") == 2 * (1 + MAX_ROWS)
    assert f"The first {MAX_ROWS} of 40 rows. x.csv has them all." in text


def test_differences_of_nested_scenarios():
    base = {"name": "a", "x": {"y": 1, "z": [1, 2]}, "t": [{"d": "2024"}]}
    other = {"name": "b", "x": {"y": 2, "z": [1, 2, 3]}, "t": [{"d": "2025"}], "new": True}
    assert differences(base, other) == [
        ("x.y", 1, 2),
        ("x.z[2]", MISSING, 3),
        ("t[0].d", "2024", "2025"),
        ("new", MISSING, True),
    ]


# --- bad input: one line, exit 2, nothing written ----------------------------------------------
def _bad(argv: list[str], capsys: pytest.CaptureFixture[str], needle: str) -> None:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dmzsim report: error:") and err.count("\n") == 1, err
    assert needle in err


def test_bad_input(tmp_path, folders, capsys):
    _bad(["report", str(tmp_path / "missing")], capsys, "no such folder")
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("hello")
    _bad(["report", str(stranger)], capsys, "not a dmzsim results folder")
    assert sorted(p.name for p in stranger.iterdir()) == ["notes.txt"]
    _bad(["report", str(stranger / "notes.txt")], capsys, "not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    _bad(["report", str(folders["run"]), "--out", str(tmp_path)], capsys, "is a folder")
    _bad(["report", str(folders["run"]), "--out", str(tmp_path / "no" / "r.html")], capsys, "no")
    _bad(["report", str(folders["run"]), "--out", "/proc/dmzsim-report.html"], capsys, "cannot")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "experiment.sqlite").write_bytes(b"")
    _bad(["report", str(unfinished)], capsys, "--resume")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    _bad(["report", str(broken)], capsys, "not JSON")
    assert sorted(p.name for p in broken.iterdir()) == ["manifest.json"]


def test_bad_input_in_a_subprocess(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


# --- headless Chromium -------------------------------------------------------------------------
def chromium() -> str:
    """The chromium binary; missing fails in CI (.ci/run installs it) and skips elsewhere."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing: .ci/run installs Debian's chromium package as root")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def screenshot(page: Path, tmp: Path) -> tuple[Path, str]:
    """Open ``page`` in headless Chromium; its first screen as PNG and Chromium's log."""
    shot = tmp / "shot.png"
    argv = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        "--window-size=1280,900",
        f"--screenshot={shot}",
        "--enable-logging=stderr",
        "--v=0",
        page.resolve().as_uri(),
    ]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    return shot, p.stderr


def console_messages(log: str) -> list[str]:
    """Lines where Chromium logged a message of the page's console (it logs them all as
    CONSOLE, whatever their level; a page without scripts has none unless something failed,
    such as a load the Content-Security-Policy refused)."""
    return [line for line in log.splitlines() if "CONSOLE" in line]


def test_the_console_check_catches_an_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><p>x</p><script>console.error("x")</script>')
    _, log = screenshot(page, tmp_path)
    assert console_messages(log), log[-2000:]
    # and the report's policy turns a load from outside the file into a console error
    outside = tmp_path / "outside.html"
    outside.write_text(
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        f'content="{POLICY}"></head><body><img src="https://example.invalid/x.png"></body></html>'
    )
    (tmp_path / "again").mkdir()
    _, log = screenshot(outside, tmp_path / "again")
    assert any("Content Security Policy" in m for m in console_messages(log)), log[-2000:]


def test_chromium_opens_the_compare_report(folders, tmp_path):
    shot, log = screenshot(folders["compare"] / "report.html", tmp_path)
    assert shot.is_file(), log[-2000:]
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (900, 1280)
    assert float(np.std(pixels)) > 0.05  # not blank
    assert float(np.mean(pixels)) < 0.98  # not all white
    assert not console_messages(log), console_messages(log)
