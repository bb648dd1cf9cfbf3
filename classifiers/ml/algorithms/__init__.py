"""One module per classifier; importing this package registers all of them.

To add a classifier, drop a module here that decorates its builder with
:func:`classifiers.ml.registry.register`; modules starting with ``_`` are helpers.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
