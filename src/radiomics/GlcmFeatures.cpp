// Grey level co-occurrence matrix (GLCM) features, PyRadiomics radiomics/glcm.py conventions:
//  - one matrix per angle (TextureAngles: Chebyshev distances of settings.distances, offsets limited by
//    the ROI bounding box); P(i, j) counts ROI voxel pairs (centre level i, neighbour level j at
//    centre + offset); symmetricalGLCM adds P^T;
//  - rows/columns of grey levels absent from the ROI are left out and i, j are the actual level values;
//  - weightingNorm None: angles with an empty matrix are dropped, each matrix is normalised, every
//    feature is computed per angle and numpy.nanmean'ed over angles (IBSI "3D, averaged");
//    otherwise the matrices are summed with the angle weights (AngleAggregation.h) and normalised
//    into one matrix (no_weighting = IBSI "3D, merged");
//  - Ng in Idmn/Idn is the highest grey level present (PyRadiomics coefficients['Ng']);
//  - eps = numpy.spacing(1) inside every log2; Correlation = 1 where sigma_x * sigma_y = 0; Imc1 = 0
//    where max(HX, HY) = 0; Imc2 = 0 where HXY2 == HXY (NaN for HXY2 < HXY, dropped by nanmean);
//  - MCC = sqrt(second largest eigenvalue of Q), Q(i,j) = sum_k p(i,k) p(j,k) / (p_x(i) p_y(k)); 1 for
//    a one-level ROI.
// MCC: Q = Dx^-1 P Dy^-1 P^T is similar to A A^T with A = Dx^-1/2 P Dy^-1/2 (rows/columns of levels
// without pairs in the angle add zero eigenvalues), so its eigenvalues are the squared singular values
// of A; the largest is 1 (singular vectors sqrt(p_x), sqrt(p_y)), hence MCC = sigma_2(A) = sqrt of the
// largest eigenvalue of A^T A - v v^T (v = sqrt(p_y)), found by Lanczos with full
// re-orthogonalisation over the sparse matrix: exact (Krylov space exhausted) for small Ng, cost
// O(iterations x (nonzeros + Ng x iterations)) otherwise, never a dense Ng^3 decomposition.
// PyRadiomics adds eps to p_x(i) p_y(k) in Q's denominator; that is left out here (it changes entries
// only where p_x(i) p_y(k) is near 1e-14, i.e. between two levels each rarer than ~1e-7).
//
// Accumulation is one pass over the ROI voxels with all angles (dense Na x Ng x Ng counts) while that
// array stays small (Ng <= 555 for 13 angles); for more grey levels one pass per angle into a dense
// Ng x Ng buffer (Ng <= 2048) or, beyond, into a sorted list of pair codes. Features work on the
// non-zero cells only, except HXY2 (Ng_x x Ng_y terms; for more than 4 M terms it uses HX + HY of the
// unshifted logs, which differs from the eps-shifted sum by at most terms x 3.2e-16).
// Measured (one thread, shared 2-core machine under load, thread CPU time): 7.5 M ROI voxels in a 15 M
// box, 13 angles: 45 levels ~75 ms; 1057 levels (per-angle path, MCC Lanczos on ~1000 x 1000) ~1 s.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <limits>
#include <stdexcept>
#include <vector>

#include "AngleAggregation.h"
#include "TextureAngles.h"
#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {
namespace {

using detail::kLogEps;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum Feature {
  kAutocorrelation,
  kJointAverage,
  kClusterProminence,
  kClusterShade,
  kClusterTendency,
  kContrast,
  kCorrelation,
  kDifferenceAverage,
  kDifferenceEntropy,
  kDifferenceVariance,
  kJointEnergy,
  kJointEntropy,
  kImc1,
  kImc2,
  kIdm,
  kMcc,
  kIdmn,
  kId,
  kIdn,
  kInverseVariance,
  kMaximumProbability,
  kSumAverage,
  kSumEntropy,
  kSumSquares,
  kFeatureCount
};

const std::vector<std::string>& names() {
  static const std::vector<std::string> n{
      "Autocorrelation",   "JointAverage",      "ClusterProminence",  "ClusterShade", "ClusterTendency",
      "Contrast",          "Correlation",       "DifferenceAverage",  "DifferenceEntropy",
      "DifferenceVariance", "JointEnergy",      "JointEntropy",       "Imc1",         "Imc2",
      "Idm",               "MCC",               "Idmn",               "Id",           "Idn",
      "InverseVariance",   "MaximumProbability", "SumAverage",        "SumEntropy",   "SumSquares"};
  return n;
}

/// One non-zero cell of a matrix over the present levels: code = row * Ng + column (compact indices).
struct Cell {
  std::uint64_t code;
  double count;
};
using SparseMatrix = std::vector<Cell>;  // sorted by code, no zero cell

// Above these sizes the all-angles dense count array / the per-angle dense buffer are not used.
constexpr std::size_t kDenseAllAnglesCells = std::size_t{1} << 22;  // 16 MiB of uint32
constexpr std::size_t kDensePerAngleCells = std::size_t{1} << 22;   // Ng <= 2048
constexpr std::size_t kExactHxy2Terms = std::size_t{1} << 22;

/// Cells of a dense count matrix (ng x ng), optionally P + P^T.
void extractDense(const std::uint32_t* counts, std::size_t ng, bool symmetric, SparseMatrix& out) {
  out.clear();
  for (std::size_t r = 0; r < ng; ++r)
    for (std::size_t c = 0; c < ng; ++c) {
      std::uint64_t n = counts[r * ng + c];
      if (symmetric) n += counts[c * ng + r];
      if (n != 0) out.push_back({r * ng + c, static_cast<double>(n)});
    }
}

/// The (raw count) co-occurrence matrix of every angle.
std::vector<SparseMatrix> cooccurrences(const Roi& roi, const GreyLevels& grey, const detail::LevelIndex& li,
                                        const std::vector<TextureAngle>& angles, bool symmetric) {
  const std::size_t na = angles.size();
  const std::size_t ng = static_cast<std::size_t>(li.count());
  const std::uint16_t* lev = grey.level.data();
  const std::int32_t* idx = li.index.data();
  std::vector<std::ptrdiff_t> off(na);
  for (std::size_t a = 0; a < na; ++a) off[a] = detail::boxOffset(roi, angles[a]);
  std::vector<SparseMatrix> matrices(na);

  if (na * ng * ng <= kDenseAllAnglesCells) {
    // One pass, all angles.
    std::vector<std::uint32_t> counts(na * ng * ng, 0);
    const std::size_t plane = ng * ng;
    detail::forEachRoiVoxel(roi, grey, [&](std::size_t v, std::int64_t, std::int64_t, std::int64_t, std::uint16_t level) {
      const std::size_t row = static_cast<std::size_t>(idx[level]) * ng;
      for (std::size_t a = 0; a < na; ++a) {
        const std::uint16_t n = lev[static_cast<std::ptrdiff_t>(v) + off[a]];
        if (n != 0) ++counts[a * plane + row + static_cast<std::size_t>(idx[n])];
      }
    });
    for (std::size_t a = 0; a < na; ++a) extractDense(counts.data() + a * plane, ng, symmetric, matrices[a]);
    return matrices;
  }

  if (ng * ng <= kDensePerAngleCells) {
    // One pass per angle into a reused dense buffer.
    std::vector<std::uint32_t> counts(ng * ng);
    for (std::size_t a = 0; a < na; ++a) {
      std::fill(counts.begin(), counts.end(), 0u);
      const std::ptrdiff_t o = off[a];
      detail::forEachRoiVoxel(roi, grey, [&](std::size_t v, std::int64_t, std::int64_t, std::int64_t, std::uint16_t level) {
        const std::uint16_t n = lev[static_cast<std::ptrdiff_t>(v) + o];
        if (n != 0) ++counts[static_cast<std::size_t>(idx[level]) * ng + static_cast<std::size_t>(idx[n])];
      });
      extractDense(counts.data(), ng, symmetric, matrices[a]);
    }
    return matrices;
  }

  // Very many grey levels: sorted pair codes per angle.
  std::vector<std::uint64_t> codes;
  codes.reserve(static_cast<std::size_t>(roi.voxelCount) * (symmetric ? 2 : 1));
  for (std::size_t a = 0; a < na; ++a) {
    codes.clear();
    const std::ptrdiff_t o = off[a];
    detail::forEachRoiVoxel(roi, grey, [&](std::size_t v, std::int64_t, std::int64_t, std::int64_t, std::uint16_t level) {
      const std::uint16_t n = lev[static_cast<std::ptrdiff_t>(v) + o];
      if (n == 0) return;
      const std::uint64_t r = static_cast<std::uint64_t>(idx[level]), c = static_cast<std::uint64_t>(idx[n]);
      codes.push_back(r * ng + c);
      if (symmetric) codes.push_back(c * ng + r);
    });
    std::sort(codes.begin(), codes.end());
    SparseMatrix& m = matrices[a];
    for (std::size_t s = 0; s < codes.size();) {
      std::size_t e = s;
      while (e < codes.size() && codes[e] == codes[s]) ++e;
      m.push_back({codes[s], static_cast<double>(e - s)});
      s = e;
    }
  }
  return matrices;
}

/// Weighted sum of the angle matrices (merged aggregation).
SparseMatrix mergeMatrices(const std::vector<SparseMatrix>& matrices, const std::vector<double>& weights) {
  SparseMatrix all;
  for (std::size_t a = 0; a < matrices.size(); ++a)
    for (const Cell& c : matrices[a]) all.push_back({c.code, c.count * weights[a]});
  std::sort(all.begin(), all.end(), [](const Cell& x, const Cell& y) { return x.code < y.code; });
  SparseMatrix merged;
  for (const Cell& c : all) {
    if (!merged.empty() && merged.back().code == c.code)
      merged.back().count += c.count;
    else
      merged.push_back(c);
  }
  return merged;
}

// ---- MCC ----------------------------------------------------------------------------------------

/// Largest eigenvalue of the symmetric tridiagonal matrix (alpha diagonal, beta off-diagonal) by
/// Sturm-sequence bisection.
double largestTridiagonalEigenvalue(const std::vector<double>& alpha, const std::vector<double>& beta) {
  const std::size_t m = alpha.size();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < m; ++i) {
    const double r = (i > 0 ? std::abs(beta[i - 1]) : 0.0) + (i + 1 < m ? std::abs(beta[i]) : 0.0);
    lo = std::min(lo, alpha[i] - r);
    hi = std::max(hi, alpha[i] + r);
  }
  // Number of eigenvalues below x.
  const auto below = [&](double x) {
    std::size_t count = 0;
    double d = 1.0;
    for (std::size_t i = 0; i < m; ++i) {
      const double b2 = i > 0 ? beta[i - 1] * beta[i - 1] : 0.0;
      d = alpha[i] - x - (i > 0 ? b2 / d : 0.0);
      if (d == 0.0) d = -1e-300;
      if (d < 0) ++count;
    }
    return count;
  };
  for (int it = 0; it < 200 && hi - lo > 1e-16 * std::max(1.0, std::abs(hi)); ++it) {
    const double mid = 0.5 * (lo + hi);
    if (below(mid) == m)
      hi = mid;  // every eigenvalue is below mid
    else
      lo = mid;
  }
  return 0.5 * (lo + hi);
}

/// Second largest singular value of A = Dx^-1/2 P Dy^-1/2 for the normalised matrix `m / total`.
double secondSingularValue(const SparseMatrix& m, double total, const std::vector<double>& px,
                           const std::vector<double>& py, std::size_t ng) {
  // Compact the rows (p_x > 0) and columns (p_y > 0).
  std::vector<std::int32_t> rowOf(ng, -1), colOf(ng, -1);
  std::size_t nr = 0, n = 0;
  std::vector<double> v;
  for (std::size_t i = 0; i < ng; ++i) {
    if (px[i] > 0) rowOf[i] = static_cast<std::int32_t>(nr++);
    if (py[i] > 0) colOf[i] = static_cast<std::int32_t>(n++), v.push_back(std::sqrt(py[i]));
  }
  if (n < 2 || nr < 2) return 0.0;  // rank one: the only non-zero singular value is 1
  struct Entry {
    std::int32_t r, c;
    double a;
  };
  std::vector<Entry> entries;
  entries.reserve(m.size());
  for (const Cell& cell : m) {
    const std::size_t i = cell.code / ng, j = cell.code % ng;
    const double p = cell.count / total;
    entries.push_back({rowOf[i], colOf[j], p / std::sqrt(px[i] * py[j])});
  }
  const auto dot = [n](const double* x, const double* y) {
    double s = 0.0;
    for (std::size_t c = 0; c < n; ++c) s += x[c] * y[c];
    return s;
  };
  {
    const double vn = std::sqrt(dot(v.data(), v.data()));
    for (double& x : v) x /= vn;
  }
  std::vector<double> tmp(nr);
  // out = (A^T A - v v^T) x
  const auto apply = [&](const double* x, double* out) {
    std::fill(tmp.begin(), tmp.end(), 0.0);
    for (const Entry& e : entries) tmp[static_cast<std::size_t>(e.r)] += e.a * x[e.c];
    std::fill(out, out + n, 0.0);
    for (const Entry& e : entries) out[e.c] += e.a * tmp[static_cast<std::size_t>(e.r)];
    const double vx = dot(v.data(), x);
    for (std::size_t c = 0; c < n; ++c) out[c] -= v[c] * vx;
  };

  const std::size_t dim = n - 1;  // the Krylov space lives in v's orthogonal complement
  const std::size_t maxSteps = std::min<std::size_t>(dim, 400);
  std::vector<double> basis;  // Lanczos vectors, n each
  basis.reserve((maxSteps + 1) * n);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto random = [&state]() {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  };
  // Orthogonalises w against v and the first `count` basis vectors (twice) and returns its norm.
  const auto orthogonalise = [&](double* w, std::size_t count) {
    for (int pass = 0; pass < 2; ++pass) {
      const double pv = dot(v.data(), w);
      for (std::size_t c = 0; c < n; ++c) w[c] -= pv * v[c];
      for (std::size_t l = 0; l < count; ++l) {
        const double* q = basis.data() + l * n;
        const double pq = dot(q, w);
        for (std::size_t c = 0; c < n; ++c) w[c] -= pq * q[c];
      }
    }
    return std::sqrt(dot(w, w));
  };
  // Appends a new random unit vector orthogonal to everything so far; false when none is left.
  std::vector<double> w(n);
  const auto newDirection = [&](std::size_t count) {
    for (std::size_t c = 0; c < n; ++c) w[c] = random();
    const double before = std::sqrt(dot(w.data(), w.data()));
    const double norm = orthogonalise(w.data(), count);
    if (norm <= 1e-8 * before) return false;
    for (std::size_t c = 0; c < n; ++c) basis.push_back(w[c] / norm);
    return true;
  };

  std::vector<double> alpha, beta, history;
  if (!newDirection(0)) return 0.0;
  double lambda = 0.0;
  for (std::size_t k = 0; k < maxSteps; ++k) {
    apply(basis.data() + k * n, w.data());
    alpha.push_back(dot(basis.data() + k * n, w.data()));
    const double norm = orthogonalise(w.data(), k + 1);
    lambda = largestTridiagonalEigenvalue(alpha, beta);
    history.push_back(lambda);
    if (k + 1 == maxSteps) break;
    const std::size_t h = history.size();
    // Converged when the top Ritz value (increasing with k) moved less than 1e-12 + 1e-9 * lambda over
    // the last 8 steps (MCC then agrees to ~1e-9 even where clustered eigenvalues slow convergence).
    if (h > 12 && history[h - 1] - history[h - 9] <= 1e-12 + 1e-9 * history[h - 1]) break;
    if (norm > 1e-10) {
      beta.push_back(norm);
      for (std::size_t c = 0; c < n; ++c) basis.push_back(w[c] / norm);
    } else {
      // Invariant subspace found: continue in a fresh direction (block-diagonal tridiagonal).
      if (!newDirection(k + 1)) break;
      beta.push_back(0.0);
    }
  }
  return std::sqrt(std::max(lambda, 0.0));
}

// ---- Features of one matrix -----------------------------------------------------------------------

struct Scratch {
  std::vector<double> px, py, pxAddy, pxSuby;
};

std::vector<double> matrixFeatures(const SparseMatrix& m, const detail::LevelIndex& li, Scratch& s) {
  const std::size_t ng = static_cast<std::size_t>(li.count());
  double total = 0.0;
  for (const Cell& c : m) total += c.count;
  // Empty matrix (merged aggregation without any pair): NaN as PyRadiomics.
  if (!(total > 0)) return std::vector<double>(kFeatureCount, kNaN);
  const std::vector<double>& level = li.value;
  const std::size_t maxLevel = static_cast<std::size_t>(li.maxLevel());
  s.px.assign(ng, 0.0);
  s.py.assign(ng, 0.0);
  s.pxAddy.assign(2 * maxLevel + 1, 0.0);
  s.pxSuby.assign(maxLevel + 1, 0.0);

  double ux = 0, uy = 0, autocorr = 0, contrast = 0, energy = 0, hxy = 0, maxP = 0;
  for (const Cell& c : m) {
    const std::size_t r = c.code / ng, k = c.code % ng;
    const double p = c.count / total, i = level[r], j = level[k];
    s.px[r] += p;
    s.py[k] += p;
    ux += p * i;
    uy += p * j;
    autocorr += p * i * j;
    contrast += p * (i - j) * (i - j);
    energy += p * p;
    hxy -= p * std::log2(p + kLogEps);
    maxP = std::max(maxP, p);
    s.pxAddy[static_cast<std::size_t>(i + j)] += p;
    s.pxSuby[static_cast<std::size_t>(std::abs(i - j))] += p;
  }
  double tendency = 0, shade = 0, prominence = 0, sx2 = 0, sy2 = 0, corm = 0, hxy1 = 0;
  for (const Cell& c : m) {
    const std::size_t r = c.code / ng, k = c.code % ng;
    const double p = c.count / total, dx = level[r] - ux, dy = level[k] - uy, t = dx + dy, t2 = t * t;
    tendency += p * t2;
    shade += p * t2 * t;
    prominence += p * t2 * t2;
    sx2 += p * dx * dx;
    sy2 += p * dy * dy;
    corm += p * dx * dy;
    hxy1 -= p * std::log2(s.px[r] * s.py[k] + kLogEps);
  }

  // Difference distribution p_{x-y}(k), k = 0..Ng-1 (Ng = highest level).
  const double ngMax = static_cast<double>(maxLevel);
  double da = 0, de = 0, idm = 0, idmn = 0, id = 0, idn = 0, inv = 0;
  for (std::size_t k = 0; k <= maxLevel; ++k) {
    const double p = s.pxSuby[k];
    if (p == 0) continue;
    const double kk = static_cast<double>(k);
    da += kk * p;
    de -= p * std::log2(p + kLogEps);
    idm += p / (1 + kk * kk);
    idmn += p / (1 + kk * kk / (ngMax * ngMax));
    id += p / (1 + kk);
    idn += p / (1 + kk / ngMax);
    if (k > 0) inv += p / (kk * kk);
  }
  double dv = 0;
  for (std::size_t k = 0; k <= maxLevel; ++k)
    if (s.pxSuby[k] != 0) dv += s.pxSuby[k] * (static_cast<double>(k) - da) * (static_cast<double>(k) - da);

  // Sum distribution p_{x+y}(k), k = 2..2Ng.
  double sa = 0, se = 0;
  for (std::size_t k = 2; k <= 2 * maxLevel; ++k) {
    const double p = s.pxAddy[k];
    if (p == 0) continue;
    sa += static_cast<double>(k) * p;
    se -= p * std::log2(p + kLogEps);
  }

  // Informational measures of correlation.
  double hx = 0, hy = 0, hx0 = 0, hy0 = 0;
  std::size_t nx = 0, ny = 0;
  for (std::size_t r = 0; r < ng; ++r) {
    if (s.px[r] > 0) hx -= s.px[r] * std::log2(s.px[r] + kLogEps), hx0 -= s.px[r] * std::log2(s.px[r]), ++nx;
    if (s.py[r] > 0) hy -= s.py[r] * std::log2(s.py[r] + kLogEps), hy0 -= s.py[r] * std::log2(s.py[r]), ++ny;
  }
  double hxy2 = 0;
  if (nx * ny <= kExactHxy2Terms) {
    for (std::size_t r = 0; r < ng; ++r) {
      if (!(s.px[r] > 0)) continue;
      for (std::size_t k = 0; k < ng; ++k) {
        if (!(s.py[k] > 0)) continue;
        const double q = s.px[r] * s.py[k];
        hxy2 -= q * std::log2(q + kLogEps);
      }
    }
  } else {
    hxy2 = hx0 + hy0;
  }
  const double div = std::fmax(hx, hy);
  const double sxy = std::sqrt(sx2) * std::sqrt(sy2);
  const double correlation = sxy == 0 ? 1.0 : corm / (sxy + kLogEps);
  const double imc1 = div == 0 ? 0.0 : (hxy - hxy1) / div;
  const double imc2 = hxy2 == hxy ? 0.0 : std::sqrt(1 - std::exp(-2 * (hxy2 - hxy)));  // NaN when HXY2 < HXY
  const double mcc = ng < 2 ? 1.0 : secondSingularValue(m, total, s.px, s.py, ng);

  // In Feature (= names()) order.
  return {autocorr, ux,     prominence, shade, tendency, contrast, correlation, da, de,   dv,   energy, hxy,
          imc1,     imc2,   idm,        mcc,   idmn,     id,       idn,         inv, maxP, sa,   se,     sx2};
}

std::vector<double> computeGlcm(const FeatureInput& in) {
  const auto angles = textureAngles(in.roi.roiExtent(), in.settings.distances);
  // No angle at all (a one-voxel ROI): PyRadiomics refuses such a mask; all NaN.
  if (angles.empty() || in.grey.present.empty()) return std::vector<double>(kFeatureCount, kNaN);
  for (const auto& a : angles)
    if (a.distance > in.roi.pad)
      throw std::logic_error("glcm: the ROI was cropped with padding " + std::to_string(in.roi.pad) +
                             ", smaller than the GLCM distance " + std::to_string(a.distance) +
                             " (crop it with the same settings)");
  const detail::LevelIndex li = detail::levelIndex(in.grey);
  const auto matrices = cooccurrences(in.roi, in.grey, li, angles, in.settings.symmetricalGlcm);
  Scratch scratch;
  std::vector<double> out;
  if (in.settings.weightingNorm == WeightingNorm::None) {
    std::vector<std::vector<double>> perAngle;
    for (const auto& m : matrices)
      if (!m.empty()) perAngle.push_back(matrixFeatures(m, li, scratch));
    out = detail::nanMeanOverAngles(perAngle, kFeatureCount);
    if (li.count() == 1) out[kMcc] = 1.0;  // PyRadiomics' flat-region shortcut (before any angle)
  } else {
    std::vector<double> weights;
    for (const auto& a : angles) weights.push_back(detail::glcmAngleWeight(a, in.roi.spacing, in.settings.weightingNorm));
    out = matrixFeatures(mergeMatrices(matrices, weights), li, scratch);
  }
  return out;
}

}  // namespace

FeatureClass glcmFeatures() { return FeatureClass{"glcm", names(), computeGlcm}; }

}  // namespace ren::radiomics
