"""Generated code is the same in every run: no set order, hash or id() in names or lines.

Two interpreters with different ``PYTHONHASHSEED`` (so different string hashes
and set iteration orders) print the generated sources of the same functions;
the outputs must be identical. Cases that once differed: the numbering of
``term``/``lanesum`` values of a loop with two running sums (the loop's
changed names were a set) and of the per-scalar adjoint sums of a vectorised
loop's gradient (the reverse sweep visited a definition's symbols in set order).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = textwrap.dedent('''
    import math
    import numpy as np
    import symdiff as sd

    N = 24

    def branchy(x, y, a):
        z = x**2 * y + math.sin(x * y)
        if x > 0:
            z += math.exp(-y) * a
        else:
            z -= math.log(1 + y**2)
        for k in range(2):
            z = z * 0.5 + math.cos(k * a) * z
        return z + np.tanh(a * x) * abs(y - x)

    def two_sums(x, a):
        s = a
        q = 0.0
        for i in range(N):
            s = s + math.sin(a * x[i]) * x[N - 1 - i]
            q += math.exp(-x[i] ** 2) if x[i] > 0 else x[i] ** 2
        return s * q

    def scalars_in_loop(x, a, b, c):
        total = 0.0
        for i in range(N - 1):
            total += a * x[i] + b * x[i] ** 2 + c * math.sin(x[i] * a * b) \\
                + math.exp(a * b * c * x[i + 1])
        return total

    F = sd.symbolic(branchy)
    T = sd.symbolic(two_sums, shapes={"x": (N,)})
    S = sd.symbolic(scalars_in_loop, shapes={"x": (N,)})
    E = sd.symbolic("x**2*y*exp(-x*y) + sin(x*y)/(1 + z**2)")
    assert T._vectorised() and S._vectorised()
    for text in [F.source, F.grad.source, F.hessian.source, F.diff("x", order=3).source,
                 T.source, T.grad.source, S.grad.source, S.diff("a", "b").source,
                 E.diff("x", "y").source, E.grad.source, E.hessian.source]:
        print(text)
        print("#" * 20)
''')


def _start(probe: Path, seed: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, str(probe)], env=env, cwd=probe.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sources_do_not_depend_on_the_hash_seed(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    # three seeds: any one pair can happen to iterate a small set in the same order
    runs = [_start(probe, seed) for seed in ("0", "1", "12345")]      # side by side
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        outputs.append(out)
    assert outputs[0].count("#" * 20) == 11
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]
