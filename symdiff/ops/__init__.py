"""What symdiff knows about functions, in one place (``catalog``).

This package imports neither sympy nor the rest of symdiff, so both engines read
it: the symbolic engine (``primitives``, the printers, the backends) and the
independent tape (``symdiff.tape``).
"""
