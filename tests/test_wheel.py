"""The installable package: a wheel built from the source, installed in a fresh virtual
environment outside the checkout, runs every bundled scenario and experiment file from a
folder outside the checkout, and a user's scenario there that extends a bundled one by name.

Slow (it builds, installs and starts the command a dozen times), but it is the only test
that sees what a user of ``pip install`` gets, so it stays in the suite. Build isolation and
the install reach PyPI; a pip cache under the system temp folder makes later runs fast.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
from fnmatch import fnmatch
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "dmzsim-pip-cache"  # kept between runs on purpose
# Not copied into the build: what a checkout holds besides its source.
AT_TOP = {".git", ".venv", ".hypothesis", "results", "build", "dist"}
ANYWHERE = ("__pycache__", ".*_cache", "*.egg-info")
FAST = ["--backend", "serial", "--quiet"]


def _env() -> dict[str, str]:
    """The environment without anything that points back at the checkout or its venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_CACHE_DIR"] = str(CACHE)
    env["MPLBACKEND"] = "Agg"
    return env


def _run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(
        argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done


def _junk(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {n for n in names if (top and n in AT_TOP) or any(fnmatch(n, p) for p in ANYWHERE)}


def _outside(path: Path) -> Path:
    assert not path.resolve().is_relative_to(ROOT), f"{path} is inside the checkout"
    return path


def install(top: Path) -> Path:
    """The ``bin`` folder of a fresh venv in ``top`` with the wheel built from this checkout
    installed."""
    src = top / "src"  # a copy, so the build writes nothing into the checkout
    shutil.copytree(ROOT, src, symlinks=True, ignore=_junk)
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(top / "dist"), str(src)], top)
    (wheel,) = (top / "dist").glob("dmzsim-*.whl")
    env = top / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    bin_ = env / ("Scripts" if os.name == "nt" else "bin")
    # --no-compile: byte-compiling all of scipy, pandas and matplotlib would triple the time;
    # the modules a command imports are compiled when first imported
    pip = [str(bin_ / "python"), "-m", "pip", "install", "-q", "--prefer-binary", "--no-compile"]
    _run([*pip, "--disable-pip-version-check", str(wheel)], top, timeout=900)
    return bin_


def _bundled(bin_: Path, what: str) -> list[Path]:
    """The installed package's bundled scenarios or experiment files (``what``)."""
    code = (
        "from sim.scenario import bundled\n"
        f"for n in bundled.{what}_names(): print(bundled.{what}_file(n))"
    )
    done = _run([str(bin_ / "python"), "-c", code], bin_.parent)
    return [Path(line) for line in done.stdout.splitlines()]


def check_the_package_is_imported_from_the_venv(installed: Path, work: Path) -> None:
    done = _run([str(installed / "python"), "-c", "import sim; print(sim.__file__)"], work)
    assert Path(done.stdout.strip()).is_relative_to(installed.parent)


def check_the_wheel_ships_every_scenario_posterior_and_experiment(installed: Path) -> None:
    scenarios = _bundled(installed, "scenario")
    assert sorted(p.name for p in scenarios) == sorted(
        p.name for p in ROOT.glob("scenarios/*.toml")
    )
    assert (scenarios[0].parent / "baseline_2024.posterior.csv").is_file()
    experiments = _bundled(installed, "experiment")
    assert sorted(p.name for p in experiments) == sorted(
        p.name for p in ROOT.glob("experiments/*.toml")
    )


def check_baseline_runs_by_name(installed: Path, work: Path) -> None:
    out = work / "baseline"
    argv = ["run", "baseline_2024", "-n", "3", "--seed", "1", "--backend", "serial"]
    _run([str(installed / "dmzsim"), *argv, "--out", str(out), "--plots", "highest_rung"], work)
    with (out / "outcomes.csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
    assert [p.stem for p in (out / "plots").iterdir()] == ["highest_rung"]


def check_every_bundled_scenario_runs(installed: Path, work: Path) -> None:
    """Each by name, through the installed command line's ``main`` in one process (a process
    each would cost 20 s more in imports that the other tests already exercise)."""
    names = [p.stem for p in _bundled(installed, "scenario")]
    argv = ["-n", "2", "--seed", "2", *FAST, "--plots", "highest_rung"]
    code = (
        "import sys\nfrom sim.cli import main\n"
        f"for name in {names!r}:\n"
        f"    argv = ['run', name, *{argv!r}, '--out', 'each/' + name]\n"
        "    if main(argv) != 0:\n"
        "        sys.exit(f'run {name} failed')\n"
    )
    _run([str(installed / "python"), "-c", code], work)
    for name in names:
        assert (work / "each" / name / "outcomes.csv").is_file()


# Sobol' indices refuse an outcome that is zero at every point. P(highest_rung>=4) is about
# 0.04 per replication of the baseline (400 replications, point values: 16 of 400), so 10
# replications at each of the 32 points of --points 4 all give 0 with chance 0.96**320 ~ 2e-6.
SENSITIVITY_N = 10


def check_every_bundled_experiment_file_runs(installed: Path, work: Path) -> None:
    for path in _bundled(installed, "experiment"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        command = data["command"]
        sampled = command == "sensitivity" or (
            command == "sweep" and data.get("design", "grid") != "grid"
        )
        points = ["--points", "4"] if sampled else []
        n = str(SENSITIVITY_N if command == "sensitivity" else 2)
        out = work / "experiments" / path.stem
        argv = ["experiment", str(path), "-n", n, *points, *FAST, "--out", str(out)]
        _run([str(installed / "dmzsim"), *argv], work)
        assert (out / "manifest.json").is_file()


def check_a_user_scenario_extends_a_bundled_one_by_name(installed: Path, work: Path) -> None:
    mine = work / "mine" / "calm.toml"
    mine.parent.mkdir()
    mine.write_text(
        '# calm — what if the line were calmer at the start?\nextends = "baseline_2024"\n'
        'name = "calm"\ndescription = "calmer start?"\n[escalation]\ninitial_tension = 0.5\n',
        encoding="utf-8",
    )
    out = work / "calm"
    argv = ["run", str(mine), "-n", "2", "--seed", "3", *FAST, "--out", str(out)]
    _run([str(installed / "dmzsim"), *argv, "--plots", "highest_rung"], work)
    assert (out / "outcomes.csv").is_file()


def check_a_new_starter_validates_and_runs(installed: Path, work: Path) -> None:
    dmzsim = str(installed / "dmzsim")
    _run([dmzsim, "new", "starter", "--from", "hotline"], work)
    _run([dmzsim, "validate", "starter.toml"], work)
    argv = ["run", "starter.toml", "-n", "2", "--seed", "4", *FAST, "--out", str(work / "st")]
    _run([dmzsim, *argv, "--plots", "highest_rung"], work)


def test_the_installed_wheel_runs_every_bundled_scenario_and_experiment(tmp_path_factory):
    """One test, so that a parallel run builds and installs the wheel once."""
    top = _outside(tmp_path_factory.mktemp("wheel"))
    installed = install(top)
    work = _outside(tmp_path_factory.mktemp("work"))  # a user's folder
    check_the_package_is_imported_from_the_venv(installed, work)
    check_the_wheel_ships_every_scenario_posterior_and_experiment(installed)
    check_baseline_runs_by_name(installed, work)
    check_every_bundled_scenario_runs(installed, work)
    check_every_bundled_experiment_file_runs(installed, work)
    check_a_user_scenario_extends_a_bundled_one_by_name(installed, work)
    check_a_new_starter_validates_and_runs(installed, work)
    shutil.rmtree(top)  # the venv is 300 MB; a failed run keeps it to look into
