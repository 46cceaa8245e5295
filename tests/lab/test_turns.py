"""The training threads' turns at the CPUs (lab/_turns.py): never more holders than slots, and a slot given back
goes to the thread that has waited longest, not back to the one that gave it (a plain Semaphore's barging)."""

from __future__ import annotations

import threading
import time

from losslab.lab._turns import Turns


def test_at_most_n_hold_a_turn_at_once():
    turns = Turns(2)
    holding, most, lock = 0, 0, threading.Lock()

    def work() -> None:
        nonlocal holding, most
        for _ in range(20):
            turns.take()
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(0.0005)
            with lock:
                holding -= 1
            turns.give()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert most == 2 and holding == 0


def test_a_slot_given_back_goes_to_the_longest_waiting():
    turns = Turns(1)
    turns.take()
    order: list[str] = []
    waiting = []
    for name in ("first", "second"):
        t = threading.Thread(target=lambda n=name: (turns.take(), order.append(n), turns.give()))
        t.start()
        waiting.append(t)
        time.sleep(0.05)  # "first" asks before "second"
    turns.give()
    turns.take()  # the thread that gave its turn back asks again at once: it is served after the two waiting
    order.append("giver")
    turns.give()
    for t in waiting:
        t.join(timeout=10)
    assert order == ["first", "second", "giver"]


def test_rotate_passes_the_slot_to_the_longest_waiting_and_queues_the_giver():
    turns = Turns(1)
    turns.take()
    order: list[str] = []
    t = threading.Thread(target=lambda: (turns.take(), order.append("waiting"), turns.give()))
    t.start()
    time.sleep(0.05)
    turns.rotate()  # the waiting thread goes first; the giver comes back after it
    order.append("giver")
    turns.give()
    t.join(timeout=10)
    assert order == ["waiting", "giver"]
    turns.take()
    turns.rotate()  # no one waits: the holder keeps its slot and goes on at once
    assert turns.contenders() == 1
    turns.give()
    assert turns.contenders() == 0
