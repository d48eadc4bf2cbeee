"""fit(): learning, determinism, records, callbacks and faults."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from actlab.nn import (
    SGD,
    Activation,
    Adam,
    BatchNorm,
    Callback,
    Dense,
    Dropout,
    EarlyStopping,
    EpochRecord,
    History,
    Sequential,
    TrainingDiverged,
    fit,
    global_norm,
)


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return centres[y] + 0.5 * rng.normal(size=(n, 2)), y


def net(seed=0, dropout=0.0, bn=False):
    layers = [Dense(2, 16)] + ([BatchNorm(16)] if bn else []) + [Activation("relu")]
    layers += ([Dropout(dropout)] if dropout else []) + [Dense(16, 3)]
    return Sequential(layers, seed=seed)


def test_learns_and_records():
    X, y = blobs()
    Xv, yv = blobs(60, seed=1)
    m = net()
    h = fit(m, X, y, loss="softmax_cross_entropy", optimizer=Adam(lr=0.05), epochs=15,
            batch_size=16, validation=(Xv, yv), progress=False)
    assert isinstance(h, History) and len(h) == 15 and not h.interrupted
    assert [r.epoch for r in h] == list(range(1, 16))
    assert h[-1].train_loss < 0.5 * h[0].train_loss
    assert h[-1].val_accuracy > 0.9 and h[-1].train_accuracy > 0.9
    assert all(r.seconds >= 0 for r in h)
    ev = m.evaluate(Xv, yv, "softmax_cross_entropy")
    assert ev["loss"] == pytest.approx(h[-1].val_loss) and ev["accuracy"] == h[-1].val_accuracy


def test_regression_has_no_accuracy_and_names_work():
    X, _ = blobs(40)
    y = X[:, :1] * 2 - X[:, 1:]
    h = fit(Sequential([Dense(2, 1)]), X, y, loss="mse", optimizer="sgd", epochs=3,
            progress=False)
    assert h[-1].train_accuracy is None and h[-1].val_loss is None
    assert h[-1].train_loss < h[0].train_loss


def test_same_seed_bitwise_identical():
    X, y = blobs()

    def run(fit_seed):
        m = net(seed=3, dropout=0.3, bn=True)
        h = fit(m, X, y, loss="softmax_cross_entropy", optimizer=SGD(lr=0.1, momentum=0.9),
                epochs=3, batch_size=10, seed=fit_seed, progress=False)
        return m, [(r.train_loss, r.train_accuracy) for r in h]

    (a, ha), (b, hb), (_, hc) = run(7), run(7), run(8)
    assert ha == hb
    for p, q in zip(a.state().values(), b.state().values()):
        assert p.tobytes() == q.tobytes()
    assert ha != hc


def test_bad_data_raises_before_training():
    X, y = blobs(20)
    m = net()
    before = m.state()

    class Spy(Callback):
        def on_train_begin(self, model, X, y):
            raise AssertionError("training started")

    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 NaN.*\(3, 1\)"):
        fit(m, Xn, y, loss="softmax_cross_entropy", callbacks=[Spy()], progress=False)
    yi = y.astype(float)
    yi[0] = np.inf
    with pytest.raises(ValueError, match="y contains"):
        fit(m, X, yi, loss="mse", callbacks=[Spy()], progress=False)
    with pytest.raises(ValueError, match="20 samples but y has 19"):
        fit(m, X, y[:-1], loss="softmax_cross_entropy", callbacks=[Spy()], progress=False)
    with pytest.raises(ValueError, match="validation X contains"):
        fit(m, X, y, loss="softmax_cross_entropy", validation=(Xn, y), callbacks=[Spy()],
            progress=False)
    with pytest.raises(ValueError, match="float32"):
        fit(m, X * 1e300, y, loss="softmax_cross_entropy", callbacks=[Spy()], progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(m, X, y, loss="softmax_cross_entropy", batch_size=0, progress=False)
    assert all(np.array_equal(before[k], v) for k, v in m.state().items())


def test_divergence_raises_and_keeps_finite_weights():
    X, _ = blobs(64)
    y = 1000 * X[:, :1]
    m = Sequential([Dense(2, 32), Activation("relu"), Dense(32, 1)], seed=0)
    with pytest.raises(TrainingDiverged) as e:
        fit(m, X, y, loss="mse", optimizer=SGD(lr=10.0), epochs=50, batch_size=8, progress=False)
    err = e.value
    assert isinstance(err, ValueError)
    assert err.epoch >= 1 and err.step >= 1 and not np.isfinite(err.loss)
    assert f"epoch {err.epoch}, step {err.step}" in str(err)
    assert m.all_finite()
    assert err.restored in ("current", "checkpoint")
    assert np.isfinite(m.predict(X)).all()


def test_divergence_restores_checkpoint_when_update_overflows():
    X, _ = blobs(16)
    y = X[:, :1]
    m = Sequential([Dense(2, 1)], seed=0)
    start = m.state()

    class Blowup(Callback):  # poison the weights like an overflowing update would
        def on_batch_end(self, step, model, loss):
            if step == 3:
                model.layers[0].params["W"][0, 0] = np.inf

    with pytest.raises(TrainingDiverged) as e:
        fit(m, X, y, loss="mse", optimizer=SGD(lr=0.01), epochs=3, batch_size=4,
            callbacks=[Blowup()], progress=False)
    assert e.value.restored == "checkpoint" and e.value.step == 4 and e.value.epoch == 1
    assert all(np.array_equal(start[k], v) for k, v in m.state().items())


class Recorder(Callback):
    def __init__(self, stop_at=None):
        self.events, self.stop_at = [], stop_at

    def on_train_begin(self, model, X, y):
        self.events.append(("begin", X.dtype, len(y)))

    def on_epoch_begin(self, epoch, model):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, step, model, loss):
        self.events.append(("batch", step))

    def on_epoch_end(self, epoch, model, record):
        self.events.append(("epoch", epoch, record.epoch))
        return "stop" if epoch == self.stop_at else None

    def on_train_end(self, model, history):
        self.events.append(("end", len(history)))


def test_callback_order_and_stop():
    X, y = blobs(20)
    rec = Recorder(stop_at=2)
    h = fit(net(), X, y, loss="softmax_cross_entropy", epochs=5, batch_size=10, callbacks=[rec],
            progress=False)
    assert len(h) == 2 and h.stopped_by == "callback" and not h.interrupted
    assert rec.events == [("begin", np.float32, 20), ("epoch_begin", 1), ("batch", 1),
                          ("batch", 2), ("epoch", 1, 1), ("epoch_begin", 2), ("batch", 3),
                          ("batch", 4), ("epoch", 2, 2), ("end", 2)]


def test_ctrl_c_stops_between_batches():
    X, y = blobs(40)

    class Interrupt(Callback):
        def on_batch_end(self, step, model, loss):
            if step == 5:  # a real SIGINT, delivered while fit runs
                os.kill(os.getpid(), signal.SIGINT)

    rec = Recorder()
    # as in a plain Python program (test runners may install their own SIGINT handler)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        h = fit(net(), X, y, loss="softmax_cross_entropy", epochs=10, batch_size=10,
                callbacks=[Interrupt(), rec], progress=False)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    finally:
        signal.signal(signal.SIGINT, previous)
    assert h.interrupted and h.stopped_by == "interrupt"
    assert len(h) == 1  # epoch 2 was cut after its first batch (step 5)
    assert [e for e in rec.events if e[0] == "batch"][-1] == ("batch", 5)
    assert rec.events[-1] == ("end", 1)


def test_binary_classification_with_label_vector():
    X, y = blobs(80)
    yb = (y == 0).astype(int)  # (N,) integer labels for a (N, 1) logit output
    m = Sequential([Dense(2, 8), Activation("tanh"), Dense(8, 1)], seed=0)
    h = fit(m, X, yb, loss="binary_cross_entropy", optimizer=Adam(lr=0.05), epochs=10,
            batch_size=16, validation=(X, yb), progress=False)
    assert h[-1].val_accuracy > 0.95
    assert h[-1].val_accuracy == np.mean((m.predict(X)[:, 0] > 0) == (yb == 1))


def test_keyboard_interrupt_from_inside_is_caught():
    X, y = blobs(20)

    class Raise(Callback):
        def on_batch_end(self, step, model, loss):
            if step == 3:
                raise KeyboardInterrupt

    h = fit(net(), X, y, loss="softmax_cross_entropy", epochs=4, batch_size=10,
            callbacks=[Raise()], progress=False)
    assert h.interrupted and len(h) == 1


def test_early_stopping_restores_best():
    X, y = blobs(60)
    es = EarlyStopping("val_loss", patience=2, restore_best=True)
    m = net()
    # a huge learning rate makes validation loss bounce
    h = fit(m, X, y, loss="softmax_cross_entropy", optimizer=SGD(lr=3.0), epochs=30,
            batch_size=60, validation=(X, y), callbacks=[es], progress=False)
    if h.stopped_by == "callback":
        assert len(h) - es.best_epoch == 2
    best = min(h.column("val_loss"))
    assert m.evaluate(X, y, "softmax_cross_entropy")["loss"] == pytest.approx(best, rel=1e-5)


def test_history_json_round_trip():
    X, y = blobs(20)
    h = fit(net(), X, y, loss="softmax_cross_entropy", epochs=2, validation=(X, y),
            progress=False)
    h.interrupted = True
    h2 = History.from_json(h.to_json())
    assert h2 == h and h2.interrupted and isinstance(h2[0], EpochRecord)
    with pytest.raises(Exception):
        h2[0].train_loss = 0.0  # frozen


def test_progress_bar_silent_when_off(capfd):
    X, y = blobs(20)
    fit(net(), X, y, loss="softmax_cross_entropy", epochs=2, progress=False)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    fit(net(), X, y, loss="softmax_cross_entropy", epochs=2, progress=True)
    out, err = capfd.readouterr()
    assert out == "" and "fit" in err


def test_penalties_and_clipping():
    X, y = blobs(60)

    def weight_norm(l2):
        m = net()
        fit(m, X, y, loss="softmax_cross_entropy", optimizer=SGD(lr=0.1), epochs=5,
            batch_size=10, l2=l2, progress=False)
        return np.sqrt(sum(np.sum(p**2) for p, d in zip(m.parameters(), m.decay_mask()) if d))

    assert weight_norm(0.05) < 0.8 * weight_norm(0.0)

    class Norms(Callback):
        def __init__(self):
            self.norms = []

        def on_batch_end(self, step, model, loss):
            self.norms.append(global_norm(model.gradients()))

    cb = Norms()
    fit(net(), X, y, loss="softmax_cross_entropy", epochs=2, clip_norm=0.01, callbacks=[cb],
        progress=False)
    assert max(cb.norms) == pytest.approx(0.01, rel=1e-5)
    cb = Norms()
    fit(net(), X, y, loss="softmax_cross_entropy", epochs=1, clip_value=1e-3, callbacks=[cb],
        l1=0.01, progress=False)
    assert all(n <= 1e-3 * np.sqrt(sum(p.size for p in net().parameters())) for n in cb.norms)
