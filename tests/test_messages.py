"""Messages that say what to do (issue 15, point 3), and tracebacks that end at the
user's line (symdiff's frames trimmed at the API boundary; SYMDIFF_DEBUG=1 keeps them)."""

import math
import os
import subprocess
import sys
import traceback

import numpy as np
import pytest

import symdiff as sd

pytest.importorskip("scipy")
try:
    from tests import _messages_mod as m
except ImportError:
    import _messages_mod as m

MOD = m.__file__


def error_of(call):
    with pytest.raises((sd.SymdiffError, sd.SymdiffSyntaxError, TypeError, ValueError)) as info:
        call()
    return info.value


def test_dict_argument_and_dict_call():
    e = error_of(lambda: sd.symbolic(m.dict_param))
    assert "cannot index with the str 'a'" in str(e) and "separate parameters" in str(e)
    assert MOD in str(e)
    e = error_of(lambda: sd.symbolic(m.dict_call))
    assert "call to dict()" in str(e) and "not dicts" in str(e)
    assert "math.* and numpy.*" not in str(e)            # not the generic list


def test_number_and_list_names_python_types_and_np_asarray():
    e = error_of(lambda: sd.symbolic(m.minus_list))
    assert "x - [1.0, 2.0]" in str(e) and "list" in str(e) and "np.asarray" in str(e)


def test_library_function_error_names_the_users_call_site():
    e = error_of(lambda: sd.symbolic(m.rosen_call, shapes={"v": (2,)}))
    assert isinstance(e, sd.SymdiffSyntaxError)
    assert (e.filename, e.lineno) == (MOD, 22)           # the user's line, not scipy's
    assert "scipy.optimize.rosen" in str(e) and "a library function" in str(e)
    assert "write the formula in your own function" in str(e)


def test_library_call_with_constant_arguments_is_computed():
    F = sd.symbolic(m.constant_library_call)
    assert F(2.0) == 240.0 and F.diff("x")(2.0) == 120.0


def test_shapes_int_accepted_and_bad_shapes_explained():
    F = sd.symbolic(m.index_w, shapes={"w": 3})
    assert F.shapes == {"w": (3,)}
    np.testing.assert_array_equal(sd.grad(F, wrt="w")([2.0, 5.0, 1.0]), [5.0, 2.0, 0.0])
    with pytest.raises(TypeError, match=r"shapes\['w'\] must be a tuple of sizes"):
        sd.symbolic(m.index_w, shapes={"w": 2.5})
    with pytest.raises(TypeError, match="shapes must be a dict"):
        sd.symbolic(m.index_w, shapes=[3])


def test_shape_hint_names_the_real_parameter():
    e = error_of(lambda: sd.symbolic(m.index_w))
    assert "shapes={'w': (3,)}" in str(e) and "--shapes w=3" in str(e)
    assert "'x'" not in str(e)


def test_append_has_its_own_hint():
    e = error_of(lambda: sd.symbolic(m.appends))
    assert "in-place .append()" in str(e) and "comprehension" in str(e)
    assert "logging" not in str(e)


def test_grad_called_with_a_name_says_how_to_pick_the_variable():
    F = sd.symbolic("x*y")
    e = error_of(lambda: F.grad("x"))
    assert "takes values, not names" in str(e) and "sd.grad(F, wrt='x')" in str(e)
    e = error_of(lambda: F.grad("x", "y"))
    assert "takes values, not names" in str(e)


def test_check_missing_argument_names_function_and_parameters():
    def mse(w, b):
        return (w - b) ** 2
    e = error_of(lambda: sd.check(mse, 0.5))
    assert isinstance(e, TypeError)
    assert "check(mse(w, b))" in str(e) and "'b'" in str(e) and "sd.check(mse, 1.0, 1.0)" in str(e)


def test_check_infers_the_shape_of_a_list_point():
    def prod(v):
        return v[0] * v[1] ** 2
    report = sd.check(prod, [0.5, -2.0])
    assert report.ok
    # a scalar function given an array still checks every point (broadcasting)
    assert sd.check(lambda x: math.sin(x), np.array([0.1, 0.2])).ok


def user_line_frames(exc):
    return [f for f in traceback.extract_tb(exc.__traceback__)]


def test_traceback_trimmed_at_the_api_boundary(monkeypatch):
    monkeypatch.delenv("SYMDIFF_DEBUG", raising=False)
    e = error_of(lambda: sd.symbolic(m.loops))
    files = [f.filename for f in user_line_frames(e)]
    package = os.path.dirname(sd.__file__)
    inside = [f for f in files if f.startswith(package)]
    assert [os.path.basename(f) for f in inside] == ["tracebacks.py"]   # the re-raise only
    assert not any("ast.py" in f for f in files)
    assert not getattr(e, "__notes__", None)          # the message alone, as doctests expect
    # an error from a call: the user's call, the re-raise, nothing of the machinery
    F = sd.symbolic("x*y")
    e = error_of(lambda: F(1.0))
    assert [os.path.basename(f) for f in map(lambda t: t.filename, user_line_frames(e))
            if f.startswith(package)] == ["function.py"]


def test_symdiff_debug_keeps_every_frame(monkeypatch):
    monkeypatch.setenv("SYMDIFF_DEBUG", "1")
    e = error_of(lambda: sd.symbolic(m.loops))
    names = {os.path.basename(f.filename) for f in user_line_frames(e)}
    assert {"api.py", "pipeline.py"} <= names


def test_script_traceback_shows_the_users_line(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("import symdiff as sd\n\n\ndef f(x):\n    while x > 1:\n"
                      "        x = x / 2\n    return x\n\n\nF = sd.symbolic(f)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(sd.__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    env.pop("SYMDIFF_DEBUG", None)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env)
    err = out.stderr
    assert out.returncode == 1
    assert 'line 10, in <module>' in err and "while x > 1:" in err
    assert "pipeline.py" not in err and "limits.py" not in err and err.count('File "') == 3


def _at(text: str) -> str:
    """``file:line:col`` of the first line of _messages_mod.py containing ``text``."""
    lines = open(MOD).read().splitlines()
    i = next(i for i, line in enumerate(lines) if text in line)
    return f"{MOD}:{i + 1}:{lines[i].index(text) + 1}"


@pytest.mark.parametrize("fn,shapes,at,reason", [
    (m.split_in_two, {"x": (5,)}, "np.split(x, 2)",
     "numpy.split: array split does not result in an equal division"),
    (m.reshape_to_four, {"x": (5,)}, "np.reshape(x, (2, 2))",
     "numpy.reshape: cannot reshape an array of shape (5,) into shape (2, 2)"),
    (m.concatenate_ranks, {"x": (3,), "y": (3,)}, "np.concatenate([x, y[None]])",
     "numpy.concatenate: all the input array dimensions except for the concatenation axis "
     "must match exactly ((3,), (1, 3))"),
    (m.unpack_three_of_two, {"x": (5,)}, "a, b, c = np.array_split",
     "cannot unpack 2 values into 3 names"),
    # the element-wise reader stops at np.split (line 1); the array reader reads it and
    # stops at the genuine error one line later, which is the one to fix
    (m.split_then_mismatch, {"x": (4,)}, "a @ np.ones(3)",
     "@: shapes (2,) and (3,) not aligned"),
])
def test_a_numpy_error_in_array_code_is_numpys_not_unsupported_call(fn, shapes, at, reason):
    """Sizes as numbers: a function the array reader understands but finds wrong (as
    numpy would) gets that error, at its file:line:col with numpy's reason, not the
    element-wise reader's "unsupported call to np.split" with its list of functions."""
    e = error_of(lambda: sd.symbolic(fn, shapes=shapes))
    assert isinstance(e, sd.SymdiffError)
    assert str(e).startswith(f"{_at(at)}: {fn.__name__}: "), str(e)
    assert reason in str(e)
    assert "unsupported" not in str(e) and "math.* and numpy.*" not in str(e)


def test_the_same_array_code_with_sizes_that_fit_reads():
    """The errors above are the sizes', not the code's: np.split of 4 into 2 halves."""
    F = sd.symbolic(m.split_in_two, shapes={"x": (4,)})
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert F(x) == 1.0 * 3.0 + 2.0 * 4.0
    np.testing.assert_array_equal(sd.grad(F, wrt="x")(x), [3.0, 4.0, 1.0, 2.0])


def sum_where(x, y):
    return np.sum(np.array([x, y]), where=np.array([True, False]))


def test_unsupported_keyword_is_named_in_the_users_terms():
    # was "numpy.sum: _np_sum() got an unexpected keyword argument 'where'": the name
    # of symdiff's builder, which means nothing to the user
    with pytest.raises(sd.SymdiffError) as info:
        sd.symbolic(sum_where)
    text = str(info.value)
    assert "numpy.sum: the argument where= is not supported" in text
    assert "_np_sum" not in text and "return np.sum" in text


def log_base_none(x):
    return math.log(x, None)


@pytest.mark.parametrize("fn", [log_base_none, "ln((-x), None)"])
def test_log_with_base_none_is_refused_as_python_refuses_it(fn):
    # Python: math.log(x, None) raises TypeError; symdiff read it as the natural log
    # (found by benchmarks/fuzz.py, expression strings)
    with pytest.raises(sd.SymdiffError, match="must be real number, not NoneType"):
        sd.symbolic(fn)
