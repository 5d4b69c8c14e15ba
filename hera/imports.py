"""Import a module while another one is made unimportable, for libraries that load an optional dependency eagerly."""

import importlib.abc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class Refuse(importlib.abc.MetaPathFinder):
    """Make `package` and its submodules fail to import, as if it were not installed."""

    def __init__(self, package: str):
        self.package = package

    def find_spec(self, name, path, target=None):
        if name == self.package or name.startswith(self.package + "."):
            raise ModuleNotFoundError(f"No module named {name!r} (left out on purpose)", name=name)
        return None


@contextmanager
def unimportable(package: str) -> Iterator[None]:
    """Within the block, `import package` fails as if it were not installed (unless it is loaded already)."""
    if package in sys.modules:
        yield
        return
    finder = Refuse(package)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
