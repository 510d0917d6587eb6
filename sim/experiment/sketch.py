"""A per-day sketch of tension and rung trajectories that merges exactly in any order.

An experiment folds each batch's daily trajectories into a :class:`DailySketch` instead of
keeping them, so memory stays flat however many replications run. Everything the sketch holds
is an integer count or sum (plus exact per-day minima and maxima), so merging batches is exact,
commutative and associative: serial, parallel, Dask and resumed runs give byte-identical
sketches, and so byte-identical readouts.

State, per day:

- a histogram of tension over fixed bins (``BIN_LOWER``/``BIN_UPPER``, shared by all sketches):
  bin 0 holds exactly 0; bin 1 holds (0, 2**-10]; then 64 bins per octave, each (lower, upper],
  up to 2**14 = 16384; the last bin holds everything above 2**14;
- the number of replications at each rung 0..7;
- the sum of tension in fixed point, ``round(tension * 2**20)`` as two int64 words;
- the smallest and largest tension seen (exact: a min or max never rounds).

Accuracy of the readouts (``n`` replications folded):

- ``quantiles``: each order statistic is placed inside its bin by linear interpolation, and both
  lie in the same bin, so the error is below one bin width: relative error < 1/64 (1.6 %) for
  values in (2**-10, 2**14]; absolute error < 2**-10 below that; above 2**14 the estimate lies
  between 2**14 and the day's exact maximum. Zero is exact, and so are the 0 and 1 quantiles.
- ``mean_tension``: within 2**-21 (about 5e-7, half the fixed-point step) of the exact mean of
  the float32 values.
- ``mean_rung`` and ``p_rung_at_least``: exact integer counts divided by ``n``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.analysis.trajectories import BAND_QUANTILES
from sim.model.events import RUNGS

# --- tension bins ---------------------------------------------------------------------------
# Bins come straight from the float32 bit pattern: the exponent plus the top SUB_BITS mantissa
# bits, rounded up so bins are (lower, upper] and only exact zero has key 0. Bin edges are
# therefore exact powers of two times (1 + j/64), identical on every platform (no log or exp
# whose last bit could differ), and binning is a shift plus a table lookup, not a search.
# 64 sub-bins per octave bound the relative bin width by 1/64 = 1.6 %, inside the 2 % target.
SUB_BITS = 6
FLOOR_EXP = -10  # 2**-10 ~ 1e-3: tension below this has decayed to nothing that matters
CAP_EXP = 14  # 2**14 = 16384: far above realistic tension (0..50); higher goes to overflow
_SHIFT = 23 - SUB_BITS  # float32 has 23 mantissa bits
_LO_KEY = (127 + FLOOR_EXP) << SUB_BITS  # key of 2**FLOOR_EXP (127 = float32 exponent bias)
_HI_KEY = (127 + CAP_EXP) << SUB_BITS
ZERO_BIN = 0
UNDERFLOW_BIN = 1
N_BINS = 2 + (_HI_KEY - _LO_KEY) + 1  # zero, underflow, regular bins, overflow = 1539
OVERFLOW_BIN = N_BINS - 1
_ROUND_UP = (1 << _SHIFT) - 1


def _bin_of_key() -> np.ndarray:
    """Bin of each key ``ceil(bits / 2**_SHIFT)`` of a finite non-negative float32."""
    keys = np.arange(((0x7F7FFFFF + _ROUND_UP) >> _SHIFT) + 1, dtype=np.int64)
    table = np.clip(keys - _LO_KEY + 1, UNDERFLOW_BIN, OVERFLOW_BIN).astype(np.intp)
    table[0] = ZERO_BIN
    table.flags.writeable = False
    return table


_BIN_OF_KEY = _bin_of_key()
N_RUNGS = len(RUNGS)  # rungs 0..7
MAX_DAYS = (2**31 - 1) // N_BINS  # keeps flat histogram indices below 2**31 (~3800 years)


def _edges() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of each bin (float64); the overflow bin's upper edge is +inf."""
    keys = np.arange(_LO_KEY, _HI_KEY + 1, dtype=np.uint32) << np.uint32(_SHIFT)
    regular = keys.view(np.float32).astype(np.float64)  # exact: edges are float32 values
    lower = np.concatenate([[0.0, 0.0], regular])
    upper = np.concatenate([[0.0], regular, [np.inf]])
    lower.flags.writeable = upper.flags.writeable = False
    return lower, upper


BIN_LOWER, BIN_UPPER = _edges()

# --- fixed-point sum ------------------------------------------------------------------------
# Tension is summed as round(t * 2**20), exact integers, so the sum ignores merge order. The
# step 2**-20 ~ 1e-6 is finer than float32 resolution for tension >= 8. Each value is split into
# a high and a low 32-bit word, summed separately, so the sum cannot overflow int64 for tension
# up to MAX_TENSION and up to MAX_REPLICATIONS replications.
FIXED_BITS = 20
FIXED_SCALE = 2.0**FIXED_BITS
MAX_TENSION = 2.0**42  # keeps round(t * 2**20) < 2**62
MAX_REPLICATIONS = 2**31 - 1  # keeps the low-word sum < 2**63 and bin counts within uint32
_LOW_MASK = np.int64(0xFFFFFFFF)

# --- serialisation --------------------------------------------------------------------------
_MAGIC = b"DSKT"
_VERSION = 1
# magic, version, sub_bits, floor_exp, cap_exp, rungs, days, bins, n
_HEADER = struct.Struct("<4sHBbbBIIQ")
_HIST_DTYPE = np.dtype("<u4")
_INT_DTYPE = np.dtype("<i8")
_FLOAT_DTYPE = np.dtype("<f4")
# zlib level 1: the store rewrites the blob after every batch, and level 1 is 2-3x faster than
# the default 6 for a blob 10-20 % larger once counts are realistic (thousands of replications).
_ZLIB_LEVEL = 1


def _shuffled(a: np.ndarray, dtype: np.dtype) -> bytes:
    """Little-endian bytes of ``a`` grouped by byte position (all low bytes first, ...).

    Counts are small next to their width, so the high byte planes are runs of zeros: this makes
    the blob ~25 % smaller and quicker to compress.
    """
    raw = np.ascontiguousarray(a, dtype=dtype).view(np.uint8)
    return raw.reshape(-1, dtype.itemsize).T.tobytes()


def _unshuffled(b: bytes, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`_shuffled`, as a flat array of native byte order."""
    planes = np.frombuffer(b, np.uint8).reshape(dtype.itemsize, -1)
    return np.ascontiguousarray(planes.T).view(dtype).reshape(-1).astype(dtype.newbyteorder("="))


@dataclass(eq=False)
class DailySketch:
    """Exactly mergeable per-day summary of ``n`` replications' tension and rung trajectories.

    Build with :meth:`empty`, fold trajectories in with :meth:`add`, combine with :meth:`merge`.
    The fields are the raw integer state; treat them as read-only.
    """

    days: int
    n: int
    hist: np.ndarray  # uint32 (days, N_BINS): tension histogram
    rung_counts: np.ndarray  # int64 (days, N_RUNGS): replications at each rung
    sum_hi: np.ndarray  # int64 (days,): sum of (round(t * 2**20) >> 32)
    sum_lo: np.ndarray  # int64 (days,): sum of (round(t * 2**20) & 0xFFFFFFFF)
    t_min: np.ndarray  # float32 (days,): smallest tension, +inf when n == 0
    t_max: np.ndarray  # float32 (days,): largest tension, -inf when n == 0

    @classmethod
    def empty(cls, days: int) -> DailySketch:
        """A sketch of ``days`` days holding no replication."""
        if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
            raise ValueError(f"sketch days must be a positive integer, got {days!r}")
        if days > MAX_DAYS:
            raise ValueError(f"sketch days must be at most {MAX_DAYS}, got {days}")
        days = int(days)
        return cls(
            days=days,
            n=0,
            hist=np.zeros((days, N_BINS), dtype=np.uint32),
            rung_counts=np.zeros((days, N_RUNGS), dtype=np.int64),
            sum_hi=np.zeros(days, dtype=np.int64),
            sum_lo=np.zeros(days, dtype=np.int64),
            t_min=np.full(days, np.inf, dtype=np.float32),
            t_max=np.full(days, -np.inf, dtype=np.float32),
        )

    # --- folding ----------------------------------------------------------------------------
    def add(self, tension: np.ndarray, rung: np.ndarray) -> DailySketch:
        """Fold in one replication (``(days,)`` arrays) or several (``(r, days)``); returns self.

        Tension is taken as float32 (the trajectory's own precision) and must be finite, >= 0
        and below ``MAX_TENSION``; rungs must be integers in 0..7. Nothing changes on error.
        """
        t, g = self._check_trajectories(tension, rung)
        r = t.shape[0]
        if r == 0:
            return self
        if self.n + r > MAX_REPLICATIONS:
            raise ValueError(f"sketch would exceed {MAX_REPLICATIONS} replications")

        # Histogram: bin from the bit pattern (sign cleared so -0.0 lands with 0.0).
        bits = t.view(np.uint32) & np.uint32(0x7FFFFFFF)
        keys = (bits + np.uint32(_ROUND_UP)) >> np.uint32(_SHIFT)
        idx = _BIN_OF_KEY.take(keys)  # intp: fancy indexing with int32 would convert each row
        idx += np.arange(0, self.days * N_BINS, N_BINS, dtype=np.intp)
        flat = self.hist.reshape(-1)
        # One fancy-index increment per replication: a row never repeats an index (one value per
        # day), so no np.add.at is needed; this beats add.at, bincount and sorting (~2 us/row).
        for row in idx:
            flat[row] += np.uint32(1)

        offsets = np.arange(self.days, dtype=np.int64) * N_RUNGS
        cells = (g.astype(np.int64) + offsets).reshape(-1)
        counts = np.bincount(cells, minlength=self.days * N_RUNGS)
        self.rung_counts += counts.reshape(self.days, N_RUNGS)

        fixed = np.rint(t.astype(np.float64) * FIXED_SCALE).astype(np.int64)
        self.sum_hi += (fixed >> 32).sum(axis=0)
        self.sum_lo += (fixed & _LOW_MASK).sum(axis=0)
        np.minimum(self.t_min, t.min(axis=0), out=self.t_min)
        np.maximum(self.t_max, t.max(axis=0), out=self.t_max)
        self.n += r
        return self

    def _check_trajectories(self, tension: np.ndarray, rung: np.ndarray) -> tuple[np.ndarray, ...]:
        """Validated ``(r, days)`` float32 tension and integer rung arrays."""
        t_in = np.asarray(tension)
        g = np.asarray(rung)
        if t_in.dtype.kind not in "fiu":
            raise ValueError(f"tension must be a real numeric array, got dtype {t_in.dtype}")
        if g.dtype.kind not in "iu":
            raise ValueError(f"rung must be an integer array, got dtype {g.dtype}")
        if t_in.ndim not in (1, 2) or t_in.shape[-1] != self.days:
            raise ValueError(
                f"tension must have shape (days,) or (r, days) with days={self.days}, "
                f"got {t_in.shape}"
            )
        if g.shape != t_in.shape:
            raise ValueError(f"rung shape {g.shape} does not match tension shape {t_in.shape}")
        if t_in.size:  # checked before the cast to float32, which could overflow
            if not np.isfinite(t_in).all():
                raise ValueError("tension must be finite (found NaN or infinity)")
            if t_in.min() < 0:
                raise ValueError(f"tension must be non-negative, found {t_in.min()}")
            if t_in.max() >= MAX_TENSION:
                raise ValueError(f"tension must be below {MAX_TENSION:g}, found {t_in.max():g}")
            if g.min() < 0 or g.max() >= N_RUNGS:
                raise ValueError(f"rung must lie in 0..{N_RUNGS - 1}, found {g.min()}..{g.max()}")
        t = np.ascontiguousarray(t_in.reshape(-1, self.days), dtype=np.float32)
        return t, g.reshape(-1, self.days)

    def merge(self, other: DailySketch) -> DailySketch:
        """Add ``other``'s replications to this sketch in place; returns self.

        Exact, so any grouping and order of merges gives the same sketch.
        """
        if not isinstance(other, DailySketch):
            raise ValueError(f"can only merge a DailySketch, got {type(other).__name__}")
        if other.days != self.days or other.hist.shape != self.hist.shape:
            raise ValueError(
                f"cannot merge sketches of different shapes: {self.days} days x "
                f"{self.hist.shape[1]} bins vs {other.days} days x {other.hist.shape[1]} bins"
            )
        if self.n + other.n > MAX_REPLICATIONS:
            raise ValueError(f"merged sketch would exceed {MAX_REPLICATIONS} replications")
        self.hist += other.hist
        self.rung_counts += other.rung_counts
        self.sum_hi += other.sum_hi
        self.sum_lo += other.sum_lo
        np.minimum(self.t_min, other.t_min, out=self.t_min)
        np.maximum(self.t_max, other.t_max, out=self.t_max)
        self.n += other.n
        return self

    def copy(self) -> DailySketch:
        """An independent copy."""
        return DailySketch(
            days=self.days,
            n=self.n,
            hist=self.hist.copy(),
            rung_counts=self.rung_counts.copy(),
            sum_hi=self.sum_hi.copy(),
            sum_lo=self.sum_lo.copy(),
            t_min=self.t_min.copy(),
            t_max=self.t_max.copy(),
        )

    # --- readouts ---------------------------------------------------------------------------
    def quantiles(self, qs: Sequence[float] = BAND_QUANTILES) -> np.ndarray:
        """Per-day tension quantiles, shape ``(len(qs), days)``, as ``np.quantile`` (linear).

        Each order statistic is read as sitting evenly spaced inside its bin (for the overflow
        bin, between 2**14 and the day's maximum); the smallest and largest are exact.
        """
        q = np.asarray(qs, dtype=np.float64).reshape(-1)
        if q.size and (not np.isfinite(q).all() or q.min() < 0 or q.max() > 1):
            raise ValueError(f"quantiles must lie in [0, 1], got {list(q)}")
        out = np.full((q.size, self.days), np.nan)
        if self.n == 0:
            return out
        cum = np.cumsum(self.hist, axis=1, dtype=np.int64)
        cache: dict[int, np.ndarray] = {}
        for i, p in enumerate(q):
            h = p * (self.n - 1)
            j0 = min(int(np.floor(h)), self.n - 1)
            j1 = min(j0 + 1, self.n - 1)
            for j in (j0, j1):
                if j not in cache:
                    cache[j] = self._order_statistic(cum, j)
            lo, hi = cache[j0], cache[j1]
            out[i] = lo + (h - j0) * (hi - lo)
        return out

    def _order_statistic(self, cum: np.ndarray, j: int) -> np.ndarray:
        """Estimate of each day's ``j``-th smallest tension (0-based), float64 ``(days,)``."""
        lo_exact = self.t_min.astype(np.float64)
        hi_exact = self.t_max.astype(np.float64)
        if j == 0:
            return lo_exact
        if j == self.n - 1:
            return hi_exact
        b = np.argmax(cum > j, axis=1)  # the bin holding order statistic j
        rows = np.arange(self.days)
        count = self.hist[rows, b].astype(np.float64)
        rank = j - (cum[rows, b] - self.hist[rows, b])  # position inside the bin, 0-based
        lower = BIN_LOWER[b]
        upper = np.where(b == OVERFLOW_BIN, np.maximum(hi_exact, BIN_LOWER[-1]), BIN_UPPER[b])
        est = lower + (rank + 0.5) / count * (upper - lower)
        return np.clip(est, lo_exact, hi_exact)

    def mean_tension(self) -> np.ndarray:
        """Per-day mean tension from the exact fixed-point sum (within 2**-21), ``(days,)``."""
        if self.n == 0:
            return np.full(self.days, np.nan)
        total = self.sum_hi.astype(np.float64) * 2.0**32 + self.sum_lo.astype(np.float64)
        return total / FIXED_SCALE / self.n

    def mean_rung(self) -> np.ndarray:
        """Per-day mean of the day's highest rung, ``(days,)``."""
        if self.n == 0:
            return np.full(self.days, np.nan)
        return (self.rung_counts @ np.arange(N_RUNGS, dtype=np.int64)) / self.n

    def p_rung_at_least(self, k: int) -> np.ndarray:
        """Per-day share of replications whose highest rung that day is >= ``k`` (0..8)."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= N_RUNGS:
            raise ValueError(f"rung threshold k must be an integer in 0..{N_RUNGS}, got {k!r}")
        if self.n == 0:
            return np.full(self.days, np.nan)
        return self.rung_counts[:, int(k) :].sum(axis=1) / self.n

    # --- serialisation ----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """Compact, deterministic encoding for an SQLite BLOB: a header and zlib'd arrays."""
        header = _HEADER.pack(
            _MAGIC, _VERSION, SUB_BITS, FLOOR_EXP, CAP_EXP, N_RUNGS, self.days, N_BINS, self.n
        )
        payload = b"".join(
            [
                _shuffled(self.hist, _HIST_DTYPE),
                _shuffled(self.rung_counts, _INT_DTYPE),
                _shuffled(self.sum_hi, _INT_DTYPE),
                _shuffled(self.sum_lo, _INT_DTYPE),
                _shuffled(self.t_min, _FLOAT_DTYPE),
                _shuffled(self.t_max, _FLOAT_DTYPE),
            ]
        )
        return header + zlib.compress(payload, _ZLIB_LEVEL)

    @classmethod
    def from_bytes(cls, data: bytes) -> DailySketch:
        """Decode :meth:`to_bytes` output; ValueError if corrupt or from another bin layout."""
        data = bytes(data)
        if len(data) < _HEADER.size:
            raise ValueError(f"sketch blob too short ({len(data)} bytes)")
        magic, version, sub, floor, cap, rungs, days, bins, n = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a sketch blob (bad magic)")
        if version != _VERSION:
            raise ValueError(f"unsupported sketch version {version} (expected {_VERSION})")
        layout = (sub, floor, cap, rungs, bins)
        expected = (SUB_BITS, FLOOR_EXP, CAP_EXP, N_RUNGS, N_BINS)
        if layout != expected:
            raise ValueError(f"sketch bin layout {layout} does not match this version {expected}")
        if not 1 <= days <= MAX_DAYS or n > MAX_REPLICATIONS:
            raise ValueError(f"sketch header out of range: days={days}, n={n}")
        sizes = [
            days * bins * _HIST_DTYPE.itemsize,
            days * rungs * _INT_DTYPE.itemsize,
            days * _INT_DTYPE.itemsize,
            days * _INT_DTYPE.itemsize,
            days * _FLOAT_DTYPE.itemsize,
            days * _FLOAT_DTYPE.itemsize,
        ]
        d = zlib.decompressobj()
        try:
            payload = d.decompress(data[_HEADER.size :], sum(sizes) + 1)
            complete = d.eof
        except zlib.error as exc:
            raise ValueError(f"corrupt sketch blob: {exc}") from None
        if not complete or len(payload) != sum(sizes) or d.unused_data:
            raise ValueError("corrupt sketch blob: payload has the wrong length")
        bounds = np.cumsum([0, *sizes])
        parts = [payload[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        sketch = cls(
            days=days,
            n=n,
            hist=_unshuffled(parts[0], _HIST_DTYPE).reshape(days, bins),
            rung_counts=_unshuffled(parts[1], _INT_DTYPE).reshape(days, rungs),
            sum_hi=_unshuffled(parts[2], _INT_DTYPE),
            sum_lo=_unshuffled(parts[3], _INT_DTYPE),
            t_min=_unshuffled(parts[4], _FLOAT_DTYPE),
            t_max=_unshuffled(parts[5], _FLOAT_DTYPE),
        )
        sketch._check_consistent()
        return sketch

    def _check_consistent(self) -> None:
        """ValueError unless every day accounts for exactly ``n`` replications."""
        hist_n = self.hist.sum(axis=1, dtype=np.int64)
        rung_n = self.rung_counts.sum(axis=1)
        if (hist_n != self.n).any() or (rung_n != self.n).any() or (self.rung_counts < 0).any():
            raise ValueError("corrupt sketch blob: per-day counts do not add up to n")
        if (self.sum_hi < 0).any() or (self.sum_lo < 0).any():
            raise ValueError("corrupt sketch blob: negative tension sum")
        if self.n and not (self.t_min <= self.t_max).all():
            raise ValueError("corrupt sketch blob: tension minimum above maximum")

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        # Pickle (to worker processes, Dask) as the compressed blob: ~20x smaller than the arrays.
        return (DailySketch.from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DailySketch):
            return NotImplemented
        return (
            self.days == other.days
            and self.n == other.n
            and all(
                np.array_equal(getattr(self, f), getattr(other, f))
                for f in ("hist", "rung_counts", "sum_hi", "sum_lo", "t_min", "t_max")
            )
        )

    __hash__ = None  # type: ignore[assignment]  # mutable
