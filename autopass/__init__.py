"""Autopass: machines check auto-loan dossiers; what they cannot settle becomes a human micro-task."""

import importlib.util
import sys
from pathlib import Path

__version__ = "0.1.0"


def _map_the_top_level_layers() -> None:
    """In a checkout, ``autopass.flows`` and ``autopass.tasks`` are the top-level folders.

    The design keeps flows/ and tasks/ at the top of the repository. The wheel installs them as
    autopass.flows and autopass.tasks (pyproject's wheel sources), so an installed Autopass claims
    no top-level name but its own; the code imports them by those names in both.
    """
    package_dir = Path(__file__).resolve().parent
    for layer in ("flows", "tasks"):
        folder = package_dir.parent / layer
        if (package_dir / layer).is_dir() or not (folder / "__init__.py").is_file():
            continue  # installed from the wheel, or not a checkout
        spec = importlib.util.spec_from_file_location(
            f"{__name__}.{layer}", folder / "__init__.py", submodule_search_locations=[str(folder)])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        globals()[layer] = module


_map_the_top_level_layers()
