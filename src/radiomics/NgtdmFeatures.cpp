// ngtdm: neighbouring grey tone difference matrix features (PyRadiomics radiomics/ngtdm.py, matrix as
// in radiomics/src/cmatrices.c calculate_ngtdm).
//
// Conventions (PyRadiomics' C matrix, which produced its baselines):
//  * Neighbourhood of a voxel: the angle set of `distances` in both directions (26 offsets for
//    distance 1 in 3D), centre excluded, only neighbours inside the ROI. A_bar = mean level of those
//    neighbours.
//  * For every ROI voxel of level i: n_i += 1 and s_i += |i - A_bar|; a voxel without any neighbour in
//    the ROI still counts in n_i, with a difference of 0 (cmatrices.c sets diff = 0 when count == 0;
//    the Python docstring's "N_vp <= N_p" only holds for its pure-Python path). Nvp = sum n_i.
//  * Levels with n_i = 0 are deleted; i = the actual levels, p_i = n_i / Nvp, Ngp = levels left.
//  * Coarseness = 1 / sum p_i s_i (1e6 when the sum is 0); Contrast = 0 when Ngp <= 1; Busyness = 0
//    when sum |i p_i - j p_j| = 0; Strength = 0 when sum s_i = 0.
//
// Implementation: per row of the ROI bounding box, neighbour level sums and counts of the whole row
// are accumulated offset by offset (vectorisable loops over x; levels are 0 outside the ROI, so the
// sum needs no test), then folded into n_i and s_i. The pair sums of the features are O(Ngp^2).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "AngleAggregation.h"
#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {
namespace {

/// n_i and s_i (indexed by compact level) accumulated over the ROI. Sum is the accumulator type of the
/// neighbour level sums (uint32 unless the offsets x levels could overflow it).
template <class Sum>
void accumulateNgtdm(const Roi& roi, const GreyLevels& grey, const std::vector<detail::NeighbourOffset>& offsets,
                     const std::vector<std::int32_t>& compact, std::vector<double>& n, std::vector<double>& s) {
  const std::size_t rowLength = static_cast<std::size_t>(roi.roiExtent()[0]);
  std::vector<Sum> sum(rowLength);
  std::vector<std::uint32_t> count(rowLength);
  detail::forEachNeighbourRow(
      roi, grey, offsets,
      [&] {
        std::fill(sum.begin(), sum.end(), Sum{0});
        std::fill(count.begin(), count.end(), 0u);
      },
      [&](const std::uint16_t*, const std::uint16_t* nb, std::size_t r, std::int64_t len) {
        Sum* sm = sum.data() + r;
        std::uint32_t* cn = count.data() + r;
        for (std::int64_t x = 0; x < len; ++x) {
          sm[x] += static_cast<Sum>(nb[x]);
          cn[x] += static_cast<std::uint32_t>(nb[x] != 0);
        }
      },
      [&](std::size_t r, std::uint16_t l) {
        const std::size_t c = static_cast<std::size_t>(compact[l]);
        n[c] += 1.0;
        if (count[r] > 0) s[c] += std::abs(static_cast<double>(l) - static_cast<double>(sum[r]) / static_cast<double>(count[r]));
      });
}

std::vector<double> computeNgtdm(const FeatureInput& in) {
  const Roi& roi = in.roi;
  const GreyLevels& grey = in.grey;

  const std::vector<detail::NeighbourOffset> offsets = detail::neighbourOffsets(roi, in.settings.distances);
  const std::vector<std::int32_t> compact = detail::levelIndex(grey).index;
  const std::size_t ngAll = grey.present.size();
  std::vector<double> n(ngAll, 0.0), s(ngAll, 0.0);
  if (static_cast<double>(offsets.size()) * grey.binCount < 4.0e9)
    accumulateNgtdm<std::uint32_t>(roi, grey, offsets, compact, n, s);
  else
    accumulateNgtdm<double>(roi, grey, offsets, compact, n, s);

  // Levels with n_i > 0 (all present levels: every ROI voxel counts).
  std::vector<double> level, p, si;
  double nvp = 0;
  for (std::size_t c = 0; c < ngAll; ++c)
    if (n[c] > 0) nvp += n[c];
  for (std::size_t c = 0; c < ngAll; ++c)
    if (n[c] > 0) {
      level.push_back(grey.present[c]);
      p.push_back(n[c] / nvp);
      si.push_back(s[c]);
    }
  const std::size_t ngp = level.size();

  double sumPs = 0, sumS = 0;
  for (std::size_t a = 0; a < ngp; ++a) {
    sumPs += p[a] * si[a];
    sumS += si[a];
  }
  // Pair sums over i != j (the diagonal terms are all zero), each unordered pair counted twice.
  double contrastPairs = 0, busyDenominator = 0, complexityPairs = 0, strengthPairs = 0;
  for (std::size_t a = 0; a < ngp; ++a) {
    const double ia = level[a], pa = p[a], psa = pa * si[a], ipa = ia * pa;
    for (std::size_t b = a + 1; b < ngp; ++b) {
      const double d = ia - level[b];
      const double d2 = d * d;
      contrastPairs += pa * p[b] * d2;
      busyDenominator += std::abs(ipa - level[b] * p[b]);
      complexityPairs += std::abs(d) * (psa + p[b] * si[b]) / (pa + p[b]);
      strengthPairs += (pa + p[b]) * d2;
    }
  }
  contrastPairs *= 2;
  busyDenominator *= 2;
  complexityPairs *= 2;
  strengthPairs *= 2;

  const double coarseness = sumPs == 0 ? 1.0e6 : 1.0 / sumPs;
  const double ngpD = static_cast<double>(ngp);
  const double contrast = ngp <= 1 ? 0.0 : contrastPairs / (ngpD * (ngpD - 1)) * (sumS / nvp);
  const double busyness = busyDenominator == 0 ? 0.0 : sumPs / busyDenominator;
  const double complexity = complexityPairs / nvp;
  const double strength = sumS == 0 ? 0.0 : strengthPairs / sumS;
  return {coarseness, contrast, busyness, complexity, strength};
}

}  // namespace

FeatureClass ngtdmFeatures() {
  return FeatureClass{"ngtdm", {"Coarseness", "Contrast", "Busyness", "Complexity", "Strength"}, computeNgtdm};
}

}  // namespace ren::radiomics
