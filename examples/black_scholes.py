"""Black-Scholes Greeks from one decorated price function.

``call_price`` is written the way a quant writes it, with ``math.erf``,
``math.exp``, ``math.log`` and ``math.sqrt``. symdiff reads its source, and its
derivatives *are* the Greeks: delta = dC/dS, gamma = d2C/dS2, vega = dC/dsigma,
theta = -dC/dT (time decay, per year), rho = dC/dr. Each is compared with the
textbook closed form to 1e-10 relative.

    python examples/black_scholes.py
    symdiff check examples/black_scholes.py:call_price --at S=100,K=95,T=0.5,r=0.01,sigma=0.2
"""

import math

import symdiff as sd

SQRT2 = math.sqrt(2.0)


def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / SQRT2))


@sd.symbolic
def call_price(S, K, T, r, sigma):
    """European call price (no dividends)."""
    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * norm_cdf(d1) - K * math.exp(-r * T) * norm_cdf(d2)


# -- the textbook closed forms, to check against ---------------------------------------

def _pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def textbook_greeks(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return {
        "delta": norm_cdf(d1),
        "gamma": _pdf(d1) / (S * sigma * math.sqrt(T)),
        "vega": S * _pdf(d1) * math.sqrt(T),
        "theta": -S * _pdf(d1) * sigma / (2.0 * math.sqrt(T)) - r * K * math.exp(-r * T) * norm_cdf(d2),
        "rho": K * T * math.exp(-r * T) * norm_cdf(d2),
    }


GREEKS = {
    "delta": call_price.diff("S"),
    "gamma": call_price.diff("S", order=2),
    "vega": call_price.diff("sigma"),
    "theta": call_price.diff("T"),      # dC/dT; theta is its negative
    "rho": call_price.diff("r"),
}


def symdiff_greeks(S, K, T, r, sigma):
    out = {name: float(F(S, K, T, r, sigma)) for name, F in GREEKS.items()}
    out["theta"] = -out["theta"]
    return out


def main():
    print(call_price)
    print()
    print("delta =", GREEKS["delta"].expr)
    print()
    header = f"{'S':>6} {'K':>6} {'T':>5} {'r':>5} {'sigma':>5}  {'greek':<6} {'symdiff':>22} {'textbook':>22} {'rel err':>9}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for point in [(100.0, 95.0, 0.5, 0.01, 0.2), (100.0, 100.0, 1.0, 0.05, 0.3),
                  (80.0, 120.0, 2.0, 0.03, 0.45), (150.0, 100.0, 0.1, 0.0, 0.15)]:
        ours, book = symdiff_greeks(*point), textbook_greeks(*point)
        for name in ("delta", "gamma", "vega", "theta", "rho"):
            rel = abs(ours[name] - book[name]) / max(abs(book[name]), 1e-300)
            worst = max(worst, rel)
            assert rel <= 1e-10, (name, point, ours[name], book[name])
            S, K, T, r, sigma = point
            print(f"{S:6g} {K:6g} {T:5g} {r:5g} {sigma:5g}  {name:<6} {ours[name]:22.15g} {book[name]:22.15g} {rel:9.1e}")
    print()
    print(f"all Greeks agree with the textbook formulas (largest relative error {worst:.1e})")


if __name__ == "__main__":
    main()
