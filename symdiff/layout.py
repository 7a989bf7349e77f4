"""How a function's flat list of output expressions is returned: ``Layout``.

Below everything that uses it: the reader's result decides a layout
(``api``), derivatives build theirs (``function``,
``check``), and code generation prints the return statement from it
(``codegen``). It depends on numpy only.

>>> Layout("tuple", items=(SCALAR, Layout("array", shape=(2, 3)))).size
7
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layout:
    """Shape of a function's result.

    ``kind`` is ``"scalar"`` (one expression), ``"array"`` (an ndarray of core shape
    ``shape`` followed by the broadcast shape of the inputs) or ``"tuple"`` (a tuple
    of sub-layouts, e.g. one gradient entry per parameter). ``"scatter"`` is an
    array of core shape ``shape`` assembled from one expression per element and,
    for each index in ``items``, a vector added into that slice (the gradient's
    share from a vectorised loop).
    """

    kind: str
    shape: tuple = ()
    items: tuple = ()

    @property
    def size(self) -> int:
        if self.kind == "scalar":
            return 1
        if self.kind == "array":
            return int(np.prod(self.shape, dtype=int))
        if self.kind == "scatter":      # one entry per element, then one per lane slice
            return int(np.prod(self.shape, dtype=int)) + len(self.items)
        return sum(item.size for item in self.items)


SCALAR = Layout("scalar")
