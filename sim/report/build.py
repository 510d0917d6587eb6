"""Put a results folder's report together and write it, atomically, as one HTML file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim import __version__
from sim.errors import InputError
from sim.experiment.outputs import atomic_open
from sim.report.designs import prim_section, sensitivity_section, sweep_section
from sim.report.folder import Results, open_results
from sim.report.html import Section, figure, page, para
from sim.report.inference import fit_section, score_section
from sim.report.outcomes import (
    differences_section,
    extremes_section,
    forecast_section,
    headline_section,
    survival_table,
)
from sim.report.question import manifest_section, question_section

REPORT_NAME = "report.html"
CAPTIONS = {
    "tension_fan": "Tension over time: the median and bands of the replications",
    "highest_rung": "Highest rung reached",
    "casualties": "Casualties per replication",
    "event_counts": "Events per replication, by type",
    "survival_fire": "Time to the first exchange of fire (Kaplan-Meier, 95% band)",
    "survival_rungs": "Time to each rung (Kaplan-Meier, 95% bands)",
    "sweep": "Outcomes against the swept parameter",
    "heatmap": "Outcomes over two swept parameters",
    "score_intervals": "The record against the replications' predictive intervals",
    "score_pit": "PIT histogram: where the record fell in the forecast distributions",
    "fit_waves": "History matching: what each wave ruled out",
    "fit_marginals": "Posterior marginals against the priors",
    "fit_pairs": "Posterior pairs",
    "fit_predictive": "Posterior predictive check",
}


def caption(path: Path) -> str:
    stem = path.stem
    if stem in CAPTIONS:
        return CAPTIONS[stem]
    if stem.startswith("main_effects_"):
        return "Main effect of each parameter on " + stem.removeprefix("main_effects_")
    return stem.replace("_", " ")


def plots_of(r: Results) -> list[Path]:
    """Every image of plots/ (and every PDF, which is named but cannot be shown)."""
    folder = r.path / "plots"
    if not folder.is_dir():
        return []
    order = {name: i for i, name in enumerate(CAPTIONS)}
    found = [p for p in folder.iterdir() if p.suffix.lower() in (".png", ".svg", ".pdf")]
    return sorted(found, key=lambda p: (order.get(p.stem, len(order)), p.name))


def _figures(paths: list[Path]) -> str:
    return "".join(figure(p, caption(p)) for p in paths)


def sections(r: Results) -> list[Section]:
    """The report's sections for the kind of folder, in reading order; every plot is shown
    once, in the section it belongs to or else under Figures."""
    plots = plots_of(r)
    placed: set[Path] = set()

    def owned(prefix: str) -> list[Path]:
        return [p for p in plots if p.stem.startswith(prefix)]

    def add(section: Section | None, paths: list[Path], inside: bool = False) -> Section | None:
        """``section`` with ``paths`` appended (or already ``inside`` it), if it exists."""
        if section is None:
            return None
        placed.update(paths)
        if inside:
            return section
        return Section(section.anchor, section.title, section.body + _figures(paths))

    out = [question_section(r), manifest_section(r)]
    if r.kind in ("run", "compare"):
        out.append(headline_section(r))
        if r.kind == "compare":
            out.append(differences_section(r))
        out.append(forecast_section(r))
        survival = Section("survival", "Time to each rung (Kaplan-Meier)", survival_table(r))
        out.append(add(survival, owned("survival_")))
        out.append(extremes_section(r))
    if r.kind == "sweep":
        out.append(sweep_section(r))
    if r.kind in ("sweep", "sensitivity"):
        out.append(add(sensitivity_section(r, owned("sobol_")), owned("sobol_"), inside=True))
        out.append(add(prim_section(r, owned("discover_")), owned("discover_"), inside=True))
    if r.kind == "fit":
        out.append(add(fit_section(r), owned("fit_")))
    out.append(add(score_section(r), owned("score_")))
    rest = [p for p in plots if p not in placed]
    if rest or not plots:
        body = _figures(rest) if rest else para("No plots in this folder.", "note")
        out.append(Section("figures", "Figures", body))
    return [s for s in out if s is not None]


def title_of(r: Results) -> tuple[str, str]:
    what = {
        "run": f"Run of {r.base_name()}",
        "compare": f"Comparison of {len(r.names)} scenarios against {r.base_name()}",
        "sweep": f"Sweep over {r.base_name()}",
        "sensitivity": f"Sensitivity of {r.base_name()}",
        "fit": "Fit of the uncertain parameters",
        "score": f"Scores of {', '.join(r.names)}",
    }[r.kind]
    n = r.manifest.get("replications")
    seed = r.seed()
    facts = [
        f"{n} replications" if n is not None else "",
        f"seed {seed}" if seed is not None else "",
    ]
    sub = ", ".join(f for f in facts if f)
    return f"dmzsim: {what}", f"{r.path.resolve().name}/" + (f" · {sub}" if sub else "")


def render(r: Results) -> str:
    """The whole report of a folder, as text."""
    title, subtitle = title_of(r)
    now = dt.datetime.now().isoformat(timespec="seconds")
    footer = (
        f"Written by dmzsim {__version__} (dmzsim report) on {now} from {r.path.resolve()}. "
        "Long tables show their top rows; the folder's CSV files hold every row."
    )
    return page(title, subtitle, sections(r), footer)


def target(folder: Path, out: str | Path | None) -> Path:
    """Where the report goes: ``--out``, or RESULTS/report.html; refused with one line when it
    is a folder or its folder does not exist."""
    path = Path(out) if out is not None else folder / REPORT_NAME
    if path.is_dir():
        raise InputError("--out", None, str(path), "is a folder; give a file such as report.html")
    if not path.parent.is_dir():
        raise InputError("--out", None, str(path), f"no such folder {path.parent}")
    return path


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of the results folder ``folder`` to ``out`` (default
    ``folder/report.html``) in one step: all or nothing. Returns the path written."""
    r = open_results(Path(folder))
    path = target(r.path, out)
    try:
        text = render(r)
    except (KeyError, ValueError, IndexError) as e:  # a table another version wrote, or edited
        raise InputError(
            "RESULTS", None, str(r.path), f"a file is not as dmzsim writes it ({e!r})"
        ) from None
    try:
        with atomic_open(path, "w") as fh:
            fh.write(text)
    except OSError as e:
        raise InputError("--out", None, str(path), f"cannot write there ({e.strerror})") from None
    return path
