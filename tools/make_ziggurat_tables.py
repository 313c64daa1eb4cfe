"""Write minimopt/_ziggurat.py: the normal ziggurat's tables, computed in 60-digit arithmetic (mpmath).

    python tools/make_ziggurat_tables.py

The tables are data, not computed at import: computed in float64 with NumPy, their entries depended on the CPU
(NumPy's exp and log take different SIMD code paths with and without AVX-512, an ulp apart), and with them every
random normal of the package, so that seeded results differed between machines. Each entry here is the
correctly rounded value of the exact recursion; ``tests/test_random.py`` recomputes them.
"""

import pathlib

import mpmath

LAYERS = 256
R = 3.6541528853610088      # the base layer's edge r (Marsaglia & Tsang 2000, 256 layers), as a float64
AREA = 0.004928673233974655  # the common area of the layers, as a float64


def tables(layers=LAYERS, r=R, area=AREA, digits=60):
    """x[0..layers] and f(x) = exp(−x²/2) at them, each rounded once to float64 from ``digits`` digits.

    x[0] = area/f(r) is the base strip's virtual width (its part beyond r is the tail), x[1] = r, each layer
    x[i]·(f(x[i+1]) − f(x[i])) has the same area, and x[layers] = 0.
    """
    with mpmath.workdps(digits):
        r, area = mpmath.mpf(r), mpmath.mpf(area)
        x = [area / mpmath.exp(-r * r / 2), r]
        for i in range(1, layers - 1):
            x.append(mpmath.sqrt(-2 * mpmath.log(area / x[i] + mpmath.exp(-x[i] ** 2 / 2))))
        top = area / x[layers - 1] + mpmath.exp(-x[layers - 1] ** 2 / 2)
        if abs(top - 1) > 1e-9:
            raise ValueError("the ziggurat constants do not close the top layer")
        x.append(mpmath.mpf(0))
        return [float(v) for v in x], [float(mpmath.exp(-v * v / 2)) for v in x]


def source():
    x, f = tables()
    rows = lambda values: "".join(f"    {v!r},\n" for v in values)  # noqa: E731  (repr round-trips exactly)
    return (f'"""The normal ziggurat\'s tables (256 layers), written by tools/make_ziggurat_tables.py: do not edit.\n\n'
            f"X[i] are the layer edges (X[0] the base strip's virtual width, X[1] = r = {R!r}, X[256] = 0), F[i] =\n"
            f"exp(−X[i]²/2); every entry is the correctly rounded value of the exact recursion (60 digits).\n"
            f'"""\n\nR = {R!r}\nAREA = {AREA!r}\n\nX = (\n{rows(x)})\n\nF = (\n{rows(f)})\n')


if __name__ == "__main__":
    out = pathlib.Path(__file__).resolve().parents[1] / "minimopt" / "_ziggurat.py"
    out.write_text(source())
    print(f"wrote {out}")
