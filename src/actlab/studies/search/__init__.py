"""Search for new activation functions, honestly (``actlab search``).

A space of formulas (:mod:`.space`), screened by value before any training (:mod:`.screen`),
searched by successive halving (:mod:`.halving`), its finalists evaluated against tuned
baselines with corrected paired intervals and a transfer check (:mod:`.final`), everything
recorded (:mod:`.records`) and resumable from the results store (:mod:`.study`).

>>> from actlab.studies.search import SPACES
>>> sorted(SPACES)
['small', 'swish', 'swish2']
"""

from .records import found_name, load_search, read_search_json
from .space import SPACES, Space, load_space
from .study import BUDGETS, SearchSpec, planned_runs, search

__all__ = ["BUDGETS", "SPACES", "SearchSpec", "Space", "found_name", "load_search",
           "load_space", "planned_runs", "read_search_json", "search"]
