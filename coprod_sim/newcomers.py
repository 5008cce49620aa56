"""Each person's own random draws, keyed by seat and arrival, so that runs on one seed share their luck.

Common random numbers (Law 2015, ch. 11; docs/ODD.md, "Stochasticity"): the k-th person to arrive
in a seat (k = 0: who was there at the start) takes row ``seat % CHUNK`` of chunk (k,
``seat // CHUNK``). Each chunk is drawn, when first needed, from a generator keyed by k and the
chunk number under the newcomers' stream, so a seat's k-th newcomer is the same person in any run
on this seed, whenever they arrive. A hire's age and what is drawn about a person later (an onset
of disability and its profile, whether their condition fluctuates, an accommodation's kind and
cost, coming forward as an expert by experience, and the candidates for the vacancy they filled)
read these rows.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

__all__ = ["CHUNK", "MAX_AHEAD", "PREFETCH", "PREFETCH_FROM", "Newcomers", "columns", "draw_chunk"]

#: Seats whose newcomers are drawn together.
CHUNK = 4096

#: Draw the next arrivals' chunk in a background thread when a chunk is first used (see
#: :class:`Newcomers`). The draws are the same either way; only when they are made differs.
PREFETCH = True

#: Organisation size from which chunks are drawn ahead. In smaller ones a week draws few chunks,
#: and handing the interpreter lock to and from the thread cost more than it saved (300 people:
#: a tenth slower; 100,000: the same best weeks and steadier ones; 1,000,000: a third faster).
PREFETCH_FROM = 50_000

#: Most chunks drawn ahead and not yet used, per organisation (bounds the memory it takes: about
#: 0.95 MB a chunk). 1,000,000 people, 11 weeks, 2026-12-03: 256 gave 188-194 ms a week and a peak
#: of 1,590 MiB (over issue 11's 1,536), 128 gave 211-222 ms and 1,485 MiB, none 231 ms and 1,359
#: MiB (with another process busy on both cores, 256 was the slowest: 283-309 ms against 242-292).
MAX_AHEAD = 128


def draw_chunk(entropy: int, spawn_key: tuple[int, ...], k: int, chunk: int, m: int, aspects: int) -> np.ndarray:
    """Draw the k-th arrivals of one chunk of ``m`` seats: one row each, columns as in :func:`columns`.

    A pure function of its arguments (a generator keyed by the newcomers' stream, k and the
    chunk), so it gives the same rows in any thread or process.
    """
    keyed = np.random.SeedSequence(entropy, spawn_key=(*spawn_key, k, chunk))
    rng = np.random.Generator(np.random.PCG64(keyed))
    return np.column_stack(
        [
            rng.random((m, 2)),  # u
            rng.standard_normal((m, 3)),  # z
            rng.beta(2, 5, m),  # skill
            rng.beta(5, 3, m),  # ability
            rng.beta(4, 4, m),  # confidence
            rng.beta(0.8, 1.5, (m, 4)),  # need
            rng.random((m, aspects)),  # keys
            rng.random(m),  # alike
            rng.random(m),  # forward
            rng.random(m),  # acc_kind
            rng.standard_normal(m),  # acc_size
            rng.random((m, 2)),  # age at hire, kind of condition
            rng.standard_normal(m),  # susceptibility (the columns before it are unchanged by it)
            rng.random(m),  # qualities for management (7.12): the columns before it are unchanged
            rng.random(m),  # recruit: key of this vacancy's candidates (7.11), drawn last
        ]
    )


class _Background:
    """One daemon thread that draws chunks ahead (numpy releases the GIL while it draws).

    A daemon thread never delays the interpreter's exit. A forked child has no such thread, so
    the child starts its own and forgets what was pending in the parent (its results would never
    arrive there).
    """

    def __init__(self) -> None:
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def after_fork(self) -> None:
        self.generation += 1
        self._reset()

    def submit(self, fn: Callable[..., object], *args: object) -> Future:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="coprod-sim-newcomers", daemon=True)
            self._thread.start()
        fut: Future = Future()
        self._queue.put((fut, fn, args))
        return fut

    def _work(self) -> None:
        while True:
            fut, fn, args = self._queue.get()
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(*args))
                except BaseException as exc:  # handed to whoever waits for the chunk
                    fut.set_exception(exc)


_BACKGROUND = _Background()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_BACKGROUND.after_fork)


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
        "age": 16 + a,  # age at hire, uniform between the youngest and oldest hire ages
        "cond": 17 + a,  # a condition (now or later) fluctuates if below organisation.recovery_share
        "susc": 18 + a,  # susceptibility to the network's view (7.8)
        "lead": 19 + a,  # qualities for management no measure of merit sees (7.12)
        "recruit": 20 + a,  # key from which the candidates for the vacancy they filled are expanded (7.11)
    }


class Newcomers:
    """The draws of everyone who is or was in each seat, one row per seat for who is there now.

    In a large organisation (:data:`PREFETCH_FROM`), when a chunk of arrivals (k, chunk) is first
    used, the next one, (k + 1, chunk), is drawn in a background thread (:data:`PREFETCH`): the
    draws of newcomers are otherwise a large part of a week there. The people there at the start
    are drawn there too, from the moment this object is made, while the model builds the rest of
    week 0. Every chunk is the same, however and whenever it is drawn.

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
        seq = stream.bit_generator.seed_seq
        self._key = (seq.entropy, tuple(seq.spawn_key))
        self.arrivals = np.zeros(n, np.int64)  # people who arrived in each seat after the start
        self.next_id = n  # person ids 0..n-1 are those there at the start
        self._chunks: dict[tuple[int, int], np.ndarray] = {}
        self._ahead: dict[tuple[int, int], Future] = {}  # drawn (or being drawn) in the background
        self._generation = _BACKGROUND.generation
        cols = columns(aspects)
        width = cols["recruit"] + 1
        self.rows = np.empty((n, width))
        #: The rows' columns by name (views into ``rows``).
        self.latent: dict[str, np.ndarray] = {name: self.rows[:, c] for name, c in cols.items()}
        # Everyone there at the start, drawn ahead into ``rows`` (see arrive(first=True)).
        self._start: Future | None = None
        if PREFETCH and n >= PREFETCH_FROM:
            self._start = _BACKGROUND.submit(self._draw_start)

    def new_ids(self, m: int) -> np.ndarray:
        """Return the ids of ``m`` new people (ids are never reused)."""
        ids = np.arange(self.next_id, self.next_id + m)
        self.next_id += m
        return ids

    def arrive(self, seats: np.ndarray, first: bool = False) -> None:
        """Give the people arriving in ``seats`` their own draws (``first``: those there at the start)."""
        if not first:
            self.arrivals[seats] += 1
        elif len(seats) == self.n and np.array_equal(seats, np.arange(self.n)):
            start, self._start = self._start, None
            if self._forget_if_forked():
                start = None
            if start is not None:
                start.result()  # drawn in the background since __init__
            else:
                self._draw_start()
            for cc in range(-(-self.n // CHUNK)):  # their successors, ahead (as _chunk does)
                self._draw_ahead(1, cc)
            return
        k = self.arrivals[seats]
        chunk = seats // CHUNK
        if len(seats) == 1 or (k.min() == k.max() and chunk.min() == chunk.max()):  # most weeks
            self.rows[seats] = self._chunk(int(k[0]), int(chunk[0]))[seats - chunk[0] * CHUNK]
            return
        if len(seats) <= 256:  # a week's arrivals: group them in Python, one copy per group
            groups: dict[tuple[int, int], list[int]] = {}
            for i, key in enumerate(zip(k.tolist(), chunk.tolist(), strict=True)):
                groups.setdefault(key, []).append(i)
            for (kk, cc), idx in groups.items():
                sel = seats[idx]
                self.rows[sel] = self._chunk(kk, cc)[sel - cc * CHUNK]
            return
        # Many arrivals (a large organisation): sort them by group once and take each group's run,
        # instead of a pass over all arrivals per group. Each seat gets the row of its own group
        # whatever the order groups are copied in.
        span = self.n // CHUNK + 1
        group = k * span + chunk
        order = np.argsort(group, kind="stable")
        group = group[order]
        starts = np.flatnonzero(np.diff(group, prepend=-1))
        for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(order)], strict=True):
            kk, cc = divmod(int(group[a]), span)
            sel = seats[order[a:b]]
            self.rows[sel] = self._chunk(kk, cc)[sel - cc * CHUNK]

    def _draw_start(self) -> None:
        """Draw the rows of everyone there at the start: whole chunks in seat order.

        The same rows as grouping them by chunk, without a pass over all seats per chunk; the
        chunks of k = 0 are not kept (nobody else arrives as a seat's 0th person).
        """
        for cc in range(-(-self.n // CHUNK)):
            m = min(CHUNK, self.n - cc * CHUNK)
            self.rows[cc * CHUNK : cc * CHUNK + m] = draw_chunk(*self._key, 0, cc, m, self.aspects)

    def _chunk(self, k: int, chunk: int) -> np.ndarray:
        """Return (drawing it the first time) the draws of the k-th arrivals in one chunk of seats.

        The people there at the start (k = 0) all arrive at once, so their chunks are not kept.
        """
        got = self._chunks.get((k, chunk))
        if got is not None:
            return got
        self._forget_if_forked()
        m = min(CHUNK, self.n - chunk * CHUNK)
        fut = self._ahead.pop((k, chunk), None)
        got = fut.result() if fut is not None else draw_chunk(*self._key, k, chunk, m, self.aspects)
        if k > 0:
            self._chunks[(k, chunk)] = got
        self._draw_ahead(k + 1, chunk)
        return got

    def _forget_if_forked(self) -> bool:
        """After a fork, forget what the parent's thread was drawing (it never arrives here); say if so."""
        if self._generation == _BACKGROUND.generation:
            return False
        self._ahead.clear()
        self._generation = _BACKGROUND.generation
        return True

    def _draw_ahead(self, k: int, chunk: int) -> None:
        """Start drawing chunk (k, ``chunk``) in the background, in a large organisation, if not there yet."""
        ahead = PREFETCH and self.n >= PREFETCH_FROM and len(self._ahead) < MAX_AHEAD
        if ahead and (k, chunk) not in self._chunks and (k, chunk) not in self._ahead:
            m = min(CHUNK, self.n - chunk * CHUNK)
            self._ahead[(k, chunk)] = _BACKGROUND.submit(draw_chunk, *self._key, k, chunk, m, self.aspects)
