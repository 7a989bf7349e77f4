"""``Optimizer``: the base class of ``tape.optim``'s algorithms.

Sits on top of ``symdiff.tape.tensor``.  Holds torch's structure: a list of
``param_groups`` (dicts with ``"params"`` and the options, the defaults
filling in what a group leaves out), a ``state`` dict per parameter, and
``state_dict``/``load_state_dict`` that refer to parameters by their position.
``step`` runs the shared loop ``_update(group)`` under ``no_grad`` for every
parameter that holds a ``.grad`` (also a frozen one: torch updates it too):
maximize, state, weight decay, then the subclass's ``_update_param``, writing
into the parameter's memory so that references stay valid.
"""

import warnings
from collections import defaultdict

import numpy as np

from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor, _bump, _make

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _typename(x):
    if isinstance(x, Tensor):
        from ..graph import _TORCH_TYPES
        return f"torch.{_TORCH_TYPES.get(x.dtype.name, x.dtype.name)}Tensor"
    return type(x).__name__


class Optimizer:
    """Base class: ``params`` is an iterable of tensors or of dicts (param groups).

    >>> from symdiff import tape
    >>> w = tape.zeros(2, requires_grad=True)
    >>> b = tape.zeros(1, requires_grad=True)
    >>> opt = tape.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        self._opt_called = False
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"`` and options); the defaults fill in."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if taken & {id(p) for p in params}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (torch's default) or zero them."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._materialize()[...] = 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` (which
        re-evaluates the loss, called with grad enabled) is optional, its loss returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update(group)
        self._opt_called = True
        return loss

    def _update(self, group):
        """The loop every algorithm shares (torch's order): for each parameter with a
        gradient ``g``, negate it if ``maximize``, make the state on first use
        (``_init_state``) and count the step, apply the weight decay
        (``_decay``), then the algorithm's own update (``_update_param``)."""
        weight_decay = group.get("weight_decay", 0)
        for p in self._with_grads(group):
            g = p._grad._value
            if group["maximize"]:
                g = -g
            state = self.state[p]
            if not state:
                self._init_state(p, state, group)
            step = state.get("step")
            if step is not None:
                step._materialize()[...] += 1
            if weight_decay != 0:
                g = self._decay(p, g, weight_decay, group)
            self._update_param(p, g, state, group)

    def _init_state(self, p, state, group):
        """Fill a parameter's empty ``state`` before its first update (a ``"step"``
        entry is counted by the loop)."""

    @staticmethod
    def _decay(p, g, weight_decay, group):
        """L2 weight decay: the gradient of ``weight_decay / 2 * |p|**2`` added to ``g``."""
        return g + weight_decay * p._value

    def _update_param(self, p, g, state, group):
        raise NotImplementedError

    @staticmethod
    def _check_options(**values):
        """torch's ValueError for a negative option (``lr=...``, ``eps=...``)."""
        labels = {"lr": "learning rate", "eps": "epsilon value"}
        for name, value in values.items():
            if not 0.0 <= value:
                raise ValueError(f"Invalid {labels.get(name, name + ' value')}: {value}")

    @staticmethod
    def _step_state(p, *names):
        """A new state: the step count and zero buffers ``names`` shaped like ``p``."""
        state = {"step": _make(np.array(0.0))}
        for name in names:
            state[name] = Optimizer._zeros_like(p)
        return state

    @staticmethod
    def _with_grads(group):
        """The group's parameters that hold a gradient (frozen ones too, as torch)."""
        for p in group["params"]:
            if p._grad is not None:
                yield p

    @staticmethod
    def _write(p, value):
        """``p <- value`` in p's own memory (a version bump, as torch's in-place ops)."""
        v = p._materialize()
        v[...] = value
        _bump(p)

    @staticmethod
    def _zeros_like(p):
        return _make(np.zeros_like(np.asarray(p._value)))

    # ------------------------------------------------------------ state
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``:
        parameters appear by position, as in torch."""
        index = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict`` (copies the state; the parameters stay these)."""
        groups = self.param_groups
        saved = state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = {}
        for g, s in zip(groups, saved):
            id_map.update(zip(s["params"], g["params"]))
        self.state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                self.state[p] = {name: self._cast(p, name, val) for name, val in v.items()}
        self.param_groups = [dict(s, params=g["params"]) for g, s in zip(groups, saved)]

    @staticmethod
    def _cast(p, name, value):
        if isinstance(value, Tensor):
            v = np.array(value._value, copy=True)
            if name != "step" and v.dtype.kind == "f":
                v = v.astype(p.dtype)
            return _make(v)
        return value

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"
