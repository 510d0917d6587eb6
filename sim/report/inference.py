"""Sections of a score (score.csv) and of a fit (parameters, waves, generations, the posterior
predictive check and the posterior particles)."""

from __future__ import annotations

import math

import numpy as np

from sim.report.folder import Results
from sim.report.html import Section, as_float, heading, interval, num, para, table

SCORE_COLUMNS = (
    "quantity",
    "observed",
    "mean",
    "90% predictive interval",
    "PIT",
    "CRPS",
    "CRPS persistence",
    "skill vs persistence",
    "skill vs climatology",
)


def _trivial(x: dict[str, str]) -> bool:
    """A row with nothing to show: every replication and every baseline exact (as the command
    line leaves out)."""
    baselines = (as_float(x["crps_persistence"]), as_float(x["crps_climatology"]))
    exact = all(v == 0.0 or math.isnan(v) for v in baselines)
    return exact and as_float(x["crps"]) == 0.0 and x["pit_lo"] == "0" and x["pit_hi"] == "1"


def score_section(r: Results) -> Section | None:
    """Proper scores of the forecast against the record, beside persistence and climatology."""
    rows = r.rows("score.csv")
    if not rows:
        return None
    out = []
    for name in dict.fromkeys(x["scenario"] for x in rows):
        mine = [x for x in rows if x["scenario"] == name]
        shown = [x for x in mine if not _trivial(x)]
        monthly = [x for x in mine if x["kind"] == "count" and x["month"] != "window"]
        crps = sum(as_float(x["crps"]) for x in monthly)
        pers = sum(as_float(x["crps_persistence"]) for x in monthly)
        out.append(heading(f"{name}: {mine[0]['replications']} replications"))
        skill = 1.0 - crps / pers if pers > 0 else math.nan
        out.append(
            para(
                f"Summed over the {len(monthly)} monthly counts: CRPS {num(crps)}, persistence "
                f"{num(pers)}" + (f" (skill {num(skill)})." if not math.isnan(skill) else ".")
            )
        )
        cells = [
            [
                x["quantity"],
                num(x["observed"]),
                num(x["mean"]),
                interval(x["p05"], x["p95"]),
                num(x["pit"]),
                num(x["crps"]),
                num(x["crps_persistence"]),
                num(x["skill_persistence"]),
                num(x["skill_climatology"]),
            ]
            for x in shown
        ]
        out.append(table(list(SCORE_COLUMNS), cells, source="score.csv", max_rows=40))
        if len(shown) < len(mine):
            out.append(
                para(
                    f"{len(mine) - len(shown)} quantities are left out: the record, every "
                    "replication and every baseline gave 0.",
                    "note",
                )
            )
    out.append(
        para(
            "PIT: where the observed value falls in the replications' distribution (mid-PIT; "
            "0.5 is the middle). CRPS: the continuous ranked probability score, lower is better. "
            "Skill = 1 - CRPS / CRPS of the baseline: above 0, the model beats it; -inf, the "
            "baseline was exact and the model was not; -, no baseline. The 90% predictive "
            "interval holds the central 90% of replications.",
            "note",
        )
    )
    return Section("score", "Scores against the record", "".join(out))


def _posterior_summary(r: Results) -> str:
    rows = r.rows("posterior.csv")
    if not rows:
        return ""
    header = [h for h in rows[0] if h != "weight"]
    w = np.array([as_float(x["weight"]) for x in rows])
    w = w / w.sum()
    cells = []
    for h in header:
        v = np.array([as_float(x[h]) for x in rows])
        mean = float(np.sum(w * v))
        sd = float(np.sqrt(np.sum(w * (v - mean) ** 2)))
        cells.append([h, num(mean), num(sd), num(float(v.min())), num(float(v.max()))])
    ess = 1.0 / float(np.sum(w**2))
    return (
        heading("The posterior (posterior.csv)")
        + para(
            f"{len(rows)} weighted particles of {len(header)} parameters (effective sample "
            f"size {num(ess)}). A run given this file with --posterior draws each "
            "replication's parameters from it by weight."
        )
        + table(
            ["parameter", "weighted mean", "weighted sd", "smallest", "largest"],
            cells,
            max_rows=len(cells),
        )
    )


def fit_section(r: Results) -> Section | None:
    """What the fit found: parameters, history-matching waves, ABC generations, the posterior
    predictive check and the posterior itself."""
    params = r.rows("parameters.csv")
    if not params:
        return None
    out = [heading("Parameters: prior, point value and posterior")]
    cells = [
        [
            x["parameter"],
            x["prior"],
            num(x["point_value"]),
            num(x["posterior_mean"]),
            num(x["posterior_median"]),
            interval(x["posterior_p05"], x["posterior_p95"]),
        ]
        for x in params
    ]
    out.append(
        table(
            [
                "parameter",
                "prior",
                "point value",
                "posterior mean",
                "median",
                "90% posterior interval",
            ],
            cells,
            max_rows=len(cells),
        )  # fmt: skip
    )
    for name, title, note in (
        (
            "waves.csv",
            "History matching: the share of the prior ruled out after each wave",
            "A parameter set is ruled out where an emulator of the model puts some statistic "
            "too far from the record (implausibility above the cutoff).",
        ),
        (
            "generations.csv",
            "ABC generations",
            "epsilon: the distance a particle had to beat; ess: effective sample size.",
        ),
    ):
        rows = r.rows(name)
        if rows:
            header = list(rows[0])
            out.append(heading(title))
            heads = [h.replace("_", " ") for h in header]
            out.append(table(heads, [[num(x[h]) for h in header] for x in rows], source=name))
            out.append(para(note, "note"))
    predictive = r.rows("predictive.csv")
    if predictive:
        outside = [x for x in predictive if x["inside_90"] != "1"]
        busy = [x for x in predictive if x["inside_90"] == "1" and x["p95"] != x["p05"]]
        order = outside + busy + [x for x in predictive if x not in outside and x not in busy]
        out.append(heading("Posterior predictive check"))
        out.append(
            para(
                f"{len(predictive) - len(outside)} of {len(predictive)} statistics of the record "
                "fall inside their 90% predictive interval. Listed: "
                + ("those outside first, then " if outside else "")
                + "those whose interval is not a single value."
            )
        )
        cells = [
            [
                x["statistic"],
                x["scenario"],
                num(x["observed"]),
                num(x["mean"]),
                interval(x["p05"], x["p95"]),
                "yes" if x["inside_90"] == "1" else "no",
            ]
            for x in order
        ]
        out.append(
            table(
                ["statistic", "scenario", "observed", "mean", "90% predictive interval", "inside"],
                cells,
                source="predictive.csv",
            )
        )
    out.append(_posterior_summary(r))
    return Section("fit", "The fit", "".join(out))
