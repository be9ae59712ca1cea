"""Fisher's exact test: known values, invariances, bad input, and agreement with R."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from math import comb

import numpy as np
import pytest

from conftest import require_r
from mirscope.errors import InputError
from mirscope.stats.fisher import fisher_exact

TABLES = [
    [[3, 1], [1, 3]],
    [[10, 2], [3, 15]],
    [[12, 25], [4, 12]],
    [[0, 5], [6, 0]],
    [[2, 3, 4], [5, 1, 0]],
    [[20, 10, 5, 3, 0], [2, 6, 4, 2, 1]],
    [[9, 4, 2], [1, 3, 6], [0, 2, 7]],
    [[30, 7], [9, 7]],
    [[4, 1, 0, 2, 0], [0, 3, 2, 0, 1], [1, 0, 4, 1, 0], [2, 1, 0, 3, 1], [0, 2, 1, 0, 4]],
]


def _hypergeom_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Textbook 2 x 2 p-value with exact rationals (independent of the implementation)."""
    r1, c1, n = a + b, a + c, a + b + c + d
    probs = {
        x: Fraction(comb(c1, x) * comb(n - c1, r1 - x), comb(n, r1))
        for x in range(max(0, r1 + c1 - n), min(r1, c1) + 1)
    }
    obs = probs[a]
    return float(sum(p for p in probs.values() if p <= obs))


@pytest.mark.parametrize("table", [t for t in TABLES if len(t) == 2 and len(t[0]) == 2])
def test_two_by_two_matches_exact_rationals(table):
    (a, b), (c, d) = table
    assert fisher_exact(table) == pytest.approx(_hypergeom_two_sided(a, b, c, d), rel=1e-12)


def test_lady_tasting_tea():
    assert fisher_exact([[3, 1], [1, 3]]) == pytest.approx(17 / 35, rel=1e-12)


def test_transpose_and_permutation_invariant():
    table = np.array(TABLES[6])
    p = fisher_exact(table)
    assert fisher_exact(table.T) == pytest.approx(p, rel=1e-12)
    assert fisher_exact(table[[2, 0, 1]][:, [1, 2, 0]]) == pytest.approx(p, rel=1e-12)


def test_empty_rows_dropped_and_degenerate_is_one():
    assert fisher_exact([[2, 3, 0], [5, 1, 0]]) == pytest.approx(fisher_exact([[2, 3], [5, 1]]))
    assert fisher_exact([[4, 5]]) == 1.0
    assert fisher_exact([[4, 0], [5, 0]]) == 1.0


@pytest.mark.parametrize("bad", [[[1, -1], [2, 3]], [[1.5, 1], [2, 3]], [1, 2, 3]])
def test_bad_tables_raise(bad):
    with pytest.raises(InputError):
        fisher_exact(bad)


@pytest.mark.r
def test_agrees_with_r_fisher_test():
    require_r("stats")
    lines = []
    for t in TABLES:
        arr = np.asarray(t)
        values = ",".join(str(v) for v in arr.ravel())
        lines.append(
            f"cat(sprintf('%.17g\\n', fisher.test(matrix(c({values}), {arr.shape[0]}, "
            f"byrow=TRUE), workspace=2e8)$p.value))"
        )
    res = subprocess.run(
        ["Rscript", "-e", ";".join(lines)], capture_output=True, text=True, check=True
    )
    r_values = [float(x) for x in res.stdout.split()]
    ours = [fisher_exact(t) for t in TABLES]
    assert len(r_values) == len(TABLES)
    for table, mine, theirs in zip(TABLES, ours, r_values, strict=True):
        assert abs(mine - theirs) < 1e-8, (table, mine, theirs)
