"""Doctest collection over src/: skip the modules of optional extras that are not installed."""

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob.append("src/actlab/nn/export/_torch_modules.py")
