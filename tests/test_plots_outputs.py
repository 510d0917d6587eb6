"""Figures and results-folder writers, on synthetic replication results."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.experiment.outputs import (
    SUMMARY_NAME,
    atomic_open,
    outcome_rows,
    write_events_csv,
    write_manifest,
    write_monthly_counts_csv,
    write_outcomes_csv,
    write_table,
    write_trajectories,
)
from sim.model.events import EVENT_FIELDS, EVENT_TYPES, TYPE_INDEX, TYPE_NAMES, Event
from sim.model.result import ReplicationResult

START = dt.date(2024, 5, 1)
DAYS = 92  # May, June, July
MONTHS = ("2024-05", "2024-06", "2024-07")


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


@pytest.fixture
def named() -> list[tuple[str, list[ReplicationResult]]]:
    return [
        ("baseline", [make_result(i, 0) for i in range(12)]),
        ("hardline", [make_result(i, 1) for i in range(12)]),
    ]


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------- figures


@pytest.mark.parametrize("scenarios", [1, 2])
def test_write_all_plots(
    tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]], scenarios: int
) -> None:
    import matplotlib.pyplot as plt

    from sim.plots.figures import write_all_plots

    paths = write_all_plots(named[:scenarios], START, tmp_path / "plots")
    assert len(paths) == 4 and len(set(paths)) == 4
    for p in paths:
        assert p.suffix == ".png"
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _no_temp_files(tmp_path / "plots")
    assert plt.get_fignums() == []  # every figure closed


def test_plots_other_format_and_single_functions(
    tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]
) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import figures

    paths = figures.write_all_plots(named, START, tmp_path, fmt="svg")
    assert all(p.suffix == ".svg" and b"<svg" in p.read_bytes()[:500] for p in paths)
    one = figures.event_count_histograms(named, tmp_path / "counts.png", types=("mine_blast",))
    assert one.exists()
    figures.rung_distribution([("empty", [])], tmp_path / "empty.png")
    assert plt.get_fignums() == []


# ----------------------------------------------------------------------------- writers


def test_write_outcomes_csv(
    tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]
) -> None:
    rows = [row for name, res in named for row in outcome_rows(name, res, seed=42)]
    path = write_outcomes_csv(tmp_path / "outcomes.csv", rows)
    back = _read_csv(path)
    assert list(back[0])[:3] == ["scenario", "replication", "seed"]
    assert list(back[0])[3:] == list(named[0][1][0].outcomes)
    assert len(back) == 24
    flat = [r for _, results in named for r in results]
    for row, res in zip(back, flat, strict=True):
        assert int(row["replication"]) == res.replication and row["seed"] == "42"
        for key, value in res.outcomes.items():
            if math.isnan(value):
                assert row[key] == ""
            else:
                assert float(row[key]) == pytest.approx(value, rel=1e-15)
    assert _no_temp_files(tmp_path)


def test_write_outcomes_csv_empty(tmp_path: Path) -> None:
    path = write_outcomes_csv(tmp_path / "o.csv", [])
    assert path.read_text().strip() == "scenario,replication,seed"


def test_write_monthly_counts_csv(
    tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]
) -> None:
    name, results = named[0]
    back = _read_csv(write_monthly_counts_csv(tmp_path / "monthly.csv", name, results))
    assert list(back[0]) == ["scenario", "replication", "month", "event_type", "count"]
    assert all(int(r["count"]) > 0 and r["scenario"] == name for r in back)
    assert sum(int(r["count"]) for r in back) == sum(int(r.monthly_counts.sum()) for r in results)
    for r in back:
        res = results[int(r["replication"])]
        m, k = res.months.index(r["month"]), TYPE_INDEX[r["event_type"]]
        assert res.monthly_counts[m, k] == int(r["count"])


def test_write_trajectories(
    tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]
) -> None:
    npz, summary = write_trajectories(tmp_path / "trajectories.npz", named, start_date=START)
    assert summary == tmp_path / SUMMARY_NAME
    with np.load(npz) as data:
        assert list(data["scenarios"]) == ["baseline", "hardline"]
        for name, results in named:
            tension, rung = data[f"tension_{name}"], data[f"rung_{name}"]
            assert tension.shape == rung.shape == (12, DAYS)
            assert tension.dtype == np.float32 and rung.dtype == np.int8
            np.testing.assert_array_equal(tension[3], results[3].tension)
            np.testing.assert_array_equal(rung[5], results[5].rung)
            assert data[f"replication_{name}"].tolist() == list(range(12))
    rows = _read_csv(summary)
    assert len(rows) == 2 * DAYS
    row = [r for r in rows if r["scenario"] == "hardline" and r["day"] == "40"][0]
    assert row["date"] == (START + dt.timedelta(days=40)).isoformat()
    t = np.stack([r.tension for r in named[1][1]]).astype(np.float64)[:, 40]
    rg = np.array([r.rung[40] for r in named[1][1]])
    assert float(row["tension_median"]) == pytest.approx(np.median(t))
    assert float(row["tension_p05"]) == pytest.approx(np.quantile(t, 0.05))
    assert float(row["tension_p95"]) == pytest.approx(np.quantile(t, 0.95))
    assert float(row["mean_rung"]) == pytest.approx(rg.mean())
    assert float(row["p_rung_ge_3"]) == pytest.approx((rg >= 3).mean())


def test_write_trajectories_with_scenario_objects(tmp_path: Path) -> None:
    class FakeScenario:
        name = "alt"
        start_date = dt.date(2024, 7, 1)

    _, summary = write_trajectories(tmp_path / "t.npz", [(FakeScenario(), [make_result(0)])])
    rows = _read_csv(summary)
    assert rows[0]["date"] == "2024-07-01" and rows[0]["scenario"] == "alt"


def test_write_events_csv(tmp_path: Path, named: list[tuple[str, list[ReplicationResult]]]) -> None:
    name, results = named[0]
    results = results + [make_result(99, with_events=False)]
    back = _read_csv(write_events_csv(tmp_path / "events.csv", name, results))
    assert list(back[0]) == ["scenario", "replication", *EVENT_FIELDS]
    expected = [(r.replication, ev) for r in results for ev in r.events or ()]
    assert len(back) == len(expected)
    for row, (rep, ev) in zip(back, expected, strict=True):
        assert int(row["replication"]) == rep
        assert row["type"] == ev.type and int(row["id"]) == ev.id
        assert float(row["time"]) == ev.time
        assert row["cameo"] == ev.cameo  # leading zeros kept ("0874" would be lost as a number)


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
