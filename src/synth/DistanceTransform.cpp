#include "ren/synth/DistanceTransform.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ren::synth {

namespace {
constexpr double kInf = 1e30;

/// 1D squared distance transform of f (length n, sample spacing h) into d; samples >= kInf are
/// ignored (they are not parabola sites).
void transform1d(const double* f, double* d, std::int64_t n, double h, std::vector<std::int64_t>& v,
                 std::vector<double>& z) {
  v.assign(static_cast<std::size_t>(n), 0);
  z.assign(static_cast<std::size_t>(n) + 1, 0.0);
  const double h2 = h * h;
  const double inf = std::numeric_limits<double>::infinity();
  std::int64_t k = -1;
  for (std::int64_t q = 0; q < n; ++q) {
    if (f[q] >= kInf) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -inf;
      z[1] = inf;
      continue;
    }
    double s;
    for (;;) {
      const std::int64_t p = v[static_cast<std::size_t>(k)];
      s = ((f[q] + h2 * static_cast<double>(q * q)) - (f[p] + h2 * static_cast<double>(p * p))) /
          (2.0 * h2 * static_cast<double>(q - p));
      if (s <= z[static_cast<std::size_t>(k)]) {
        --k;  // z[0] = -inf guarantees k stays >= 0
        continue;
      }
      break;
    }
    ++k;
    v[static_cast<std::size_t>(k)] = q;
    z[static_cast<std::size_t>(k)] = s;
    z[static_cast<std::size_t>(k) + 1] = inf;
  }
  if (k < 0) {
    for (std::int64_t q = 0; q < n; ++q) d[q] = kInf;
    return;
  }
  k = 0;
  for (std::int64_t q = 0; q < n; ++q) {
    while (z[static_cast<std::size_t>(k) + 1] < static_cast<double>(q)) ++k;
    const std::int64_t p = v[static_cast<std::size_t>(k)];
    d[q] = h2 * static_cast<double>((q - p) * (q - p)) + f[p];
  }
}
}  // namespace

std::vector<float> distanceToOutside(const std::vector<std::uint8_t>& inside, const std::array<std::int64_t, 3>& size,
                                     const std::array<double, 3>& spacing) {
  const std::int64_t nx = size[0], ny = size[1], nz = size[2];
  std::vector<double> g(inside.size());
  for (std::size_t i = 0; i < inside.size(); ++i) g[i] = inside[i] ? kInf : 0.0;
  std::vector<std::int64_t> v;
  std::vector<double> z;
  std::int64_t longest = std::max(nx, std::max(ny, nz));
  std::vector<double> line(static_cast<std::size_t>(longest)), out(static_cast<std::size_t>(longest));
  const std::int64_t strides[3] = {1, nx, nx * ny};
  for (int axis = 0; axis < 3; ++axis) {
    const std::int64_t n = size[axis], stride = strides[axis];
    const std::int64_t a1 = axis == 0 ? ny : nx;      // the two other axes
    const std::int64_t a2 = axis == 2 ? ny : nz;
    const std::int64_t s1 = axis == 0 ? nx : 1;
    const std::int64_t s2 = axis == 2 ? nx : nx * ny;
    for (std::int64_t b = 0; b < a2; ++b)
      for (std::int64_t a = 0; a < a1; ++a) {
        const std::int64_t base = a * s1 + b * s2;
        for (std::int64_t q = 0; q < n; ++q) line[q] = g[static_cast<std::size_t>(base + q * stride)];
        transform1d(line.data(), out.data(), n, spacing[axis], v, z);
        for (std::int64_t q = 0; q < n; ++q) g[static_cast<std::size_t>(base + q * stride)] = out[q];
      }
  }
  std::vector<float> result(inside.size());
  for (std::size_t i = 0; i < g.size(); ++i) result[i] = g[i] >= kInf ? 1e30f : static_cast<float>(std::sqrt(g[i]));
  return result;
}

}  // namespace ren::synth
