"""Figures of a fit: the prior ruled out wave by wave, posterior marginals and pairs, and the
posterior predictive check of every statistic."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from sim.inference.fit import Fit, Problem  # noqa: E402
from sim.plots.figures import _save  # noqa: E402


def _short(path: str) -> str:
    """A parameter path without its section where that stays clear (for crowded axes)."""
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else path


def waves_figure(fit: Fit, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.6))
    w = [r["wave"] for r in fit.waves]
    share = [100 * r["ruled_out_share"] for r in fit.waves]
    ax.bar(w, share, color="C3", alpha=0.8, width=0.6)
    for x, y in zip(w, share, strict=True):
        ax.annotate(f"{y:.1f}%", (x, y), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(w, [f"wave {x}\n{r['points']} sets" for x, r in zip(w, fit.waves, strict=True)])
    ax.set_ylim(0, 105)
    ax.set_ylabel("share of the prior ruled out (%)")
    ax.set_title("History matching: implausible parameter sets, cumulative", fontsize=11)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def marginals_figure(problem: Problem, fit: Fit, path: Path) -> Path:
    priors = problem.priors
    d = len(priors)
    cols = min(4, d)
    rows = -(-d // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows), squeeze=False)
    prior_draws = priors.sample(np.random.default_rng(0), 20_000)
    from sim.scenario.loader import parameter_path_value

    main = problem.scenarios["window"]
    for j, prior in enumerate(priors.priors):
        ax = axes[j // cols][j % cols]
        log = prior.dist == "loguniform"
        lo, hi = prior.low, prior.high
        bins = np.geomspace(lo, hi, 31) if log else np.linspace(lo, hi, 31)
        ax.hist(prior_draws[:, j], bins=bins, density=True, color="0.75", label="prior")
        ax.hist(
            fit.values[:, j],
            bins=bins,
            weights=fit.weights,
            density=True,
            color="C0",
            alpha=0.75,
            label="posterior",
        )
        ax.axvline(parameter_path_value(main, prior.path), color="k", ls="--", lw=1, label="point")
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(_short(prior.path), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for k in range(d, rows * cols):
        axes[k // cols][k % cols].axis("off")
    axes[0][0].legend(fontsize=7, loc="upper right")
    fig.suptitle("Prior (grey) and posterior (blue) of each fitted parameter; dashed: point value")
    fig.tight_layout()
    return _save(fig, path)


def pairs_figure(problem: Problem, fit: Fit, path: Path) -> Path:
    priors = problem.priors
    d = len(priors)
    fig, axes = plt.subplots(d, d, figsize=(1.35 * d + 1, 1.35 * d + 1), squeeze=False)
    x = priors.to_work(fit.values)  # log scale for log-uniform priors
    size = 4 + 40 * fit.weights / fit.weights.max()
    for i in range(d):
        for j in range(d):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(x[:, j], bins=20, weights=fit.weights, color="C0")
            elif i > j:
                ax.scatter(x[:, j], x[:, i], s=size, alpha=0.25, color="C0", lw=0)
            else:
                ax.axis("off")
                r = np.corrcoef(x[:, j], x[:, i])[0, 1]
                ax.text(
                    0.5,
                    0.5,
                    f"{r:+.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="C3" if abs(r) > 0.3 else "0.4",
                    transform=ax.transAxes,
                )
            if i == d - 1:
                ax.set_xlabel("\n".join(textwrap.wrap(_short(priors.paths[j]), 14)), fontsize=6)
            if j == 0:
                ax.set_ylabel("\n".join(textwrap.wrap(_short(priors.paths[i]), 14)), fontsize=6)
    fig.suptitle(
        "Posterior pairs (log scale for log-uniform priors); above the diagonal: correlation",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, path)


def predictive_figure(rows: Sequence[dict], path: Path) -> Path:
    """Monthly counts in a panel per event type (months across), the record's facts and the
    episodes in a last panel. Types the record and the model both leave at zero are left out
    (they are in predictive.csv)."""
    monthly: dict[str, list[dict]] = {}
    facts = []
    for r in rows:
        head, _, kind = r["statistic"].partition(" ")
        if r["scenario"] == "window" and len(head) == 7 and head[4] == "-" and " " not in kind:
            monthly.setdefault(kind, []).append(r | {"month": head})
        else:
            facts.append(r)
    shown = {k: v for k, v in monthly.items() if any(r["observed"] or r["p95"] for r in v)}
    panels = len(shown) + 1
    cols = 3
    nrows = -(-panels // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax, (kind, rs) in zip(flat, shown.items(), strict=False):
        x = np.arange(len(rs))
        for xi, r in zip(x, rs, strict=True):
            colour = "C0" if r["inside_90"] else "C3"
            ax.plot([xi, xi], [r["p05"], r["p95"]], color=colour, lw=5, alpha=0.45)
            ax.plot(xi, r["mean"], "o", color=colour, ms=3)
        ax.plot(x, [r["observed"] for r in rs], "kx", ms=6, mew=1.8)
        ax.set_xticks(x, [r["month"][2:] for r in rs], fontsize=7, rotation=45)
        ax.set_title(kind, fontsize=10)
        ax.set_ylim(bottom=-0.3)
        ax.grid(axis="y", alpha=0.3)
    ax = flat[len(shown)]
    y = np.arange(len(facts))[::-1]
    for yi, r in zip(y, facts, strict=True):
        colour = "C0" if r["inside_90"] else "C3"
        ax.plot([r["p05"], r["p95"]], [yi, yi], color=colour, lw=5, alpha=0.45)
        ax.plot(r["mean"], yi, "o", color=colour, ms=3)
        ax.plot(r["observed"], yi, "kx", ms=6, mew=1.8)
    ax.set_yticks(y, [textwrap.shorten(r["statistic"], 38) for r in facts], fontsize=6)
    ax.set_title("facts and episodes (0/1 or counts)", fontsize=10)
    for extra in flat[panels:]:
        extra.axis("off")
    hidden = len(monthly) - len(shown)
    fig.suptitle(
        "Posterior predictive check: 90% interval (bar; red when the record falls outside), "
        f"mean (dot), record (x)\n{hidden} types that stayed at zero in the record and in the "
        "model are not drawn",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, path)


def fit_figures(
    folder: Path, problem: Problem, fit: Fit, predictive: Sequence[dict], fmt: str
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        waves_figure(fit, folder / f"fit_waves.{fmt}"),
        marginals_figure(problem, fit, folder / f"fit_marginals.{fmt}"),
        pairs_figure(problem, fit, folder / f"fit_pairs.{fmt}"),
        predictive_figure(predictive, folder / f"fit_predictive.{fmt}"),
    ]
