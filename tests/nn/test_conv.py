"""Conv1d/Conv2d (im2col) against the naive loops and torch; pooling; whole-network gradients."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab.nn import Activation, Dense, Flatten, Sequential, gradcheck_details, load, save
from actlab.nn.conv import (
    Conv1d,
    Conv2d,
    MaxPool1d,
    MaxPool2d,
    Unflatten,
    conv1d_naive,
    conv2d_naive,
    conv_output_size,
)

GRAD_TOL = 1e-6
# (kernel, stride, padding) cases: plain, strided + padded, stride > kernel, 1x1
CASES = [(3, 1, 0), (3, 2, 1), (2, 3, 2), (1, 1, 0), (4, 1, 3)]
CASES_2D = CASES + [((2, 3), (1, 2), (1, 0))]


@pytest.fixture
def torch():
    """torch with one thread (tiny tensors: its pool only adds contention), restored after."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


def built(layer, seed=0, dtype=np.float64, bias_scale=1.0):
    rng = np.random.default_rng(seed)
    layer.build(rng, dtype)
    if "b" in layer.params:  # non-zero biases so the bias path is exercised
        layer.params["b"][...] = bias_scale * rng.normal(size=layer.params["b"].shape)
    return layer


# --------------------------------------------------------------------------- the articles' example
def test_articles_cnn_example():
    """The articles' example: input 1..9 (3x3), kernel [[-1, 0], [0, 1]], stride 1 -> all 4s.

    This is cross-correlation (the kernel slides unflipped, y[i, j] = x[i+1, j+1] - x[i, j]),
    which is what PyTorch, JAX and Keras all call "convolution"; a flipped kernel would give -4.
    ReLU then keeps the positive map unchanged.
    """
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    kernel = np.array([[-1.0, 0.0], [0.0, 1.0]])
    layer = Conv2d(1, 1, 2, stride=1, bias=False)
    layer.build(np.random.default_rng(0), np.float64)
    layer.params["W"][0, 0] = kernel
    y = layer.forward(x)
    np.testing.assert_array_equal(y[0, 0], [[4.0, 4.0], [4.0, 4.0]])
    np.testing.assert_array_equal(conv2d_naive(x, kernel[None, None]), y)
    relu = Activation("relu")
    np.testing.assert_array_equal(relu.forward(y)[0, 0], [[4.0, 4.0], [4.0, 4.0]])
    # a true (flipped-kernel) convolution would give the opposite sign
    flipped = conv2d_naive(x, kernel[::-1, ::-1][None, None])
    np.testing.assert_array_equal(flipped[0, 0], [[-4.0, -4.0], [-4.0, -4.0]])


# --------------------------------------------------------------------------- im2col vs naive
@pytest.mark.parametrize("k,s,p", CASES)
def test_conv1d_matches_naive(k, s, p, rng):
    layer = built(Conv1d(3, 4, k, stride=s, padding=p))
    x = rng.normal(size=(2, 3, 9))
    expected = conv1d_naive(x, layer.params["W"], layer.params["b"], stride=s, padding=p)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-13, atol=1e-13)
    assert expected.shape[-1] == conv_output_size(9, k, s, p)


@pytest.mark.parametrize("k,s,p", CASES_2D)
def test_conv2d_matches_naive(k, s, p, rng):
    layer = built(Conv2d(2, 3, k, stride=s, padding=p))
    x = rng.normal(size=(2, 2, 6, 7))
    expected = conv2d_naive(x, layer.params["W"], layer.params["b"], stride=s, padding=p)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-13, atol=1e-13)


def test_backward_is_the_adjoint_of_forward(rng):
    """<dy, conv(x)> is linear in x: backward must be its exact adjoint (no bias)."""
    layer = built(Conv2d(2, 3, 3, stride=2, padding=1, bias=False))
    x = rng.normal(size=(2, 2, 7, 6))
    y = layer.forward(x, training=True)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    np.testing.assert_allclose(np.vdot(dy, y), np.vdot(dx, x), rtol=1e-12)
    # and <dy, y> = <dW, W> for the weight gradient
    np.testing.assert_allclose(np.vdot(dy, y), np.vdot(layer.grads["W"], layer.params["W"]),
                               rtol=1e-12)


# --------------------------------------------------------------------------- torch
@pytest.mark.torch
@pytest.mark.parametrize("nd,k,s,p", [(nd, *c) for nd in (1, 2) for c in CASES])
def test_conv_matches_torch_forward_and_backward(nd, k, s, p, rng, torch):
    layer = built(Conv1d(3, 4, k, stride=s, padding=p) if nd == 1
                  else Conv2d(3, 4, k, stride=s, padding=p))
    check_conv_against_torch(layer, rng.normal(size=(2, 3, 9) if nd == 1 else (2, 3, 8, 9)),
                             rng, torch)


def check_conv_against_torch(layer, x, rng, torch):
    """y, dx, dW and db of one forward/backward agree with torch's conv to 1e-12 (float64)."""
    F = torch.nn.functional
    y = layer.forward(x, training=True)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(layer.params["W"], requires_grad=True)
    bt = torch.tensor(layer.params["b"], requires_grad=True)
    conv = F.conv1d if x.ndim == 3 else F.conv2d
    yt = conv(xt, wt, bt, stride=layer.stride, padding=layer.padding)
    yt.backward(torch.tensor(dy))
    tol = dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, yt.detach().numpy(), **tol)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **tol)
    np.testing.assert_allclose(layer.grads["W"], wt.grad.numpy(), **tol)
    np.testing.assert_allclose(layer.grads["b"], bt.grad.numpy(), **tol)


@pytest.mark.torch
@pytest.mark.parametrize("nd,k,s,p", [(1, 2, None, 0), (1, 3, 2, 1), (1, 3, 1, 1),
                                      (2, 2, None, 0), (2, 3, 2, 1), (2, (2, 3), (1, 2), (1, 0))])
def test_maxpool_matches_torch(nd, k, s, p, rng, torch):
    F = torch.nn.functional
    layer = (MaxPool1d if nd == 1 else MaxPool2d)(k, stride=s, padding=p)
    x = rng.normal(size=(2, 3, 9) if nd == 1 else (2, 3, 7, 8))
    y = layer.forward(x, training=True)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    yt = (F.max_pool1d if nd == 1 else F.max_pool2d)(xt, k, stride=s, padding=p)
    yt.backward(torch.tensor(dy))
    np.testing.assert_array_equal(y, yt.detach().numpy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-14, atol=1e-15)


# --------------------------------------------------------------------------- pooling
def test_maxpool_values_and_routing():
    x = np.array([[[1.0, 3.0, 2.0, 0.0, 5.0, 4.0]]])
    pool = MaxPool1d(2)
    np.testing.assert_array_equal(pool.forward(x), [[[3.0, 2.0, 5.0]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[10.0, 20.0, 30.0]]])),
                                  [[[0.0, 10.0, 20.0, 0.0, 30.0, 0.0]]])


def test_maxpool_ties_send_the_gradient_to_the_first_maximum():
    x = np.ones((1, 1, 2, 2))
    pool = MaxPool2d(2)
    assert pool.forward(x).item() == 1.0
    np.testing.assert_array_equal(pool.backward(np.array([[[[1.0]]]]))[0, 0], [[1.0, 0.0],
                                                                             [0.0, 0.0]])


def test_overlapping_pool_windows_accumulate():
    x = np.array([[[0.0, 5.0, 1.0]]])
    pool = MaxPool1d(2, stride=1)
    np.testing.assert_array_equal(pool.forward(x), [[[5.0, 5.0]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[1.0, 2.0]]])), [[[0.0, 3.0, 0.0]]])


def test_maxpool_padding_never_wins():
    x = -np.ones((1, 1, 3))  # all negative: the -inf padding must lose to -1
    pool = MaxPool1d(2, stride=2, padding=1)
    np.testing.assert_array_equal(pool.forward(x), [[[-1.0, -1.0]]])


# --------------------------------------------------------------------------- whole networks
def _gradcheck(model, X, y):
    errors = gradcheck_details(model, X, y, "softmax_cross_entropy")
    assert max(errors.values()) < GRAD_TOL, errors
    return errors


def test_gradcheck_conv1d_network(rng):
    model = Sequential([
        Unflatten((2, 12)),
        Conv1d(2, 3, 3, stride=2, padding=1), Activation("tanh"),
        MaxPool1d(2, stride=1),
        Conv1d(3, 4, 2), Activation("gelu"),
        Flatten(), Dense(4 * 4, 3),
    ], seed=1, dtype=np.float64)
    errors = _gradcheck(model, rng.normal(size=(5, 24)), rng.integers(0, 3, size=5))
    assert {"1.Conv1d.W", "1.Conv1d.b", "4.Conv1d.W", "input"} <= set(errors)


def test_gradcheck_conv2d_network(rng):
    model = Sequential([
        Conv2d(2, 3, 3, padding=1), Activation("silu"),
        MaxPool2d(2),
        Conv2d(3, 2, (2, 3), stride=(1, 2), padding=(0, 1)), Activation("tanh"),
        Flatten(), Dense(2 * 2 * 2, 4),
    ], seed=2, dtype=np.float64)
    _gradcheck(model, rng.normal(size=(3, 2, 6, 6)), rng.integers(0, 4, size=3))


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("layer", [Conv1d(2, 3, 3, stride=2, padding=1, init="glorot_uniform"),
                                   Conv2d(2, 3, (2, 3), stride=(1, 2), bias=False),
                                   MaxPool1d(3, stride=2, padding=1), MaxPool2d(2),
                                   Unflatten((2, 3))])
def test_config_round_trips_through_json(layer):
    config = json.loads(json.dumps(layer.config()))
    assert type(layer)(**config).config() == layer.config()


def test_dtype_is_kept_and_params_match_grads():
    layer = built(Conv2d(1, 2, 3, padding=1), dtype=np.float32)
    assert set(layer.params) == set(layer.grads) == {"W", "b"}
    y = layer.forward(np.ones((2, 1, 5, 5), np.float32), training=True)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


def test_init_uses_conv_fans():
    layer = Conv1d(8, 16, 5, init="he_normal")
    layer.build(np.random.default_rng(0), np.float64)
    # He: variance 2 / fan_in with fan_in = in_channels * kernel = 40
    assert abs(layer.params["W"].var() * 40 / 2 - 1) < 0.15
    assert np.all(layer.params["b"] == 0)


def test_backward_after_inference_pass_and_need_dx(rng):
    layer = built(Conv1d(2, 2, 3))
    x = rng.normal(size=(2, 2, 6))
    dy = rng.normal(size=(2, 2, 4))
    layer.forward(x, training=True)
    dx = layer.backward(dy)
    gw = layer.grads["W"].copy()
    layer.forward(x)  # inference keeps only x; backward rebuilds the columns
    np.testing.assert_array_equal(layer.backward(dy), dx)
    layer.grads["W"][...] = 0
    assert layer.backward(dy, need_dx=False) is None
    np.testing.assert_array_equal(layer.grads["W"], gw)


@pytest.mark.parametrize("make,shape,match", [
    (lambda: Conv1d(3, 2, 3), (2, 4, 8), "3 input channels"),
    (lambda: Conv1d(3, 2, 3), (2, 3, 4, 4), r"\(N, C, L\)"),
    (lambda: Conv2d(1, 2, 5), (1, 1, 3, 3), "smaller than the kernel"),
    (lambda: MaxPool2d(2), (4, 4), r"\(N, C, H, W\)"),
])
def test_bad_input_shapes_raise(make, shape, match):
    layer = make()
    layer.build(np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match=match):
        layer.forward(np.zeros(shape))


@pytest.mark.parametrize("make", [
    lambda: Conv1d(0, 2, 3), lambda: Conv1d(1, 2, 0), lambda: Conv2d(1, 2, (3, 3, 3)),
    lambda: Conv1d(1, 2, 3, stride=0), lambda: Conv1d(1, 2, 3, padding=-1),
    lambda: MaxPool1d(2, padding=2), lambda: Conv1d(1, 2, 3, init="nope"),
    lambda: Unflatten((0, 2)),
])
def test_bad_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


def test_cnn_save_load_round_trip(tmp_path, rng):
    model = Sequential([Unflatten((1, 10)), Conv1d(1, 3, 3, padding=1), Activation("relu"),
                        MaxPool1d(2), Flatten(), Dense(15, 2)], seed=0, dtype=np.float64)
    X = rng.normal(size=(4, 10))
    path = save(model, tmp_path / "cnn.npz")
    again = load(path)
    assert again.config() == model.config()
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
