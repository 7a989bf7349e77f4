"""Devices: ``tape.device``, ``tape.cuda``, ``tape.accelerator``.

Sits beside ``tensor``: the tape computes with numpy on the CPU, so "cpu" is
its only device.  Tutorials still write ``device = torch.device("cpu")``,
``x.to(device)``, ``torch.ones(2, device=device)`` and
``"cuda" if torch.cuda.is_available() else "cpu"``; these names make such
code run unchanged.  Asking for another device fails as a CPU-only build of
torch fails (``AssertionError: Torch not compiled with CUDA enabled``), with a
hint that the tape has only the CPU.
"""

__all__ = ["device", "cuda", "accelerator", "check_device", "set_default_device",
           "get_default_device"]

# torch's list, in its error message for an unknown device string.
_KNOWN = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """A device, as ``torch.device``: ``tape.device("cpu")``, ``tape.device("cpu", 0)``.

    >>> from symdiff import tape
    >>> tape.device("cpu")
    device(type='cpu')
    >>> tape.ones(2, device="cpu").device
    device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            index, type = type.index, type.type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({type.__class__.__name__})")
        name, _, idx = type.partition(":")
        if name not in _KNOWN:
            raise RuntimeError("Expected one of " + ", ".join(_KNOWN)
                               + f" device type at start of device string: {type}")
        if idx:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index "
                                   f"was passed explicitly: {type}")
            index = int(idx)
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(dev):
    """Accept ``None``, "cpu", "cpu:0" or a cpu ``device``; refuse the others as a
    CPU-only torch does.  Returns the device (``CPU`` for None)."""
    if dev is None:
        return CPU
    if isinstance(dev, int) and not isinstance(dev, bool):
        dev = device("cuda", dev)  # torch reads an integer as a CUDA ordinal
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        name = "CUDA" if d.type == "cuda" else d.type
        raise AssertionError(f"Torch not compiled with {name} enabled (symdiff.tape computes "
                             "with numpy on the CPU only: use device='cpu')")
    return d


def set_default_device(device):
    """``tape.set_default_device("cpu")`` is accepted (the tape's only device); other
    devices raise as in a CPU-only torch."""
    check_device(device)


def get_default_device():
    return CPU


class _NoAccelerator:
    """``tape.cuda`` / ``tape.accelerator``: no accelerator is available to the tape."""

    def __init__(self, name):
        self._name = name

    def is_available(self):
        return False

    def device_count(self):
        return 0

    def current_accelerator(self, check_available=False):
        return None

    def manual_seed(self, seed):
        pass

    def manual_seed_all(self, seed):
        pass

    def __repr__(self):
        return f"<tape.{self._name}: not available (the tape runs on the CPU)>"


cuda = _NoAccelerator("cuda")
accelerator = _NoAccelerator("accelerator")
