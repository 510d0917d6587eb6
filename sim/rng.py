"""Named random streams: one numpy Generator per process, keyed by seed, replication and name.

The stream named *name* in replication *i* of an experiment with root seed *r* is a PCG64
generator whose seed words are the 32-byte BLAKE2b digest of the UTF-8 text ``"r:i:name"``
(read as four little-endian 64-bit words, where a SeedSequence would supply its output).
A stream is thus a function of (r, i, name) only: scenarios A and B draw the same numbers for
the same process in the same replication (common random numbers), whatever the worker or run
order. Hashing costs ~1.5 us a stream against ~8.5 us for a SeedSequence and its state.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from itertools import chain

import numpy as np
from numpy.random.bit_generator import ISeedSequence

DERIVATION = (
    "stream NAME of replication i under root seed r: numpy PCG64 seeded with the 32-byte "
    "BLAKE2b digest of the UTF-8 text 'r:i:NAME', read as four little-endian 64-bit words "
    "(state from words 0-1, increment from words 2-3)"
)  # for manifests: how the numbers of every stream are derived

POISSON_INVERSION_MAX = 50.0  # larger Poisson means are drawn by numpy (variable consumption)
BLOCK = 256  # variates drawn per refill; ~0.05 us each instead of ~0.45 us for single calls
FIRST_BLOCK = 32  # many streams draw only a few dozen: start small, then double up to BLOCK


def seed_words(root_seed: int, replication: int, name: str) -> np.ndarray:
    """The four 64-bit seed words of stream ``name`` (stable across processes and platforms)."""
    digest = hashlib.blake2b(f"{root_seed}:{replication}:{name}".encode(), digest_size=32)
    return np.frombuffer(digest.digest(), dtype="<u8").astype(np.uint64)


class HashSeed(ISeedSequence):
    """Hands fixed seed words to a bit generator in place of a SeedSequence."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:  # type: ignore[override]
        if np.dtype(dtype) != np.uint64 or n_words > len(self.words):
            raise ValueError("HashSeed supplies at most four 64-bit words")
        return self.words[:n_words]


def generator(root_seed: int, replication: int, name: str) -> np.random.Generator:
    """The numpy Generator behind stream ``name`` of a replication."""
    seed = HashSeed(seed_words(root_seed, replication, name))
    return np.random.Generator(np.random.PCG64(seed))  # type: ignore[arg-type]  # duck-typed seed


def _blocks(draw: Callable[[int], np.ndarray]) -> Iterator[list[float]]:
    """Endless blocks of variates from ``draw(n)``, growing from FIRST_BLOCK to BLOCK."""
    n = FIRST_BLOCK
    while True:
        yield draw(n).tolist()
        n = min(BLOCK, 2 * n)


class Stream:
    """A Generator that hands out variates from pre-drawn blocks.

    ``random()`` gives a uniform on [0, 1) and ``standard_exponential()`` a unit exponential;
    both are the C-level ``__next__`` of a chain over the blocks, so a draw costs no Python
    frame. The numbers and their order are those of direct calls to the Generator.
    """

    __slots__ = ("gen", "random", "standard_exponential")

    def __init__(self, gen: np.random.Generator) -> None:
        self.gen = gen
        self.random: Callable[[], float] = chain.from_iterable(_blocks(gen.random)).__next__
        self.standard_exponential: Callable[[], float] = chain.from_iterable(
            _blocks(gen.standard_exponential)
        ).__next__

    def exponential(self, mean: float) -> float:
        """An exponential variate with the given mean."""
        return self.standard_exponential() * mean

    def poisson(self, lam: float) -> int:
        """A Poisson variate with mean ``lam``.

        For a mean in (0, ``POISSON_INVERSION_MAX``] it is one uniform turned by inversion of
        the CDF, so that every such draw takes exactly one number from the stream whatever the
        mean: a change of a mean (casualties per blast, waves per campaign) changes that count
        and nothing drawn later (common random numbers). A mean of 0 draws nothing; larger
        means use numpy's sampler.
        """
        if lam <= 0:
            return 0
        if lam > POISSON_INVERSION_MAX:
            return int(self.gen.poisson(lam))
        u = self.random()
        p = math.exp(-lam)
        cdf, k = p, 0
        while u >= cdf and p > 0.0:
            k += 1
            p *= lam / k
            cdf += p
        return k

    def choice(self, weights: list[float]) -> int:
        """Index drawn with probability proportional to ``weights``."""
        u = self.random() * sum(weights)
        acc = 0.0
        for i, w in enumerate(weights):
            acc += w
            if u < acc:
                return i
        return len(weights) - 1


class Streams:
    """The named streams of one replication; each name gets its own Generator on first use."""

    def __init__(self, root_seed: int, replication: int) -> None:
        self.root_seed = root_seed
        self.replication = replication
        self._streams: dict[str, Stream] = {}

    def __call__(self, name: str) -> Stream:
        s = self._streams.get(name)
        if s is None:
            s = self._streams[name] = Stream(generator(self.root_seed, self.replication, name))
        return s
