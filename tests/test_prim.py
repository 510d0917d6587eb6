"""PRIM scenario discovery: known boxes are found, trajectories obey the PRIM invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.prim import LIMIT_FIELDS, ROW_FIELDS, Box, PrimResult, box_limits, box_rows, prim
from sim.plots.prim import tradeoff_plot

NAMES = ["x0", "x1", "x2", "x3"]
TRUE_LOWER0, TRUE_UPPER2 = 0.6, 0.3  # the planted box: x0 in [0.6, 1], x2 in [0, 0.3]


@pytest.fixture(scope="module")
def planted() -> tuple[np.ndarray, np.ndarray]:
    """20,000 uniform cases on [0, 1]^4; y = 1 w.p. 0.9 inside the planted box, 0.05 outside."""
    rng = np.random.default_rng(20240917)
    x = rng.random((20_000, 4))
    in_box = (x[:, 0] >= TRUE_LOWER0) & (x[:, 2] <= TRUE_UPPER2)
    y = rng.random(x.shape[0]) < np.where(in_box, 0.9, 0.05)
    return x, y


def _recount(box: Box, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, int]:
    inside = box.contains(x)
    return y[inside].sum() / y.sum(), y[inside].mean(), inside.mean(), int(inside.sum())


def test_planted_box_is_found(planted: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = planted
    alpha = 0.05
    result = prim(x, y, NAMES, alpha=alpha, threshold=0.87)
    box, full = result.chosen, result.trajectory[0]
    assert box.restricted(full) == [0, 2]
    # One peel removes at most ceil(alpha * m) of the box's m cases; x is uniform, so near the
    # planted box a peel moves a bound by about alpha * (the box's width in that input):
    # 0.05 * 0.4 = 0.02 on x0 and 0.05 * 0.3 = 0.015 on x2. Threshold 0.87 (true density 0.9)
    # rejects boxes overshooting an edge by more than that: overshooting x2 by d gives density
    # (0.108 + 0.4 * 0.05 d) / (0.12 + 0.4 d) >= 0.87 only for d <= 0.011, x0 only for <= 0.015.
    # So each bound lies within one peel width of the true edge.
    assert box.lower[0] == pytest.approx(TRUE_LOWER0, abs=alpha * 0.4)
    assert box.upper[2] == pytest.approx(TRUE_UPPER2, abs=alpha * 0.3)
    # Unrestricted limits are the data's own extremes, so every bound is an actual data value.
    for j in range(4):
        assert box.lower[j] in x[:, j] and box.upper[j] in x[:, j]
    coverage, density, mass, n = _recount(box, x, y)
    assert (box.coverage, box.density, box.mass, box.n) == (coverage, density, mass, n)
    truth = (x[:, 0] >= TRUE_LOWER0) & (x[:, 2] <= TRUE_UPPER2)
    assert box.coverage == pytest.approx(y[truth].sum() / y.sum(), abs=0.03)
    assert box.density == pytest.approx(y[truth].mean(), abs=0.03)


def test_default_threshold_rule(planted: tuple[np.ndarray, np.ndarray]) -> None:
    """Default: highest-coverage box at least halfway from base to the top density."""
    x, y = planted
    result = prim(x, y, NAMES, paste=False)
    densities = [b.density for b in result.trajectory]
    threshold = result.base_density + 0.5 * (max(densities) - result.base_density)
    eligible = [b.coverage for b in result.trajectory if b.density >= threshold]
    source = result.trajectory[result.chosen_index]
    assert source.density >= threshold and source.coverage == max(eligible)
    assert result.chosen.restricted(result.trajectory[0]) == [0, 2]
    assert result.base_density == y.mean() == result.trajectory[0].density


def test_categorical_dimension_keeps_its_category() -> None:
    rng = np.random.default_rng(7)
    n = 6_000
    x = np.column_stack([rng.integers(0, 3, n), rng.random(n)]).astype(float)
    y = rng.random(n) < np.where(x[:, 0] == 2, 0.8, 0.05)
    result = prim(x, y, ["mode", "level"], [True, False])
    box, full = result.chosen, result.trajectory[0]
    assert full.allowed[0] == frozenset({0, 1, 2}) and full.allowed[1] is None
    assert box.allowed[0] == frozenset({2})
    assert box.restricted(full) == [0]
    assert (np.isneginf(box.lower[0]), np.isposinf(box.upper[0])) == (True, True)
    coverage, density, mass, count = _recount(box, x, y)
    assert (box.coverage, box.density, box.mass, box.n) == (coverage, density, mass, count)

    modes = {0: "soft", 1: "hardline", 2: "mixed"}
    rows = box_rows(result, labels=lambda j, v: modes[int(v)] if j == 0 else f"{v:.2f}")
    assert [tuple(r) for r in rows] == [ROW_FIELDS] * len(result.trajectory)
    assert rows[0]["limits"] == "" and rows[0]["restricted"] == 0
    assert sum(r["chosen"] for r in rows) == 1 and rows[result.chosen_index]["chosen"]
    assert rows[result.chosen_index]["limits"] == "mode in {mixed}"
    limits = box_limits(result, box, labels=lambda j, v: modes[int(v)])
    expected = ["mode", "", "", "mixed", "", "", "soft, hardline, mixed"]
    assert limits == [dict(zip(LIMIT_FIELDS, expected, strict=True))]


def test_limits_text_formats_numeric_and_categorical() -> None:
    x = np.array([[0.0, 0], [0.25, 1], [0.5, 0], [0.75, 1], [1.0, 0]] * 4)
    y = np.array([0, 0, 0, 1, 1] * 4)
    result = prim(x, y, ["a.b", "c"], [False, True], alpha=0.2, min_mass=0.3, paste=False)
    rows = box_rows(result)
    last = result.trajectory[-1]
    assert last.density == 1.0
    assert rows[-1]["limits"] == "a.b in [0.75, 1]"
    assert box_limits(result, last)[0] == dict(
        zip(LIMIT_FIELDS, ["a.b", "0.75", "1", "", "0", "1", ""], strict=True)
    )


def test_peels_whole_tied_groups() -> None:
    """Many cases per input row: every peel removes whole groups, at least one case."""
    rng = np.random.default_rng(3)
    rows = rng.random((40, 2)).round(2)
    x = np.repeat(rows, 50, axis=0)  # 40 design points x 50 replications
    y = rng.random(x.shape[0]) < np.where(x[:, 0] > 0.5, 0.6, 0.1)
    result = prim(x, y, ["a", "b"])
    for box in result.trajectory:
        assert box.n % 50 == 0
    masses = [b.mass for b in result.trajectory]
    assert all(b < a for a, b in zip(masses, masses[1:], strict=False))


def test_pasting_adds_back_a_dense_slice() -> None:
    """Peeling cut b = 1 while it was sparse overall; within a = 2 it is dense, so paste it."""
    sizes = [[30, 10, 10], [30, 10, 10], [30, 10, 30]]  # cases per (a, b) cell
    positives = [[27, 1, 6], [9, 5, 6], [27, 10, 0]]
    x, y = [], []
    for a, b in np.ndindex(3, 3):
        x += [[a, b]] * sizes[a][b]
        y += [1] * positives[a][b] + [0] * (sizes[a][b] - positives[a][b])
    x_arr = np.array(x, dtype=float)
    result = prim(x_arr, y, ["a", "b"], alpha=0.1, min_mass=0.1)
    source = result.trajectory[result.chosen_index]
    assert (list(source.lower), list(source.upper), source.n) == ([2, 0], [2, 0], 30)
    assert (list(result.chosen.lower), list(result.chosen.upper)) == ([2, 0], [2, 1])
    assert (result.chosen.n, result.chosen.density) == (40, 37 / 40)
    unpasted = prim(x_arr, y, ["a", "b"], alpha=0.1, min_mass=0.1, paste=False)
    assert unpasted.chosen is unpasted.trajectory[unpasted.chosen_index]
    assert unpasted.chosen.n == 30


def test_deterministic(planted: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = planted
    a, b = prim(x[:3000], y[:3000], NAMES), prim(x[:3000], y[:3000], NAMES)
    assert box_rows(a) == box_rows(b)
    assert np.array_equal(a.chosen.lower, b.chosen.lower)
    assert np.array_equal(a.chosen.upper, b.chosen.upper)


@st.composite
def datasets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[bool], float, float]:
    """Small data sets with many ties, mixed numeric and categorical inputs, some y = 1."""
    n = draw(st.integers(1, 80))
    d = draw(st.integers(1, 3))
    categorical = draw(st.lists(st.booleans(), min_size=d, max_size=d))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    levels = draw(st.integers(1, 12))
    cols = [
        rng.integers(0, 3, n) if cat else rng.integers(0, levels, n) / max(1, levels - 1)
        for cat in categorical
    ]
    x = np.column_stack(cols).astype(float)
    y = rng.random(n) < draw(st.floats(0.05, 0.95))
    y[draw(st.integers(0, n - 1))] = True
    alpha = draw(st.floats(0.01, 0.45))
    min_mass = draw(st.floats(0.01, 1.0))
    return x, y, categorical, alpha, min_mass


def _nested(inner: Box, outer: Box) -> bool:
    """Are ``inner``'s limits within ``outer``'s on every input?"""
    for j, (cats, outer_cats) in enumerate(zip(inner.allowed, outer.allowed, strict=True)):
        if cats is None or outer_cats is None:
            if inner.lower[j] < outer.lower[j] or inner.upper[j] > outer.upper[j]:
                return False
        elif not cats <= outer_cats:
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(datasets(), st.booleans(), st.none() | st.floats(0.0, 1.0))
def test_invariants(data: tuple, paste: bool, threshold: float | None) -> None:
    x, y, categorical, alpha, min_mass = data
    names = [f"p{j}" for j in range(x.shape[1])]
    result = prim(
        x, y, names, categorical, alpha=alpha, min_mass=min_mass, threshold=threshold, paste=paste
    )
    assert isinstance(result, PrimResult)
    traj = result.trajectory
    full = traj[0]
    assert full.n == x.shape[0] and full.mass == 1.0 and full.coverage == 1.0
    assert full.density == y.mean() == result.base_density
    assert full.restricted(full) == []
    for box in (*traj, result.chosen):
        for share in (box.coverage, box.density, box.mass):
            assert 0.0 <= share <= 1.0
        inside = box.contains(x)
        assert box.n == inside.sum() >= 1
        assert box.coverage == y[inside].sum() / y.sum()
        assert box.density == y[inside].mean()
        assert box.mass == inside.mean()
    for outer, inner in zip(traj, traj[1:], strict=False):
        assert inner.mass < outer.mass  # every peel removes at least one case
        assert inner.mass >= min_mass
        assert _nested(inner, outer)
        assert not (inner.contains(x) & ~outer.contains(x)).any()
    source = traj[result.chosen_index]
    assert _nested(source, result.chosen)
    assert not (source.contains(x) & ~result.chosen.contains(x)).any()
    assert result.chosen.density >= source.density
    if not paste:
        assert result.chosen is source
    rows = box_rows(result)
    assert [r["n"] for r in rows] == [b.n for b in traj]


def test_min_mass_one_keeps_whole_space() -> None:
    x = np.array([[0.0], [1.0], [2.0]])
    result = prim(x, [0, 1, 1], ["a"], min_mass=1.0)
    assert len(result.trajectory) == 1 and result.chosen_index == 0
    assert result.chosen.restricted(result.trajectory[0]) == []


@pytest.mark.parametrize(
    ("x", "y", "names", "kwargs", "message"),
    [
        (np.zeros((0, 2)), [], ["a", "b"], {}, "empty"),
        (np.zeros(4), [0, 1, 0, 1], ["a"], {}, "2-D"),
        (np.zeros((4, 2)), [0, 1, 0], ["a", "b"], {}, "shape"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a"], {}, "names"),
        (np.zeros((4, 2)), [0, 1, 2, 1], ["a", "b"], {}, "binary"),
        (np.zeros((4, 2)), ["a", "b", "c", "d"], ["a", "b"], {}, "binary"),
        (np.zeros((4, 2)), [0, 0, 0, 0], ["a", "b"], {}, "no cases"),
        (np.array([[0, np.nan]] * 4), [0, 1, 0, 1], ["a", "b"], {}, "NaN"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a", "b"], {"alpha": 0.0}, "alpha"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a", "b"], {"alpha": 0.5}, "alpha"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a", "b"], {"min_mass": 0.0}, "min_mass"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a", "b"], {"min_mass": 1.5}, "min_mass"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a", "b"], {"threshold": 2.0}, "threshold"),
        (np.zeros((4, 2)), [0, 1, 0, 1], ["a", "b"], {"categorical": [True]}, "categorical"),
        (np.full((4, 2), 0.5), [0, 1, 0, 1], ["a", "b"], {"categorical": [True, False]}, "codes"),
    ],
)
def test_bad_input(x: np.ndarray, y: list, names: list, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        prim(x, y, names, **kwargs)


def test_tradeoff_plot_writes_png(planted: tuple[np.ndarray, np.ndarray], tmp_path) -> None:
    x, y = planted
    x = x.copy()
    x[:, 3] = np.floor(x[:, 3] * 3)  # a categorical input too
    result = prim(x, y, NAMES, [False, False, False, True], threshold=0.87)
    out = tradeoff_plot(result, tmp_path / "sub" / "prim.png", "PRIM: planted box")
    assert out == tmp_path / "sub" / "prim.png"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5_000
    assert [p.name for p in out.parent.iterdir()] == ["prim.png"]  # no temporary left behind
