"""actlab.lab: the interactive page (function explorer and training playground).

``write(path)`` writes the self-contained offline HTML file, ``page_html()`` returns it as a
string, ``explorer_html()`` an iframe with the function explorer alone (for reports), and
``lab()`` shows the page inline in a notebook. The module itself is callable, so
``actlab.lab()`` is ``actlab.lab.lab()``.
"""

import sys
import types
from typing import Any

from .catalogue import catalogue
from .page import LabView, explorer_html, lab, page_html, write

__all__ = ["LabView", "catalogue", "explorer_html", "lab", "page_html", "write"]


class _CallableModule(types.ModuleType):
    def __call__(self, height: int = 900, *, mode: str = "full", define: Any = (),
                 activations: Any = ()) -> LabView:
        return lab(height, mode=mode, define=define, activations=activations)


sys.modules[__name__].__class__ = _CallableModule
