#include "PrincipalComponents.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ren::gating {

void symmetricEigen(const Matrix& input, std::vector<double>& values, Matrix& vectors) {
  const std::size_t n = input.rows;
  Matrix a = input;
  Matrix v(n, n);
  for (std::size_t i = 0; i < n; ++i) v(i, i) = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        total += a(i, j) * a(i, j);
        if (i != j) off += a(i, j) * a(i, j);
      }
    if (off <= 1e-30 * std::max(total, 1e-300)) break;
    for (std::size_t p = 0; p + 1 < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a(p, q);
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a(q, q) - a(p, p)) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = a(k, p), akq = a(k, q);
          a(k, p) = c * akp - s * akq;
          a(k, q) = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = a(p, k), aqk = a(q, k);
          a(p, k) = c * apk - s * aqk;
          a(q, k) = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v(k, p), vkq = v(k, q);
          v(k, p) = c * vkp - s * vkq;
          v(k, q) = s * vkp + c * vkq;
        }
      }
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return a(x, x) > a(y, y); });
  values.assign(n, 0.0);
  vectors = Matrix(n, n);
  for (std::size_t c = 0; c < n; ++c) {
    values[c] = a(order[c], order[c]);
    // Sign convention: the largest-magnitude component of each vector is positive.
    std::size_t arg = 0;
    for (std::size_t k = 0; k < n; ++k)
      if (std::abs(v(k, order[c])) > std::abs(v(arg, order[c]))) arg = k;
    const double sign = v(arg, order[c]) < 0 ? -1.0 : 1.0;
    for (std::size_t k = 0; k < n; ++k) vectors(k, c) = sign * v(k, order[c]);
  }
}

namespace {

/// Modified Gram-Schmidt on the columns of `q` (inputs x dims, dims <= inputs); a column that vanishes
/// is replaced by the unit vectors e_c, e_{c+1}, ... in turn until one is independent of the previous
/// columns (one of any `inputs` consecutive ones is, since fewer than `inputs` columns precede it).
void orthonormaliseColumns(Matrix& q) {
  for (std::size_t c = 0; c < q.cols; ++c)
    for (std::size_t attempt = 0;; ++attempt) {
      for (int pass = 0; pass < 2; ++pass)
        for (std::size_t p = 0; p < c; ++p) {
          double d = 0;
          for (std::size_t r = 0; r < q.rows; ++r) d += q(r, p) * q(r, c);
          for (std::size_t r = 0; r < q.rows; ++r) q(r, c) -= d * q(r, p);
        }
      double norm = 0;
      for (std::size_t r = 0; r < q.rows; ++r) norm += q(r, c) * q(r, c);
      norm = std::sqrt(norm);
      if (norm >= 1e-12) {
        for (std::size_t r = 0; r < q.rows; ++r) q(r, c) /= norm;
        break;
      }
      const std::size_t axis = (c + attempt) % q.rows;
      for (std::size_t r = 0; r < q.rows; ++r) q(r, c) = r == axis ? 1.0 : 0.0;
    }
}

}  // namespace

PrincipalComponents fitPrincipalComponents(const Matrix& x, std::size_t dims) {
  PrincipalComponents pc;
  const std::size_t n = x.rows, p = x.cols;
  pc.mean.assign(p, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < p; ++j) pc.mean[j] += x(i, j) / static_cast<double>(n);
  dims = std::min(dims, std::min(n > 0 ? n - 1 : 0, p));
  if (dims == 0) return pc;
  Matrix centred(n, p);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < p; ++j) centred(i, j) = x(i, j) - pc.mean[j];
  // C v = X^T (X v) / (n - 1), never forming C.
  auto covTimes = [&](const Matrix& q) {
    Matrix xq(n, q.cols), out(p, q.cols);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < p; ++j) {
        const double v = centred(i, j);
        if (v == 0) continue;
        for (std::size_t c = 0; c < q.cols; ++c) xq(i, c) += v * q(j, c);
      }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < p; ++j) {
        const double v = centred(i, j) / static_cast<double>(n - 1);
        if (v == 0) continue;
        for (std::size_t c = 0; c < q.cols; ++c) out(j, c) += v * xq(i, c);
      }
    return out;
  };
  // A few extra columns speed up convergence of the wanted ones.
  const std::size_t block = std::min(p, dims + std::min<std::size_t>(8, p - dims));
  Matrix q(p, block);
  for (std::size_t j = 0; j < p; ++j)
    for (std::size_t c = 0; c < block; ++c) q(j, c) = std::sin(1.0 + 0.7 * static_cast<double>(j) + 1.3 * static_cast<double>(c * c + c));
  orthonormaliseColumns(q);
  for (int it = 0; it < 300; ++it) {
    Matrix next = covTimes(q);
    orthonormaliseColumns(next);
    double change = 0;  // 1 - |cos| between successive bases' columns (wanted ones)
    for (std::size_t c = 0; c < dims; ++c) {
      double d = 0;
      for (std::size_t j = 0; j < p; ++j) d += next(j, c) * q(j, c);
      change = std::max(change, 1.0 - std::abs(d));
    }
    q = std::move(next);
    if (change < 1e-12) break;
  }
  // Rayleigh-Ritz: T = Q^T C Q, rotate Q by T's eigenvectors.
  Matrix cq = covTimes(q);
  Matrix t(block, block);
  for (std::size_t a = 0; a < block; ++a)
    for (std::size_t b = 0; b < block; ++b) {
      double s = 0;
      for (std::size_t j = 0; j < p; ++j) s += q(j, a) * cq(j, b);
      t(a, b) = s;
    }
  for (std::size_t a = 0; a < block; ++a)
    for (std::size_t b = a + 1; b < block; ++b) t(a, b) = t(b, a) = 0.5 * (t(a, b) + t(b, a));
  std::vector<double> values;
  Matrix vectors;
  symmetricEigen(t, values, vectors);
  pc.components = Matrix(dims, p);
  pc.variances.assign(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(dims));
  for (std::size_t c = 0; c < dims; ++c) {
    std::size_t arg = 0;
    std::vector<double> comp(p, 0.0);
    for (std::size_t j = 0; j < p; ++j) {
      for (std::size_t b = 0; b < block; ++b) comp[j] += q(j, b) * vectors(b, c);
      if (std::abs(comp[j]) > std::abs(comp[arg])) arg = j;
    }
    const double sign = comp[arg] < 0 ? -1.0 : 1.0;
    for (std::size_t j = 0; j < p; ++j) pc.components(c, j) = sign * comp[j];
  }
  return pc;
}

Matrix PrincipalComponents::project(const Matrix& x) const {
  Matrix out(x.rows, components.rows);
  for (std::size_t i = 0; i < x.rows; ++i)
    for (std::size_t c = 0; c < components.rows; ++c) {
      double s = 0;
      for (std::size_t j = 0; j < x.cols; ++j) s += (x(i, j) - mean[j]) * components(c, j);
      out(i, c) = s;
    }
  return out;
}

}  // namespace ren::gating
