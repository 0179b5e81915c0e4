#pragma once
// Shared by the texture classes (internal to ren_radiomics): the per-angle weights of the merged
// aggregation (weightingNorm), numpy.nanmean over angles, the compact index of the present grey
// levels, a walk over the ROI voxels of the box (GLCM, GLRLM) and the row-wise neighbourhood walk of
// GLDM and NGTDM.
//
// PyRadiomics (radiomics/glcm.py, glrlm.py, _calculateMatrix) weights the angle a = (dz, dy, dx) with
// the offset in mm d = |a| * spacing:
//   GLCM : infinity exp(-max(d)^2), euclidean exp(-sum(d^2)), manhattan exp(-sum(d)^2)
//   GLRLM: infinity max(d),          euclidean sqrt(sum(d^2)), manhattan sum(d)   (no exponential)
//   both : no_weighting 1.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "TextureAngles.h"
#include "ren/radiomics/GreyLevels.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"

namespace ren::radiomics::detail {

/// numpy.spacing(1): the epsilon added inside the logarithms of the texture entropies.
constexpr double kLogEps = 2.220446049250313e-16;

/// Weight of one angle when the matrices are merged (norm != None), GLCM convention.
double glcmAngleWeight(const TextureAngle& angle, const std::array<double, 3>& spacing, WeightingNorm norm);
/// Weight of one angle when the matrices are merged (norm != None), GLRLM convention.
double glrlmAngleWeight(const TextureAngle& angle, const std::array<double, 3>& spacing, WeightingNorm norm);

/// numpy.nanmean: mean of the non-NaN values, NaN when there is none.
double nanMean(const std::vector<double>& values);

/// Feature-wise numpy.nanmean over angles: perAngle[a][f] -> out[f] (NaN where no angle has a value).
std::vector<double> nanMeanOverAngles(const std::vector<std::vector<double>>& perAngle, std::size_t featureCount);

/// Compact index of the present grey levels: index[level] in 0..present.size()-1, -1 for an absent
/// level (and for level 0, outside the ROI); value[index] = the level as a double.
struct LevelIndex {
  std::vector<std::int32_t> index;
  std::vector<double> value;
  int count() const { return static_cast<int>(value.size()); }
  int maxLevel() const { return value.empty() ? 0 : static_cast<int>(value.back()); }
};
LevelIndex levelIndex(const GreyLevels& grey);

/// Calls f(v, i, j, k, level) for every ROI voxel (level > 0) inside the ROI bounding box, in box
/// order (x fastest). v is the box index; i, j, k the box coordinates.
template <class F>
void forEachRoiVoxel(const Roi& roi, const GreyLevels& grey, F&& f) {
  const std::uint16_t* lev = grey.level.data();
  for (std::int64_t k = roi.roiLo[2]; k <= roi.roiHi[2]; ++k)
    for (std::int64_t j = roi.roiLo[1]; j <= roi.roiHi[1]; ++j) {
      const std::size_t rowStart = roi.index(0, j, k);
      for (std::int64_t i = roi.roiLo[0]; i <= roi.roiHi[0]; ++i) {
        const std::size_t v = rowStart + static_cast<std::size_t>(i);
        const std::uint16_t level = lev[v];
        if (level != 0) f(v, i, j, k, level);
      }
    }
}

/// Box-index offset of an angle.
inline std::ptrdiff_t boxOffset(const Roi& roi, const TextureAngle& angle) {
  return static_cast<std::ptrdiff_t>(angle.offset[0] + roi.size[0] * (angle.offset[1] + roi.size[1] * angle.offset[2]));
}

/// One neighbour of the GLDM/NGTDM neighbourhood: voxel offset and box-index offset.
struct NeighbourOffset {
  int dx, dy, dz;
  std::ptrdiff_t delta;
};

/// The neighbourhood of GLDM and NGTDM: every angle of `distances` in both directions (26 offsets for
/// distance 1 in 3D), limited by the ROI bounding-box extent.
std::vector<NeighbourOffset> neighbourOffsets(const Roi& roi, const std::vector<int>& distances);

/// Row-wise walk over the ROI bounding box with a neighbourhood (GLDM, NGTDM), x fastest. For every
/// row (j, k) of the box that holds an ROI voxel:
///   beginRow();
///   segment(centre, neighbour, r, len) for each offset whose row (j + dy, k + dz) lies in the box:
///     centre[x] and neighbour[x], x in [0, len), are the levels of a voxel of the row and of its
///     neighbour (0 outside the ROI; len may be <= 0), r is the position of centre[0] in the row
///     (0 = roiLo[0]), so per-row buffers of roiExtent()[0] entries are indexed r + x;
///   voxel(r, level) for each ROI voxel of the row, r its position in the row.
/// The callbacks are template parameters, inlined into the loops (no per-voxel indirect call).
template <class BeginRow, class Segment, class Voxel>
void forEachNeighbourRow(const Roi& roi, const GreyLevels& grey, const std::vector<NeighbourOffset>& offsets,
                         BeginRow&& beginRow, Segment&& segment, Voxel&& voxel) {
  const std::uint16_t* lv = grey.level.data();
  const std::int64_t lo0 = roi.roiLo[0], hi0 = roi.roiHi[0];
  for (std::int64_t k = roi.roiLo[2]; k <= roi.roiHi[2]; ++k)
    for (std::int64_t j = roi.roiLo[1]; j <= roi.roiHi[1]; ++j) {
      const std::int64_t base = static_cast<std::int64_t>(roi.index(0, j, k));
      const std::uint16_t* centre = lv + base;
      bool anyVoxel = false;
      for (std::int64_t x = lo0; x <= hi0; ++x) anyVoxel |= centre[x] != 0;
      if (!anyVoxel) continue;
      beginRow();
      for (const NeighbourOffset& o : offsets) {
        if (j + o.dy < 0 || j + o.dy >= roi.size[1] || k + o.dz < 0 || k + o.dz >= roi.size[2]) continue;
        const std::int64_t x0 = std::max<std::int64_t>(lo0, -o.dx), x1 = std::min<std::int64_t>(hi0, roi.size[0] - 1 - o.dx);
        segment(centre + x0, lv + base + o.delta + x0, static_cast<std::size_t>(x0 - lo0), x1 - x0 + 1);
      }
      for (std::int64_t x = lo0; x <= hi0; ++x)
        if (const std::uint16_t level = centre[x]) voxel(static_cast<std::size_t>(x - lo0), level);
    }
}

}  // namespace ren::radiomics::detail
