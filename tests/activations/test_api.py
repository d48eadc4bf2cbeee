"""The public API: names, aliases and did-you-mean errors, parameter validation, repr/config,
module functions with doctests, dtypes and shapes, out=, and inputs left untouched."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import actlab
from actlab.activations import registry

from .cases import CASES, Case, params

DTYPES = (np.float16, np.float32, np.float64)


# ---------------------------------------------------------------------------------- names
def test_names_and_aliases():
    names = actlab.names()
    assert len(names) == len(set(names)) and "relu" in names
    aliases = actlab.aliases()
    assert aliases["swish"] == "silu" and aliases["linear"] == "identity"
    assert set(aliases.values()) <= set(names) and not set(aliases) & set(names)
    assert set(actlab.names(aliases=True)) == set(names) | set(aliases)
    for alias, name in aliases.items():
        assert actlab.get(alias) == actlab.get(name)
        assert actlab.get(alias).name == name


@pytest.mark.parametrize("typo, hint", [("relux", "relu"), ("swich", "swish"), ("gelo", "gelu"),
                                        ("Leaky-ReLU", None), ("softmaxx", "softmax")])
def test_unknown_names_suggest(typo: str, hint: str | None):
    if hint is None:  # case and dashes are normalised
        assert actlab.get(typo).name == "leaky_relu"
        return
    with pytest.raises(ValueError, match=f"did you mean.*'{hint}'"):
        actlab.get(typo)


def test_unknown_name_without_a_close_match():
    with pytest.raises(ValueError, match="unknown activation 'zzzz' .*known: identity"):
        actlab.get("zzzz")
    with pytest.raises(ValueError, match="must be a string"):
        actlab.get(3)


# ----------------------------------------------------------------------------- parameters
@params(CASES)
def test_parameters_are_validated(case: Case):
    spec = case.get().spec
    with pytest.raises(ValueError, match="unknown parameter 'bogus'"):
        actlab.get(case.name, bogus=1.0)
    for p in spec.params:
        assert p.doc and p.validate(p.default, case.name) == p.default
        if p.choices is not None:
            with pytest.raises(ValueError, match=f"'{p.name}' must be one of"):
                actlab.get(case.name, **{p.name: "nope"})
            continue
        if p.kind is int:
            for bad in (1.5, "1", True):
                with pytest.raises(ValueError, match=f"'{p.name}' must be an integer"):
                    actlab.get(case.name, **{p.name: bad})
            continue
        for bad in (np.nan, np.inf, -np.inf):
            with pytest.raises(ValueError, match=f"'{p.name}' must be finite"):
                actlab.get(case.name, **{p.name: bad})
        for bad in ("0.1", None, True):
            with pytest.raises(ValueError, match=f"'{p.name}' must be a real number"):
                actlab.get(case.name, **{p.name: bad})
        if p.lower is not None:
            below = p.lower if p.lower_open else p.lower - 1e-9
            with pytest.raises(ValueError, match=f"'{p.name}' must be >=? {p.lower}"):
                actlab.get(case.name, **{p.name: below})
        if p.upper is not None:
            above = p.upper if p.upper_open else p.upper + 1e-9
            with pytest.raises(ValueError, match=f"'{p.name}' must be <=? {p.upper}"):
                actlab.get(case.name, **{p.name: above})


def test_parameter_errors_name_the_parameter_and_suggest():
    with pytest.raises(ValueError, match="relu: unknown parameter 'alpha'.*takes no parameters"):
        actlab.get("relu", alpha=0.1)
    with pytest.raises(ValueError, match="did you mean 'alpha'"):
        actlab.get("leaky_relu", alpah=0.1)
    with pytest.raises(ValueError, match="leaky_relu: parameter 'alpha' must be <= 1.0"):
        actlab.get("leaky_relu", alpha=2)
    with pytest.raises(ValueError, match="silu: parameter 'beta' must be > 0.0"):
        actlab.get("silu", beta=0)


def test_repr_config_and_equality():
    f = actlab.get("leaky_relu")
    assert repr(f) == "leaky_relu(alpha=0.01)"
    assert repr(actlab.get("relu")) == "relu()"
    assert repr(actlab.get("gelu", approximate="tanh")) == "gelu(approximate='tanh')"
    g = actlab.get("leaky_relu", alpha=1)  # ints become floats
    assert g.params == {"alpha": 1.0} and isinstance(g.params["alpha"], float)
    assert actlab.get(f, alpha=0.2) == actlab.get("lrelu", alpha=0.2)
    assert actlab.get(f) is f
    assert hash(f) == hash(actlab.get("leaky_relu", alpha=0.01)) and f != g


@params(CASES)
def test_config_round_trip(case: Case):
    f = case.get()
    assert actlab.Activation.from_config(f.config()) == f
    # the repr reads back as a call: name(param=value, ...)
    assert eval(repr(f), {case.name: lambda **kwargs: actlab.get(case.name, **kwargs)}) == f


# ------------------------------------------------------------------------ module functions
@pytest.mark.parametrize("name", actlab.names())
def test_module_function_with_doctest(name: str):
    fn = getattr(actlab, name)
    assert fn.__name__ == name and name in actlab.__all__
    doc = fn.__doc__
    assert doc and ">>>" in doc and ".. math::" in doc
    x = np.array([-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(fn(x), actlab.get(name)(x))
    # run the docstring's examples here too (the doctest-modules run covers the module)
    finder = doctest.DocTestParser()
    test = finder.get_doctest(doc, {"np": np, name: fn, **{n: getattr(actlab, n)
                                                           for n in actlab.names()}},
                              name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_module_function_parameters():
    x = np.array([-2.0, 2.0])
    np.testing.assert_array_equal(actlab.gelu(x, approximate="tanh"),
                                  actlab.get("gelu", approximate="tanh")(x))
    np.testing.assert_array_equal(actlab.leaky_relu(x, alpha=0.2), [-0.4, 2.0])
    out = np.empty(2)
    assert actlab.relu(x, out=out) is out
    with pytest.raises(ValueError, match="unknown parameter"):
        actlab.relu(x, alpha=1)


# ---------------------------------------------------------------------- dtypes and shapes
def _call_all(f, x, g=None):
    g = np.ones_like(np.asarray(x, dtype=float)) if g is None else g
    res = {"f": f(x), "backward": f.backward(g, x)}
    if not f.vector:
        res["grad"] = f.grad(x)
    return res


@params(CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_float_dtypes_are_preserved(case: Case, dtype):
    f = case.get()
    x = np.linspace(-4, 4, 12, dtype=dtype).reshape(3, 4)
    for kind, res in _call_all(f, x, np.ones_like(x)).items():
        assert res.dtype == dtype and res.shape == x.shape, kind
    jac = f.jacobian(x)
    assert jac.dtype == dtype and jac.shape == (3, 4, 4)


@params(CASES)
@pytest.mark.parametrize("x", [[-1, 0, 2], np.array([-1, 0, 2], np.int32),
                               np.array([True, False]), np.array([1, 250], np.uint8)],
                         ids=["list", "int32", "bool", "uint8"])
def test_integers_bools_and_lists_become_float64(case: Case, x):
    f = case.get()
    want = f(np.asarray(x, dtype=np.float64))
    for kind, res in _call_all(f, x).items():
        assert res.dtype == np.float64, kind
    np.testing.assert_array_equal(f(x), want)


@params(CASES)
@pytest.mark.parametrize("x", [0.5, -3, np.float64(2.0), np.float32(2.0), np.array(1.5)],
                         ids=["float", "int", "np.float64", "np.float32", "0-d"])
def test_scalars_give_numpy_scalars(case: Case, x):
    f = case.get()
    y = f(x)
    assert isinstance(y, np.floating) and not isinstance(y, np.ndarray)
    assert y.dtype == (np.float32 if isinstance(x, np.float32) else np.float64)
    if not f.vector:
        assert isinstance(f.grad(x), np.floating)
        assert float(f.grad(x)) == float(f.grad(np.array([x]))[0])
        assert float(y) == float(f(np.array([x]))[0])


@params(CASES)
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), (2, 0, 3), (1,), (2, 3, 4), (5, 1)])
def test_any_shape_including_empty(case: Case, shape):
    f = case.get()
    x = np.random.default_rng(0).normal(size=shape)
    for kind, res in _call_all(f, x, np.ones(shape)).items():
        assert res.shape == shape, kind
    if not case.vector:
        np.testing.assert_array_equal(f(x).ravel(), f(x.ravel()))


@params(CASES)
def test_unsupported_dtypes_are_refused(case: Case):
    with pytest.raises(TypeError, match="unsupported dtype"):
        case.get()(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="unsupported dtype"):
        case.get()(np.array(["a"]))


# ------------------------------------------------------------------------ inputs and out=
@params(CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_inputs_are_never_mutated(case: Case, dtype):
    f = case.get()
    base = np.array([[-np.inf, -3.0, -0.5, 0.0, 1.0, 7.0], [np.nan, -1.0, 0.25, 2.0, 3.0, np.inf]],
                    dtype=dtype)
    views = {"contiguous": base, "transposed": base.T, "strided": base[:, ::2]}
    for label, x in views.items():
        g = np.full(x.shape, 2.0, dtype)
        x0, g0 = x.copy(), g.copy()
        y = f(x)
        y0 = y.copy()
        _call_all(f, x, g)
        f.jacobian(x)
        f.backward(g, x, y)
        assert x.tobytes() == x0.tobytes() and g.tobytes() == g0.tobytes(), label
        assert y.tobytes() == y0.tobytes(), label


@params(CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_out_writes_in_place(case: Case, dtype):
    f = case.get()
    x = np.linspace(-5, 5, 8, dtype=dtype).reshape(2, 4)
    g = np.linspace(1, 2, 8, dtype=dtype).reshape(2, 4)
    calls = {"f": (f, (x,)), "backward": (f.backward, (g, x))}
    if not f.vector:
        calls["grad"] = (f.grad, (x,))
    for kind, (fn, args) in calls.items():
        want = fn(*args)
        out = np.full(x.shape, 99.0, dtype)
        assert fn(*args, out=out) is out, kind
        np.testing.assert_array_equal(out, want)
        # out may be the input itself (an in-place activation)
        xs = [a.copy() for a in args]
        assert fn(*xs, out=xs[-1]) is xs[-1]
        np.testing.assert_array_equal(xs[-1], want, err_msg=f"{kind}, out is x")
        if kind == "backward":
            gs = [a.copy() for a in args]
            np.testing.assert_array_equal(fn(*gs, out=gs[0]), want, err_msg="out is g")
        for bad in (np.empty((4, 2), dtype), np.empty(x.shape, np.complex128),
                    np.empty(x.shape, np.float64 if dtype != np.float64 else np.float32)):
            with pytest.raises(ValueError, match="out has shape"):
                fn(*args, out=bad)


def test_backward_checks_shapes():
    f = actlab.get("relu")
    with pytest.raises(ValueError, match="g has shape"):
        f.backward(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="needs x"):
        actlab.get("gelu").backward(np.ones(3), None)


def test_backward_result_dtype_follows_numpy_promotion():
    f = actlab.get("tanh")
    x32 = np.linspace(-1, 1, 5, dtype=np.float32)
    assert f.backward(np.ones(5), x32).dtype == np.float64
    assert f.backward(np.ones(5, np.float16), x32).dtype == np.float32
    assert f.backward(np.ones(5, np.float16), x32.astype(np.float16)).dtype == np.float16


def test_info_is_a_frozen_dataclass():
    info = actlab.get("relu").info
    with pytest.raises(AttributeError):
        info.monotone = False  # type: ignore[misc]
    assert registry.spec("swish") is registry.spec("silu")
