"""Grad mode: whether new operations are recorded on the tape.

Sits under ``symdiff.tape.tensor``: every primitive application asks
``_state.enabled`` before it builds a graph node.  As in PyTorch, the mode is
thread-local, and ``no_grad``/``enable_grad``/``set_grad_enabled`` are classes
that work as context managers and as decorators, restoring the previous mode
on exit (also when the body raises).  Grad mode only decides what is recorded:
a graph built earlier still back-propagates inside ``no_grad``.

``value_semantics`` is the same kind of thread-local mode for ``sd.check``,
which runs code written for Python floats on tensors: inside it augmented
assignment (``z += y``) rebinds ``z`` instead of updating the tensor in place.
"""

import functools
import inspect
import threading
import weakref

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "value_semantics", "is_value_semantics"]


class _GradState(threading.local):
    # A class attribute is the per-thread default: each new thread starts with
    # grad mode on, exactly like torch.
    enabled = True
    # value_semantics: ``t += y`` means ``t = t + y`` (off: torch's in-place update)
    by_value = False
    # inside ``inference_mode()``: the tensors made are inference tensors
    inference = False


_state = _GradState()

# Inference tensors (torch's ``is_inference()``), held weakly.  ``inference_on[0]``
# counts the inference modes active in any thread, ``inference_seen[0]`` says
# whether an inference tensor was ever made: until then no operation pays for
# the checks (both are plain list lookups on the hot paths).
inference_tensors = weakref.WeakValueDictionary()   # id -> tensor (tensors compare elementwise)
inference_on = [0]
inference_seen = [False]

INFERENCE_SAVED_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead "
    "of `torch.inference_mode()`.")
INFERENCE_INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")
INFERENCE_REQUIRES_GRAD_MESSAGE = (
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")


def mark_inference(t):
    """Record ``t`` as an inference tensor (made in inference mode, or a view of one)."""
    inference_tensors[id(t)] = t
    inference_seen[0] = True


def is_inference(t):
    return inference_seen[0] and inference_tensors.get(id(t)) is t


def is_grad_enabled():
    """Return True if operations are currently recorded.

    >>> from symdiff import tape
    >>> tape.is_grad_enabled()
    True
    """
    return _state.enabled


def _set(mode):
    _state.enabled = bool(mode)


class _DecoratorContextManager:
    """Base: a context manager that can also decorate functions and generators."""

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        with self.clone():
                            request = yield response
                    except GeneratorExit:
                        gen.close()
                        raise
                    try:
                        with self.clone():
                            response = gen.send(request)
                    except StopIteration as e:
                        return e.value
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Context manager / decorator that stops recording operations.

    >>> from symdiff import tape
    >>> x = tape.tensor(1.0, requires_grad=True)
    >>> with tape.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = False

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False


class enable_grad(_DecoratorContextManager):
    """Context manager / decorator that turns recording back on (e.g. inside no_grad).

    >>> from symdiff import tape
    >>> x = tape.tensor(1.0, requires_grad=True)
    >>> with tape.no_grad():
    ...     with tape.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = True

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode on or off: as a plain call, a context manager or a decorator.

    Like torch, the mode is switched in the constructor, so the plain call
    ``tape.set_grad_enabled(False)`` takes effect immediately; used with
    ``with``, the previous mode is restored on exit.

    >>> from symdiff import tape
    >>> with tape.set_grad_enabled(False):
    ...     tape.is_grad_enabled()
    False
    >>> tape.is_grad_enabled()
    True
    """

    def __init__(self, mode):
        self.prev = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode

    def __call__(self, func):
        # As a decorator the mode applies only inside the function.
        _state.enabled = self.prev
        return super().__call__(func)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def clone(self):
        return self.__class__(self.mode)


def is_value_semantics():
    """Return True inside ``value_semantics`` (in this thread).

    >>> is_value_semantics()
    False
    """
    return _state.by_value


class value_semantics(_DecoratorContextManager):
    """Context manager / decorator: augmented assignment rebinds, as for Python floats.

    ``sd.check`` runs a user's function, written for numbers, on tape tensors.
    For numbers ``z = x; z += y`` leaves ``x`` alone; a tensor would be updated in
    place (changing ``x``, or refusing when ``x`` is a leaf that requires grad).
    Inside this mode ``t += y`` (and ``-=``, ``*=``, ``/=``, ``**=``) means
    ``t = t + y``, and ``a += t`` with a numpy array ``a`` gives a new value rather
    than writing into ``a``.  Explicit in-place methods (``add_``, ``mul_``...)
    stay in place.  Like grad mode it is thread-local: tape code running in other
    threads keeps torch's in-place semantics.

    >>> from symdiff import tape
    >>> x = tape.tensor(1.0, requires_grad=True)
    >>> with value_semantics():
    ...     z = x
    ...     z += 2.0
    >>> z.item(), x.item(), z is x
    (3.0, 1.0, False)
    """

    def __enter__(self):
        self.prev = _state.by_value
        _state.by_value = True

    def __exit__(self, *exc):
        _state.by_value = self.prev
        return False
