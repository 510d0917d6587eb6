"""`dmzsim fit` end to end: recovering known parameters from a record the model itself wrote,
resuming stage by stage, and bad input.

The recovery check: a synthetic record is one replication run with known values of two
parameters; the fit's posterior must hold each known value inside its central 99% interval.
Were the fit exact, a value drawn from the prior would fall outside with probability 0.01.
"""

from __future__ import annotations

import csv
import dataclasses as dc
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.record import load_mapping
from sim.cli import main
from sim.experiment.parameters import read_table
from sim.model.replication import run_replication
from sim.scenario.loader import load_scenario, scenario_to_toml
from sim.scenario.paths import with_values
from sim.scenario.priors import Prior

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "baseline_2024.toml"
FIRST, LAST = dt.date(2023, 11, 23), dt.date(2024, 6, 30)
TRUTH = {"crossings.rate_per_crew_day": 0.001, "grayzone.leaflet_rate_per_day": 0.1}
PRIORS = (
    Prior("crossings.rate_per_crew_day", "loguniform", 0.0001, 0.004),
    Prior("grayzone.leaflet_rate_per_day", "loguniform", 0.01, 0.4),
)
SMALL = [
    "--episodes", "none", "--waves", "2", "--points", "60", "--replications", "10",
    "--particles", "300", "--generations", "6", "--predictive", "100",
    "--backend", "serial", "--quiet",
]  # fmt: skip


def _scenario_file(tmp_path: Path, priors=PRIORS) -> Path:
    """baseline_2024 written out whole, with only ``priors`` (a child would inherit the rest)."""
    s = dc.replace(load_scenario(BASE), priors=tuple(priors), name="two_priors")
    path = tmp_path / "two_priors.toml"
    path.write_text(scenario_to_toml(s), encoding="utf-8")
    return path


def _synthetic_record(tmp_path: Path, seed: int) -> Path:
    """The events of one replication with the known values, as a record: one row per event of
    every type the shipped mapping counts exhaustively."""
    s = with_values(load_scenario(BASE), TRUTH)
    events = tuple(e for e in s.timeline.events if e.date <= LAST)
    s = dc.replace(s, end_date=LAST, timeline=dc.replace(s.timeline, events=events))
    back = {}
    for name, t in load_mapping().items():
        if t.exhaustive == "yes":
            back.setdefault(t.model_type, name)
    path = tmp_path / "synthetic.csv"
    columns = "date,event_type,actor,count,casualties_killed,casualties_injured,response,source"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*columns.split(","), "confidence", "notes"])
        w.writerow([FIRST.isoformat(), "g7_statement", "G7", "1", "", "", "", "test", "", ""])
        for e in run_replication(s, seed, 0, keep_events=True).events or ():
            if e.type in back:
                day = FIRST + dt.timedelta(days=int(e.time))
                w.writerow([day.isoformat(), back[e.type], e.actor, "1", "", "", "", "", "", ""])
    return path


def _fit(tmp_path: Path, scenario: Path, record: Path, out: Path, *extra: str) -> int:
    return main(
        ["fit", str(scenario), "--observed", str(record), "--from", str(FIRST), "--to", str(LAST),
         "--seed", "5", "--out", str(out), *SMALL, *extra]
    )  # fmt: skip


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / w.sum()
    return [float(x[order][min(np.searchsorted(cdf, q), len(x) - 1)]) for q in qs]


def test_fit_recovers_known_parameters_from_a_synthetic_record(tmp_path, capsys):
    scenario = _scenario_file(tmp_path)
    record = _synthetic_record(tmp_path, seed=12)
    out = tmp_path / "fit"
    assert _fit(tmp_path, scenario, record, out) == 0
    printed = capsys.readouterr().out
    assert "history matching" in printed and "posterior predictive check" in printed
    post = read_table(out / "posterior.csv")
    assert list(post.paths) == sorted(TRUTH)
    for j, path in enumerate(post.paths):
        lo, hi = _weighted_quantiles(post.values[:, j], post.weights, (0.005, 0.995))
        assert lo <= TRUTH[path] <= hi, (path, lo, hi)
    # the record was informative: the posterior of the crossing rate is narrower than its prior
    j = post.paths.index("crossings.rate_per_crew_day")
    logs = np.log(post.values[:, j])
    m = np.sum(post.weights * logs)
    prior_sd = math.log(0.004 / 0.0001) / math.sqrt(12)
    assert math.sqrt(np.sum(post.weights * (logs - m) ** 2)) < 0.8 * prior_sd
    for name in ("waves.csv", "generations.csv", "predictive.csv", "parameters.csv"):
        assert (out / name).stat().st_size > 0
    for plot in ("fit_waves", "fit_marginals", "fit_pairs", "fit_predictive"):
        assert (out / "plots" / f"{plot}.png").stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["settings"]["particles"] == 300
    waves = list(csv.DictReader((out / "waves.csv").open()))
    shares = [float(r["ruled_out_share"]) for r in waves]
    assert shares == sorted(shares) and 0 < shares[-1] < 1

    # --- resume: a fit whose later stages were lost runs them again, identically -------------
    first = (out / "posterior.csv").read_bytes()
    for stage in ("abc3", "abc4", "predictive"):
        for p in sorted((out / "stages" / stage).iterdir()):
            p.unlink()
        (out / "stages" / stage).rmdir()
    (out / "posterior.csv").unlink()
    assert _fit(tmp_path, scenario, record, out, "--resume") == 0
    assert (out / "posterior.csv").read_bytes() == first
    # and the same command without --resume refuses to touch it
    capsys.readouterr()
    assert _fit(tmp_path, scenario, record, out) == 2
    assert "--resume" in capsys.readouterr().err


def _args(**change: str) -> list[str]:
    base = {
        "--observed": str(ROOT / "sim" / "data" / "events_2023-11_to_2024-06.csv"),
        "--from": "2023-11-23",
        "--to": "2024-06-30",
    }
    base.update(change)
    return [x for k, v in base.items() for x in (k, v)]


BAD = {
    "a date that is not one": (_args(**{"--to": "2024-06-31"}), "--to"),
    "from after to": (_args(**{"--from": "2024-06-30", "--to": "2024-06-01"}), "--from"),
    "a window before the scenario": (_args(**{"--from": "2023-01-01"}), "--from"),
    "a window after the scenario": (_args(**{"--to": "2024-12-31"}), "record"),
    "a window past the scenario": (_args(**{"--to": "2025-06-30"}), "--to"),
    "a window inside a month": (_args(**{"--from": "2024-01-15"}), "--from"),
    "a missing record": (_args(**{"--observed": "no/such.csv"}), "no/such.csv"),
    "an unknown episode": (_args(**{"--episodes": "aug2016"}), "--episodes"),
    "a repeated episode": (_args(**{"--episodes": "aug2015,aug2015"}), "--episodes"),
    "too few points": ([*_args(), "--points", "3"], "--points"),
    "a cutoff of zero": ([*_args(), "--cutoff", "0"], "--cutoff"),
    "alpha of one": ([*_args(), "--alpha", "1"], "--alpha"),
    "a negative seed": ([*_args(), "--seed", "-1"], "--seed"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_fit_input_is_one_line_and_status_2(case, tmp_path, capsys):
    argv, needle = BAD[case]
    code = main(["fit", str(BASE), *argv, "--out", str(tmp_path / "f"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and needle in err[0], err
    assert not (tmp_path / "f").exists()


def test_a_scenario_without_priors_has_nothing_to_fit(tmp_path, capsys):
    path = _scenario_file(tmp_path, priors=())
    code = main(["fit", str(path), *_args(), "--out", str(tmp_path / "f"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "[priors]" in err[0]


def test_a_folder_that_holds_something_else_is_refused(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    code = main(["fit", str(BASE), *_args(), "--out", str(out), "--quiet", "--force"])
    assert code == 2 and "holds no fit" in capsys.readouterr().err
    assert (out / "precious.txt").read_text() == "keep me"
