"""The seven functions of Google Tangent's test corpus (github:google/tangent,
tests/functions.py) that need a static integer argument, copied as written there
(two-space indents included): a loop bound ``n`` or a tuple index ``i``."""


def _inner_fn(a, b):
  return a * b


def serial_for(a, n):
  for i in range(n):
    a = a * a
  a = 2.0 * a
  for i in range(n + 1):
    a = a * 3.0
  return a


def serial_ifthenfor(a, n):
  if a > 0:
    a = a * a
  a = 2.0 * a
  for i in range(n):
    a = a * a
  return a


def serial_forthenif(a, n):
  for i in range(n):
    a = a * a
  a = 2.0 * a
  if a > 0:
    a = a * a
  return a


def iterpower(a, n):
  for i in range(n):
    a = a * a
  return a


def iterpower_with_call(a, n):
  for i in range(n):
    a = _inner_fn(a, a)
  return a


def iterpower_with_nested_def(a, n):
  def _fn(a, n):
    return a * n

  for i in range(n):
    a = _fn(a, a)
  return a


def passthru_pack(a, b, c, i):
  x = a, b, c
  return x[i]


# (function, static parameter, its values)
STATIC = [(serial_for, "n", (0, 1, 3)), (serial_ifthenfor, "n", (0, 2)),
          (serial_forthenif, "n", (0, 2)), (iterpower, "n", (0, 1, 3)),
          (iterpower_with_call, "n", (1, 3)), (iterpower_with_nested_def, "n", (1, 3)),
          (passthru_pack, "i", (0, 1, 2, -1))]
