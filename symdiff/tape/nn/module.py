"""``nn.Parameter`` and ``nn.Module``: the containers of a model's weights.

Sits on top of ``symdiff.tape.tensor``.  A ``Module`` registers what is
assigned to it, as torch's does: a ``Parameter`` goes to ``_parameters``, a
sub-``Module`` to ``_modules``, a buffer (``register_buffer``) to
``_buffers``, so ``parameters()``, ``named_parameters()``, ``state_dict()`` and
``repr`` walk them in the order they were assigned.  ``load_state_dict``
copies values into the existing parameters (their identity, and therefore an
optimizer's references to them, stays), and reports missing, unexpected and
mis-shaped entries with torch's message.
"""

import itertools
from collections import OrderedDict, namedtuple

import numpy as np

from ..device import check_device
from ..grad_mode import no_grad
from ..tensor import Tensor, _check_float, _counter, _to_array

__all__ = ["Parameter", "Module"]


class Parameter(Tensor):
    """A leaf tensor that a ``Module`` registers as one of its parameters.

    Shares memory with ``data``; ``requires_grad`` is True unless told otherwise.

    >>> from symdiff import tape
    >>> p = tape.nn.Parameter(tape.ones(2))
    >>> p
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            value = np.empty((0,))
            vc = None
        elif isinstance(data, Tensor):
            value = data._materialize()
            vc = _counter(data)
        else:
            value = _to_array(data)
            vc = None
        self._value = value
        self._requires_grad = False
        self.grad_fn = None
        self._grad = None
        self._acc = None
        self._hooks = None
        self._vc = vc
        if requires_grad:
            _check_float(value.dtype)
            self._requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._from_value(np.array(self._value)), self._requires_grad))

    def __deepcopy__(self, memo):
        p = Parameter(Tensor._from_value(np.array(self._value, copy=True)), self._requires_grad)
        memo[id(self)] = p
        return p


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class IncompatibleKeys(_IncompatibleKeys):
    """What ``load_state_dict`` returns; prints as torch's."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(" " * n + line for line in lines)


def _typename(value):
    if isinstance(value, Tensor):
        from ..graph import _TORCH_TYPES
        return f"torch.{_TORCH_TYPES.get(value.dtype.name, value.dtype.name)}Tensor"
    return type(value).__name__


class Module:
    """Base class of models, as ``torch.nn.Module``: subclass it, assign layers
    and parameters in ``__init__`` (after ``super().__init__()``), write ``forward``.

    >>> from symdiff import tape
    >>> class Affine(tape.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.a = tape.nn.Parameter(tape.tensor(2.0))
    ...         self.b = tape.nn.Parameter(tape.tensor(1.0))
    ...     def forward(self, x):
    ...         return self.a * x + self.b
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['a', 'b']
    >>> m(tape.tensor(3.0))
    tensor(7., grad_fn=<AddBackward0>)
    """

    training = True
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected argument")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()

    # ------------------------------------------------------------ calling
    def forward(self, *input):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        for hook in self.__dict__.get("_forward_pre_hooks", {}).values():
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        out = self.forward(*args, **kwargs)
        for hook in self.__dict__.get("_forward_hooks", {}).values():
            r = hook(self, args, out)
            if r is not None:
                out = r
        return out

    def register_forward_hook(self, hook):
        return _Handle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        return _Handle(self._forward_pre_hooks, hook)

    # ------------------------------------------------------------ registration
    def register_parameter(self, name, param):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             f"parameters must be created explicitly. To express '{name}' as a "
                             "function of another Tensor, compute the value in the forward() "
                             "method.")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    @staticmethod
    def _check_name(name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{what} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{what} name can\'t be empty string ""')

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name):
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            d[key].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            table = d.get(key)
            if table is not None and name in table:
                return table[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for key in ("_parameters", "_buffers", "_modules"):
            table = self.__dict__.get(key)
            if table is not None and name in table:
                del table[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = set(object.__dir__(self))
        for key in ("_parameters", "_buffers", "_modules"):
            keys.update(self.__dict__.get(key, ()))
        return sorted(k for k in keys if not k[:1].isdigit())

    # ------------------------------------------------------------ walking
    def _named_members(self, get, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in get(mod):
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (mod_prefix + "." if mod_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(name, parameter)`` pairs, sub-modules' names dotted (``"0.weight"``)."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse=True):
        """The parameters (each once), in registration order, sub-modules included."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(name, module)`` for this module (name ``""``) and every descendant."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name,
                                       remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target):
        mod = self
        for item in target.split(".") if target else ():
            if item not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ modes and gradients
    def train(self, mode=True):
        """Set training mode here and in every sub-module; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        """``train(False)``: layers such as dropout switch to evaluation behaviour."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the parameters' gradients (set them to None, torch's default)."""
        for p in self.parameters():
            if p._grad is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                g = p._grad
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g._materialize()[...] = 0

    # ------------------------------------------------------------ conversion
    def _convert(self, fn):
        with no_grad():
            for m in self.modules():
                for key in ("_parameters", "_buffers"):
                    for name, t in m.__dict__[key].items():
                        if t is not None:
                            new = fn(t)
                            if new is not t:
                                t._value = new._value if isinstance(new, Tensor) else new
        return self

    def to(self, *args, **kwargs):
        """``module.to("cpu")``, ``module.to(tape.float64)``: in place, returns self."""
        dtype = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None))
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or type(a).__name__ == "device":
                check_device(a)
            else:
                dtype = a
        if dtype is not None:
            dt = np.dtype(dtype)
            if dt.kind not in "fc":
                raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, "
                                f"but got desired dtype={dt}")
            self._convert(lambda t: t._value.astype(dt) if t.dtype.kind in "fc" else t)
        return self

    def cpu(self):
        return self

    def type(self, dst_type):
        return self._convert(lambda t: t._value.astype(np.dtype(dst_type)))

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    # ------------------------------------------------------------ state
    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` name -> tensor of the parameters and persistent buffers
        (detached, sharing memory with the module, unless ``keep_vars``)."""
        if args:
            destination = args[0]
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy ``state_dict``'s values into this module's parameters and buffers.

        Values may be tape tensors, numpy arrays or anything ``numpy.asarray``
        reads (a torch tensor's state_dict entries too).  With ``strict`` a
        missing or unexpected key raises torch's ``RuntimeError``; a shape
        mismatch always does."""
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = OrderedDict()
        for mod_prefix, m in self.named_modules(remove_duplicate=False):
            pre = mod_prefix + "." if mod_prefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    own[pre + name] = (m, "_parameters", name)
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent_buffers_set:
                    own[pre + name] = (m, "_buffers", name)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict.keys() if k not in own]
        errors = []
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        copies = []
        for key, (m, table, name) in own.items():
            if key not in state_dict:
                continue
            target = m.__dict__[table][name]
            value = state_dict[key]
            value = value._value if isinstance(value, Tensor) else np.asarray(value)
            if np.shape(value) != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"torch.Size({list(np.shape(value))}) from checkpoint, the shape "
                              f"in current model is torch.Size({list(target.shape)}).")
                continue
            copies.append((target, value))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for target, value in copies:
                if assign:
                    target._value = np.array(value, dtype=target.dtype, copy=True)
                else:
                    target.copy_(Tensor._from_value(np.asarray(value)))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ printing
    def extra_repr(self):
        """The text inside this module's parentheses in ``repr`` (override it)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(m), 2)
                       for key, m in self._modules.items()]
        lines = extra_lines + child_lines
        s = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                s += extra_lines[0]
            else:
                s += "\n  " + "\n  ".join(lines) + "\n"
        return s + ")"


class _Handle:
    _ids = itertools.count()

    def __init__(self, table, hook):
        self.id = next(self._ids)
        self._table = table
        table[self.id] = hook

    def remove(self):
        self._table.pop(self.id, None)
