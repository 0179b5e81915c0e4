// gldm: grey level dependence matrix features (PyRadiomics radiomics/gldm.py, matrix as in
// radiomics/src/cmatrices.c calculate_gldm).
//
// Conventions (PyRadiomics):
//  * Neighbours of a voxel: the angle set of `distances` in both directions (26 offsets for distance
//    1 in 3D), restricted by the ROI bounding-box extent (offsets beyond it never reach an ROI voxel).
//  * Dependence d of a voxel = number of neighbours inside the ROI whose level differs by at most
//    alpha (gldm_a; compared as an integer, as PyRadiomics' C code); the matrix column of d is
//    j = d + 1 (a voxel with no dependent neighbour has j = 1).
//  * Rows of absent levels and columns of absent dependences are deleted; i = the actual levels.
//  * Nz = Np (every ROI voxel has a dependence zone); p = P / Np; entropy uses log2(p + eps).
//
// Implementation: per row of the ROI bounding box, the dependences of all voxels of the row are
// accumulated offset by offset in a small buffer (a branch-free, vectorisable loop over x), then
// counted into the (level, dependence) matrix: O(voxels x offsets), no per-voxel allocation.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "AngleAggregation.h"
#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {
namespace {

using detail::kLogEps;

std::vector<double> computeGldm(const FeatureInput& in) {
  const Roi& roi = in.roi;
  const GreyLevels& grey = in.grey;

  const std::vector<detail::NeighbourOffset> offsets = detail::neighbourOffsets(roi, in.settings.distances);
  const std::size_t maxDep = offsets.size();

  // Dependence test |n - c| <= A with A = floor(alpha) (levels are integers); alpha < 0: never.
  const double alpha = in.settings.gldmAlpha;
  const bool anyDependence = alpha >= 0;
  const std::int32_t a = anyDependence ? static_cast<std::int32_t>(std::min(std::floor(alpha), 70000.0)) : 0;
  const std::uint32_t twoA = static_cast<std::uint32_t>(2 * a);

  const std::vector<std::int32_t> compact = detail::levelIndex(grey).index;
  const std::size_t ngp = grey.present.size();
  const std::size_t width = maxDep + 1;
  // Dense (level x dependence) counts unless that table would be large (thousands of levels with
  // several distances): then a hash map of the non-zero cells.
  const bool dense = ngp * width <= (std::size_t{1} << 22);
  std::vector<std::uint32_t> denseP(dense ? ngp * width : 0, 0);
  std::unordered_map<std::uint64_t, std::uint32_t> sparseP;

  std::vector<std::int32_t> dep(static_cast<std::size_t>(roi.roiExtent()[0]));
  const std::vector<detail::NeighbourOffset> noNeighbours;
  detail::forEachNeighbourRow(
      roi, grey, anyDependence ? offsets : noNeighbours, [&] { std::fill(dep.begin(), dep.end(), 0); },
      [&](const std::uint16_t* c, const std::uint16_t* n, std::size_t r, std::int64_t len) {
        std::int32_t* d = dep.data() + r;
        for (std::int64_t x = 0; x < len; ++x) {
          const std::int32_t nv = n[x];
          const std::uint32_t shifted = static_cast<std::uint32_t>(nv - static_cast<std::int32_t>(c[x]) + a);
          d[x] += static_cast<std::int32_t>((nv != 0) & (shifted <= twoA));
        }
      },
      [&](std::size_t r, std::uint16_t level) {
        const std::size_t c = static_cast<std::size_t>(compact[level]);
        const std::size_t dv = static_cast<std::size_t>(dep[r]);
        if (dense) ++denseP[c * width + dv];
        else ++sparseP[(static_cast<std::uint64_t>(c) << 32) | dv];
      });

  // Features from the non-zero cells.
  struct Cell {
    std::size_t level;  // compact level index
    std::size_t dep;    // dependence d (column j = d + 1)
    double count;
  };
  std::vector<Cell> cells;
  if (dense) {
    for (std::size_t c = 0; c < ngp; ++c)
      for (std::size_t d = 0; d < width; ++d)
        if (denseP[c * width + d]) cells.push_back({c, d, static_cast<double>(denseP[c * width + d])});
  } else {
    for (const auto& [key, n] : sparseP) cells.push_back({static_cast<std::size_t>(key >> 32), static_cast<std::size_t>(key & 0xffffffffu), static_cast<double>(n)});
    std::sort(cells.begin(), cells.end(), [](const Cell& x, const Cell& y) { return x.level != y.level ? x.level < y.level : x.dep < y.dep; });
  }

  const double np = static_cast<double>(roi.voxelCount);  // Nz = Np
  std::vector<double> pg(ngp, 0.0), pd(width, 0.0);
  double de = 0, sdlgle = 0, sdhgle = 0, ldlgle = 0, ldhgle = 0;
  for (const Cell& cell : cells) {
    pg[cell.level] += cell.count;
    pd[cell.dep] += cell.count;
    const double i = grey.present[cell.level], jj = static_cast<double>(cell.dep + 1);
    const double i2 = i * i, j2 = jj * jj;
    const double p = cell.count / np;
    de -= p * std::log2(p + kLogEps);
    sdlgle += cell.count / (i2 * j2);
    sdhgle += cell.count * i2 / j2;
    ldlgle += cell.count * j2 / i2;
    ldhgle += cell.count * i2 * j2;
  }
  double sde = 0, lde = 0, dn = 0, muJ = 0;
  for (std::size_t d = 0; d < width; ++d) {
    if (pd[d] == 0) continue;
    const double jj = static_cast<double>(d + 1);
    sde += pd[d] / (jj * jj);
    lde += pd[d] * jj * jj;
    dn += pd[d] * pd[d];
    muJ += pd[d] / np * jj;
  }
  double dv = 0;
  for (std::size_t d = 0; d < width; ++d)
    if (pd[d] != 0) dv += pd[d] / np * (static_cast<double>(d + 1) - muJ) * (static_cast<double>(d + 1) - muJ);
  double gln = 0, lgle = 0, hgle = 0, muI = 0;
  for (std::size_t c = 0; c < ngp; ++c) {
    const double i = grey.present[c];
    gln += pg[c] * pg[c];
    lgle += pg[c] / (i * i);
    hgle += pg[c] * i * i;
    muI += pg[c] / np * i;
  }
  double glv = 0;
  for (std::size_t c = 0; c < ngp; ++c) {
    const double i = grey.present[c];
    glv += pg[c] / np * (i - muI) * (i - muI);
  }

  return {sde / np, lde / np,  gln / np,    dn / np,     dn / (np * np), glv,         dv,
          de,       lgle / np, hgle / np,   sdlgle / np, sdhgle / np,    ldlgle / np, ldhgle / np};
}

}  // namespace

FeatureClass gldmFeatures() {
  return FeatureClass{"gldm",
                      {"SmallDependenceEmphasis", "LargeDependenceEmphasis", "GrayLevelNonUniformity",
                       "DependenceNonUniformity", "DependenceNonUniformityNormalized", "GrayLevelVariance",
                       "DependenceVariance", "DependenceEntropy", "LowGrayLevelEmphasis", "HighGrayLevelEmphasis",
                       "SmallDependenceLowGrayLevelEmphasis", "SmallDependenceHighGrayLevelEmphasis",
                       "LargeDependenceLowGrayLevelEmphasis", "LargeDependenceHighGrayLevelEmphasis"},
                      computeGldm};
}

}  // namespace ren::radiomics
