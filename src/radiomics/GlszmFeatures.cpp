// glszm: grey level size zone matrix features (PyRadiomics radiomics/glszm.py, zones as in
// radiomics/src/cmatrices.c calculate_glszm).
//
// Conventions (PyRadiomics):
//  * A zone is a connected set of ROI voxels of one grey level; connectivity is the distance-1
//    angle set used in both directions (26-connectivity in 3D; PyRadiomics always uses distance 1
//    here, whatever `distances` says). Offsets beyond the ROI bounding box never reach an ROI voxel,
//    so the extent restriction of the angle set does not change the zones.
//  * P(i, j) = number of zones of grey level i and size j; rows of absent grey levels and columns of
//    absent sizes are deleted, i = the actual level values, j = the actual sizes.
//  * Nz = sum P, Np = ROI voxel count, p = P / Nz; ZoneEntropy uses log2(p + eps), eps = 2.2e-16.
//
// Implementation: zones are labelled over x-runs (maximal runs of one level along a row of the ROI
// bounding box), merged with a union-find between runs of the 4 previously scanned neighbouring rows
// whose x-ranges touch (x distance <= 1). Iterative, O(voxels + runs + touching pairs), no recursion
// and no stack that grows with a zone: a homogeneous region of millions of voxels is only a few
// thousand runs. The GLSZM is kept sparse: zones of small size are counted in a dense (level x small
// size) table, larger zones in a list sorted once; the features are sums over these entries, never
// over an Ng x maxSize array. Memory: about 14 bytes per run plus two slices of run ids.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {
namespace {

constexpr double kEps = 2.220446049250313e-16;  // numpy.spacing(1)

struct ZoneEntry {
  double level;  // grey level value i
  double size;   // zone size j (voxels)
  double count;  // P(i, j)
};

/// Union-find root with path halving. Parents always point to a smaller index (see unite).
inline std::uint32_t findRoot(std::vector<std::uint32_t>& parent, std::uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

inline void unite(std::vector<std::uint32_t>& parent, std::uint32_t a, std::uint32_t b) {
  a = findRoot(parent, a);
  b = findRoot(parent, b);
  if (a == b) return;
  if (a < b) parent[b] = a;
  else parent[a] = b;
}

/// The sparse GLSZM of the ROI: (level, size, count) entries, plus the per-size totals.
struct SparseGlszm {
  std::vector<ZoneEntry> entries;
  std::vector<std::pair<double, double>> sizeTotals;  // (size j, sum_i P(i, j)), sizes present
  std::vector<std::pair<double, double>> levelTotals; // (level i, sum_j P(i, j)), levels present
  double zones = 0;                                    // Nz
};

SparseGlszm buildGlszm(const Roi& roi, const GreyLevels& grey) {
  const std::uint16_t* lv = grey.level.data();
  const std::int64_t lo0 = roi.roiLo[0], hi0 = roi.roiHi[0];
  const std::int64_t lo1 = roi.roiLo[1], hi1 = roi.roiHi[1];
  const std::int64_t lo2 = roi.roiLo[2], hi2 = roi.roiHi[2];
  const std::int64_t ny = hi1 - lo1 + 1, nz = hi2 - lo2 + 1;
  if (roi.voxelCount >= static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::length_error("glszm: ROI has too many voxels for 32-bit run indices and zone sizes");

  // 1. Runs of equal level along x, row by row (rows ordered j fastest, then k). A first pass counts
  // the runs of each row, the second fills exactly sized arrays; both are branch-free over x (the
  // padding guarantees level 0 just before lo0 and just after hi0).
  const std::size_t nRows = static_cast<std::size_t>(ny * nz);
  std::vector<std::uint32_t> rowStart(nRows + 1, 0);
  std::uint64_t total = 0;
  for (std::int64_t k = lo2; k <= hi2; ++k)
    for (std::int64_t j = lo1; j <= hi1; ++j) {
      const std::uint16_t* line = lv + roi.index(0, j, k);
      std::uint32_t starts = 0;
      for (std::int64_t x = lo0; x <= hi0; ++x) starts += static_cast<std::uint32_t>((line[x] != 0) & (line[x] != line[x - 1]));
      rowStart[static_cast<std::size_t>((j - lo1) + ny * (k - lo2))] = static_cast<std::uint32_t>(total);
      total += starts;
    }
  rowStart[nRows] = static_cast<std::uint32_t>(total);
  const std::uint32_t nRuns = rowStart[nRows];
  // +1: the branch-free fill writes one slot past the last run of a row (overwritten or unused).
  std::vector<std::int32_t> runX0(nRuns + 1), runX1(nRuns + 1);
  std::vector<std::uint16_t> runLevel(nRuns + 1);
  for (std::int64_t k = lo2; k <= hi2; ++k)
    for (std::int64_t j = lo1; j <= hi1; ++j) {
      const std::size_t row = static_cast<std::size_t>((j - lo1) + ny * (k - lo2));
      if (rowStart[row] == rowStart[row + 1]) continue;
      const std::uint16_t* line = lv + roi.index(0, j, k);
      std::int32_t* x0 = runX0.data() + rowStart[row];
      std::int32_t* x1 = runX1.data() + rowStart[row];
      std::uint16_t* level = runLevel.data() + rowStart[row];
      std::uint32_t s = 0, e = 0;
      for (std::int64_t x = lo0; x <= hi0; ++x) {
        const std::uint16_t l = line[x];
        x0[s] = static_cast<std::int32_t>(x);
        level[s] = l;
        x1[e] = static_cast<std::int32_t>(x);
        s += static_cast<std::uint32_t>((l != 0) & (l != line[x - 1]));
        e += static_cast<std::uint32_t>((l != 0) & (l != line[x + 1]));
      }
    }

  // 2. Union runs of equal level that touch (26-connectivity: x distance <= 1) in the previously
  // scanned neighbouring rows (j-1, k), (j-1, k-1), (j, k-1), (j+1, k-1); runs of one row never
  // touch with the same level (they are maximal). The run ids of the rows of the current and the
  // previous slice are kept in a rolling per-position map, so each neighbour row is read at the
  // positions x0-1..x1+1 of every run without searching; the matching pairs (same level, a new run)
  // are collected without branches and united afterwards.
  std::vector<std::uint32_t> parent(nRuns);
  for (std::uint32_t r = 0; r < nRuns; ++r) parent[r] = r;
  constexpr std::uint32_t kNone = 0xffffffffu;
  const std::int64_t width = roi.size[0];
  const std::size_t sliceIds = static_cast<std::size_t>(ny * width);
  std::vector<std::uint32_t> runId(2 * sliceIds, kNone);  // rows of slice kk (even/odd), by position
  std::vector<std::uint32_t> pairA(static_cast<std::size_t>(4 * 3 * width + 8)), pairB(pairA.size());
  for (std::int64_t kk = 0; kk < nz; ++kk) {
    std::uint32_t* current = runId.data() + static_cast<std::size_t>(kk & 1) * sliceIds;
    std::uint32_t* previous = runId.data() + static_cast<std::size_t>((kk + 1) & 1) * sliceIds;
    for (std::int64_t jj = 0; jj < ny; ++jj) {
      const std::size_t row = static_cast<std::size_t>(jj + ny * kk);
      std::uint32_t* ids = current + jj * width;
      const std::uint32_t r0 = rowStart[row], r1 = rowStart[row + 1];
      const std::int64_t j = lo1 + jj, k = lo2 + kk;
      {
        // Run id of every position lo0-1..hi0+1 (kNone outside the ROI), branch-free.
        const std::uint16_t* line = lv + roi.index(0, j, k);
        std::uint32_t id = r0 - 1;  // wraps for r0 = 0; the first start makes it 0
        ids[lo0 - 1] = kNone;
        for (std::int64_t x = lo0; x <= hi0; ++x) {
          const std::uint16_t l = line[x];
          id += static_cast<std::uint32_t>((l != 0) & (l != line[x - 1]));
          ids[x] = l != 0 ? id : kNone;
        }
        ids[hi0 + 1] = kNone;
      }
      if (r0 == r1) continue;
      // Neighbour rows: run ids and levels.
      const std::uint32_t* nbIds[4];
      const std::uint16_t* nbLevels[4];
      int nb = 0;
      if (jj > 0) nbIds[nb] = current + (jj - 1) * width, nbLevels[nb++] = lv + roi.index(0, j - 1, k);
      if (kk > 0) {
        if (jj > 0) nbIds[nb] = previous + (jj - 1) * width, nbLevels[nb++] = lv + roi.index(0, j - 1, k - 1);
        nbIds[nb] = previous + jj * width, nbLevels[nb++] = lv + roi.index(0, j, k - 1);
        if (jj + 1 < ny) nbIds[nb] = previous + (jj + 1) * width, nbLevels[nb++] = lv + roi.index(0, j + 1, k - 1);
      }
      std::uint32_t count = 0;
      for (int n = 0; n < nb; ++n) {
        const std::uint32_t* bIds = nbIds[n];
        const std::uint16_t* bLevels = nbLevels[n];
        for (std::uint32_t a = r0; a < r1; ++a) {
          // Positions x0-1 .. x1+1 of the neighbour row; the first three are unrolled (most runs of
          // noisy data are 1 voxel long), a repeated run id is skipped.
          const std::uint16_t la = runLevel[a];
          const std::int32_t x0 = runX0[a], x1 = runX1[a];
          std::uint32_t q = bIds[x0 - 1], last = q;
          pairA[count] = a, pairB[count] = q;
          count += static_cast<std::uint32_t>(bLevels[x0 - 1] == la);
          q = bIds[x0];
          pairA[count] = a, pairB[count] = q;
          count += static_cast<std::uint32_t>((bLevels[x0] == la) & (q != last));
          last = q;
          q = bIds[x0 + 1];
          pairA[count] = a, pairB[count] = q;
          count += static_cast<std::uint32_t>((bLevels[x0 + 1] == la) & (q != last));
          last = q;
          for (std::int32_t x = x0 + 2; x <= x1 + 1; ++x) {
            q = bIds[x];
            pairA[count] = a, pairB[count] = q;
            count += static_cast<std::uint32_t>((bLevels[x] == la) & (q != last));
            last = q;
          }
        }
      }
      for (std::uint32_t t = 0; t < count; ++t) unite(parent, pairA[t], pairB[t]);
    }
  }

  // 3. Zone sizes at the roots, accumulated in place of runX0 (no longer needed). Parents point to
  // smaller indices, so one forward pass flattens the forest and every root is zeroed before use.
  std::vector<std::int32_t>& zoneSize = runX0;
  for (std::uint32_t r = 0; r < nRuns; ++r) {
    const std::int32_t length = runX1[r] - runX0[r] + 1;
    zoneSize[r] = 0;
    parent[r] = parent[parent[r]];
    zoneSize[parent[r]] += length;
  }

  // 4. Sparse matrix: dense counts for small zones, a sorted list for the rest.
  std::vector<int> compact(static_cast<std::size_t>(grey.binCount) + 1, -1);
  for (std::size_t c = 0; c < grey.present.size(); ++c) compact[static_cast<std::size_t>(grey.present[c])] = static_cast<int>(c);
  const std::size_t ngp = grey.present.size();
  const std::size_t smallMax = std::max<std::size_t>(1, std::min<std::size_t>(64, (std::size_t{1} << 20) / std::max<std::size_t>(ngp, 1)));
  std::vector<std::uint32_t> small(ngp * smallMax, 0);
  std::vector<std::uint64_t> large;  // (compact level << 32) | size
  for (std::uint32_t r = 0; r < nRuns; ++r) {
    if (parent[r] != r) continue;
    const std::size_t c = static_cast<std::size_t>(compact[runLevel[r]]);
    const std::uint32_t s = static_cast<std::uint32_t>(zoneSize[r]);
    if (s <= smallMax) ++small[c * smallMax + (s - 1)];
    else large.push_back((static_cast<std::uint64_t>(c) << 32) | s);
  }
  std::sort(large.begin(), large.end());

  SparseGlszm m;
  std::vector<double> levelCount(ngp, 0.0), smallSizeCount(smallMax, 0.0);
  for (std::size_t c = 0; c < ngp; ++c)
    for (std::size_t s = 0; s < smallMax; ++s) {
      const std::uint32_t n = small[c * smallMax + s];
      if (!n) continue;
      m.entries.push_back({static_cast<double>(grey.present[c]), static_cast<double>(s + 1), static_cast<double>(n)});
      levelCount[c] += n;
      smallSizeCount[s] += n;
    }
  for (std::size_t e = 0; e < large.size();) {
    std::size_t f = e;
    while (f < large.size() && large[f] == large[e]) ++f;
    const std::size_t c = static_cast<std::size_t>(large[e] >> 32);
    const double size = static_cast<double>(large[e] & 0xffffffffu);
    m.entries.push_back({static_cast<double>(grey.present[c]), size, static_cast<double>(f - e)});
    levelCount[c] += static_cast<double>(f - e);
    e = f;
  }
  for (std::size_t s = 0; s < smallMax; ++s)
    if (smallSizeCount[s] > 0) m.sizeTotals.emplace_back(static_cast<double>(s + 1), smallSizeCount[s]);
  std::vector<std::uint32_t> largeSizes(large.size());
  for (std::size_t e = 0; e < large.size(); ++e) largeSizes[e] = static_cast<std::uint32_t>(large[e] & 0xffffffffu);
  std::sort(largeSizes.begin(), largeSizes.end());
  for (std::size_t e = 0; e < largeSizes.size();) {
    std::size_t f = e;
    while (f < largeSizes.size() && largeSizes[f] == largeSizes[e]) ++f;
    m.sizeTotals.emplace_back(static_cast<double>(largeSizes[e]), static_cast<double>(f - e));
    e = f;
  }
  for (std::size_t c = 0; c < ngp; ++c) {
    m.levelTotals.emplace_back(static_cast<double>(grey.present[c]), levelCount[c]);
    m.zones += levelCount[c];
  }
  return m;
}

std::vector<double> computeGlszm(const FeatureInput& in) {
  const SparseGlszm m = buildGlszm(in.roi, in.grey);
  const double nz = m.zones > 0 ? m.zones : 1.0;  // PyRadiomics: Nz = 1 when the matrix is empty
  const double np = static_cast<double>(in.roi.voxelCount);

  double sae = 0, lae = 0, szn = 0, muJ = 0;
  for (const auto& [j, ps] : m.sizeTotals) {
    sae += ps / (j * j);
    lae += ps * j * j;
    szn += ps * ps;
    muJ += ps / nz * j;
  }
  double zv = 0;
  for (const auto& [j, ps] : m.sizeTotals) zv += ps / nz * (j - muJ) * (j - muJ);

  double gln = 0, lglze = 0, hglze = 0, muI = 0;
  for (const auto& [i, pg] : m.levelTotals) {
    gln += pg * pg;
    lglze += pg / (i * i);
    hglze += pg * i * i;
    muI += pg / nz * i;
  }
  double glv = 0;
  for (const auto& [i, pg] : m.levelTotals) glv += pg / nz * (i - muI) * (i - muI);

  double ze = 0, salgle = 0, sahgle = 0, lalgle = 0, lahgle = 0;
  for (const ZoneEntry& e : m.entries) {
    const double p = e.count / nz;
    ze -= p * std::log2(p + kEps);
    const double i2 = e.level * e.level, j2 = e.size * e.size;
    salgle += e.count / (i2 * j2);
    sahgle += e.count * i2 / j2;
    lalgle += e.count * j2 / i2;
    lahgle += e.count * i2 * j2;
  }

  return {sae / nz,      lae / nz,    gln / nz,    gln / (nz * nz),  szn / nz,       szn / (nz * nz),
          nz / np,       glv,         zv,          ze,               lglze / nz,     hglze / nz,
          salgle / nz,   sahgle / nz, lalgle / nz, lahgle / nz};
}

}  // namespace

FeatureClass glszmFeatures() {
  return FeatureClass{"glszm",
                      {"SmallAreaEmphasis", "LargeAreaEmphasis", "GrayLevelNonUniformity",
                       "GrayLevelNonUniformityNormalized", "SizeZoneNonUniformity",
                       "SizeZoneNonUniformityNormalized", "ZonePercentage", "GrayLevelVariance", "ZoneVariance",
                       "ZoneEntropy", "LowGrayLevelZoneEmphasis", "HighGrayLevelZoneEmphasis",
                       "SmallAreaLowGrayLevelEmphasis", "SmallAreaHighGrayLevelEmphasis",
                       "LargeAreaLowGrayLevelEmphasis", "LargeAreaHighGrayLevelEmphasis"},
                      computeGlszm};
}

}  // namespace ren::radiomics
