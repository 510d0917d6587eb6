#!/usr/bin/env python3
"""Bootstrap a virtual environment in .venv, then run the main job or the test suite.

    python3 dev.py demo     # compare every 2024 what-if with the baseline, plots to results/
    python3 dev.py test     # the whole test suite (extra arguments go to pytest)
    python3 dev.py figures  # run experiments/*.toml and copy the README's figures to docs/
    python3 dev.py fit      # refit baseline_2024's shipped posterior; score June 2024 out of sample

Only Python 3.11+ is needed; everything else is installed into .venv from PyPI.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("DMZSIM_VENV", ROOT / ".venv"))
DEMO_OUT = ROOT / "results" / "quickstart"
# The README's figures: (experiment file, plot it makes) -> docs/figures/<experiment>_<plot>
FIGURES = (
    ("compare_2024", "survival_fire.png"),
    ("compare_2024", "tension_fan.png"),
    ("sweep_backing_vegetation", "heatmap.png"),
    ("sensitivity_baseline", "sobol_highest_rung_ge_4.png"),
)


def venv_python() -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def ensure_venv() -> Path:
    """Create .venv if missing and (re)install the package when pyproject.toml changed."""
    py = venv_python()
    if not py.exists():
        print(f"dev.py: creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".dmzsim-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != want:
        print("dev.py: installing dmzsim and its test dependencies", file=sys.stderr)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
        stamp.write_text(want)
    return py


def what_ifs() -> list[str]:
    """The bundled scenarios that vary 2024: those that keep the baseline's dates (the
    historical episodes set their own and are run on their own)."""
    import tomllib  # here, so that Python < 3.11 gets dev.py's own message first

    out = []
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if path.stem != "baseline_2024" and "start_date" not in data:
            out.append(path.stem)
    return out


def demo(py: Path, extra: list[str]) -> int:
    scenarios = what_ifs()
    cmd = [
        str(py),
        "-m",
        "sim",
        "compare",
        "baseline_2024",
        *scenarios,
        "-n",
        "1000",
        "--seed",
        "2024",
        "--out",
        str(DEMO_OUT),
        "--force",  # the demo starts afresh each time
        *extra,
    ]
    return subprocess.run(cmd, cwd=ROOT).returncode


def test(py: Path, extra: list[str]) -> int:
    # one pytest worker per core (pytest-xdist) unless the caller chose: -n 0 runs in one process
    chose = any(a.startswith(("-n", "--numprocesses")) for a in extra)
    spread = [] if chose else ["-n", "auto"]
    code = subprocess.run([str(py), "-m", "pytest", *spread, *extra], cwd=ROOT).returncode
    if code == 5:
        print("dev.py: pytest collected no tests; that is a failure", file=sys.stderr)
        return 1
    return code


def figures(py: Path, extra: list[str]) -> int:
    """Run each shipped experiment file afresh and copy the figures the README shows."""
    target = ROOT / "docs" / "figures"
    target.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(n for n, _ in FIGURES):
        cmd = [str(py), "-m", "sim", "experiment", f"experiments/{name}.toml", "--force", *extra]
        if code := subprocess.run(cmd, cwd=ROOT).returncode:
            return code
    for name, plot in FIGURES:
        made = ROOT / "results" / name / "plots" / plot
        (target / f"{name}_{plot}").write_bytes(made.read_bytes())
    return 0


RECORD = "sim/data/events_2023-11_to_2024-06.csv"
FIT_FIGURES = ("fit_waves.png", "fit_marginals.png", "fit_predictive.png")


def fit(py: Path, extra: list[str]) -> int:
    """The shipped fit and the README's out-of-sample test, each step a dmzsim command:

    1. fit baseline_2024 to the whole record (2023-11-23..2024-06-30) and the episodes, and
       ship its posterior as scenarios/baseline_2024.posterior.csv;
    2. fit it again to the record up to 2024-05-31 only;
    3. forecast June 2024 with each posterior and with the point values, and score each
       forecast against the record of June (`dmzsim score`)."""
    dmz = [str(py), "-m", "sim"]
    window = ["--observed", RECORD, "--from", "2023-11-23", "--seed", "2024", "--force"]
    full, may = ROOT / "results" / "fit-full", ROOT / "results" / "fit-to-may"
    steps = [
        [*dmz, "fit", "baseline_2024", *window, "--to", "2024-06-30", "--out", str(full), *extra],
        [*dmz, "fit", "baseline_2024", *window, "--to", "2024-05-31", "--out", str(may), *extra],
    ]
    forecasts = {
        "june-out-of-sample": str(may / "posterior.csv"),
        "june-in-sample": str(full / "posterior.csv"),
        "june-point-values": "none",
    }
    for name, posterior in forecasts.items():
        out = str(ROOT / "results" / name)
        steps.append(
            [
                *dmz,
                "run",
                "baseline_2024",
                "-n",
                "1000",
                "--seed",
                "2024",
                "--posterior",
                posterior,
                "--out",
                out,
                "--force",
                "--plots",
                "highest_rung",
            ]  # fmt: skip
        )
        steps.append(
            [
                *dmz,
                "score",
                out,
                "--observed",
                RECORD,
                "--from",
                "2024-06-01",
                "--to",
                "2024-06-30",
            ]  # fmt: skip
        )
    for i, cmd in enumerate(steps):
        if code := subprocess.run(cmd, cwd=ROOT).returncode:
            return code
        if i == 0:  # the shipped posterior and the README's figures of the fit
            shipped = ROOT / "scenarios" / "baseline_2024.posterior.csv"
            shipped.write_bytes((full / "posterior.csv").read_bytes())
            for plot in FIT_FIGURES:
                made = full / "plots" / plot
                (ROOT / "docs" / "figures" / plot).write_bytes(made.read_bytes())
    return 0


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        print("dev.py: dmzsim needs Python 3.11 or newer", file=sys.stderr)
        return 2
    jobs = {"demo": demo, "test": test, "figures": figures, "fit": fit}
    if not argv or argv[0] not in jobs:
        print("usage: python3 dev.py demo|test|figures|fit [extra arguments]", file=sys.stderr)
        return 2
    py = ensure_venv()
    return jobs[argv[0]](py, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
