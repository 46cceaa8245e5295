"""Turns at the CPUs for the lab's training threads (issue 16: a classroom of 40 runs on one server).

Forty runs are forty threads that compute epochs in Python: the interpreter is shared, and the event loop that
streams their frames would be one thread among forty-one, waiting its turn behind each of them. With turns, at
most one training thread computes at a time (one per CPU without a GIL: :data:`CPU_TURNS`); the others wait
(without the interpreter) in the order they asked, so the event loop keeps its share and every run gets its epochs
in turn. A plain ``Semaphore`` would not do: the
thread that just gave its slot back usually takes it again before a waiting thread wakes.

A thread that goes on computing after it woke the next one holds the interpreter while that one wakes: on a busy
machine the system then runs the woken thread, which finds the interpreter taken, and both wait for the scheduler
(a third of the server's time with 40 runs, benchmarks/bench_classroom.py). :meth:`Turns.rotate` hands the slot on
and waits in the same breath, so the woken thread finds the interpreter free.
"""

from __future__ import annotations

import collections
import os
import sys
import threading

__all__ = ["CPU_TURNS", "Turns"]


class Turns:
    """At most ``n`` holders at once, served first come, first served (a slot given back goes to the next in line)."""

    def __init__(self, n: int) -> None:
        self.n = max(1, n)
        self._free = self.n
        self._lock = threading.Lock()
        # each waiter blocks on a lock of its own, held until its turn comes (lighter than an Event)
        self._queue: collections.deque[threading.Lock] = collections.deque()

    def _line_up(self) -> threading.Lock:
        turn = threading.Lock()
        turn.acquire()
        self._queue.append(turn)
        return turn

    def take(self) -> None:
        with self._lock:
            if self._free > 0 and not self._queue:
                self._free -= 1
                return
            turn = self._line_up()
        turn.acquire()

    def give(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().release()  # the slot passes straight to the next in line
            else:
                self._free += 1

    def rotate(self) -> None:
        """Give the slot to the next in line and wait for the next turn at the end of the line (nothing to do when
        no one waits)."""
        with self._lock:
            if not self._queue:
                return
            self._queue.popleft().release()
            turn = self._line_up()
        turn.acquire()

    def contenders(self) -> int:
        """How many threads hold a turn or wait for one now (a hint, read without the lock)."""
        return self.n - self._free + len(self._queue)


def _turns_at_once() -> int:
    """One turn under the GIL: the interpreter runs one thread at a time, and an epoch of the lab's small models is
    NumPy calls on arrays of tens of rows, which hold the interpreter nearly throughout, so a second training thread
    computing at once only adds the cost of passing the interpreter back and forth (40 runs on 2 CPUs,
    benchmarks/bench_classroom.py, paired runs: 7.0-8.4 map updates/s per student with two turns, 8.1-9.4 with one).
    A free-threaded interpreter (no GIL) gets one turn per CPU."""
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return 1 if gil else (os.cpu_count() or 1)


CPU_TURNS = Turns(_turns_at_once())
"""The turns of every run of this process."""
