"""sd.check runs code written for floats on tensors under a thread-local mode
(issue 10 item 11): tape code in other threads keeps its in-place updates.

The old check deleted ``Tensor.__iadd__`` and friends from the class while it ran,
so ``b = a; b += 1.0`` in another thread silently made a new tensor and left ``a``
unchanged."""

import importlib
import math
import threading

import numpy as np
import pytest

import symdiff as sd
from symdiff import tape

check_package = importlib.import_module("symdiff.check")     # sd.check is the function


def accumulate(x, y):
    z = x
    z += y               # value semantics: z = z + y, x is unchanged
    z *= x
    return z + math.sin(x)


def test_in_place_update_in_another_thread_while_a_check_runs(monkeypatch):
    """The check is held inside the user's code on the tape while another thread
    updates a tensor through an alias: the update must land in place."""
    inside, release = threading.Event(), threading.Event()
    real = check_package.tape_function

    def held(F):
        fn, note = real(F)

        def run(*args):
            out = fn(*args)          # still inside the check's value-semantics mode
            inside.set()
            release.wait(30)
            return out
        return run, note

    monkeypatch.setattr(check_package, "tape_function", held)
    reports = []
    worker = threading.Thread(target=lambda: reports.append(sd.check(accumulate, 0.3, 0.2)))
    worker.start()
    try:
        assert inside.wait(60), "the check never reached the tape"
        a = tape.tensor([1.0, 2.0])
        b = a
        b += 1.0
        c = tape.tensor([1.0, 2.0], requires_grad=True) * 1.0     # a non-leaf
        d = c
        d *= 3.0
        arr = np.array([1.0, 2.0])
        try:
            arr += tape.tensor([1.0, 1.0])      # numpy's in-place add: refused, as in torch
            wrote = True
        except TypeError:
            wrote = False
    finally:
        release.set()
        worker.join(60)
    assert b is a and a.tolist() == [2.0, 3.0]
    assert d is c and c.tolist() == [3.0, 6.0] and c.grad_fn.name() == "MulBackward0"
    assert not wrote and arr.tolist() == [1.0, 2.0]
    assert reports and reports[0].ok, reports and str(reports[0])
    assert reports[0]["daccumulate/dx"].tape == reports[0]["daccumulate/dx"].symbolic


def test_value_semantics_is_a_thread_local_mode_restored_on_exit():
    from symdiff.tape.grad_mode import is_value_semantics, value_semantics
    x = tape.tensor(1.0, requires_grad=True)
    seen = []
    with value_semantics():
        z = x
        z += 2.0                       # a leaf that requires grad: rebinds, no error
        a = np.array([1.0])
        a += x                          # numpy array: a new value instead of out=
        seen.append(is_value_semantics())
        t = threading.Thread(target=lambda: seen.append(is_value_semantics()))
        t.start()
        t.join()
        with value_semantics():
            pass
        seen.append(is_value_semantics())
    seen.append(is_value_semantics())
    assert seen == [True, False, True, False]
    assert z is not x and z.item() == 3.0 and x.item() == 1.0
    assert isinstance(a, tape.Tensor) and a.tolist() == [2.0]
    assert z.grad_fn is not None


def test_value_semantics_as_decorator_and_explicit_in_place_methods():
    from symdiff.tape.grad_mode import is_value_semantics, value_semantics

    @value_semantics()
    def body(t):
        u = t
        u -= 1.0
        v = t
        v.mul_(2.0)                     # explicit in-place methods stay in place
        return u, v, is_value_semantics()

    t = tape.tensor([1.0, 2.0])
    u, v, inside = body(t)
    assert inside and not is_value_semantics()
    assert u is not t and u.tolist() == [0.0, 1.0]
    assert v is t and t.tolist() == [2.0, 4.0]
    with pytest.raises(ZeroDivisionError):
        with value_semantics():
            raise ZeroDivisionError
    assert not is_value_semantics()


def test_numpy_and_float_for_code_written_for_floats():
    from symdiff.tape.namespaces import float_keeping_tensors, numpy_as_floats
    x = tape.tensor(2.0, requires_grad=True)
    out = numpy_as_floats.zeros(2)
    out[0] = x * 3.0
    out[1] = numpy_as_floats.float64(x) ** 2
    assert out.dtype == object and float_keeping_tensors(x) is x
    assert float_keeping_tensors("1.5") == 1.5
    assert numpy_as_floats.sin is tape.numpy.sin
    (g,) = tape.grad(out[0] + out[1], [x])
    assert g.item() == 3.0 + 4.0
