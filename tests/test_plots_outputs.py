"""Figures, results-folder writers, and the CSV exports streamed from an experiment store."""

from __future__ import annotations

import csv
import dataclasses as dc
import datetime as dt
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from model_helpers import ROOT, baseline, replace

from sim.analysis.tables import (
    FORECAST_COUNTS,
    columns_from_results,
    forecast_table,
    outcome_table,
)
from sim.analysis.trajectories import BAND_QUANTILES
from sim.experiment.batch import Task, reduce_results
from sim.experiment.outputs import (
    atomic_open,
    csv_value,
    export_events_csv,
    export_outcomes_csv,
    trajectory_rows,
    write_manifest,
    write_outcomes_csv,
    write_table,
)
from sim.experiment.sketch import DailySketch
from sim.experiment.store import STORE_NAME, Store
from sim.model.events import EVENT_FIELDS, EVENT_TYPES, RUNGS, TYPE_INDEX, TYPE_NAMES, Event
from sim.model.replication import run_replication
from sim.model.result import ReplicationResult
from sim.scenario.loader import load_scenario, scenario_to_toml
from sim.scenario.params import Scenario

START = dt.date(2024, 5, 1)
DAYS = 92  # May, June, July
MONTHS = ("2024-05", "2024-06", "2024-07")
NAMES = ("baseline", "hardline", "hotline", "demining", "cma_restored")


def make_result(replication: int, seed: int = 0, with_events: bool = True) -> ReplicationResult:
    """A random but self-consistent replication of 92 days."""
    rng = np.random.default_rng(seed * 1000 + replication)
    n_events = int(rng.integers(0, 12))
    times = np.sort(rng.uniform(0, DAYS, size=n_events))
    names = rng.choice(
        [
            "mine_blast",
            "mdl_crossing",
            "balloon_wave",
            "warning_shots",
            "small_arms_exchange",
            "loudspeaker_broadcast",
        ],
        size=n_events,
    )
    events = []
    monthly = np.zeros((len(MONTHS), len(TYPE_NAMES)), dtype=np.int32)
    rung = np.zeros(DAYS, dtype=np.int8)
    for i, (t, name) in enumerate(zip(times.tolist(), names.tolist(), strict=True)):
        et = EVENT_TYPES[name]
        month = (START + dt.timedelta(days=int(t))).month - START.month
        monthly[month, TYPE_INDEX[name]] += 1
        rung[int(t)] = max(rung[int(t)], et.rung)
        events.append(
            Event(
                i,
                t,
                name,
                "DPRK",
                "west",
                et.rung,
                1.0 + i,
                int(name == "mine_blast"),
                0,
                i - 1,
                et.cameo,
                et.goldstein,
                False,
                "deliberate",
            )
        )
    tension = rng.gamma(2.0, 1.0, size=DAYS).astype(np.float32)
    outcomes: dict[str, float] = {
        "highest_rung": float(rung.max()),
        "ended_in_war": 0.0,
        "end_day": float(DAYS),
    }
    outcomes |= {
        f"first_day_rung_{k}": float(np.argmax(rung >= k)) if (rung >= k).any() else math.nan
        for k in range(1, 8)
    }
    totals = monthly.sum(axis=0).tolist()
    outcomes |= {f"count_{n}": float(c) for n, c in zip(TYPE_NAMES, totals, strict=True)}
    outcomes |= {
        "killed_mines": float(rng.integers(0, 3)),
        "injured_mines": 1.0,
        "killed_armed": 0.0,
        "injured_armed": float(rng.integers(0, 5)),
        "mean_tension": float(tension.mean()),
        "final_tension": float(tension[-1]),
        "max_tension": float(tension.max()),
    }
    return ReplicationResult(
        replication,
        outcomes,
        MONTHS,
        monthly,
        tension,
        rung,
        tuple(events) if with_events else None,
    )


@pytest.fixture(scope="module")
def named() -> list[tuple[str, list[ReplicationResult]]]:
    return [(name, [make_result(i, j) for i in range(12)]) for j, name in enumerate(NAMES)]


def _columns(named: list[tuple[str, list[ReplicationResult]]]) -> list[tuple[str, dict]]:
    return [(name, columns_from_results(results)) for name, results in named]


def _bands(named: list[tuple[str, list[ReplicationResult]]]) -> list[tuple[str, np.ndarray]]:
    return [
        (name, np.quantile(np.stack([r.tension for r in results]), BAND_QUANTILES, axis=0))
        for name, results in named
    ]


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


PNG = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- figures


@pytest.mark.parametrize("scenarios", [1, 2, 5])
@pytest.mark.parametrize(
    "figure", ["fan_chart", "rung_distribution", "casualty_histograms", "event_count_histograms"]
)
def test_each_figure(
    tmp_path: Path,
    named: list[tuple[str, list[ReplicationResult]]],
    figure: str,
    scenarios: int,
) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import figures

    chosen = named[:scenarios]
    path = tmp_path / "plots" / f"{figure}.png"
    if figure == "fan_chart":
        got = figures.fan_chart(_bands(chosen), START, path)
    elif figure == "event_count_histograms":  # two panels (the six defaults: write_all_plots)
        types = ("mine_blast", "small_arms_exchange")
        got = figures.event_count_histograms(_columns(chosen), path, types=types)
    else:
        got = getattr(figures, figure)(_columns(chosen), path)
    assert got == path
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    assert _no_temp_files(path.parent)
    assert plt.get_fignums() == []  # the figure is closed


def test_write_all_plots(tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]) -> None:
    import matplotlib.pyplot as plt

    from sim.plots.figures import write_all_plots

    folder = tmp_path / "plots"
    paths = write_all_plots(_columns(named[:2]), _bands(named[:2]), START, folder, fmt="svg")
    assert paths == [
        folder / "tension_fan.svg",
        folder / "highest_rung.svg",
        folder / "casualties.svg",
        folder / "event_counts.svg",
    ]
    assert all(b"<svg" in p.read_bytes()[:500] for p in paths)
    assert _no_temp_files(folder)
    assert plt.get_fignums() == []


@pytest.mark.filterwarnings("ignore:No artists with labels:UserWarning")
def test_plots_edge_cases(tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import figures

    cols = _columns(named[:2])
    # a scenario without replications yet (nothing stored), and no scenario at all
    empty = columns_from_results([])
    empty |= {k: np.zeros(0) for k in named[0][1][0].outcomes}
    figures.rung_distribution([("empty", empty)], tmp_path / "empty.png")
    figures.casualty_histograms([("empty", empty)], tmp_path / "empty_casualties.png")
    figures.fan_chart([("empty", np.full((5, DAYS), np.nan))], START, tmp_path / "empty_fan.png")
    figures.rung_distribution([], tmp_path / "none.png")
    for name in ("empty.png", "empty_casualties.png", "empty_fan.png", "none.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
    with pytest.raises(ValueError):
        figures.event_count_histograms(cols, tmp_path / "no_types.png", types=())
    assert not (tmp_path / "no_types.png").exists()
    assert _no_temp_files(tmp_path)
    assert plt.get_fignums() == []


# ------------------------------------------------------ what the figures show (issue 11)


def _texts(fig) -> list[str]:
    """Every text drawn in the figure's axes, no-break spaces read as spaces."""
    return [t.get_text().replace("\u00a0", " ") for ax in fig.axes for t in ax.texts]


def _forecast_patches(ax) -> list:
    from sim.plots.figures import FORECAST_GID

    return [p for p in ax.patches if p.get_gid() == FORECAST_GID]


def test_identical_groups_are_exact() -> None:
    from sim.plots.figures import identical_groups

    a = np.array([0.0, 1.0, np.nan])
    got = identical_groups([a, a.copy(), a + 1e-12, np.array([0.0, 1.0]), a.copy()])
    assert got == [[0, 1, 4], [2], [3]]  # NaN equals NaN; a difference of 1e-12 does not


def test_identical_distributions_are_named_together() -> None:
    """Common random numbers make scenarios' columns equal: each is still drawn, in its own
    row, and the later row names the scenario it equals."""
    import matplotlib.pyplot as plt

    from sim.plots.figures import CASUALTY_PANELS, _histograms_figure

    rng = np.random.default_rng(3)
    base = {k: rng.integers(0, 9, 50).astype(float) for k in ("killed_mines", "injured_mines")}
    base |= {"killed_armed": np.zeros(50), "injured_armed": np.zeros(50)}
    other = {k: v + (k == "killed_mines") for k, v in base.items()}
    named = [("base", base), ("same", dict(base)), ("other", other)]
    fig = _histograms_figure(named, CASUALTY_PANELS, "t")
    try:
        mines, armed = fig.axes[:2]
        notes = [t.get_text() for t in mines.texts]
        assert "identical to base" in notes and not any("other" in n for n in notes)
        assert len([a for a in mines.patches if a.get_fill()]) == 3  # a ridge per scenario
        labels = [t.get_text() for t in mines.get_yticklabels()]
        assert labels == ["other", "same", "base"]  # first scenario on top
        # every value 0 in every scenario: the panel says so
        assert any(t.get_text().startswith("0 in every replication") for t in armed.texts)
    finally:
        plt.close(fig)


def test_two_identical_tension_fans_are_one_named_band() -> None:
    import matplotlib.pyplot as plt

    from sim.plots.figures import _fan_figure

    q = np.sort(np.random.default_rng(1).gamma(2.0, 1.0, (5, DAYS)), axis=0)
    fig = _fan_figure([("a", q), ("b", q.copy())], START, None)
    try:
        labels = fig.axes[0].get_legend_handles_labels()[1]
        assert "a = b (identical): median" in labels and len(labels) == 3
    finally:
        plt.close(fig)


def test_forecast_window_is_shaded_on_the_tension_fan() -> None:
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from sim.plots.figures import _fan_figure

    q = np.sort(np.random.default_rng(1).gamma(2.0, 1.0, (5, DAYS)), axis=0)
    for series in (1, 3):  # one shared panel; small multiples
        fig = _fan_figure([(f"s{i}", q) for i in range(series)], START, ("2024-07", "2024-12"))
        try:
            panels = [ax for ax in fig.axes if ax.get_visible()]
            assert len(panels) == series
            for ax in panels:
                (patch,) = _forecast_patches(ax)
                left = patch.get_x()
                right = left + patch.get_width()
                assert left == mdates.date2num(dt.date(2024, 7, 1))
                assert right == pytest.approx(ax.get_xlim()[1])  # the axis ends before December
            assert any("forecast" in t and "Jul" in t for t in _texts(fig))
        finally:
            plt.close(fig)
    # an axis that does not meet the window (an episode of 2015) has no shading
    fig = _fan_figure([("s", q)], dt.date(2015, 8, 1), ("2024-07", "2024-12"))
    try:
        assert _forecast_patches(fig.axes[0]) == []
    finally:
        plt.close(fig)


def test_survival_plots_shade_the_forecast_and_name_equal_curves() -> None:
    import matplotlib.pyplot as plt

    from sim.analysis.survival import kaplan_meier
    from sim.plots import survival

    rng = np.random.default_rng(5)
    times = rng.exponential(60.0, 40)
    times[times > DAYS] = np.nan
    curve = kaplan_meier(times, float(DAYS))
    none = kaplan_meier(np.full(40, np.nan), float(DAYS))
    other = kaplan_meier(np.where(np.isnan(times), 10.0, np.nan), float(DAYS))
    figs = [
        survival.survival_figure([("a", curve), ("b", curve), ("c", other)], START, "t"),
        survival.survival_panels_figure({4: [("a", curve), ("b", curve)], 5: [("a", none)]}, START),
    ]
    try:
        one, panels = figs
        ax = one.axes[0]
        (patch,) = _forecast_patches(ax)
        assert patch.get_x() == (dt.date(2024, 7, 1) - START).days
        assert any("identical: a = b" in t for t in _texts(one))
        assert any(
            "forecast Jul" in t
            for t in ax.get_legend_handles_labels()[1]
            + [t.get_text() for t in ax.get_legend().get_texts()]
        )
        four, five = (a for a in panels.axes if a.get_visible() and a.get_title())
        assert _forecast_patches(four) and _forecast_patches(five)
        assert any("identical: a = b" in t.get_text() for t in four.texts)
        assert any("no replication reached rung 5" in t.get_text() for t in five.texts)
        # the equal curves alternate their dashes, so both colours show
        styles = {ln.get_label().split(" ")[0]: ln.get_linestyle() for ln in ax.get_lines()}
        assert styles["a"] != "-" and styles["b"] != "-" and styles["c"] == "-"
    finally:
        for fig in figs:
            plt.close(fig)


def test_rung_dot_plot_shows_wilson_intervals() -> None:
    """P(highest rung >= k) per scenario with the Wilson interval of sim.analysis.stats."""
    import matplotlib.pyplot as plt

    from sim.analysis.stats import proportion_ci
    from sim.plots.figures import _rung_figure

    tops = {
        "a": np.array([1.0] * 20 + [3.0] * 15 + [4.0] * 4 + [5.0]),
        "b": np.array([2.0] * 30 + [3.0] * 10),
    }
    fig = _rung_figure([(name, {"highest_rung": v}) for name, v in tops.items()])
    try:
        panels = [ax for ax in fig.axes if ax.get_title().startswith("P(rung")]
        assert [ax.get_title().split("\n")[0] for ax in panels] == [
            f"P(rung \u2265 {k})" for k in range(1, 8)
        ]
        for k, ax in enumerate(panels, start=1):
            assert len(ax.containers) == 2  # a dot and interval per scenario, side by side
            xs = []
            for container, v in zip(ax.containers, tops.values(), strict=True):
                p, lo, hi = proportion_ci(int(np.sum(v >= k)), v.size)
                dot, _, (bars,) = container.lines
                assert dot.get_ydata()[0] == pytest.approx(p)
                (segment,) = bars.get_segments()
                assert segment[:, 1] == pytest.approx([lo, hi])
                xs.append(dot.get_xdata()[0])
            assert xs[0] != xs[1]  # dodged
            low, high = ax.get_ylim()
            assert 0.0 <= low and high <= 1.0
        notes = {k: " ".join(t.get_text() for t in ax.texts) for k, ax in enumerate(panels, 1)}
        assert "every replication reached rung 1" in notes[1]
        assert "no replication reached rung 6" in notes[6]
        assert notes[3] == ""  # informative panels carry no note
    finally:
        plt.close(fig)


# ----------------------------------------------------------------------------- writers


def test_csv_value() -> None:
    assert csv_value(None) == "" and csv_value(float("nan")) == ""
    assert csv_value(np.float32("nan")) == ""
    assert csv_value(True) == 1 and csv_value(np.bool_(False)) == 0
    assert csv_value(np.int64(7)) == 7 and type(csv_value(np.int64(7))) is int
    assert csv_value(3.0) == 3 and type(csv_value(3.0)) is int  # whole floats as integers
    assert csv_value(-0.0) == 0
    assert csv_value(0.1) == "0.1" and csv_value(np.float64(1 / 3)) == repr(1 / 3)
    assert float(csv_value(np.float32(0.1))) == float(np.float32(0.1))  # round-trips exactly
    assert csv_value(2.0**53) == repr(2.0**53)  # beyond exact integers: kept as a float
    assert csv_value(float("inf")) == "inf"
    assert csv_value(dt.date(2024, 7, 1)) == "2024-07-01"
    assert csv_value("0874") == "0874"  # text untouched (leading zeros kept)


def test_write_outcomes_csv(
    tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]
) -> None:
    named = named[:2]
    rows = [
        {"scenario": name, "replication": r.replication, "seed": 42, **r.outcomes}
        for name, results in named
        for r in results
    ]
    path = write_outcomes_csv(tmp_path / "outcomes.csv", rows)
    back = _read_csv(path)
    assert list(back[0])[:3] == ["scenario", "replication", "seed"]
    assert list(back[0])[3:] == list(named[0][1][0].outcomes)
    assert len(back) == 24
    flat = [(name, r) for name, results in named for r in results]
    for row, (name, res) in zip(back, flat, strict=True):
        assert row["scenario"] == name
        assert int(row["replication"]) == res.replication and row["seed"] == "42"
        for key, value in res.outcomes.items():
            if math.isnan(value):
                assert row[key] == ""
            else:
                assert float(row[key]) == value  # repr round-trips exactly
    assert _no_temp_files(tmp_path)
    # the lead columns come first whatever the order of the row's keys
    swapped = write_outcomes_csv(tmp_path / "o2.csv", [{"x": 1.5, "seed": 1, "replication": 0}])
    assert _header(swapped) == ["scenario", "replication", "seed", "x"]


def test_write_outcomes_csv_empty(tmp_path: Path) -> None:
    path = write_outcomes_csv(tmp_path / "o.csv", [])
    assert path.read_text().strip() == "scenario,replication,seed"
    assert write_outcomes_csv(tmp_path / "g.csv", iter([])).read_text().strip() == (
        "scenario,replication,seed"
    )


def test_write_manifest(tmp_path: Path) -> None:
    path = write_manifest(
        tmp_path / "manifest.json",
        seed=np.int64(7),
        started=START,
        scenarios=("a", "b"),
        folder=tmp_path,
        ratio=float("nan"),
    )
    text = path.read_text()
    data = json.loads(text)
    assert data == {
        "folder": str(tmp_path),
        "ratio": None,
        "scenarios": ["a", "b"],
        "seed": 7,
        "started": "2024-05-01",
    }
    assert list(data) == sorted(data)
    assert text.startswith('{\n  "folder"')


def test_write_table(tmp_path: Path) -> None:
    rows = [{"outcome": "x", "mean": 1.5, "ci_lo": float("nan")}, {"outcome": "y", "n": 3}]
    back = _read_csv(write_table(tmp_path / "t.csv", rows))
    assert back == [
        {"outcome": "x", "mean": "1.5", "ci_lo": "", "n": ""},
        {"outcome": "y", "mean": "", "ci_lo": "", "n": "3"},
    ]


def test_interrupted_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    write_outcomes_csv(path, [{"scenario": "a", "replication": 0, "seed": 1, "x": 1.0}])
    before = path.read_bytes()

    def rows():
        yield {"scenario": "a", "replication": 0, "seed": 1, "x": 2.0}
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_outcomes_csv(path, rows())
    assert path.read_bytes() == before
    assert _no_temp_files(tmp_path)
    with pytest.raises(RuntimeError), atomic_open(tmp_path / "new.txt") as fh:
        fh.write("partial")
        raise RuntimeError
    assert not (tmp_path / "new.txt").exists() and _no_temp_files(tmp_path)
    with atomic_open(tmp_path / "sub" / "b.bin", "wb") as fh:
        fh.write(b"\x00\x01")
    assert (tmp_path / "sub" / "b.bin").read_bytes() == b"\x00\x01"


# ----------------------------------------------------------------------------- store exports

SEED = 2024
REPLICATIONS = 8


@dc.dataclass
class Stored:
    store: Store
    scenarios: list[Scenario]
    results: dict[str, list[ReplicationResult]]


def _hot(s: Scenario) -> Scenario:
    """Escalation-prone: with seed 2024, wars before and inside July-December 2024, and peace."""
    side = {"escalate_logit": 0.0, "rung_aversion": 0.6, "jump_aversion": 0.5}
    return replace(s, name="hot", response={"dprk": side, "rok": side})


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    base = baseline()
    scenarios = [base, load_scenario(ROOT / "scenarios" / "hardline_roe.toml"), _hot(base)]
    store = Store(tmp_path_factory.mktemp("experiment") / STORE_NAME)
    store.claim(
        "test", [(s.name, s.start_date, s.horizon_days, scenario_to_toml(s)) for s in scenarios]
    )
    results = {}
    for i, s in enumerate(scenarios):
        rs = [run_replication(s, SEED, k, keep_events=True) for k in range(REPLICATIONS)]
        results[s.name] = rs
        sketch = DailySketch.empty(s.horizon_days)
        for chunk in (rs[5:], rs[:2], rs[2:5]):  # batches arrive out of order, as from workers
            task = Task(i, s, SEED, tuple(r.replication for r in chunk), keep_events=True)
            batch = reduce_results(task, chunk)
            sketch.add(batch.tension, batch.rung)
            store.write_batch(s.name, SEED, batch, keep_events=True)
            store.save_sketches({s.name: sketch})
    yield Stored(store, scenarios, results)
    store.close()


def test_the_store_holds_the_replications(stored: Stored) -> None:
    assert len({s.name for s in stored.scenarios}) == 3
    hot = stored.results["hot"]
    ends = sorted(r.outcomes["end_day"] for r in hot)
    assert any(r.outcomes["ended_in_war"] for r in hot) and ends[-1] == 405.0  # war and peace
    for s in stored.scenarios:
        assert stored.store.done(s.name).tolist() == list(range(REPLICATIONS))
        expected = columns_from_results(stored.results[s.name])
        got = stored.store.outcome_columns(s.name)
        assert list(got) == list(expected)
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key])  # NULL back as NaN
        assert got["replication"].dtype == np.int64
        for a, b in zip(outcome_table(got), outcome_table(expected), strict=True):
            assert a.keys() == b.keys()
            assert a == {k: pytest.approx(v, nan_ok=True) for k, v in b.items()}
        part = stored.store.outcome_columns(s.name, ["highest_rung"])
        assert list(part) == ["replication", "highest_rung"]


def test_export_outcomes_csv(tmp_path: Path, stored: Stored) -> None:
    names = [s.name for s in stored.scenarios][::-1]  # scenarios in the order asked for
    path = export_outcomes_csv(stored.store, tmp_path / "outcomes.csv", names)
    keys = list(stored.results[names[0]][0].outcomes)
    assert _header(path) == ["scenario", "replication", "seed", *keys]
    back = _read_csv(path)
    expected = [(name, r) for name in names for r in stored.results[name]]
    assert len(back) == len(expected) == 3 * REPLICATIONS
    blanks = 0
    for row, (name, res) in zip(back, expected, strict=True):
        assert (row["scenario"], row["replication"], row["seed"]) == (
            name,
            str(res.replication),
            str(SEED),
        )
        for key, value in res.outcomes.items():
            if math.isnan(value):
                assert row[key] == "", (name, res.replication, key)
                blanks += 1
            else:
                assert float(row[key]) == value, (name, res.replication, key)
    assert blanks > 0  # rungs never reached are written as empty cells
    one = _read_csv(export_outcomes_csv(stored.store, tmp_path / "one.csv", ["hot"]))
    assert [r["replication"] for r in one] == [str(k) for k in range(REPLICATIONS)]
    assert _no_temp_files(tmp_path)


def test_monthly_table_holds_every_count(stored: Stored) -> None:
    names = [s.name for s in stored.scenarios]
    back = [
        (r["scenario"], r["replication"], r["month"], t, r[t])
        for name in names
        for r in stored.store.iter_rows(
            "SELECT * FROM monthly WHERE scenario = ? ORDER BY replication, month", (name,)
        )
        for t in TYPE_NAMES
        if r[t]
    ]
    expected = [
        (name, res.replication, month, t, int(res.monthly_counts[m, k]))
        for name in names
        for res in stored.results[name]
        for m, month in enumerate(res.months)
        for k, t in enumerate(TYPE_NAMES)
        if res.monthly_counts[m, k]
    ]
    assert back == expected  # by scenario, replication, month, type
    total = sum(int(r.monthly_counts.sum()) for rs in stored.results.values() for r in rs)
    assert sum(c for *_, c in back) == total


def test_export_events_csv(tmp_path: Path, stored: Stored) -> None:
    names = ["hot", stored.scenarios[0].name]
    path = export_events_csv(stored.store, tmp_path / "events.csv", names)
    assert _header(path) == ["scenario", "replication", *EVENT_FIELDS]
    back = _read_csv(path)
    expected = [
        (name, res.replication, ev)
        for name in names
        for res in stored.results[name]
        for ev in sorted(res.events or (), key=lambda e: e.id)
    ]
    assert len(back) == len(expected) > 0
    for row, (name, rep, ev) in zip(back, expected, strict=True):
        assert row["scenario"] == name and int(row["replication"]) == rep
        for field in EVENT_FIELDS:
            value = getattr(ev, field)
            if isinstance(value, str):
                assert row[field] == value, field  # cameo "0874" keeps its leading zero
            elif isinstance(value, bool):
                assert row[field] == str(int(value)), field  # stored as 0 or 1
            elif isinstance(value, float):
                assert float(row[field]) == value, field
            else:
                assert row[field] == str(value), field
    assert any(row["cameo"].startswith("0") for row in back)


def _day(s: Scenario, month: str) -> int:
    return (dt.date.fromisoformat(f"{month}-01") - s.start_date).days


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2024-07", "2024-12"),
        ("2023-11", "2023-12"),
        ("2024-06", "2024-07"),
        ("2024-12", "2025-02"),
    ],
)
def test_store_window_matches_the_replications(stored: Stored, first: str, last: str) -> None:
    for s in stored.scenarios:
        results = stored.results[s.name]
        months = results[0].months
        inside = [m for m, label in enumerate(months) if first <= label <= last]
        lo = max(0, _day(s, first))
        y, m = (int(p) for p in last.split("-"))
        hi = (dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)) - s.start_date
        expected_top = [int(r.rung[lo : hi.days].max()) for r in results]
        for types in [*(t for _, t in FORECAST_COUNTS), ("mine_blast", "warning_shots"), ()]:
            cols = [TYPE_INDEX[t] for t in types]
            expected = [int(r.monthly_counts[np.ix_(inside, cols)].sum()) for r in results]
            counts, top = stored.store.window(s.name, first, last, types)
            assert counts.tolist() == expected, (s.name, types)
            assert top.tolist() == expected_top, s.name
            assert counts.dtype == top.dtype == np.int64


def test_forecast_from_the_store(stored: Stored) -> None:
    """The July-December forecast, as the command line builds it, against in-memory results."""
    s = stored.scenarios[2]
    results = stored.results[s.name]
    lo = _day(s, "2024-07")
    tops = np.array([r.rung[lo:].max() for r in results])
    assert tops.min() < 7 and tops.max() == 7  # a war began before or in the window
    counts = [
        (label, stored.store.window(s.name, "2024-07", "2024-12", t)[0])
        for label, t in FORECAST_COUNTS
    ]
    rows = forecast_table(counts, stored.store.window(s.name, "2024-07", "2024-12", ())[1])
    blasts = rows[0]
    july = results[0].months.index("2024-07")
    n = [int(r.monthly_counts[july:, TYPE_INDEX["mine_blast"]].sum()) for r in results]
    assert blasts["quantity"] == "mine blasts" and blasts["mean"] == pytest.approx(np.mean(n))
    war = [r for r in rows if r["quantity"] == f"P(highest rung>={len(RUNGS) - 1})"][0]
    assert war["mean"] == np.mean(tops >= 7)


def test_trajectory_rows(stored: Stored) -> None:
    for s in stored.scenarios:
        results = stored.results[s.name]
        tension = np.stack([r.tension for r in results])  # float32, (replications, days)
        rung = np.stack([r.rung for r in results])
        sketch = stored.store.sketch(s.name, s.horizon_days)
        # merged batch by batch, stored and read back: the same as folding everything at once
        assert sketch == DailySketch.empty(s.horizon_days).add(tension, rung)
        rows = trajectory_rows(s.name, s.start_date, sketch)
        assert len(rows) == s.horizon_days
        quantile_keys = ["tension_p05", "tension_p25", "tension_p50", "tension_p75", "tension_p95"]
        assert list(rows[0]) == [
            "scenario",
            "day",
            "date",
            "replications",
            "tension_mean",
            *quantile_keys,
            "mean_rung",
            *(f"p_rung_ge_{k}" for k in range(1, len(RUNGS))),
        ]
        assert [r["day"] for r in rows] == list(range(s.horizon_days))
        assert rows[0]["date"] == s.start_date.isoformat()
        assert rows[-1]["date"] == s.end_date.isoformat()
        assert {r["scenario"] for r in rows} == {s.name}
        assert {r["replications"] for r in rows} == {REPLICATIONS}

        exact = tension.astype(np.float64)
        # the mean comes from a fixed-point sum with step 2**-20: within half a step
        got = np.array([r["tension_mean"] for r in rows])
        np.testing.assert_allclose(got, exact.mean(axis=0), rtol=0, atol=2.0**-21 + 1e-12)
        # quantiles (linear, as np.quantile) are placed inside bins 1/64 of an octave wide
        reference = np.quantile(exact, BAND_QUANTILES, axis=0)
        for key, ref in zip(quantile_keys, reference, strict=True):
            got = np.array([r[key] for r in rows])
            assert (np.abs(got - ref) <= ref / 64 + 2.0**-10).all(), key
        np.testing.assert_allclose([r["mean_rung"] for r in rows], rung.mean(axis=0), rtol=1e-15)
        for k in range(1, len(RUNGS)):
            share = np.array([r[f"p_rung_ge_{k}"] for r in rows])
            np.testing.assert_allclose(share, (rung >= k).mean(axis=0), rtol=1e-15)
        if s.name == "hot":
            assert rows[-1]["p_rung_ge_7"] == np.mean([r.outcomes["ended_in_war"] for r in results])
    # the readable per-day table written back into the store
    rows = [
        row
        for s in stored.scenarios
        for row in trajectory_rows(
            s.name, s.start_date, stored.store.sketch(s.name, s.horizon_days)
        )
    ]
    stored.store.write_daily(rows)
    back = list(stored.store.iter_rows("SELECT * FROM daily ORDER BY scenario, day"))
    assert back == sorted(rows, key=lambda r: (r["scenario"], r["day"]))


def test_written_files_are_readable_as_the_umask_allows(tmp_path):
    """Results are for sharing: not the private mode temporary files are made with."""
    from sim.experiment import outputs
    from sim.plots.figures import rung_distribution

    mask = os.umask(0)
    os.umask(mask)
    table = write_table(tmp_path / "t.csv", [{"a": 1}])
    figure = rung_distribution([("s", {"highest_rung": np.array([0.0, 3.0])})], tmp_path / "r.png")
    for path in (table, figure):
        assert path.stat().st_mode & 0o777 == outputs.FILE_MODE == 0o666 & ~mask
