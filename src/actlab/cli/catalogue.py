"""``actlab list | show | eval | plot | plot-catalogue``: the catalogue on the command line.

Thin: every line printed comes from the registry (``actlab.get``, ``names``, ``aliases`` and the
property sheet ``Activation.info``); nothing here keeps its own list of activations. Bad input
raises ``ValueError``, which ``actlab.cli.main`` turns into one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..activations import Activation, aliases, get, names
from ..activations.spec import Info, Param

SHOW_X = (-3.0, -1.0, 0.0, 1.0, 3.0)
SHOW_VECTOR_X = (2.0, 1.0, 0.1)  # the articles' softmax example
# argparse reads "-inf", "-nan" and "-1e-3" as options; these are numbers to eval
_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)


# ------------------------------------------------------------------------------ parsing
#: sub-command -> one-line help (``actlab --help`` lists these without registering the
#: sub-commands, whose options may need heavier imports)
COMMANDS = {
    "list": "table of every activation and its key properties",
    "show": "the property sheet of one activation",
    "eval": "evaluate f (or f') at numbers, full precision",
    "plot": "plot f (and f') of one or more activations",
    "plot-catalogue": "one f/f' PNG per activation and an overview grid",
}


def parse_params(items: Sequence[str] | None) -> dict[str, Any]:
    """``["alpha=0.2", "approximate=tanh", "axis=-1"]`` -> ``{"alpha": 0.2, ...}``.

    Integers stay ``int``, other numbers become ``float``, anything else stays a string.

    >>> parse_params(["alpha=0.2", "approximate=tanh", "axis=-1"])
    {'alpha': 0.2, 'approximate': 'tanh', 'axis': -1}
    """
    params: dict[str, Any] = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            raise ValueError(f"--param expects KEY=VALUE (e.g. alpha=0.2), got {item!r}")
        if key in params:
            raise ValueError(f"--param {key!r} given twice")
        params[key] = _scalar(text)
    return params


def _scalar(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_numbers(items: Sequence[str]) -> np.ndarray:
    """Command-line numbers (``inf``, ``-inf``, ``nan`` allowed) as a float64 array."""
    values = []
    for item in items:
        try:
            values.append(float(item))
        except ValueError:
            raise ValueError(f"not a number: {item!r} (use e.g. 1.5, -2, 1e-3, inf, -inf, nan)")
    return np.array(values, dtype=np.float64)


# ------------------------------------------------------------------------------ formatting
def _num(v: float, digits: int = 6) -> str:
    """Short form for tables: ``0.25``, ``-0.2785``, ``inf``."""
    return "nan" if math.isnan(v) else ("inf" if v == math.inf else
                                         "-inf" if v == -math.inf else f"{v:.{digits}g}")


def _full(v: Any) -> str:
    """Full precision: the repr of the float64 (``0.04742587317756678``, ``-inf``, ``nan``)."""
    return repr(float(v))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def range_text(info: Info) -> str:
    """The range with brackets: ``[0, inf)`` when the bound is attained, ``(0, 1)`` when not."""
    lo, hi = info.range
    closed_lo = info.minimum is not None and info.minimum.value == lo
    closed_hi = info.maximum is not None and info.maximum.value == hi
    return f"{'[' if closed_lo else '('}{_num(lo, 4)}, {_num(hi, 4)}{']' if closed_hi else ')'}"


def param_bounds(p: Param) -> str:
    if p.choices is not None:
        return "one of " + ", ".join(map(str, p.choices))
    if p.kind is int:
        return "integer"
    if p.lower is None and p.upper is None:
        return "real"
    lo = "(-inf" if p.lower is None else ("(" if p.lower_open else "[") + _num(p.lower)
    hi = "inf)" if p.upper is None else _num(p.upper) + (")" if p.upper_open else "]")
    return f"{lo}, {hi}"


def _jsonable(v: Any) -> Any:
    """Non-finite floats as the strings ``"inf"``, ``"-inf"``, ``"nan"`` (like ``Info.to_dict``)."""
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, (float, np.floating)):
        return _num(float(v)) if not math.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, dict):
        return {k: _jsonable(w) for k, w in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(w) for w in v]
    return v


def _dump(obj: Any) -> None:
    print(json.dumps(_jsonable(obj), indent=2, allow_nan=False))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in lines)


def _aliases_of(name: str) -> list[str]:
    return sorted(a for a, target in aliases().items() if target == name)


# ------------------------------------------------------------------------------ list
def _summary(act: Activation) -> dict[str, Any]:
    info = act.info
    return {
        "name": act.name, "aliases": _aliases_of(act.name), "display_name": info.display_name,
        "range": list(info.range), "monotone": info.monotone, "smoothness": info.smoothness,
        "zero_centred": info.zero_centred, "saturating": info.saturating,
        "exact_zeros": info.exact_zeros, "kinks": len(info.kinks), "vector": info.vector,
        "init": info.init, "use": list(info.use),
    }


def cmd_list(args: argparse.Namespace) -> int:
    rows = [_summary(get(n)) for n in names()]
    if args.json:
        _dump(rows)
        return 0
    header = ["name", "aliases", "range", "monotone", "smooth", "zero-centred", "saturating",
              "exact zeros", "init", "use"]
    body = [[r["name"] + (" (vector)" if r["vector"] else ""), ", ".join(r["aliases"]) or "-",
             range_text(get(r["name"]).info), _yes(r["monotone"]), r["smoothness"],
             _yes(r["zero_centred"]), r["saturating"], _yes(r["exact_zeros"]), r["init"],
             ", ".join(r["use"]) or "-"] for r in rows]
    print(_table(header, body))
    print(f"\n{len(rows)} activations; `actlab show NAME` prints one property sheet.")
    return 0


# ------------------------------------------------------------------------------ show
def _param_rows(act: Activation) -> list[dict[str, Any]]:
    return [{"name": p.name, "value": act.params[p.name], "default": p.default, "doc": p.doc,
             "bounds": param_bounds(p), "lower": p.lower, "upper": p.upper,
             "lower_open": p.lower_open, "upper_open": p.upper_open,
             "choices": list(p.choices) if p.choices is not None else None,
             "kind": p.kind.__name__} for p in act.spec.params]


def _examples(act: Activation) -> dict[str, Any]:
    if act.vector:
        x = np.array(SHOW_VECTOR_X)
        return {"x": x, "f": act(x), "jacobian": act.jacobian(x)}
    kinks = [k.x for k in act.info.kinks if math.isfinite(k.x)]
    x = np.array(sorted(set(SHOW_X) | set(kinks)))
    return {"x": x, "f": act(x), "grad": act.grad(x)}


def _extremum(e) -> str:
    return "not attained" if e is None else f"{_full(e.value)} at x = {_full(e.at)}"


def cmd_show(args: argparse.Namespace) -> int:
    act = get(args.name, **parse_params(args.param))
    info = act.info
    values = _examples(act)
    if args.json:
        _dump({"name": act.name, "aliases": _aliases_of(act.name), "params": act.params,
               "parameters": _param_rows(act), "info": info.to_dict(),
               "doc": act.spec.doc, "values": values})
        return 0
    al = ", ".join(_aliases_of(act.name))
    out = [f"{info.display_name}  --  {act!r}" + (f"   (aliases: {al})" if al else ""), "",
           f"  formula     {info.formula}", f"  derivative  {info.derivative}", ""]
    out.append("parameters" if act.spec.params else "parameters  none")
    for p in _param_rows(act):
        changed = "" if p["value"] == p["default"] else f"  (default {p['default']!r})"
        out.append(f"  {p['name']} = {p['value']!r}{changed}   {p['bounds']}   {p['doc']}")
    kinks = [f"x = {_num(k.x)}: f' = {_full(k.derivative)} (left limit {_full(k.left)}, "
             f"right limit {_full(k.right)})" for k in info.kinks]
    bounded = [side for side, flag in (("below", info.bounded_below),
                                       ("above", info.bounded_above)) if flag]
    sheet = [
        ("range", range_text(info)), ("minimum", _extremum(info.minimum)),
        ("maximum", _extremum(info.maximum)), ("max |f'|", _full(info.max_abs_grad)),
        ("monotone", _yes(info.monotone)), ("smoothness", info.smoothness),
        ("zero-centred", _yes(info.zero_centred)),
        ("bounded", " and ".join(bounded) or "no"), ("saturating", info.saturating),
        ("exact zeros", _yes(info.exact_zeros)), ("kinks", kinks[0] if kinks else "none"),
        *(("", k) for k in kinks[1:]),
        ("vector-valued", _yes(info.vector)), ("use", ", ".join(info.use) or "-"),
        ("init", info.init), ("reference", info.reference),
        *((("sheet", info.method), ("accuracy", str(info.accuracy))) if info.method else ()),
    ]
    out += ["", *(f"  {k:<15}{v}" for k, v in sheet), "", "frameworks"]
    out += [f"  {k:<15}{v}" for k, v in info.frameworks.items()]
    out += ["", "pros", *(f"  + {s}" for s in info.pros), "cons", *(f"  - {s}" for s in info.cons)]
    out += ["", "values"]
    if act.vector:
        out.append(_indent(_vector_text(act, values["x"], values["f"], values["jacobian"])))
    else:
        rows = [[_num(x), _full(f), _full(d)]
                for x, f, d in zip(values["x"], values["f"], values["grad"])]
        out.append(_indent(_table(["x", "f(x)", "f'(x)"], rows)))
    print("\n".join(out))
    return 0


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())


def _vector_text(act: Activation, x, f, jac=None) -> str:
    rows = [[str(i), _full(a), _full(b)] for i, (a, b) in enumerate(zip(x, f))]
    text = _table(["i", "x_i", f"{act.name}(x)_i"], rows)
    if jac is not None:
        jrows = [[str(i), *map(_full, row)] for i, row in enumerate(jac)]
        text += "\n\nJacobian d f_i / d x_j (row i, column j)\n"
        text += _table(["i", *(f"j={j}" for j in range(len(x)))], jrows)
    return text


# ------------------------------------------------------------------------------ eval
def cmd_eval(args: argparse.Namespace) -> int:
    act = get(args.name, **parse_params(args.param))
    x = parse_numbers(args.x)
    key = ("jacobian" if act.vector else "grad") if args.grad else "f"
    result = {"f": act, "grad": act.grad, "jacobian": act.jacobian}[key](x)
    if args.json:
        _dump({"name": act.name, "params": act.params, "x": x, key: result})
        return 0
    if act.vector:
        print(_vector_text(act, x, act(x), result if args.grad else None))
    else:
        head = f"{act.name}'(x)" if args.grad else f"{act.name}(x)"
        print(_table(["x", head], [[_full(a), _full(b)] for a, b in zip(x, result)]))
    return 0


# ------------------------------------------------------------------------------ plots
def _with_params(entries: Sequence[str], params: dict[str, Any]) -> list[Activation]:
    """One name: the registry checks every parameter. Several: each takes the ones it has."""
    if len(entries) == 1:
        return [get(entries[0], **params)]
    acts = [get(n) for n in entries]
    for key in params:
        if not any(key in a.params for a in acts):
            raise ValueError(f"none of {', '.join(a.name for a in acts)} takes parameter {key!r}")
    return [get(a, **{k: v for k, v in params.items() if k in a.params}) for a in acts]


def cmd_plot(args: argparse.Namespace) -> int:
    from ..plotting import (figure_format, plot_activations, plot_learned, plot_wb_family,
                            save_figure)

    figure_format(args.output)  # refuse an unknown suffix before any work
    if args.model is not None:
        if args.names or args.wb or args.derivative or args.param:
            raise ValueError("--model draws a saved model's learned activations; "
                             "give no NAME, --wb, --derivative or --param with it")
        print(save_figure(plot_learned(args.model), args.output))
        return 0
    if not args.names:
        raise ValueError("give at least one activation NAME (or --model FILE)")
    acts = _with_params(args.names, parse_params(args.param))
    if args.wb:
        if len(acts) != 1:
            raise ValueError("--wb draws the w/b families of one activation; give one name")
        if args.derivative:
            raise ValueError("--derivative does not apply to --wb (it draws f(w x + b) only)")
        fig = plot_wb_family(acts[0])
    else:
        fig = plot_activations(acts, derivative=args.derivative)
    print(save_figure(fig, args.output))
    return 0


def cmd_plot_catalogue(args: argparse.Namespace) -> int:
    from ..plotting import plot_activations, plot_catalogue_grid, save_figure

    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names():
        print(save_figure(plot_activations([name]), folder / f"{name}.png"))
    print(save_figure(plot_catalogue_grid(), folder / "catalogue.png"))
    return 0


# ------------------------------------------------------------------------------ register
def _numbers_ok(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let positional numbers start with '-' (-inf, -1e-3) without a '--' before them."""
    parser._negative_number_matcher = _NUMBER  # argparse's own hook for negative numbers
    return parser


def _add_param(p: argparse.ArgumentParser) -> None:
    p.add_argument("--param", action="append", metavar="KEY=VALUE", default=[],
                   help="a parameter of the activation (repeatable): alpha=0.2, approximate=tanh")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``list``, ``show``, ``eval``, ``plot`` and ``plot-catalogue``."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser("list", help=COMMANDS["list"],
                              description="Every registry entry with its key properties.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_list)

    p = subparsers.add_parser(
        "show", help=COMMANDS["show"], formatter_class=fmt,
        description="Property sheet, formula, parameters and example values of one activation.",
        epilog="examples:\n  actlab show relu6\n  actlab show leaky_relu --param alpha=0.2\n"
               "  actlab show gelu --param approximate=tanh --json")
    p.add_argument("name", help="activation name or alias (see `actlab list`)")
    _add_param(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    p = _numbers_ok(subparsers.add_parser(
        "eval", help=COMMANDS["eval"], formatter_class=fmt,
        description="f(x) at the given numbers (repr of float64). Softmax and log_softmax take "
                    "the numbers as one vector; with --grad they print the Jacobian.",
        epilog="examples:\n  actlab eval sigmoid -inf -40 0 40 inf nan\n"
               "  actlab eval relu6 0 6 --grad\n  actlab eval softmax 2 1 0.1 --grad --json"))
    p.add_argument("name", help="activation name or alias")
    p.add_argument("x", nargs="+", metavar="X", help="numbers; inf, -inf and nan allowed")
    p.add_argument("--grad", action="store_true",
                   help="the derivative f'(x) (the Jacobian for softmax/log_softmax)")
    _add_param(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser(
        "plot", help=COMMANDS["plot"], formatter_class=fmt,
        description="f of every NAME overlaid (and f' with --derivative), or with --wb the "
                    "families f(w x + b), or with --model the learned activations (PAU, APL, "
                    "KAN) of a saved model. Softmax/log_softmax are drawn as the 2-class slice "
                    "f([x, 0])[0]. The format follows the suffix: .png, .svg or .pdf.",
        epilog="examples:\n  actlab plot relu gelu silu --derivative -o relu-family.png\n"
               "  actlab plot sigmoid --wb -o sigmoid-wb.svg\n"
               "  actlab plot leaky_relu elu --param alpha=0.2 -o out.pdf\n"
               "  actlab plot --model model.npz -o learned.png")
    p.add_argument("names", nargs="*", metavar="NAME", help="activation names or aliases")
    p.add_argument("--model", metavar="FILE",
                   help="a model saved by actlab.nn.save: draw its learned activations")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.png|svg|pdf")
    p.add_argument("--derivative", action="store_true", help="add a panel of f'")
    p.add_argument("--wb", action="store_true",
                   help="f(w x + b) for w in 0.5, 1, 2, 5 (b = 0) and b in -2..2 (w = 1)")
    _add_param(p)
    p.set_defaults(func=cmd_plot)

    p = subparsers.add_parser(
        "plot-catalogue", help=COMMANDS["plot-catalogue"],
        description="Writes DIR/NAME.png for every registry entry and DIR/catalogue.png.")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    p.set_defaults(func=cmd_plot_catalogue)
