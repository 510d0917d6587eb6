"""DailySketch: quantile accuracy, exact merging in any order, serialisation and bad input."""

from __future__ import annotations

import pickle
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.experiment.sketch import (
    BIN_LOWER,
    BIN_UPPER,
    FIXED_SCALE,
    N_BINS,
    N_RUNGS,
    OVERFLOW_BIN,
    ZERO_BIN,
    DailySketch,
)

QS = (0.05, 0.25, 0.5, 0.75, 0.95)
REL_TOL = 1 / 64  # one bin width, relative (documented in sketch.py)
ABS_TOL = 2.0**-10  # the underflow bin (0, 2**-10]
MEAN_TOL = 2.0**-21  # half the fixed-point step


def realistic(rng: np.random.Generator, r: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Trajectory-like data: many zeros, a lognormal bulk, decayed tails and a few large values."""
    t = rng.lognormal(1.5, 1.0, (r, days))
    u = rng.random((r, days))
    t[u < 0.3] = 0.0
    t[(u >= 0.3) & (u < 0.35)] *= 1e-4  # decayed to nearly nothing, some below 2**-10
    big = u > 0.99
    t[big] = 50 + rng.pareto(1.5, big.sum()) * 100
    rung = rng.integers(0, N_RUNGS, (r, days)).astype(np.int8)
    return t.astype(np.float32), rung


def exact_quantiles(t: np.ndarray, qs=QS) -> np.ndarray:
    return np.quantile(t.astype(np.float64), qs, axis=0)


def sketch_of(t: np.ndarray, rung: np.ndarray) -> DailySketch:
    return DailySketch.empty(t.shape[-1]).add(t, rung)


# --- bins -----------------------------------------------------------------------------------
def test_bins_are_contiguous_and_narrow():
    assert BIN_LOWER.shape == BIN_UPPER.shape == (N_BINS,)
    assert BIN_LOWER[ZERO_BIN] == BIN_UPPER[ZERO_BIN] == 0.0
    np.testing.assert_array_equal(BIN_LOWER[2:], BIN_UPPER[1:-1])
    regular = slice(2, OVERFLOW_BIN)
    width = (BIN_UPPER[regular] - BIN_LOWER[regular]) / BIN_LOWER[regular]
    assert width.max() <= REL_TOL
    assert BIN_LOWER[2] == 2.0**-10 and BIN_LOWER[OVERFLOW_BIN] == 2.0**14
    assert np.isinf(BIN_UPPER[OVERFLOW_BIN])


def test_each_value_lands_in_its_bin():
    rng = np.random.default_rng(0)
    edges = BIN_UPPER[1:-1].astype(np.float32)
    values = np.concatenate(
        [
            [0.0, -0.0, 1e-45, 1e-20, 16384.0, 16385.0, 4e12],
            edges,  # bins are (lower, upper]: an edge belongs to the bin below
            np.nextafter(edges, np.float32(np.inf)),
            rng.lognormal(0, 4, 2000),
        ]
    ).astype(np.float32)
    s = DailySketch.empty(values.size).add(values, np.zeros(values.size, np.int8))
    b = s.hist.argmax(axis=1)
    v = values.astype(np.float64)
    assert (s.hist.sum(axis=1) == 1).all()
    assert ((v == 0) == (b == ZERO_BIN)).all()
    positive = v > 0
    assert (BIN_LOWER[b][positive] < v[positive]).all()
    assert (v[positive] <= BIN_UPPER[b][positive]).all()


# --- quantiles ------------------------------------------------------------------------------
@pytest.mark.parametrize("r", [1, 2, 7, 50, 1000])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quantiles_close_to_numpy(r, seed):
    t, rung = realistic(np.random.default_rng(seed), r, 60)
    exact = exact_quantiles(t)
    est = sketch_of(t, rung).quantiles(QS)
    assert est.shape == (len(QS), 60)
    assert (np.abs(est - exact) <= REL_TOL * exact + ABS_TOL).all()
    # Typically far tighter than one bin; and zero quantiles are exactly zero.
    relevant = exact > 1.0
    assert np.median(np.abs(est - exact)[relevant] / exact[relevant]) < 0.005
    assert (est[exact == 0] == 0).all()


def test_quantiles_many_days_and_replications():
    t, rung = realistic(np.random.default_rng(4), 3000, 405)
    exact = exact_quantiles(t)
    est = sketch_of(t, rung).quantiles(QS)
    assert (np.abs(est - exact) <= REL_TOL * exact + ABS_TOL).all()


def test_exactly_representable_cases():
    days = 5
    zero = np.zeros((20, days), np.float32)
    rung = np.zeros((20, days), np.int8)
    assert (sketch_of(zero, rung).quantiles(QS) == 0).all()
    assert (sketch_of(zero, rung).mean_tension() == 0).all()
    const = np.full((9, days), 3.7, np.float32)
    np.testing.assert_array_equal(
        sketch_of(const, rung[:9]).quantiles(QS), np.float64(np.float32(3.7))
    )


def test_extreme_quantiles_are_the_exact_min_and_max():
    t, rung = realistic(np.random.default_rng(5), 40, 30)
    q = sketch_of(t, rung).quantiles((0.0, 1.0))
    np.testing.assert_array_equal(q[0], t.min(axis=0))
    np.testing.assert_array_equal(q[1], t.max(axis=0))


def test_overflow_quantiles_lie_between_cap_and_max():
    rng = np.random.default_rng(6)
    t = (2.0**14 * (1 + rng.pareto(1.0, (100, 4)))).astype(np.float32)
    q = sketch_of(t, np.zeros(t.shape, np.int8)).quantiles(QS)
    assert (q >= 2.0**14).all() and (q <= t.max(axis=0)).all()


def test_quantile_arguments_checked():
    s = sketch_of(np.ones((2, 3), np.float32), np.zeros((2, 3), np.int8))
    assert s.quantiles(()).shape == (0, 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        s.quantiles((0.5, 1.5))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        s.quantiles((np.nan,))


# --- exact merging --------------------------------------------------------------------------
DATA_T, DATA_RUNG = realistic(np.random.default_rng(7), 40, 25)


def merged_in_batches(order, cuts, merge_order, tree: bool) -> DailySketch:
    """Split the replications ``order`` at ``cuts`` (empty batches allowed), sketch each batch,
    and merge the batches in ``merge_order``, one after another or as a pairwise tree."""
    bounds = [0, *sorted(cuts), len(order)]
    parts = [
        sketch_of(DATA_T[order[a:b]], DATA_RUNG[order[a:b]])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    parts = [parts[i] for i in merge_order]
    if tree:  # pairwise, like a reduction tree (associativity)
        while len(parts) > 1:
            parts = [
                parts[i].merge(parts[i + 1]) if i + 1 < len(parts) else parts[i]
                for i in range(0, len(parts), 2)
            ]
        return parts[0]
    total = DailySketch.empty(DATA_T.shape[1])
    for p in parts:
        total.merge(p)
    return total


REFERENCE = sketch_of(DATA_T, DATA_RUNG)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_partition_and_merge_order_gives_identical_sketch(data):
    r = DATA_T.shape[0]
    order = data.draw(st.permutations(range(r)), label="replication order")
    cuts = data.draw(st.lists(st.integers(0, r), max_size=12), label="cuts")
    merge_order = data.draw(st.permutations(range(len(cuts) + 1)), label="merge order")
    tree = data.draw(st.booleans(), label="tree merge")
    got = merged_in_batches(np.array(order), cuts, list(merge_order), tree)
    assert got == REFERENCE
    assert got.to_bytes() == REFERENCE.to_bytes()
    for a, b in [
        (got.quantiles(QS), REFERENCE.quantiles(QS)),
        (got.mean_tension(), REFERENCE.mean_tension()),
        (got.mean_rung(), REFERENCE.mean_rung()),
    ]:
        np.testing.assert_array_equal(a, b)


def test_one_at_a_time_equals_all_at_once():
    one = DailySketch.empty(DATA_T.shape[1])
    for t, rung in zip(DATA_T, DATA_RUNG, strict=True):
        one.add(t, rung)  # (days,) arrays
    assert one == REFERENCE and one.n == DATA_T.shape[0]
    assert one.to_bytes() == REFERENCE.to_bytes()


def test_merge_is_commutative_and_empty_is_neutral():
    a = sketch_of(DATA_T[:10], DATA_RUNG[:10])
    b = sketch_of(DATA_T[10:], DATA_RUNG[10:])
    ab = a.copy().merge(b)
    ba = b.copy().merge(a)
    assert ab == ba == REFERENCE
    assert a.copy().merge(DailySketch.empty(a.days)) == a
    assert a.copy().add(DATA_T[:0], DATA_RUNG[:0]) == a  # zero replications: no-op


# --- means and rungs ------------------------------------------------------------------------
def test_mean_tension_within_fixed_point_resolution():
    t, rung = realistic(np.random.default_rng(8), 500, 405)
    got = sketch_of(t, rung).mean_tension()
    want = t.astype(np.float64).mean(axis=0)
    assert np.abs(got - want).max() <= MEAN_TOL + 1e-12 * want.max()


def test_fixed_point_sum_is_exact_for_large_values():
    # Values up to 2**41 exercise the split into 32-bit words; compare with Python integers.
    rng = np.random.default_rng(9)
    t = (rng.random((300, 3)) * 2.0**41).astype(np.float32)
    s = sketch_of(t, np.zeros(t.shape, np.int8))
    for day in range(3):
        want = sum(round(float(v) * FIXED_SCALE) for v in t[:, day])
        assert int(s.sum_hi[day]) * 2**32 + int(s.sum_lo[day]) == want
    np.testing.assert_allclose(s.mean_tension(), t.astype(np.float64).mean(axis=0), rtol=1e-12)


def test_rung_readouts_exact():
    t, rung = realistic(np.random.default_rng(10), 333, 50)
    s = sketch_of(t, rung)
    np.testing.assert_array_equal(s.mean_rung(), rung.mean(axis=0))
    for k in range(N_RUNGS + 1):
        np.testing.assert_array_equal(s.p_rung_at_least(k), (rung >= k).mean(axis=0))


def test_empty_sketch_reads_nan():
    s = DailySketch.empty(4)
    assert s.n == 0
    assert np.isnan(s.quantiles(QS)).all() and s.quantiles(QS).shape == (5, 4)
    assert np.isnan(s.mean_tension()).all()
    assert np.isnan(s.mean_rung()).all()
    assert np.isnan(s.p_rung_at_least(3)).all()


# --- serialisation --------------------------------------------------------------------------
def test_serialisation_round_trip():
    t, rung = realistic(np.random.default_rng(11), 200, 405)
    s = sketch_of(t, rung)
    blob = s.to_bytes()
    back = DailySketch.from_bytes(blob)
    assert back == s and back.to_bytes() == blob
    np.testing.assert_array_equal(back.quantiles(QS), s.quantiles(QS))
    np.testing.assert_array_equal(back.mean_tension(), s.mean_tension())
    assert len(blob) < 0.1 * s.hist.nbytes  # mostly zeros: compresses well
    assert pickle.loads(pickle.dumps(s)) == s
    empty = DailySketch.empty(405)
    assert DailySketch.from_bytes(empty.to_bytes()) == empty
    assert DailySketch.from_bytes(memoryview(blob)) == s  # as sqlite3 may hand it back


def test_round_trip_keeps_the_sketch_usable():
    back = DailySketch.from_bytes(REFERENCE.to_bytes())
    back.add(DATA_T[:3], DATA_RUNG[:3]).merge(REFERENCE)
    assert back.n == 2 * REFERENCE.n + 3


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tension", "rung", "match"),
    [
        (np.ones(6, np.float32), np.zeros(6, np.int8), "days=5"),
        (np.ones((2, 5, 1), np.float32), np.zeros((2, 5, 1), np.int8), "days=5"),
        (np.ones((2, 5), np.float32), np.zeros((3, 5), np.int8), "does not match"),
        (np.full(5, -1.0), np.zeros(5, np.int8), "non-negative"),
        (np.array([1, 2, np.nan, 3, 4]), np.zeros(5, np.int8), "finite"),
        (np.array([1, 2, np.inf, 3, 4]), np.zeros(5, np.int8), "finite"),
        (np.full(5, 1e40), np.zeros(5, np.int8), "below"),  # would overflow float32
        (np.full(5, 2.0**43), np.zeros(5, np.int8), "below"),
        (np.ones(5), np.full(5, N_RUNGS, np.int8), "rung must lie"),
        (np.ones(5), np.full(5, -1, np.int8), "rung must lie"),
        (np.ones(5), np.zeros(5), "integer"),
        (np.array(["a"] * 5), np.zeros(5, np.int8), "numeric"),
    ],
)
def test_add_rejects_bad_input(tension, rung, match):
    s = DailySketch.empty(5)
    before = s.to_bytes()
    with pytest.raises(ValueError, match=match):
        s.add(tension, rung)
    assert s.to_bytes() == before  # unchanged


def test_merge_rejects_mismatch():
    with pytest.raises(ValueError, match="different shapes"):
        DailySketch.empty(5).merge(DailySketch.empty(6))
    with pytest.raises(ValueError, match="DailySketch"):
        DailySketch.empty(5).merge("not a sketch")  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, -3, 2.5, True])
def test_empty_rejects_bad_days(days):
    with pytest.raises(ValueError, match="days"):
        DailySketch.empty(days)


@pytest.mark.parametrize("k", [-1, N_RUNGS + 1, 1.5])
def test_rung_threshold_checked(k):
    with pytest.raises(ValueError, match="threshold"):
        DailySketch.empty(3).p_rung_at_least(k)


HEADER = struct.Struct("<4sHBbbBIIQ")  # magic, version, sub, floor, cap, rungs, days, bins, n


def _tampered_header(blob: bytes, **changes: int) -> bytes:
    """``blob`` with header fields replaced."""
    fields = ["magic", "version", "sub", "floor", "cap", "rungs", "days", "bins", "n"]
    values = dict(zip(fields, HEADER.unpack_from(blob), strict=True)) | changes
    return HEADER.pack(*(values[f] for f in fields)) + blob[HEADER.size :]


BLOB = REFERENCE.to_bytes()
AT = HEADER.size  # where the zlib payload starts


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (BLOB[:10], "too short"),
        (b"XXXX" + BLOB[4:], "bad magic"),
        (_tampered_header(BLOB, version=99), "unsupported sketch version"),
        (_tampered_header(BLOB, bins=N_BINS + 1), "bin layout"),
        (_tampered_header(BLOB, days=0), "out of range"),
        (_tampered_header(BLOB, days=REFERENCE.days + 1), "corrupt"),
        (_tampered_header(BLOB, n=REFERENCE.n + 1), "add up"),
        (BLOB[:-5], "corrupt"),
        (BLOB + b"junk", "corrupt"),
        (BLOB[: AT + 40] + bytes([BLOB[AT + 40] ^ 0xFF]) + BLOB[AT + 41 :], "corrupt"),
        (BLOB[:AT] + b"\x00" * 50, "corrupt"),
    ],
    ids=[
        "short", "magic", "version", "layout", "days0", "days", "n", "truncated", "trailing",
        "flipped", "not-zlib",
    ],
)  # fmt: skip
def test_from_bytes_rejects_corrupt_input(data, match):
    with pytest.raises(ValueError, match=match):
        DailySketch.from_bytes(data)


def test_from_bytes_rejects_inconsistent_counts():
    # A well-formed blob whose counts do not add up (e.g. written by a buggy version).
    s = REFERENCE.copy()
    s.hist[0, 0] += 1
    with pytest.raises(ValueError, match="add up"):
        DailySketch.from_bytes(s.to_bytes())
    assert zlib.decompress(BLOB[AT:])  # the payload is a plain zlib stream
