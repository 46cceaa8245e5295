"""The diagnosis with a memo (``diagnose(history, memo=DiagnosisMemo())``), as a live run is diagnosed again and again
while it grows: the same findings, word for word and number for number, as the diagnosis without one — over the
62 labelled runs of ``_corpus.py`` at many lengths, with and without facts, in both languages, and when the memo is
handed a history it was not built for (a run continued past its epochs, reset, replaced, or changed)."""

from __future__ import annotations

import copy
import json
import threading

import numpy as np
import pytest

from losslab.training import History, diagnose, fit, load_dataset
from losslab.training.diagnosis import DiagnosisMemo

from . import _corpus as C


def _cut(h: History, n: int) -> History:
    """The history as it was after ``n`` epochs (a run still going: not stopped yet, unless it is all of it)."""
    out = copy.copy(h)
    out.records = h.records[:n]
    if n < h.epochs:
        out.stopped, out.restored_best = "completed", False
    return out


def _json(d) -> str:
    return json.dumps(d.to_dict(), sort_keys=True, allow_nan=True)


def _lengths(n: int) -> list[int]:
    """Every length up to 45 (every checkpoint there), then every 7th, and the last."""
    return sorted({*range(1, min(n, 45) + 1), *range(45, n + 1, 7), n})


@pytest.fixture(scope="module")
def corpus():
    return [(spec, C.run(spec)) for spec in C.SPECS]


def test_the_corpus_at_every_length_is_diagnosed_the_same_with_a_memo(corpus):
    assert len(corpus) == 62
    compared = 0
    for i, (spec, run) in enumerate(corpus):
        facts = run.facts() if i % 2 == 0 else None  # with the k-NN reference (a keyed partial rule), and without
        lang, where = ("en", "api") if i % 3 else ("ja", "lab")
        memo = DiagnosisMemo()
        for n in _lengths(run.history.epochs):
            h = _cut(run.history, n)
            plain = diagnose(h, lang, facts=facts, where=where)
            kept = diagnose(h, lang, facts=facts, where=where, memo=memo)
            assert _json(kept) == _json(plain), (spec.name, n)
            compared += 1
        assert len(memo) > 0 or run.history.epochs < 5 or diagnose(run.history).primary.code == "divergence"
    assert compared > 2000


def _continued(run, more: int, seed: int) -> History:
    """The run continued for ``more`` epochs from where it stopped, its records appended (the lab's Play past the
    epoch limit: a new call of fit on the same model and optimizer, the epochs counting on)."""
    go_on = fit(run.dataset, model=run.model, loss=run.config["loss"], optimizer=run.optimizer, epochs=more,
                batch_size=run.config["batch_size"], seed=seed)
    h = copy.copy(run.history)
    offset = run.history.epochs
    h.records = run.history.records + [{**r, "epoch": offset + r["epoch"]} for r in go_on.history.records]
    h.stopped = "completed"
    return h


def _check(memo: DiagnosisMemo, h: History, facts=None) -> None:
    assert _json(diagnose(h, facts=facts, memo=memo)) == _json(diagnose(h, facts=facts)), h.epochs


def test_a_memo_never_outlives_the_history_it_was_built_for():
    a = fit("moons", model="mlp", hidden=(8, 8), lr=0.03, batch_size=10, epochs=60, seed=0)
    b = fit("moons", model="mlp", hidden=(8, 8), lr=0.5, batch_size=10, epochs=60, seed=1)
    memo = DiagnosisMemo()
    for n in range(1, 61):
        _check(memo, _cut(a.history, n))
    # Play past the epoch limit: the same run goes on, and the memo keeps what it knew
    longer = _continued(a, 40, seed=7)
    for n in range(60, 101, 3):
        _check(memo, _cut(longer, n))
    kept = len(memo)
    # a reset: the run starts again from epoch 0 (shorter), and then goes another way
    for n in (3, 12, 30):
        _check(memo, _cut(b.history, n))
    assert len(memo) < kept
    # the same length, another run; then an earlier epoch changed, the start, the baseline, the restored flag
    for h in (_cut(a.history, 50), _cut(b.history, 50)):
        _check(memo, h)
    changed = _cut(b.history, 55)
    changed.records = [dict(r) for r in changed.records]
    changed.records[10]["train_loss"] = float(np.nextafter(changed.records[10]["train_loss"], np.inf))
    _check(memo, changed)
    start = _cut(b.history, 56)
    start.initial = {**start.initial, "train_loss": start.initial["train_loss"] * 2}
    _check(memo, start)
    base = _cut(b.history, 57)
    base.baseline = {**base.baseline, "train_loss": base.baseline["train_loss"] / 3}
    _check(memo, base)
    restored = _cut(b.history, 60)
    restored.restored_best = not b.history.restored_best
    _check(memo, restored)
    # other thresholds are other answers
    from losslab.training.diagnosis import Thresholds

    th = Thresholds(overfit_rise=0.01, high=0.5)
    h = _cut(b.history, 60)
    assert _json(diagnose(h, thresholds=th, memo=memo)) == _json(diagnose(h, thresholds=th))
    _check(memo, h)


def test_the_memo_computes_only_what_is_new():
    run = fit("moons", model="mlp", hidden=(8, 8), lr=0.03, batch_size=10, epochs=120, seed=0)
    memo = DiagnosisMemo()
    calls = []
    recall = DiagnosisMemo.recall

    def counting(self, key, compute):
        return recall(self, key, lambda: (calls.append(key), compute())[1])

    with pytest.MonkeyPatch.context() as m:
        m.setattr(DiagnosisMemo, "recall", counting)
        diagnose(_cut(run.history, 119), memo=memo)
        first = len(calls)
        diagnose(_cut(run.history, 119), memo=memo)
        assert len(calls) == first  # nothing new: nothing computed
        diagnose(run.history, memo=memo)
    # one more epoch: the checkpoints it had seen are remembered; only the newest answers are computed
    assert 0 < len(calls) - first < first / 4, (first, len(calls))


def test_two_threads_may_share_a_memo():
    a = fit("moons", model="mlp", hidden=(8, 8), lr=0.03, batch_size=10, epochs=50, seed=0).history
    b = fit("circles", model="mlp", lr=0.5, epochs=50, seed=2).history
    want = {(k, n): _json(diagnose(_cut(h, n))) for k, h in (("a", a), ("b", b)) for n in range(5, 51, 5)}
    memo = DiagnosisMemo()
    got: dict = {}

    def work(k, h):
        for n in range(5, 51, 5):
            got[(k, n)] = _json(diagnose(_cut(h, n), memo=memo))

    threads = [threading.Thread(target=work, args=x) for x in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == want


def test_a_remembered_answer_is_not_changed_by_its_readers():
    few = load_dataset("moons", n_samples=60, noise=0.35, seed=0)  # overfitting: a finding found at some epoch
    run = fit(few, model="mlp", hidden=(64, 64), loss="bce", lr=0.01, epochs=300, seed=0)
    memo = DiagnosisMemo()
    first = diagnose(run.history, memo=memo)
    assert first.primary.evidence.get("found_at") is not None
    # held() adds where the finding was found to its own copy, never to the answer the memo keeps
    assert not any("found_at" in found for found in memo._found.values() if found is not None)
    assert _json(diagnose(run.history, memo=memo)) == _json(first) == _json(diagnose(run.history))
