"""`dmzsim trace --plot/--json/--csv`: one replication's events exported and drawn."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from sim.analysis.trace_export import TRACE_FIELDS, causes, event_from_row, trace_rows
from sim.cli import load, main, scenario_path
from sim.experiment.parameters import Applier, resolve
from sim.model.events import EVENT_FIELDS, Event
from sim.model.replication import run_replication

SCENARIO, SEED, REPLICATION = "baseline_2024", 7, 42


@pytest.fixture(scope="module")
def replayed() -> tuple[tuple[Event, ...], dt.date]:
    """The events ``run_replication(..., keep_events=True)`` keeps for the replication of a
    run (with the parameter set it draws from the shipped posterior), and the start date."""
    scenario = load(SCENARIO, ())
    table = resolve(None, scenario_path(SCENARIO), scenario, {}).table
    r = run_replication(Applier(scenario, table, SEED)(REPLICATION), SEED, REPLICATION, True)
    assert r.events
    return r.events, scenario.start_date


def _trace(*extra: str) -> list[str]:
    return ["trace", SCENARIO, "--seed", str(SEED), "--replication", str(REPLICATION), *extra]


def _check_derived(rows: list[dict], events: tuple[Event, ...], start: dt.date) -> None:
    """``date`` is day 0 at midnight of the start date plus ``time``; ``causes`` is the chain
    of ``cause`` ids up to the root."""
    by_id = {e.id: e for e in events}
    for row, e in zip(rows, events, strict=True):
        date = dt.datetime.fromisoformat(row["date"])
        exact = dt.datetime.combine(start, dt.time()) + dt.timedelta(days=e.time)
        assert dt.timedelta(0) <= exact - date < dt.timedelta(seconds=1)  # whole seconds
        chain, c = [], e.cause
        while c >= 0:
            chain.append(c)
            c = by_id[c].cause
        assert [int(x) for x in row["causes"]] == chain


def test_json_and_csv_round_trip_the_events(tmp_path: Path, replayed, capsys) -> None:
    events, start = replayed
    js, cs, png = tmp_path / "t.json", tmp_path / "out" / "t.csv", tmp_path / "t.png"
    assert main(_trace("--json", str(js), "--csv", str(cs), "--plot", str(png))) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"# {SCENARIO}, seed {SEED}, replication {REPLICATION}")
    assert f"# json: {js}" in out and f"# csv: {cs}" in out and f"# plot: {png}" in out

    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["scenario"] == SCENARIO and doc["seed"] == SEED
    assert doc["replication"] == REPLICATION and doc["start_date"] == start.isoformat()
    assert doc["fields"] == list(TRACE_FIELDS) == [*EVENT_FIELDS, "date", "causes"]
    assert [event_from_row(r) for r in doc["events"]] == list(events)  # exactly, floats too
    assert [r[f] for r in doc["events"] for f in EVENT_FIELDS] == [
        getattr(e, f) for e in events for f in EVENT_FIELDS
    ]
    _check_derived(doc["events"], events, start)

    with cs.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(TRACE_FIELDS)
    assert [event_from_row(r) for r in rows] == list(events)
    _check_derived([r | {"causes": r["causes"].split()} for r in rows], events, start)
    assert [r["date"] for r in rows] == [r["date"] for r in doc["events"]]

    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert plt.get_fignums() == []
    assert not list(tmp_path.rglob("*.tmp"))


def test_export_to_stdout_replaces_the_log(replayed, capsys) -> None:
    events, _ = replayed
    assert main(_trace("--csv", "-")) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [event_from_row(r) for r in rows] == list(events)
    assert main(_trace("--json", "-")) == 0
    assert [event_from_row(r) for r in json.loads(capsys.readouterr().out)["events"]] == list(
        events
    )


def test_the_log_is_unchanged_by_exports(tmp_path: Path, capsys) -> None:
    main(_trace())
    plain = capsys.readouterr().out
    main(_trace("--json", str(tmp_path / "t.json")))
    assert capsys.readouterr().out == plain + f"# json: {tmp_path / 't.json'}\n"


def test_rows_of_hand_made_events() -> None:
    def ev(i: int, cause: int, time: float, injected: bool = False) -> Event:
        return Event(i, time, "warning_shots", "ROK", "west", 3, 1.5, 0, 0, cause, "138",
                     -7.0, injected, "deliberate")  # fmt: skip

    events = (ev(0, -1, 0.5, True), ev(1, 0, 1.25), ev(2, 1, 2.0), ev(3, -1, 3.0))
    rows = trace_rows(events, dt.date(2024, 6, 1))
    assert [r["causes"] for r in rows] == [[], [0], [1, 0], []]
    assert [r["date"] for r in rows] == [
        "2024-06-01T12:00:00", "2024-06-02T06:00:00", "2024-06-03T00:00:00", "2024-06-04T00:00:00",
    ]  # fmt: skip
    assert rows[0]["injected"] is True
    assert causes(events[2], {}) == [1]  # a cause outside the log ends the chain
    assert [event_from_row(r) for r in rows] == list(events)


def test_plot_draws_every_event_and_link(replayed) -> None:
    from sim.plots.figures import FORECAST_GID
    from sim.plots.trace import _trace_figure, layout

    events, start = replayed
    fig = _trace_figure(events, start, "t", dt.date(2024, 12, 31), ("2024-07", "2024-12"))
    try:
        ax = fig.axes[0]
        shown = sum(len(c.get_offsets()) for c in ax.collections if c.get_offsets().size)
        assert shown == len(events)
        links = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
        assert len(links) == sum(e.cause >= 0 for e in events)
        assert [p for p in ax.patches if p.get_gid() == FORECAST_GID]
        y_of, rows = layout(events, 4)
        for e in events:  # each event's lane lies inside its rung's row
            low, high = rows[e.rung]
            assert low < y_of[e.type] < high
        assert [t.get_text().split(" ")[0] for t in ax.get_yticklabels()] == [
            "0",
            "1",
            "2",
            "3",
            "4",
        ]
    finally:
        plt.close(fig)


def test_plot_of_no_events(tmp_path: Path) -> None:
    from sim.plots.trace import trace_plot

    out = trace_plot((), dt.date(2024, 1, 1), tmp_path / "empty.svg", "nothing happened")
    assert b"<svg" in out.read_bytes()[:2000]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--plot", "{tmp}"), "--plot = '{tmp}': is a folder; give a file name"),
        (("--json", "{tmp}"), "--json = '{tmp}': is a folder; give a file name"),
        (("--csv", "{tmp}/"), "--csv = '{tmp}/': is a folder; give a file name"),
        (("--plot", "{tmp}/t.txt"), "--plot = '{tmp}/t.txt': must end in .png, .svg, .pdf"),
        (("--plot", "-"), "--plot = '-': needs a file name"),
        (("--json", "-", "--csv", "-"), "only one of them can go to stdout"),
        (("--csv", "{tmp}/file/t.csv"), "is not a writable folder"),  # a file, not a folder
        (("--plot", "{tmp}/file/t.png"), "is not a writable folder"),
    ],
)
def test_bad_targets_give_one_line_and_exit_2(tmp_path: Path, capsys, extra, message) -> None:
    (tmp_path / "file").write_text("not a folder")
    argv = _trace(*(a.format(tmp=tmp_path) for a in extra))
    assert main(argv) == 2
    err = capsys.readouterr()
    assert err.out == ""  # refused before anything ran
    assert err.err.startswith("dmzsim trace: error: ") and message.format(tmp=tmp_path) in err.err
    assert err.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_unwritable_place_in_a_subprocess(tmp_path: Path) -> None:
    """The same refusal from the installed command: one line, exit 2, no traceback."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *_trace("--json", str(blocker / "x.json"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
