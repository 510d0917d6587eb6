"""Comparisons of scenarios that simulate different periods (other end or start dates): every
output is written, the plots share one calendar axis with each scenario drawn over its own
dates, and every comparison of unequal windows says so."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import sim
from sim.cli import main
from sim.results import horizon_note

BASE_START, BASE_END = dt.date(2023, 11, 23), dt.date(2024, 12, 31)
LONGER_END = dt.date(2025, 3, 31)  # three months past the baseline's horizon
LATER_START = dt.date(
    2024, 1, 22
)  # the latest start the baseline's timeline (from 2024-02-16) allows
WINDOWS = {
    "baseline_2024": (BASE_START, BASE_END),
    "later": (LATER_START, BASE_END),
    "longer": (BASE_START, LONGER_END),
}
N = 3


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def scenario_file(folder: Path, name: str, key: str, day: dt.date) -> Path:
    """A scenario that extends the baseline with one date changed."""
    path = folder / f"{name}.toml"
    path.write_text(f'extends = "baseline_2024"\nname = "{name}"\n{key} = {day.isoformat()}\n')
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("horizons")
    return {
        "later": scenario_file(base, "later", "start_date", LATER_START),
        "longer": scenario_file(base, "longer", "end_date", LONGER_END),
        "base": base,
    }


@pytest.fixture(scope="module")
def folder(files: dict[str, Path]) -> Path:
    """A compare of the baseline, a later start and a later end, with every plot."""
    out = files["base"] / "compare"
    argv = ["compare", "baseline_2024", str(files["later"]), str(files["longer"]), "-n", str(N),
            "--seed", "5", "--backend", "serial", "--quiet", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def same_start(files: dict[str, Path]) -> sim.Results:
    """The API's compare of two scenarios that start together and end apart (no plots)."""
    return sim.compare(["baseline_2024", files["longer"]], n=N, seed=5, backend="serial",
                       out=files["base"] / "api", quiet=True)  # fmt: skip


def days_of(name: str) -> int:
    first, last = WINDOWS[name]
    return (last - first).days + 1


# --- the folder ----------------------------------------------------------------------------------
def test_every_output_is_written_with_each_scenarios_own_dates(folder: Path) -> None:
    for name in ("compare.csv", "outcomes.csv", "survival.csv", "survival_summary.csv",
                 "trajectory_summary.csv", "manifest.json"):  # fmt: skip
        assert (folder / name).stat().st_size > 0, name
    for name in WINDOWS:  # all three simulate July-December 2024
        assert (folder / f"forecast_{name}.csv").stat().st_size > 0
        assert (folder / f"summary_{name}.csv").stat().st_size > 0
    pngs = {p.name: p.stat().st_size for p in (folder / "plots").glob("*.png")}
    assert {"tension_fan.png", "survival_fire.png", "survival_rungs.png"} <= set(pngs)
    assert all(size > 0 for size in pngs.values())
    daily = read_csv(folder / "trajectory_summary.csv")
    for name, (first, last) in WINDOWS.items():
        rows = [r for r in daily if r["scenario"] == name]
        assert len(rows) == days_of(name)
        assert (rows[0]["date"], rows[-1]["date"]) == (first.isoformat(), last.isoformat())


def test_survival_tables_say_each_scenarios_day_zero(folder: Path) -> None:
    rows = read_csv(folder / "survival.csv")
    for name, (first, last) in WINDOWS.items():
        mine = [r for r in rows if r["scenario"] == name and r["rung"] == "4"]
        assert len(mine) == days_of(name) + 1  # day 0 to the horizon, the end of the last day
        for r in mine[:: len(mine) - 1]:
            assert dt.date.fromisoformat(r["date"]) == first + dt.timedelta(days=int(r["day"]))
        assert mine[-1]["date"] == (last + dt.timedelta(days=1)).isoformat()
    starts = {r["scenario"]: r["start_date"] for r in read_csv(folder / "survival_summary.csv")}
    assert starts == {name: first.isoformat() for name, (first, _) in WINDOWS.items()}


def test_unequal_windows_are_noted_in_the_manifest_and_report(folder: Path) -> None:
    notes = json.loads((folder / "manifest.json").read_text())["notes"]
    assert len(notes) == 1 and notes[0].startswith("horizons differ: counts cover different")
    assert "later 2024-01-22..2024-12-31" in notes[0]
    assert main(["report", str(folder)]) == 0
    html = (folder / "report.html").read_text()
    assert "horizons differ: counts cover different periods" in html
    assert "Days count from each scenario" in html


def test_the_note_is_given_only_for_unequal_windows() -> None:
    same = {"a": (BASE_START, BASE_END), "b": (BASE_START, BASE_END)}
    assert horizon_note(same) is None
    note = horizon_note(same | {"c": (BASE_START, LONGER_END)})
    assert note is not None and "c 2023-11-23..2025-03-31" in note


# --- the figures ---------------------------------------------------------------------------------
def x_dates(xs: np.ndarray) -> tuple[dt.date, dt.date]:
    """First and last date of x data in matplotlib date numbers."""
    xs = np.asarray(mdates.date2num(xs) if np.asarray(xs).dtype.kind == "M" else xs, float)
    return mdates.num2date(xs.min()).date(), mdates.num2date(xs.max()).date()


def test_fan_chart_draws_each_band_over_its_own_dates(folder: Path) -> None:
    fig = sim.open_results(folder).plot_tension()
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible() and ax.get_title()}
    assert set(panels) == set(WINDOWS)
    for name, (first, last) in WINDOWS.items():
        ax = panels[name]
        median = next(li for li in ax.get_lines() if li.get_label() == f"{name}: median")
        assert x_dates(median.get_xdata()) == (first, last)
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)
                 and c.get_label().startswith(f"{name}: ")]  # fmt: skip
        assert len(bands) == 2
        for band in bands:
            assert x_dates(band.get_paths()[0].vertices[:, 0]) == (first, last)
        lo, hi = x_dates(np.array(ax.get_xlim()))  # one axis for all: the union of the windows
        assert lo <= BASE_START and hi >= LONGER_END
    label = fig.get_supxlabel()
    assert "later 2024-01-22" in label and "own dates" in label


def test_fan_chart_of_two_horizons_shares_a_panel_and_names_the_common_days(
    same_start: sim.Results,
) -> None:
    fig = same_start.plot_tension()
    (ax,) = [a for a in fig.axes if a.get_visible()]
    medians = {li.get_label(): li for li in ax.get_lines() if "median" in li.get_label()}
    base = medians["baseline_2024: median"]
    assert x_dates(base.get_xdata()) == (BASE_START, BASE_END)
    (longer,) = [li for name, li in medians.items() if name.startswith("longer: median")]
    ends = x_dates(longer.get_xdata())
    assert ends[1] == LONGER_END
    if "identical to baseline_2024 to 2024-12-31" in longer.get_label():
        assert ends[0] == BASE_END  # the solid part after the shared days; dashed before
    else:
        assert ends[0] == BASE_START


def test_survival_curves_sit_on_the_calendar_when_starts_differ(folder: Path) -> None:
    fig = sim.open_results(folder).plot_survival(4)
    (ax,) = fig.axes
    steps = {li.get_label().split(" (")[0]: li for li in ax.get_lines() if "(n=" in li.get_label()}
    assert set(steps) == set(WINDOWS)
    for name, (first, _) in WINDOWS.items():
        assert f"day 0 = {first.isoformat()}" in steps[name].get_label()
        x = np.asarray(steps[name].get_xdata(), float)
        assert x[0] == pytest.approx(mdates.date2num(first))
        assert x[-1] == pytest.approx(mdates.date2num(first) + days_of(name))  # censored at the end
    assert "each curve from its scenario's start" in ax.get_xlabel()


def test_survival_curves_of_one_start_count_days(same_start: sim.Results) -> None:
    fig = same_start.plot_survival()
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((0.0, days_of("longer")))
    assert "days since start (day 0 = 2023-11-23)" in fig.get_supxlabel()


def test_the_api_notes_unequal_windows_and_reads_each_scenarios_dates(
    same_start: sim.Results,
) -> None:
    assert "horizons differ" in same_start.differences.attrs["note"]
    daily = same_start.daily
    for name in ("baseline_2024", "longer"):
        dates = daily.loc[daily["scenario"] == name, "date"]
        assert (dates.min().date(), dates.max().date()) == WINDOWS[name]
    months = same_start.monthly.groupby("scenario", observed=True)["month"].max()
    assert str(months["baseline_2024"]) == "2024-12" and str(months["longer"]) == "2025-03"
    assert set(same_start.forecast["scenario"]) == {"baseline_2024", "longer"}


def test_fan_chart_of_made_up_bands_marks_the_days_two_horizons_share() -> None:
    import matplotlib.pyplot as plt

    from sim.plots.figures import _fan_figure

    q = np.sort(np.random.default_rng(0).gamma(2.0, size=(5, 30)), axis=0)
    longer = np.concatenate([q, q[:, -10:]], axis=1)  # the same first 30 days, then 10 more
    start = dt.date(2024, 3, 1)
    fig = _fan_figure([("a", q), ("b", longer)], {"a": start, "b": start}, None)
    lines = {li.get_label(): li for li in fig.axes[0].get_lines()}
    solid = lines["b: median\n(identical to a to 2024-03-30)"]
    assert x_dates(solid.get_xdata()) == (dt.date(2024, 3, 30), dt.date(2024, 4, 9))
    assert x_dates(lines["a: median"].get_xdata()) == (start, dt.date(2024, 3, 30))
    plt.close(fig)
    later = dt.date(2024, 3, 11)  # another start: nothing is shared, each over its own days
    fig = _fan_figure([("a", q), ("b", longer)], {"a": start, "b": later}, None)
    lines = {li.get_label(): li for li in fig.axes[0].get_lines()}
    assert x_dates(lines["b: median"].get_xdata()) == (later, dt.date(2024, 4, 19))
    assert "day 0: a 2024-03-01, b 2024-03-11" in fig.get_supxlabel()
    plt.close(fig)
