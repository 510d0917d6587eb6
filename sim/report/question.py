"""The report's opening sections: the question the experiment asks (each scenario's description,
how the scenarios differ from the base, what a sweep varies) and the manifest (how it ran)."""

from __future__ import annotations

import shlex

from sim.report.diff import differences, shown
from sim.report.folder import Results
from sim.report.html import Section, code, definitions, esc, heading, num, para, table

MAX_DIFFS = 40


def _description(r: Results, name: str) -> str:
    return str(r.scenario(name).get("description") or "(no description)")


def _design(r: Results) -> str:
    design = r.manifest.get("design") or {}
    factors = design.get("factors") or []
    rows = []
    for f in factors:
        levels = f.get("levels")
        rows.append(
            [
                f.get("path", ""),
                f.get("spec", ""),
                ", ".join(map(str, levels)) if levels else "a range (sampled)",
            ]
        )
    method = design.get("method", "")
    points = design.get("points", "")
    text = f"Design: {method}, {points} points"
    if design.get("base_samples"):
        text += f" ({design['base_samples']} base samples)"
    return para(text + "; the parameters varied:") + table(
        ["parameter", "values given", "levels"], rows
    )


def _compare(r: Results) -> str:
    base = r.base_name()
    rows = [[name + (" (base)" if name == base else ""), _description(r, name)] for name in r.names]
    out = [table(["scenario", "question"], rows)]
    for name in r.names[1:]:
        diffs = differences(r.scenario(base), r.scenario(name))
        out.append(heading(f"{name}: what differs from {base}"))
        if not diffs:
            out.append(para("Nothing but the name and the description.", "note"))
            continue
        cells = [[path, shown(b), shown(o)] for path, b, o in diffs]
        out.append(table(["parameter", base, name], cells, max_rows=MAX_DIFFS))
    return "".join(out)


def _fit(r: Results) -> str:
    command = r.manifest.get("command") or []
    opts = dict(zip(command, command[1:], strict=False))
    window = f"{opts.get('--from', '?')} to {opts.get('--to', '?')}"
    out = [
        para(
            f"Which values of the uncertain parameters are consistent with the record "
            f"{opts.get('--observed', '')} from {window}"
            + (
                f" and the episodes {opts['--episodes']}?"
                if opts.get("--episodes", "none") != "none"
                else "?"
            ),
            "question",
        )
    ]
    files = r.manifest.get("scenarios") or {}
    rows = [[name, str(files.get(name, ""))] for name in r.names]
    return "".join(out) + table(["part of the fit", "scenario file"], rows)


def _score(r: Results) -> str:
    months = sorted({row["month"] for row in r.rows("score.csv") if row["month"] != "window"})
    span = f" ({months[0]} to {months[-1]})" if months else ""
    return para(
        f"How well did the replications of {', '.join(r.names)} forecast the record{span}, "
        "compared with naive baselines?",
        "question",
    )


def question_section(r: Results) -> Section:
    """Section 1: the question, and what sets the scenarios apart."""
    if r.kind == "run":
        body = para(_description(r, r.base_name()), "question") + para(f"Scenario {r.base_name()}.")
    elif r.kind == "compare":
        others = ", ".join(r.names[1:])
        verb = "does" if len(r.names) == 2 else "do"
        ask = f"What {verb} {others} change in the answer to {r.base_name()}'s question: "
        body = para(ask + _description(r, r.base_name()), "question") + _compare(r)
    elif r.kind in ("sweep", "sensitivity"):
        body = para(_description(r, r.base_name()), "question")
        body += para(f"Base scenario {r.base_name()}, varied over a design.") + _design(r)
    elif r.kind == "fit":
        body = _fit(r)
    else:
        body = _score(r)
    overrides = r.manifest.get("overrides") or []
    if overrides:
        body += para("Every scenario ran with these changes (--set):")
        body += "<ul>" + "".join(f"<li>{esc(code(o))}</li>" for o in overrides) + "</ul>"
    return Section("question", "The question", body)


def _posterior(r: Results) -> str:
    used = r.manifest.get("posterior")
    if not isinstance(used, dict) or not any(used.values()):
        return "none: point values"
    if len(used) > 1 and all(u == next(iter(used.values())) for u in used.values()):
        used = {"every scenario": next(iter(used.values()))}
    parts = []
    for name, u in used.items():
        if not u:
            parts.append(f"{name}: none (point values)")
            continue
        text = (
            f"{name}: {u.get('file', '?')} ({u.get('rows', '?')} sets of "
            f"{len(u.get('parameters') or [])} parameters, effective sample size "
            f"{num(u.get('effective_sample_size'))})"
        )
        if u.get("overridden"):
            text += "; set by something else: " + ", ".join(
                f"{p} ({who})" for p, who in u["overridden"].items()
            )
        parts.append(text)
    return "; ".join(parts)


def manifest_section(r: Results) -> Section:
    """Section 2: how the experiment ran, from manifest.json."""
    m = r.manifest
    if not m:
        body = para(
            "This folder has no manifest.json: dmzsim score writes only score.csv and its plots. "
            "The manifest of the scored run is in that run's folder.",
            "note",
        )
        return Section("manifest", "How it ran", body)
    command = m.get("command")
    replications = m.get("replications", m.get("replications_simulated"))
    pairs: list[tuple[str, object]] = [
        ("dmzsim version", m.get("version", "?")),
        ("command", shlex.join(map(str, command)) if isinstance(command, list) else "?"),
        ("root seed", r.seed()),
        ("replications" if "replications" in m else "replications simulated", replications),
        ("backend", m.get("backend")),
        ("workers", m.get("workers")),
        ("posterior", _posterior(r) if r.kind != "fit" else "(this folder is the fit)"),
        ("started", m.get("started")),
        ("finished", m.get("finished")),
        ("seconds", m.get("seconds")),
    ]
    if m.get("experiment_file"):
        pairs.append(("experiment file", m["experiment_file"]))
    if "precision" in m:
        pairs.append(
            (
                "precision",
                f"target half-width {m['precision']}, reached {num(m.get('widest_half_width'))} "
                f"(cap {m.get('max_replications')})",
            )
        )
    if isinstance(m.get("settings"), dict):
        pairs.append(("settings", ", ".join(f"{k}={v}" for k, v in m["settings"].items())))
    body = definitions((k, v) for k, v in pairs if v is not None)
    if r.kind != "fit":
        body += para(
            "Replication i of every scenario draws from the same random streams (common random "
            "numbers), so the same command gives the same numbers on any backend.",
            "note",
        )
    return Section("manifest", "How it ran", body)
