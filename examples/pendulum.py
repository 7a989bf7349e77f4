"""Lagrangian mechanics: equations of motion from symbolic partial derivatives.

A mechanical system is its Lagrangian L(q, w) = kinetic - potential energy, with
coordinates q and velocities w = dq/dt. The Euler-Lagrange equations
d/dt (dL/dw) = dL/dq become, by the chain rule,

    M(q, w) a = dL/dq - C(q, w) w,   M = d2L/dw dw,  C = d2L/dw dq,

so the accelerations a need only partial derivatives of L, which symdiff compiles.
The script does it for a single and a double pendulum, integrates with RK4 and
checks that the energy E = w . dL/dw - L is conserved.

    python examples/pendulum.py
"""

import math

import numpy as np

import symdiff as sd

G = 9.81      # m/s^2
M1, M2 = 1.0, 0.5
L1, L2 = 1.0, 0.7


@sd.symbolic
def pendulum(theta, omega):
    kinetic = 0.5 * M1 * L1**2 * omega**2
    potential = -M1 * G * L1 * math.cos(theta)
    return kinetic - potential


@sd.symbolic
def double_pendulum(t1, t2, w1, w2):
    # positions of the two bobs: (x1, y1), (x2, y2), y pointing up
    vx1 = L1 * math.cos(t1) * w1
    vy1 = L1 * math.sin(t1) * w1
    vx2 = vx1 + L2 * math.cos(t2) * w2
    vy2 = vy1 + L2 * math.sin(t2) * w2
    kinetic = 0.5 * M1 * (vx1**2 + vy1**2) + 0.5 * M2 * (vx2**2 + vy2**2)
    y1 = -L1 * math.cos(t1)
    y2 = y1 - L2 * math.cos(t2)
    potential = M1 * G * y1 + M2 * G * y2
    return kinetic - potential


class Mechanics:
    """Equations of motion of a Lagrangian whose parameters are (q..., w...)."""

    def __init__(self, lagrangian):
        self.L = lagrangian
        n = len(lagrangian.params) // 2
        self.q, self.w = lagrangian.params[:n], lagrangian.params[n:]
        self.dL_dq = [lagrangian.diff(q) for q in self.q]
        self.dL_dw = [lagrangian.diff(w) for w in self.w]
        self.M = [[lagrangian.diff(a, b) for b in self.w] for a in self.w]
        self.C = [[lagrangian.diff(a, b) for b in self.q] for a in self.w]

    def accelerations(self, q, w):
        args = (*q, *w)
        M = np.array([[float(f(*args)) for f in row] for row in self.M])
        C = np.array([[float(f(*args)) for f in row] for row in self.C])
        force = np.array([float(f(*args)) for f in self.dL_dq])
        return np.linalg.solve(M, force - C @ w)

    def energy(self, q, w):
        args = (*q, *w)
        return sum(wi * float(f(*args)) for wi, f in zip(w, self.dL_dw)) - float(self.L(*args))

    def simulate(self, q0, w0, dt, steps):
        state = np.concatenate([q0, w0]).astype(float)
        n = len(q0)

        def rate(s):
            return np.concatenate([s[n:], self.accelerations(s[:n], s[n:])])
        for _ in range(steps):
            k1 = rate(state)
            k2 = rate(state + 0.5 * dt * k1)
            k3 = rate(state + 0.5 * dt * k2)
            k4 = rate(state + dt * k3)
            state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return state[:n], state[n:]


def run(name, lagrangian, q0, w0, dt=0.001, steps=2000):
    mech = Mechanics(lagrangian)
    print(f"{name}: {lagrangian}")
    for q, f in zip(mech.q, mech.dL_dq):
        print(f"  {f.name} = {f.expr}")
    for w, f in zip(mech.w, mech.dL_dw):
        print(f"  {f.name} = {f.expr}")
    e0 = mech.energy(q0, w0)
    q, w = mech.simulate(np.array(q0), np.array(w0), dt, steps)
    e1 = mech.energy(q, w)
    drift = abs(e1 - e0) / abs(e0)
    print(f"  after {steps} RK4 steps of {dt} s: q = {np.round(q, 6).tolist()}, w = {np.round(w, 6).tolist()}")
    print(f"  energy {e0:.12f} -> {e1:.12f} (relative drift {drift:.1e})")
    assert drift < 1e-8, drift
    return mech


def main():
    mech = run("pendulum", pendulum, [1.0], [0.0])
    # the equation of motion is theta'' = -g/l sin(theta)
    for theta in (-2.0, 0.3, 1.0):
        a = mech.accelerations(np.array([theta]), np.array([0.4]))[0]
        assert abs(a + G / L1 * math.sin(theta)) < 1e-12
    print("  theta'' = -g/l sin(theta) recovered from L")
    print()
    run("double pendulum", double_pendulum, [1.2, -0.5], [0.0, 1.0], steps=1000)
    print()
    print("energy conserved: the equations of motion from the symbolic partials are right")


if __name__ == "__main__":
    main()
