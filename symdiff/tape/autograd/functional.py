"""``tape.autograd.functional``: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

Sits on top of ``autograd.grad``, as torch's module sits on
``torch.autograd.grad``: the inputs are replaced by fresh tensors that require
grad (with ``create_graph``, by differentiable views of the caller's tensors
so the results keep their history), the function is run, and the products are
reverse-mode gradients; ``jvp`` uses the double-backward trick (the gradient
of a vjp with respect to its cotangent).  Output structure, argument checks,
``strict`` errors and messages are torch's.  ``vectorize`` and ``strategy``
are accepted and checked as torch checks them; the rows of a Jacobian are
computed one backward pass at a time either way, which gives the same numbers.
"""

import numpy as np

from ..functions import stack
from ..grad_mode import enable_grad
from ..graph import grad
from ..tensor import Tensor, _make

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _size(t):
    return f"torch.Size({list(t.shape)})"


def _as_tuple(inp, arg_name, fn_name):
    """``(is_tuple, tuple_of_tensors)`` with torch's TypeError for other things."""
    if isinstance(inp, tuple):
        for i, el in enumerate(inp):
            if not isinstance(el, Tensor):
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or "
                                f"a tuple of Tensors but the value at index {i} has type "
                                f"{type(el)}.")
        return True, inp
    if not isinstance(inp, Tensor):
        raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple "
                        f"of Tensors but the given {arg_name} has type {type(inp)}.")
    return False, (inp,)


def _tuple_postprocess(res, to_unpack):
    """Undo ``_as_tuple``: ``to_unpack`` is one flag, or two (outputs, inputs)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph):
    """Tensors to differentiate with respect to: with ``create_graph`` a view of an
    input that requires grad (its history stays), else a detached leaf."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view(t.shape))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _grad_postprocess(values, create_graph):
    if isinstance(values[0], Tensor) if values else False:
        return tuple(v if create_graph or v is None else v.detach() for v in values)
    return tuple(_grad_postprocess(v, create_graph) for v in values)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {_size(el_other)} but "
                               f"got {_size(el_v)}.")


def _check_requires_grad(values, what, strict):
    if not strict:
        return
    for i, t in enumerate(values):
        if t is None or not t.requires_grad:
            if what == "outputs":
                raise RuntimeError(f"Output {i} of the user-provided function does not require "
                                   "gradients. The outputs must be computed in a differentiable "
                                   "manner from the input when running in strict mode.")
            if what == "grad_inputs":
                raise RuntimeError(f"The gradient with respect to input {i} is independent of "
                                   "the inputs of the user-provided function.")
            if what == "double_back":
                raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
            if what == "double_back_trick":
                raise RuntimeError(f"The gradient with respect to the input is independent of "
                                   f"entry {i} in the grad_outputs when using the double "
                                   "backward trick to compute forward mode gradients. This is "
                                   "not allowed in strict mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False):
    """``tape.grad`` that skips outputs without history and returns None for inputs
    they do not reach (torch's helper of the same name)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gos = zip(*pairs)
    return grad(list(outs), list(inputs), list(gos), retain_graph=True,
                create_graph=create_graph, allow_unused=True)


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                if stage == "back":
                    raise RuntimeError(f"The output of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       "strict mode.")
                if stage == "back_trick":
                    raise RuntimeError(f"The gradient with respect to the input is independent "
                                       f"of entry {i} in the grad_outputs when using the double "
                                       "backward trick to compute forward mode gradients. This "
                                       "is not allowed in strict mode.")
                if stage == "double_back":
                    raise RuntimeError(f"The jacobian of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       "strict mode.")
            g = _make(np.zeros(ref.shape, dtype=ref.dtype))
        res.append(g)
    return tuple(res)


def _run(func, inputs, fn_name):
    with enable_grad():
        outputs = func(*inputs)
    return _as_tuple(outputs, "outputs of the user-provided function", fn_name)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product, shaped like ``inputs``.

    >>> from symdiff import tape
    >>> from symdiff.tape.autograd.functional import vjp
    >>> vjp(lambda x: x ** 2, tape.tensor([1.0, 2.0]), tape.ones(2))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph)
        is_outputs_tuple, outputs = _run(func, inputs, "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = tuple(t.detach() for t in v)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        grads = _autograd_grad(outputs, inputs, v, create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, shaped like the outputs
    (computed by the double-backward trick, as torch).

    >>> from symdiff import tape
    >>> from symdiff.tape.autograd.functional import jvp
    >>> jvp(lambda x: x ** 2, tape.tensor([1.0, 2.0]), tape.ones(2))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = tuple(t.detach() for t in v)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        is_outputs_tuple, outputs = _run(func, inputs, "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u is a dummy cotangent: d/du <u, J> v... = J v
        grad_outputs = tuple(_make(np.zeros(o.shape, dtype=o.dtype)).requires_grad_(True)
                             for o in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
        if create_graph:
            with enable_grad():
                grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=True)
        else:
            grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=False)
        jvp_res = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    jvp_res = _grad_postprocess(jvp_res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(jvp_res, is_outputs_tuple))


def _check_strategy(strategy, vectorize, fn_name="jacobian"):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer '
                             'to use "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for one input and one output a tensor
    of shape ``output.shape + input.shape``; tuples of those for tuple inputs or
    outputs (``result[i][j]``: output i with respect to input j), as torch.

    >>> from symdiff import tape
    >>> from symdiff.tape.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, tape.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    _check_strategy(strategy, vectorize)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph)
        is_outputs_tuple, outputs = _run(func, inputs, "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for j in range(flat.shape[0]):
                grads = _autograd_grad((flat[j],), inputs, create_graph=create_graph)
                for k, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict and create_graph and not inp.requires_grad:
                            raise RuntimeError("The jacobian of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               "in strict mode when create_graph=True.")
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               "in strict mode.")
                        g = _make(np.zeros(inp.shape, dtype=inp.dtype))
                    rows[k].append(g)
            entry = []
            for k, inp in enumerate(inputs):
                if rows[k]:
                    block = stack(rows[k]).reshape(out.shape + inp.shape)
                else:  # an empty output
                    block = _make(np.zeros(out.shape + inp.shape, dtype=inp.dtype))
                entry.append(block)
            jac.append(tuple(entry))
    jac = tuple(_grad_postprocess(entry, create_graph) for entry in jac)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: shape ``input.shape + input.shape`` for one
    input, a tuple of tuples for several (``result[i][j]``), as torch.

    >>> from symdiff import tape
    >>> from symdiff.tape.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), tape.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    _check_strategy(outer_jacobian_strategy, vectorize)

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function",
                                        "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze() if out.ndim else out

    def jac_func(*inp):
        out = ensure_single_output_function(*inp)
        grads = _autograd_grad((out,), inp, create_graph=True)
        _check_requires_grad(grads, "double_back", strict)
        return _fill_in_zeros(grads, inp, strict, create_graph, "double_back")

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func`` (equal to ``vhp``: H is symmetric)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _grad_preprocess(inputs, create_graph)
        if v is not None:
            _, v = _as_tuple(v, "v", name)
            v = tuple(t.detach() for t in v)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        is_outputs_tuple, outputs = _run(func, inputs, name)
        _check_requires_grad(outputs, "outputs", strict)
        if is_outputs_tuple or not isinstance(outputs[0], Tensor):
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should "
                               "contain a single element")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "grad_inputs", strict)
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    outputs = _grad_postprocess(outputs, create_graph)
    res = _grad_postprocess(res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(res, is_inputs_tuple))
