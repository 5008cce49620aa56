"""Each person's own random draws, keyed by seat and arrival, so that runs on one seed share their luck.

Common random numbers (Law 2015, ch. 11; docs/ODD.md, "Stochasticity"): the k-th person to arrive
in a seat (k = 0: who was there at the start) takes row ``seat % CHUNK`` of chunk (k,
``seat // CHUNK``). Each chunk is drawn, when first needed, from a generator keyed by k and the
chunk number under the newcomers' stream, so a seat's k-th newcomer is the same person in any run
on this seed, whenever they arrive. What is drawn about a person later (an onset of disability
and its profile, an accommodation's kind and cost, coming forward as an expert by experience)
reads these rows.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CHUNK", "Newcomers", "columns"]

#: Seats whose newcomers are drawn together.
CHUNK = 4096


def columns(aspects: int) -> dict[str, slice | int]:
    """Where each draw sits in a person's row: the order in which a chunk draws them."""
    a = aspects
    return {
        "u": slice(0, 2),  # disabled or not, peer-support uptake
        "z": slice(2, 5),  # standard normals: attitude, workload, wellbeing
        "skill": 5,
        "ability": 6,
        "confidence": 7,
        "need": slice(8, 12),  # impairment profile: barrier intensity per barrier type
        "keys": slice(12, 12 + a),  # lived-experience aspects: the smallest keys are known
        "alike": 12 + a,
        "forward": 13 + a,  # readiness to come forward
        "acc_kind": 14 + a,
        "acc_size": 15 + a,
    }


class Newcomers:
    """The draws of everyone who is or was in each seat, one row per seat for who is there now.

    Parameters
    ----------
    n : int
        Seats.
    aspects : int
        Aspects of real needs (``deliberation.aspects``): the width of the lived-experience keys.
    stream : numpy.random.Generator
        The newcomers' stream, spawned from the model's generator; only its seed sequence is used.
    """

    def __init__(self, n: int, aspects: int, stream: np.random.Generator) -> None:
        self.n = n
        self.aspects = aspects
        self._seq = stream.bit_generator.seed_seq
        self.arrivals = np.zeros(n, np.int64)  # people who arrived in each seat after the start
        self.next_id = n  # person ids 0..n-1 are those there at the start
        self._chunks: dict[tuple[int, int], np.ndarray] = {}
        cols = columns(aspects)
        width = cols["acc_size"] + 1
        self.rows = np.empty((n, width))
        #: The rows' columns by name (views into ``rows``).
        self.latent: dict[str, np.ndarray] = {name: self.rows[:, c] for name, c in cols.items()}

    def new_ids(self, m: int) -> np.ndarray:
        """Return the ids of ``m`` new people (ids are never reused)."""
        ids = np.arange(self.next_id, self.next_id + m)
        self.next_id += m
        return ids

    def arrive(self, seats: np.ndarray, first: bool = False) -> None:
        """Give the people arriving in ``seats`` their own draws (``first``: those there at the start)."""
        if not first:
            self.arrivals[seats] += 1
        k = self.arrivals[seats]
        chunk = seats // CHUNK
        if len(seats) == 1 or (k.min() == k.max() and chunk.min() == chunk.max()):  # most weeks
            self.rows[seats] = self._chunk(int(k[0]), int(chunk[0]))[seats - chunk[0] * CHUNK]
            return
        if len(seats) <= 64:  # a few arrivals: one row each, copied in one go
            rows = [
                self._chunk(kk, cc)[seat - cc * CHUNK]
                for seat, kk, cc in zip(seats.tolist(), k.tolist(), chunk.tolist(), strict=True)
            ]
            self.rows[seats] = np.stack(rows)
            return
        span = self.n // CHUNK + 1
        for g in np.unique(k * span + chunk):
            kk, cc = divmod(int(g), span)
            sel = seats[(k == kk) & (chunk == cc)]
            self.rows[sel] = self._chunk(kk, cc)[sel - cc * CHUNK]

    def _chunk(self, k: int, chunk: int) -> np.ndarray:
        """Return (drawing it the first time) the draws of the k-th arrivals in one chunk of seats.

        The people there at the start (k = 0) all arrive at once, so their chunks are not kept.
        """
        got = self._chunks.get((k, chunk))
        if got is None:
            seq = self._seq
            keyed = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, k, chunk))
            rng = np.random.Generator(np.random.PCG64(keyed))
            m = min(CHUNK, self.n - chunk * CHUNK)
            got = np.column_stack(
                [
                    rng.random((m, 2)),  # u
                    rng.standard_normal((m, 3)),  # z
                    rng.beta(2, 5, m),  # skill
                    rng.beta(5, 3, m),  # ability
                    rng.beta(4, 4, m),  # confidence
                    rng.beta(0.8, 1.5, (m, 4)),  # need
                    rng.random((m, self.aspects)),  # keys
                    rng.random(m),  # alike
                    rng.random(m),  # forward
                    rng.random(m),  # acc_kind
                    rng.standard_normal(m),  # acc_size
                ]
            )
            if k > 0:
                self._chunks[(k, chunk)] = got
        return got
