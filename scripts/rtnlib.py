"""Shared helpers of scripts/rtn-split, scripts/rtn-axes and
scripts/track-accept (imported by them from this directory): a dense
linear solve, the quadratic form
e' a^-1 e, and the cyclic Jacobi eigen-decomposition of a small
symmetric matrix. Pure Python."""
import math


def solve(a, b):
    n = len(b)
    m = [list(a[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if m[c][c] == 0.0:
            raise ValueError("singular covariance")
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def quad(a, e):
    return sum(p * q for p, q in zip(solve(a, e), e))


def jacobi(a, tol, sweeps):
    """Eigenvalues and unit eigenvectors (columns of v) of the symmetric
    a by cyclic Jacobi: at most `sweeps` sweeps, stopping once the
    off-diagonal sum of squares is below tol times the diagonal's.
    Returns (eigenvalues, v) in the algorithm's order."""
    n = len(a)
    a = [list(r) for r in a]
    v = [[float(i == j) for j in range(n)] for i in range(n)]
    for _ in range(sweeps):
        off = sum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off <= tol * sum(a[i][i] ** 2 for i in range(n)):
            break
        for p in range(n):
            for q in range(p + 1, n):
                if a[p][q] == 0.0:
                    continue
                th = (a[q][q] - a[p][p]) / (2.0 * a[p][q])
                t = (1.0 if th >= 0 else -1.0) / (abs(th) + math.sqrt(th * th + 1.0))
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for k in range(n):
                    x, y = a[k][p], a[k][q]
                    a[k][p], a[k][q] = c * x - s * y, s * x + c * y
                for k in range(n):
                    x, y = a[p][k], a[q][k]
                    a[p][k], a[q][k] = c * x - s * y, s * x + c * y
                for k in range(n):
                    x, y = v[k][p], v[k][q]
                    v[k][p], v[k][q] = c * x - s * y, s * x + c * y
    return [a[i][i] for i in range(n)], v
