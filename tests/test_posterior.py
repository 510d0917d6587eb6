"""Posterior tables as input: rows drawn by weight per replication, common random numbers
across scenarios, what overrides a posterior, and bad posterior files."""

from __future__ import annotations

import csv
import dataclasses as dc
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.cli import main
from sim.errors import InputError
from sim.experiment.parameters import (
    ParameterTable,
    default_posterior,
    read_table,
    resolve,
    write_table,
)
from sim.scenario.loader import load_scenario, parameter_path_value
from sim.scenario.paths import with_values

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "baseline_2024.toml"
SHIPPED = SCENARIOS / "baseline_2024.posterior.csv"


def _table(weights, per_row=0) -> ParameterTable:
    w = np.asarray(weights, dtype=float)
    values = np.arange(len(w), dtype=float)[:, None] * 0.1
    return ParameterTable(("mines.killed_mean",), values, w / w.sum(), per_row, "t")


def test_rows_are_drawn_in_proportion_to_their_weights():
    """20,000 replications draw rows with probabilities 0.1, 0.2, 0.3, 0.4: a chi-square test
    at the 0.001 level (a correct sampler fails it once in a thousand seeds)."""
    t = _table([1, 2, 3, 4])
    rows = np.array([t.row(99, i) for i in range(20_000)])
    counts = np.bincount(rows, minlength=4)
    assert stats.chisquare(counts, 20_000 * t.weights).pvalue > 1e-3


def test_a_row_depends_only_on_seed_and_replication():
    a, b = _table([1, 2, 3, 4]), _table([1, 2, 3, 4])
    assert [a.row(5, i) for i in range(50)] == [b.row(5, i) for i in range(50)]
    assert [a.row(5, i) for i in range(50)] != [a.row(6, i) for i in range(50)]


def test_a_design_gives_each_parameter_set_k_replications():
    t = _table([1, 1, 1], per_row=4)
    assert [t.row(0, i) for i in range(12)] == [0] * 4 + [1] * 4 + [2] * 4


@settings(max_examples=15, deadline=None)
@given(
    killed=st.floats(0, 10),
    rate=st.floats(1e-4, 2e-3),
    crews=st.floats(0.0, 1.0),
)
def test_with_values_equals_building_the_scenario_with_overrides(killed, rate, crews):
    """Setting values on a built scenario gives the scenario the loader builds with the same
    --set overrides, for top-level sections, nested sides and sectors alike."""
    values = {
        "mines.killed_mean": killed,
        "crossings.rate_per_crew_day": rate,
        "terrain.sectors.central.marker_visibility": crews,
    }
    base = load_scenario(BASE)
    built = load_scenario(BASE, [f"{k}={v!r}" for k, v in values.items()])
    # (a --set fixes a parameter, so the loader drops its prior; values leave priors alone)
    assert with_values(base, values) == dc.replace(built, priors=base.priors)


def test_the_shipped_posterior_is_the_default_for_baseline_and_what_extends_it():
    assert default_posterior(BASE) == (SHIPPED, 0)
    found = default_posterior(SCENARIOS / "hotline.toml")
    assert found is not None and found[0] == SHIPPED


def test_a_file_below_the_posterior_overrides_its_columns(tmp_path):
    """A what-if that sets a fitted parameter keeps its own value; --set does too."""
    table = read_table(SHIPPED)
    path = table.paths[0]
    child = tmp_path / "child.toml"
    section, key = path.rsplit(".", 1)
    value = parameter_path_value(load_scenario(BASE), path)
    child.write_text(
        f'extends = "{BASE}"\nname = "child"\n[{section}]\n{key} = {value!r}\n', encoding="utf-8"
    )
    r = resolve(None, child, load_scenario(child), {})
    assert r.table is not None and path not in r.table.paths
    assert r.overridden[path] == str(child)
    r2 = resolve(None, BASE, load_scenario(BASE), {table.paths[1]: "--set"})
    assert r2.table is not None and table.paths[1] not in r2.table.paths
    assert resolve("none", BASE, load_scenario(BASE), {}).table is None


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BAD = {
    "no weight column": "mines.killed_mean\n1.0\n",
    "no parameter": "weight\n1.0\n",
    "repeated column": "weight,mines.killed_mean,mines.killed_mean\n1,1,1\n",
    "no rows": "weight,mines.killed_mean\n",
    "short row": "weight,mines.killed_mean\n1\n",
    "text value": "weight,mines.killed_mean\n1,lots\n",
    "infinite value": "weight,mines.killed_mean\n1,inf\n",
    "negative weight": "weight,mines.killed_mean\n-1,1\n",
    "zero weights": "weight,mines.killed_mean\n0,1\n0,2\n",
    "unknown parameter": "weight,mines.killed_mea\n1,1\n",
    "not real-valued": "weight,terrain.sectors.west.crews\n1,3\n",
    "out of range": "weight,crossings.detection_probability\n1,1.5\n",
    "a state path of no sector": "weight,terrain.sectors.north.mine_density\n1,0.5\n",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_posterior_file_is_one_line(case, tmp_path):
    path = _write(tmp_path / "p.csv", BAD[case])
    with pytest.raises(InputError) as err:
        resolve(str(path), BASE, load_scenario(BASE), {})
    text = str(err.value)
    assert "\n" not in text and "p.csv" in text


def test_a_missing_posterior_file_through_the_cli(tmp_path, capsys):
    code = main(["run", str(BASE), "-n", "5", "--seed", "1", "--posterior", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "file not found" in err[0]


def _outcomes(folder: Path) -> list[dict]:
    with (folder / "outcomes.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_compare_under_a_posterior_pairs_rows_and_records_it(tmp_path):
    """Two rows far apart in the crossing rate reach the model (replications that drew the
    high rate see more crossings), and the manifest names the posterior of each scenario."""
    post = write_table(
        tmp_path / "post.csv",
        ["crossings.rate_per_crew_day"],
        np.array([[0.0001], [0.002]]),
        np.array([1.0, 1.0]),
    )
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            str(BASE),
            str(BASE).replace("baseline_2024", "hotline"),
            "-n",
            "60",
            "--seed",
            "4",
            "--posterior",
            str(post),
            "--out",
            str(out),
            "--quiet",
            "--backend",
            "serial",
            "--plots",
            "highest_rung",
        ]
    )
    assert code == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["posterior"]["baseline_2024"]["file"] == str(post)
    assert m["posterior"]["hotline"]["rows"] == 2
    rows = _outcomes(out)
    table = read_table(post)
    high = {i for i in range(60) if table.row(4, i) == 1}
    by = {(r["scenario"], int(r["replication"])): float(r["count_mdl_crossing"]) for r in rows}
    mean_high = np.mean([by["baseline_2024", i] for i in high])
    mean_low = np.mean([by["baseline_2024", i] for i in range(60) if i not in high])
    assert mean_high > mean_low  # 20 times the rate: the rows really reach the model


def test_posterior_none_gives_the_point_values(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    args = ["-n", "30", "--seed", "8", "--quiet", "--backend", "serial", "--plots", "highest_rung"]
    assert main(["run", str(BASE), "--posterior", "none", "--out", str(a), *args]) == 0
    assert main(["run", str(BASE), "--out", str(b), *args]) == 0
    m = json.loads((a / "manifest.json").read_text())
    assert m["posterior"]["baseline_2024"] is None
    assert json.loads((b / "manifest.json").read_text())["posterior"]["baseline_2024"]["file"]
    assert _outcomes(a) != _outcomes(b)


def test_an_experiment_file_names_its_posterior(tmp_path):
    from sim.experiment.files import read_experiment

    post = write_table(
        tmp_path / "p.csv", ["mines.killed_mean"], np.array([[1.0], [3.0]]), np.ones(2)
    )
    body = 'command = "run"\nscenario = "baseline_2024"\nreplications = 5\nseed = 1\n'
    f = _write(tmp_path / "e.toml", body + 'posterior = "p.csv"\n')
    argv = read_experiment(f).argv
    assert argv[argv.index("--posterior") + 1] == str(post)
    f = _write(tmp_path / "n.toml", body + 'posterior = "none"\n')
    assert "none" in read_experiment(f).argv
    f = _write(tmp_path / "bad.toml", body + 'posterior = "missing.csv"\n')
    with pytest.raises(InputError, match="posterior"):
        read_experiment(f)
