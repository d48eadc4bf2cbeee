"""actlab.lab: the interactive page (function explorer and training playground).

``write(path)`` writes the self-contained offline HTML file, ``page_html()`` returns it as a
string, ``explorer_html()`` an iframe with the function explorer alone (for reports), and
``lab()`` shows the page inline in a notebook.
"""

from .catalogue import catalogue
from .page import explorer_html, lab, page_html, write

__all__ = ["catalogue", "explorer_html", "lab", "page_html", "write"]
