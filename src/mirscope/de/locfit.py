"""DESeq2's local dispersion trend: R locfit's default fit, ported for one predictor.

``DESeq2::localDispersionFit`` is the trend R substitutes when the parametric fit fails
(``estimateDispersionsFit``, and so the default VST and ``DESeq()``)::

    locfit(logDisps ~ logMeans, data = d[disps >= minDisp * 10, ],
           weights = means[disps >= minDisp * 10])
    exp(predict(fit, data.frame(logMeans = log(means))))

with all of locfit's defaults (locfit 1.5-9, ``locfit.raw`` and its C sources). What they
amount to for one predictor, and what this module reproduces:

* **Family** ``qgaussian``, identity link: each local fit is one weighted least-squares
  solve. locfit starts from the weighted mean and takes a single Newton step (its Newton
  loop stops at once for the Gaussian identity link), solving ``X'WX delta = X'W r`` on the
  matrix scaled to unit diagonal, by Jacobi eigen-decomposition, with eigenvalues at or
  below 1e-8 x the largest left undivided (``eig_solve``): the start and that quirk matter
  only for rank-deficient neighbourhoods (ties, few points), and are kept.
* **Local quadratic** (``deg = 2``) in ``x - x0``: columns 1, ``dx``, ``dx^2 / 2``, so the
  second coefficient is the fitted slope at ``x0``.
* **Bandwidth**: nearest neighbours, ``alpha = 0.7``: the distance from ``x0`` to its
  ``k``-th nearest data point, ``k = floor(n * 0.7 + 1e-12)`` (unweighted: the prior
  weights do not enter the bandwidth).
* **Weights**: tricube ``(1 - u^3)^3`` of ``u = |x - x0| / h`` (zero for ``u >= 1``; with
  ``h = 0`` only points at ``x0``) times the prior weights (DESeq2: the means).
* **Evaluation structure** ``ev = rbox()``, the adaptive tree with ``cut = 0.8``: fits at
  the two ends of the data range, then each cell is halved while its width exceeds
  ``cut`` x the smaller bandwidth at its two vertices (``atree_split``); a new vertex is
  fitted at each midpoint. locfit allots ``int((5 / alpha / cut + 1) * 2) = 19`` vertices
  and stops with "out of vertex space" beyond them; so do we. (locfit's pseudo-vertices,
  interpolated instead of fitted, cannot arise in one dimension: a cell is split only when
  it is wider than the limit that would make its midpoint one.)
* **Parametric component** (``compparcomp``, on by default for this family): a global
  quadratic, fitted with the prior weights only about their weighted mean of ``x``, is
  subtracted from each vertex's value and slope before interpolation and added back to
  every prediction (``addparcomp``).
* **Interpolation** (``atree_int``, ``rectcell_interp``): cubic Hermite between the two
  vertices of the cell holding ``x``, from the values and slopes; beyond the data range,
  linear extrapolation from the end vertex with its slope.
* **Arithmetic**: sums in locfit's order (data order; for sorted data, nearest-first to
  the left then to the right, as ``nbhd1`` visits them) and the same Jacobi rotations, so
  the predictions equal R's to about 1e-14 relative, where a textbook solve differs by
  1e-7 at the ill-conditioned ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mirscope.errors import MirscopeError

ALPHA = 0.7
CUT = 0.8
E_TOL = 1e-8
MIN_DISP = 1e-8


def _max_vertices(alpha: float = ALPHA, cut: float = CUT) -> int:
    """locfit's ``atree_guessnv`` for one dimension (``maxk = 100``)."""
    return int((5.0 * (1.0 / alpha if alpha <= 1 else 1.0) / min(1.0, cut) + 1.0) * 2)


def _jacobi(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """locfit's ``eig_dec``: cyclic Jacobi rotations until every off-diagonal element is
    below 1e-15 of the product of its diagonal elements (at most 20 sweeps). Its stopping
    rule leaves errors near 1e-8, so R's fit is reproduced only by the same rotations."""
    x = [list(map(float, row)) for row in z]
    d = len(x)
    p = [[float(i == j) for j in range(d)] for i in range(d)]
    for _ in range(20):
        moved = False
        for i in range(d):
            for j in range(i + 1, d):
                if x[i][j] ** 2 > 1.0e-15 * abs(x[i][i] * x[j][j]):
                    c = (x[j][j] - x[i][i]) / 2
                    s = -x[i][j]
                    r = math.sqrt(c * c + s * s)
                    c /= r
                    s = math.sqrt((1 - c) / 2) * (1.0 if s > 0 else -1.0)
                    c = math.sqrt((1 + c) / 2)
                    for k in range(d):
                        u, v = x[i][k], x[j][k]
                        x[i][k] = u * c + v * s
                        x[j][k] = v * c - u * s
                    for k in range(d):
                        u, v = x[k][i], x[k][j]
                        x[k][i] = u * c + v * s
                        x[k][j] = v * c - u * s
                    x[i][j] = x[j][i] = 0.0
                    for k in range(d):
                        u, v = p[k][i], p[k][j]
                        p[k][i] = u * c + v * s
                        p[k][j] = v * c - u * s
                    moved = True
        if not moved:
            break
    return np.array([x[i][i] for i in range(d)]), np.array(p)


def _solve(z: np.ndarray, v: np.ndarray) -> np.ndarray:
    """locfit's ``jacob_solve`` with ``JAC_EIGD``: ``z^-1 v`` on the unit-diagonal scale,
    eigenvalues at or below 1e-8 x the largest left undivided, as ``eig_solve`` does."""
    diag = np.diag(z)
    dg = np.where(diag <= 0, 0.0, 1.0 / np.sqrt(np.where(diag <= 0, 1.0, diag)))
    eig, vec = _jacobi(z * np.outer(dg, dg))
    tol = E_TOL * eig.max()
    w = vec.T @ (v * dg)
    big = eig > tol
    w[big] = w[big] / eig[big]
    return (vec @ w) * dg


def _seqsum(values: np.ndarray) -> np.ndarray:
    """Sums along the first axis in order, as locfit's loops add (numpy's pairwise sums
    differ in the last bits, which the ill-conditioned end fits can amplify)."""
    return np.cumsum(values, axis=0)[-1]


def _wls(x0: float, dx: np.ndarray, y: np.ndarray, kern: np.ndarray, prior: np.ndarray):
    """locfit's fit of a quadratic in ``dx`` (columns 1, dx, dx^2 / 2) with kernel weights
    ``kern`` and prior weights ``prior``, points in locfit's order: the weighted mean
    (``reginit``), then one Newton step (``max_nr``, which stops after it)."""
    ww = kern * prior
    s0 = _seqsum(ww)
    if not s0 > 0:
        raise MirscopeError(f"local fit at {x0:.6g}: no points with positive weight")
    design = np.column_stack([np.ones_like(dx), dx, dx * dx / 2.0])
    start = np.array([_seqsum(kern * (prior * y)) / s0, 0.0, 0.0])
    t = kern * (prior * (y - start[0]))
    f1 = _seqsum(design * t[:, None])
    z = _seqsum((ww[:, None, None] * design[:, :, None]) * design[:, None, :])
    return start + _solve(z, f1)


def _poly(coef: np.ndarray, dx):
    """locfit's ``innerprod`` of the coefficients with 1, dx, dx^2 / 2."""
    return (coef[0] + coef[1] * dx) + coef[2] * (dx * dx / 2.0)


def _fit_at(x0: float, x: np.ndarray, y: np.ndarray, prior: np.ndarray, k: int, ordered: bool):
    """The local quadratic at ``x0``: (value, slope, bandwidth)."""
    dist = np.abs(x - x0)
    n = x.size
    if k < 1:
        h = 0.0
    elif k < n:
        h = float(np.partition(dist, k - 1)[k - 1])
    else:
        h = float(dist.max() * (k / n))
    if h == 0:
        kern = (dist == 0).astype(float)
    else:
        u = dist / h
        v = 1 - u * u * u
        kern = np.where(u > 1, 0.0, v * v * v)
    if ordered:
        # nbhd1 (sorted data): points left of x0 from the nearest outwards, then right.
        z = int(np.searchsorted(x, x0, side="right")) - 1
        idx = np.r_[np.arange(z, -1, -1), np.arange(z + 1, n)]
        idx = idx[kern[idx] > 0]
    else:
        idx = np.flatnonzero(kern > 0)
    coef = _wls(x0, x[idx] - x0, y[idx], kern[idx], prior[idx])
    return float(coef[0]), float(coef[1]), h


@dataclass(frozen=True)
class LocalFit:
    """locfit's tree: vertices sorted by position, with the local fits' values and slopes
    minus the parametric component's, and that component (a global quadratic about
    ``center``, coefficients for 1, dx, dx^2 / 2)."""

    vertices: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    center: float
    global_coef: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """locfit's ``predict`` (``atree_int`` plus ``addparcomp``): cubic Hermite within
        the data range, linear beyond it, plus the global quadratic."""
        x = np.asarray(x, dtype=float)
        v = self.vertices
        cell = np.clip(np.searchsorted(v, x, side="right") - 1, 0, v.size - 2)
        lo, hi = v[cell], v[cell + 1]
        width = hi - lo
        f0, f1 = self.values[cell], self.values[cell + 1]
        d0, d1 = self.slopes[cell], self.slopes[cell + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(width > 0, (x - lo) / np.where(width > 0, width, 1.0), 0.0)
        # hermite2, then rectcell_interp's sum, in locfit's order of operations.
        p1 = t * t * (3 - 2 * t)
        p0 = 1 - p1
        p2 = t * (1 - t) * (1 - t)
        p3 = t * t * (t - 1)
        below, above = t < 0, t > 1
        p0, p1 = (
            np.where(below, 1.0, np.where(above, 0.0, p0)),
            np.where(below, 0.0, np.where(above, 1.0, p1)),
        )
        p2 = np.where(below, t, np.where(above, 0.0, p2))
        p3 = np.where(below, 0.0, np.where(above, t - 1, p3))
        local = p0 * f0 + p1 * f1 + (p2 * width) * d0 + (p3 * width) * d1
        return local + _poly(self.global_coef, x - self.center)


def locfit(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray, alpha: float = ALPHA, cut: float = CUT
) -> LocalFit:
    """``locfit(y ~ x, weights = weights)`` with locfit's defaults (see the module
    docstring); ``predict`` the result for R's ``predict(fit, newdata)``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    prior = np.broadcast_to(np.asarray(weights, dtype=float), x.shape)
    if x.size == 0:
        raise MirscopeError("a local fit needs at least one point")
    k = int(x.size * alpha + 1e-12)
    ordered = bool(np.all(np.diff(x) >= 0))
    max_vertices = _max_vertices(alpha, cut)
    lo, hi = float(x.min()), float(x.max())
    span = hi - lo
    pos: list[float] = []
    val: list[float] = []
    slope: list[float] = []
    band: list[float] = []

    def vertex(at: float) -> int:
        if len(pos) == max_vertices:
            raise MirscopeError(
                f"the local fit needs more than locfit's {max_vertices} vertices "
                "(locfit: out of vertex space)"
            )
        f, d, h = _fit_at(at, x, y, prior, k, ordered)
        pos.append(at)
        val.append(f)
        slope.append(d)
        band.append(h)
        return len(pos) - 1

    def grow(i0: int, i1: int, left: float, right: float) -> None:
        if span == 0:
            return
        positive = [band[i] for i in (i0, i1) if band[i] > 0]
        width = right - left
        score = 2 * width / span if not positive else width / min(positive)
        if not cut < score:
            return
        mid = (left + right) / 2
        new = vertex((pos[i0] + pos[i1]) / 2)
        grow(i0, new, left, mid)
        grow(new, i1, mid, right)

    first, last = vertex(lo), vertex(hi)
    grow(first, last, lo, hi)
    order = np.argsort(pos, kind="stable")
    # The parametric component: the global quadratic, about the prior-weighted mean of x.
    center = float(_seqsum(x * prior) / _seqsum(prior))
    coef = _wls(center, x - center, y, np.ones_like(x), prior)
    at = np.asarray(pos)[order]
    dx = at - center
    values = np.asarray(val)[order] - _poly(coef, dx)
    slopes = np.asarray(slope)[order] - (coef[1] + coef[2] * dx)
    return LocalFit(at, values, slopes, center, coef)


def local_dispersion_trend(means: np.ndarray, disps: np.ndarray, min_disp: float = MIN_DISP):
    """DESeq2's ``localDispersionFit``: a function from means to trend dispersions.

    When every estimate is below 10 x the minimum, R returns the minimum (unreachable from
    ``estimateDispersionsFit``, which passes only estimates above 100 x the minimum).
    """
    means = np.asarray(means, dtype=float)
    disps = np.asarray(disps, dtype=float)
    if np.all(disps < min_disp * 10):
        return lambda m: np.full(np.shape(m), min_disp)
    use = disps >= min_disp * 10
    fit = locfit(np.log(means[use]), np.log(disps[use]), means[use])
    return lambda m: np.exp(fit.predict(np.log(np.asarray(m, dtype=float))))
