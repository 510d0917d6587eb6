"""Figures of parameter sweeps: effect curves, heatmaps and main-effect panels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.plots.sweep import (
    Effect,
    _effect_figure,
    _heatmap_figure,
    _heatmaps_figure,
    _main_effects_figure,
    _text_colour,
    _wrap,
    effect_plot,
    heatmap,
    heatmaps,
    main_effects,
)

LONG = "diplomacy.channels.hotline_reliability_after_restoration_of_military_agreement"
X_VALUES: dict[str, Sequence[Any]] = {
    "numeric": [0.0, 0.25, 0.5, 0.75, 1.0],
    "date": [dt.date(2024, m, 1) for m in (3, 5, 7, 9, 11)],
    "categorical": ["standard", "hardline", "true", "false", "a rather long level label"],
}


@pytest.fixture(autouse=True)
def no_figures_left() -> Iterator[None]:
    """Every test must close whatever figures it opened."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def effect(x: Sequence[Any], probability: bool, outcome: str = "P(highest_rung>=4)") -> Effect:
    k = len(x)
    mean = np.linspace(0.1, 0.4, k) if probability else np.linspace(2.0, 7.5, k)
    return Effect(
        outcome=outcome,
        x=x,
        mean=mean,
        lo=mean * 0.8,
        hi=mean * 1.2,
        n=np.full(k, 200),
        probability=probability,
    )


def texts(fig: Any) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def assert_written(path: Path, suffix: str) -> None:
    assert path.exists() and path.stat().st_size > 0
    head = path.read_bytes()[:200]
    if suffix == "png":
        assert head.startswith(b"\x89PNG")
    else:
        assert b"<svg" in path.read_bytes()[:2000] or head.startswith(b"<?xml")
    assert not list(path.parent.glob(".*.tmp"))  # no temporary file left behind


# ------------------------------------------------------------------------------- Effect


def test_effect_validates_lengths() -> None:
    with pytest.raises(ValueError, match="lo has shape"):
        Effect("m", [1, 2, 3], np.zeros(3), np.zeros(2), np.zeros(3), np.ones(3), False)
    with pytest.raises(ValueError, match="empty"):
        Effect("m", [], np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), False)
    with pytest.raises(ValueError, match="mixes dates"):
        z = np.zeros(2)
        Effect("m", [dt.date(2024, 1, 1), 2.0], z, z, z, z, False)
    e = effect([1, 2], False)
    assert e.x == (1, 2) and e.n.dtype == float


def test_wrap_breaks_dotted_names() -> None:
    wrapped = _wrap(LONG, 30)
    assert all(len(line) <= 30 for line in wrapped.splitlines())
    assert wrapped.replace("\n", "") == LONG
    assert _wrap("short", 30) == "short"


# --------------------------------------------------------------------------- effect_plot


@pytest.mark.parametrize("kind", list(X_VALUES))
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_effect_plot_writes(tmp_path: Path, kind: str, suffix: str) -> None:
    x = X_VALUES[kind]
    effects = [effect(x, True), effect(x, False, "mean count_mine_blast")]
    out = effect_plot(LONG, effects, tmp_path / "sub" / f"effect.{suffix}", "One-way sweep")
    assert out == tmp_path / "sub" / f"effect.{suffix}"
    assert_written(out, suffix)


def test_effect_figure_panels_and_limits() -> None:
    x = X_VALUES["categorical"][:3]
    e_p = effect(x, True)
    fig = _effect_figure("scenario.posture", [e_p, effect(x, False, "mean x")], "t")
    try:
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(visible) == 2
        assert visible[0].get_ylim()[0] == 0.0 and visible[0].get_ylim()[1] <= 1.0
        assert [t.get_text() for t in visible[1].get_xticklabels()] == list(x)
        assert "n=200 per estimate" in texts(fig)
    finally:
        plt.close(fig)


def test_effect_plot_many_outcomes_nan_and_single_point(tmp_path: Path) -> None:
    x = X_VALUES["numeric"]
    effects = [effect(x, i % 2 == 0, f"outcome {i}") for i in range(5)]
    gap = effects[0].mean.copy()
    gap[2] = np.nan
    effects[0] = Effect("gappy", x, gap, gap * 0.9, gap * 1.1, np.array([9, 9, 0, 9, 9]), True)
    assert_written(effect_plot("p", effects, tmp_path / "many.png", "t"), "png")
    assert_written(effect_plot("p", [effect([3.0], False)], tmp_path / "one.png", "t"), "png")


def test_effect_plot_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no effects"):
        effect_plot("p", [], tmp_path / "e.png", "t")
    mixed = [effect([1.0, 2.0], True), effect(["a", "b"], True)]
    with pytest.raises(ValueError, match="mix x kinds"):
        effect_plot("p", mixed, tmp_path / "e.png", "t")
    assert not (tmp_path / "e.png").exists()


# ------------------------------------------------------------------------------ heatmaps

X_LABELS = {
    "numeric": ["0.1", "0.2", "0.3"],
    "date": ["2024-03-01", "2024-06-01", "2024-09-01"],
    "categorical": ["standard", "hardline", "true"],
}
Y_LABELS = ["low", "mid", "high", "very high"]


def grid(probability: bool = True) -> tuple[np.ndarray, np.ndarray]:
    values = np.linspace(0.0, 1.0, 12).reshape(4, 3)
    if not probability:
        values = values * 40.0
    n = np.full((4, 3), 200.0)
    values[1, 2] = np.nan
    n[1, 2] = 0
    return values, n


@pytest.mark.parametrize("kind", list(X_LABELS))
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_heatmap_writes(tmp_path: Path, kind: str, suffix: str) -> None:
    values, n = grid()
    out = heatmap(
        LONG,
        X_LABELS[kind],
        "escalation.policy",
        Y_LABELS,
        "P(highest_rung>=4)",
        values,
        n,
        tmp_path / f"heat.{suffix}",
        "Two-way sweep",
        True,
        lo=values - 0.05,
        hi=values + 0.05,
    )
    assert_written(out, suffix)


def test_heatmap_annotates_values_n_and_intervals() -> None:
    values, n = grid()
    fig = _heatmap_figure(
        "a.x",
        X_LABELS["numeric"],
        "b.y",
        Y_LABELS,
        "P(x)",
        values,
        n,
        "t",
        True,
        lo=values - 0.05,
        hi=values + 0.05,
    )
    try:
        t = texts(fig)
        assert t.count("n=200") == 11 and t.count("n=0") == 1  # the NaN cell
        assert f"{values[0, 1]:.2f}" in t
        assert any(s.startswith("[") for s in t)  # intervals on a small grid
        ax = fig.axes[0]
        assert ax.images[0].origin == "lower"
        assert ax.images[0].get_cmap().name == "viridis"
        assert [s.get_text() for s in ax.get_yticklabels()] == Y_LABELS
        assert any(a.get_ylabel() == "P(x)" for a in fig.axes[1:])  # the colourbar
        # text colour contrasts with the cell: white on dark violet, black on yellow
        colours = {s.get_text(): s.get_color() for s in ax.texts}
        assert colours[f"{values[0, 0]:.2f}"] == "white"
        assert colours[f"{values[3, 2]:.2f}"] == "black"
    finally:
        plt.close(fig)


def test_heatmap_without_interval_and_large_grid(tmp_path: Path) -> None:
    values, n = grid(probability=False)
    fig = _heatmap_figure("a", X_LABELS["numeric"], "b", Y_LABELS, "mean k", values, n, "t", False)
    try:
        t = texts(fig)
        assert "n=200" in t and not any(s.startswith("[") for s in t)
    finally:
        plt.close(fig)
    big = np.random.default_rng(1).uniform(size=(25, 25))
    labels = [f"{v:.2f}" for v in np.linspace(0, 1, 25)]
    out = heatmap(
        "a", labels, "b", labels, "P", big, np.full_like(big, 50), tmp_path / "b.png", "t", True
    )
    assert_written(out, "png")


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_heatmaps_side_by_side(tmp_path: Path, suffix: str) -> None:
    p, n = grid()
    m, _ = grid(probability=False)
    panels = [("P(highest_rung>=4)", p, n, True), ("mean count_mine_blast", m, n, False)]
    out = heatmaps("x.p", X_LABELS["date"], "y.q", Y_LABELS, panels, tmp_path / f"h.{suffix}", "t")
    assert_written(out, suffix)
    fig = _heatmaps_figure("x.p", X_LABELS["date"], "y.q", Y_LABELS, panels, "t")
    try:
        assert sum(len(ax.images) for ax in fig.axes) == 2
        assert {ax.get_ylabel() for ax in fig.axes} >= {"P(highest_rung>=4)"}
        assert texts(fig).count("n=200") == 22
    finally:
        plt.close(fig)


def test_heatmap_shape_mismatch_raises(tmp_path: Path) -> None:
    values, n = grid()
    with pytest.raises(ValueError, match="values has shape"):
        heatmap("a", ["1", "2"], "b", Y_LABELS, "P", values, n, tmp_path / "h.png", "t", True)
    with pytest.raises(ValueError, match="n has shape"):
        heatmap(
            "a",
            X_LABELS["numeric"],
            "b",
            Y_LABELS,
            "P",
            values,
            n[:2],
            tmp_path / "h.png",
            "t",
            True,
        )
    with pytest.raises(ValueError, match="lo has shape"):
        heatmap(
            "a",
            X_LABELS["numeric"],
            "b",
            Y_LABELS,
            "P",
            values,
            n,
            tmp_path / "h.png",
            "t",
            True,
            lo=values[:, :2],
            hi=values,
        )
    with pytest.raises(ValueError, match="both lo and hi"):
        heatmap(
            "a",
            X_LABELS["numeric"],
            "b",
            Y_LABELS,
            "P",
            values,
            n,
            tmp_path / "h.png",
            "t",
            True,
            lo=values,
        )
    with pytest.raises(ValueError, match="no heatmap panels"):
        heatmaps("a", ["1"], "b", ["1"], [], tmp_path / "h.png", "t")
    with pytest.raises(ValueError, match="empty grid"):
        heatmaps(
            "a",
            [],
            "b",
            [],
            [("P", np.zeros((0, 0)), np.zeros((0, 0)), True)],
            tmp_path / "h.png",
            "t",
        )
    with pytest.raises(ValueError, match="values has shape"):
        heatmaps(
            "a",
            X_LABELS["numeric"],
            "b",
            Y_LABELS,
            [("P", values, n, True), ("Q", values.T, n.T, True)],
            tmp_path / "h.png",
            "t",
        )
    assert not (tmp_path / "h.png").exists()


def test_text_colour_contrast() -> None:
    assert _text_colour((0.0, 0.0, 0.0, 1.0)) == "white"
    assert _text_colour((1.0, 1.0, 0.0, 1.0)) == "black"


# -------------------------------------------------------------------------- main_effects


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_main_effects_writes_mixed_kinds(tmp_path: Path, suffix: str) -> None:
    pairs = [
        (LONG if kind == "numeric" else f"{kind}.param", effect(x, True))
        for kind, x in X_VALUES.items()
    ]
    pairs.append(("extra.parameter", effect([1, 2, 3, 4], True)))  # a second row of panels
    out = main_effects("P(highest_rung>=4)", pairs, tmp_path / f"main.{suffix}", "Main effects")
    assert_written(out, suffix)


def test_main_effects_shared_y_and_overall_line() -> None:
    pairs = [("a.b", effect([0.0, 1.0, 2.0], False)), ("c.d", effect(["x", "y"], False))]
    fig = _main_effects_figure("mean k", pairs, "t")
    try:
        first, second = (ax for ax in fig.axes if ax.get_visible())
        assert first.get_ylim() == second.get_ylim()  # shared y axis
        dashed = [ln for ln in first.get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) == 1
        # default overall = n-weighted mean of the first effect's estimates
        assert np.asarray(dashed[0].get_ydata())[0] == pytest.approx(np.mean(pairs[0][1].mean))
    finally:
        plt.close(fig)
    fig = _main_effects_figure("mean k", pairs, "t", overall=3.5)
    try:
        dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
        assert np.asarray(dashed[0].get_ydata())[0] == 3.5
    finally:
        plt.close(fig)


def test_main_effects_probability_axis_from_zero(tmp_path: Path) -> None:
    pairs = [("a", effect([0.0, 1.0], True)), ("b", effect(["x", "y", "z"], True))]
    fig = _main_effects_figure("P", pairs, "t")
    try:
        low, high = fig.axes[0].get_ylim()
        assert low == 0.0 and 0.4 < high <= 1.0
    finally:
        plt.close(fig)


def test_main_effects_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no main effects"):
        main_effects("P", [], tmp_path / "m.png", "t")
    with pytest.raises(ValueError, match="pairs"):
        main_effects("P", [("a", "not an effect")], tmp_path / "m.png", "t")  # type: ignore[list-item]
    assert not (tmp_path / "m.png").exists()


# ------------------------------------------------------ parameter labels (doc name and unit)


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("diplomacy.initial_backing", "Russia-DPRK backing at the start (index 0-1)"),
        ("terrain.vegetation_summer", "foliage cover at its peak (share 0-1)"),
        (
            "terrain.sectors.central.crews",
            "central sector: DPRK work crews assigned to the sector (crews)",
        ),
        ("timeline.events[6].date", "timeline event 6: day the event happens (date)"),
        ("no.such_parameter", "no.such_parameter"),
    ],
)
def test_parameter_labels_carry_doc_and_unit(path: str, text: str) -> None:
    from sim.plots.labels import parameter_label

    label = parameter_label(path)
    assert _plain(label.text) == text and label.path == path
    if label.unit:  # the unit is tied to its doc by no-break spaces: wrapping never splits it
        assert " " not in label.unit_text and _wrap(label.text, 30).endswith(label.unit_text)


def test_sweep_axes_name_the_parameter_and_keep_the_path() -> None:
    values, n = grid()
    fig = _heatmap_figure(
        "diplomacy.initial_backing", X_LABELS["numeric"], "terrain.sectors.central.crews",
        Y_LABELS, "P(x)", values, n, "t", True,
    )  # fmt: skip
    try:
        ax = fig.axes[0]
        assert "(index 0-1)" in _plain(ax.get_xlabel()).replace("\n", " ")
        assert "work crews" in _plain(ax.get_ylabel()).replace("\n", " ")
        small = {t.get_text(): t.get_fontsize() for t in ax.texts}
        assert {"diplomacy.initial_backing", "terrain.sectors.central.crews"} <= set(small)
        assert small["diplomacy.initial_backing"] < ax.xaxis.label.get_fontsize()
    finally:
        plt.close(fig)
    x = X_VALUES["date"]
    for fig in (
        _effect_figure("timeline.events[6].date", [effect(x, True), effect(x, False, "m")], "t"),
        _main_effects_figure("P", [("terrain.vegetation_summer", effect([0.5, 1.0], True))], "t"),
    ):
        try:
            labels = [_plain(a.get_xlabel()).replace("\n", " ") for a in fig.axes if a.get_xlabel()]
            assert labels and all("(date)" in s or "(share 0-1)" in s for s in labels)
            assert any(
                t in texts(fig) for t in ("timeline.events[6].date", "terrain.vegetation_summer")
            )
            assert not [a for a in fig.axes if a.get_title() in ("timeline.events[6].date",)]
        finally:
            plt.close(fig)


def test_probability_heatmap_without_intervals_gets_wilson_intervals_and_notes() -> None:
    """A share of n replications gets its 95% Wilson interval; the colour range covers the
    upper bounds, so noise at small probabilities does not take the whole scale; a panel with
    one value in every cell says so."""
    from sim.analysis.stats import proportion_ci

    n = np.full((2, 3), 100.0)
    flat = np.full((2, 3), 0.02)
    zero = np.zeros((2, 3))
    panels = [("P(rung>=5)", flat, n, True), ("P(war)", zero, n, True)]
    fig = _heatmaps_figure("a", X_LABELS["numeric"], "b", Y_LABELS[:2], panels, "t")
    try:
        first, second = (ax for ax in fig.axes if ax.images)
        lo, hi = proportion_ci(2, 100)[1:]
        assert f"[{lo:.2f}, {hi:.2f}]" in [t.get_text() for t in first.texts]
        assert first.images[0].norm.vmax >= hi  # the colours span the intervals
        assert "0.02 in every cell" in first.get_title()
        assert "0 in every cell: no replication had it" in second.get_title()
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- Sobol' bars


def _indices(total: Sequence[float]) -> Any:
    from sim.analysis.sensitivity import SobolIndices

    t = np.asarray(total, dtype=float)
    return SobolIndices(
        names=("diplomacy.initial_backing", "terrain.vegetation_summer", "c.unknown"),
        first=t * 0.8, first_low=t * 0.6, first_high=t,
        total=t, total_low=t * 0.9, total_high=t * 1.1,
        n=64, confidence=0.95, variance=1.0,
    )  # fmt: skip


def test_sobol_bars_sorted_by_total_index_with_ranges() -> None:
    from sim.plots.sensitivity import _sobol_figure, sobol_order

    ix = _indices([0.1, 0.7, np.nan])
    assert sobol_order(ix) == [1, 0, 2]  # largest total first, NaN last
    ranges = {"terrain.vegetation_summer": (0.6, 1.0), "diplomacy.initial_backing": (0.0, 1.0)}
    fig = _sobol_figure(ix, "mean_tension", None, ranges)
    try:
        ax = fig.axes[0]
        bars = [b for b in ax.patches if b.get_height() > 0]
        totals = sorted((b.get_y(), b.get_width()) for b in bars[3:])  # second series: total
        assert [w for _, w in totals][:2] == pytest.approx([0.7, 0.1])  # top to bottom
        assert ax.get_ylim()[0] > ax.get_ylim()[1]  # row 0 (the largest) on top
        rows = sorted((t.xy[1], _plain(t.get_text()).replace("\n", " ")) for t in ax.texts)
        assert rows[0][1].startswith("foliage cover at its peak")
        assert any("terrain.vegetation_summer, varied 0.6 to 1 (share 0-1)" in t for _, t in rows)
        assert any("diplomacy.initial_backing, varied 0 to 1" in t for _, t in rows)
        assert "c.unknown" in [t for _, t in rows]  # no doc, no range: the path alone
    finally:
        plt.close(fig)


def test_sobol_bar_chart_keeps_its_signature(tmp_path: Path) -> None:
    from sim.plots.sensitivity import sobol_bar_chart

    out = sobol_bar_chart(_indices([0.2, 0.5, 0.1]), "P(x)", tmp_path / "s.png", "title")
    assert_written(out, "png")


def test_effect_of_a_probability_that_is_always_zero_says_so() -> None:
    x = X_VALUES["numeric"]
    zero = Effect("P(war)", x, np.zeros(5), np.zeros(5), np.full(5, 0.02), np.full(5, 200), True)
    for fig in (_effect_figure("a.b", [zero], "t"), _main_effects_figure("P", [("a", zero)], "t")):
        try:
            assert any("no replication had it" in t for t in texts(fig))
        finally:
            plt.close(fig)
    fig = _effect_figure("a.b", [effect(x, True)], "t")
    try:
        assert not any("no replication had it" in t for t in texts(fig))
    finally:
        plt.close(fig)
