"""Indexing keys of the array IR: normalising ``x[key]`` and the shape it gives.

A key is normalised to a tuple of ints, slices, ``None`` (a new axis) and integer
arrays (advanced indexing), with ``...`` expanded and boolean masks turned into
integer arrays (their positions are known when the function is read). Axes of a
named size accept basic indexing (ints, slices with step 1, and ``::-1``, the whole
axis reversed); advanced indexing
needs known sizes.
"""

from __future__ import annotations

import numpy as np

from .shapes import ArrayError, ShapeError, dim, is_known


def normalize_key(key, shape) -> tuple:
    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for k in key:
        if isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, np.ndarray) and k.dtype.kind == "b":
            items.extend(np.nonzero(k))
            continue
        if isinstance(k, np.ndarray):
            if k.dtype.kind not in "iu":
                raise ShapeError("arrays used as indices must be of integer (or boolean) type")
            items.append(k.astype(np.intp))
            continue
        if isinstance(k, (bool, np.bool_)):
            raise ArrayError("indexing with a single True/False")
        if isinstance(k, (int, np.integer)):
            items.append(int(k))
            continue
        if k is None or k is Ellipsis or isinstance(k, slice):
            items.append(k)
            continue
        raise ArrayError(f"an index of type {type(k).__name__}")
    if sum(1 for k in items if k is Ellipsis) > 1:
        raise ShapeError("an index can only have a single ellipsis ('...')")
    used = sum(1 for k in items if k is not None and k is not Ellipsis)
    if used > len(shape):
        raise ShapeError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {used} were indexed")
    if Ellipsis in [k for k in items if not isinstance(k, np.ndarray)]:
        at = next(i for i, k in enumerate(items) if k is Ellipsis)
        items[at:at + 1] = [slice(None)] * (len(shape) - used)
    else:
        items.extend([slice(None)] * (len(shape) - used))
    # known sizes: check ints are in range, normalise negatives
    axis = 0
    for i, k in enumerate(items):
        if k is None:
            continue
        d = shape[axis]
        if isinstance(k, int):
            if is_known(d):
                if not -d <= k < d:
                    raise ShapeError(f"index {k} is out of bounds for axis {axis} with size {d}")
                items[i] = k % d
        elif isinstance(k, np.ndarray):
            if not is_known(d):
                raise ArrayError("advanced indexing along an axis of a named size")
            if k.size and (k.max() >= d or k.min() < -d):
                raise ShapeError(f"index {int(k.max())} is out of bounds for axis {axis} with size {d}")
            k = k % d if k.size else k
            k.setflags(write=False)
            items[i] = k
        elif isinstance(k, slice) and is_known(d):
            items[i] = _tidy(k, d)
        axis += 1
    return tuple(items)


def _tidy(k: slice, d: int) -> slice:
    """The slice with its bounds resolved for size ``d``, written as plainly as
    possible (``x[::-1]``, not ``x[4:-1:-1]``, which would be empty)."""
    start, stop, step = k.indices(d)
    if step > 0:
        return slice(start or None, None if stop >= d else stop, None if step == 1 else step)
    return slice(None if start >= d - 1 else start, None if stop < 0 else stop, step)


def _slice_len(s: slice, d):
    if is_known(d):
        return len(range(*s.indices(d)))
    if s == slice(None) or s == slice(None, None, -1):     # all of it, or reversed
        return d
    if s.step not in (None, 1):
        raise ArrayError("a slice with a step along an axis of a named size")

    def pos(v, default):
        if v is None:
            return default
        return v if v >= 0 else d + v
    return dim(pos(s.stop, d) - pos(s.start, 0))


def index_shape(key: tuple, shape) -> tuple:
    arrays = [k for k in key if isinstance(k, np.ndarray)]
    if arrays:
        if not all(is_known(d) for d in shape):
            raise ArrayError("advanced indexing of an array with named sizes")
        probe = np.broadcast_to(np.float64(0.0), tuple(shape))
        return probe[key].shape
    out, axis = [], 0
    for k in key:
        if k is None:
            out.append(1)
            continue
        d = shape[axis]
        axis += 1
        if isinstance(k, int):
            continue
        out.append(_slice_len(k, d))
    return tuple(out)


def is_basic(key: tuple) -> bool:
    return not any(isinstance(k, np.ndarray) for k in key)
