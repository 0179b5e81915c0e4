#include "AngleAggregation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace ren::radiomics::detail {
namespace {

/// |offset| * spacing per axis (mm).
std::array<double, 3> offsetMm(const TextureAngle& angle, const std::array<double, 3>& spacing) {
  return {std::abs(angle.offset[0]) * spacing[0], std::abs(angle.offset[1]) * spacing[1],
          std::abs(angle.offset[2]) * spacing[2]};
}

}  // namespace

double glcmAngleWeight(const TextureAngle& angle, const std::array<double, 3>& spacing, WeightingNorm norm) {
  const auto d = offsetMm(angle, spacing);
  switch (norm) {
    case WeightingNorm::Infinity: {
      const double m = std::max({d[0], d[1], d[2]});
      return std::exp(-m * m);
    }
    case WeightingNorm::Euclidean:
      return std::exp(-(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
    case WeightingNorm::Manhattan: {
      const double s = d[0] + d[1] + d[2];
      return std::exp(-s * s);
    }
    case WeightingNorm::NoWeighting:
    case WeightingNorm::None:
      break;
  }
  return 1.0;
}

double glrlmAngleWeight(const TextureAngle& angle, const std::array<double, 3>& spacing, WeightingNorm norm) {
  const auto d = offsetMm(angle, spacing);
  switch (norm) {
    case WeightingNorm::Infinity:
      return std::max({d[0], d[1], d[2]});
    case WeightingNorm::Euclidean:
      return std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    case WeightingNorm::Manhattan:
      return d[0] + d[1] + d[2];
    case WeightingNorm::NoWeighting:
    case WeightingNorm::None:
      break;
  }
  return 1.0;
}

double nanMean(const std::vector<double>& values) {
  double sum = 0.0;
  std::size_t n = 0;
  for (double x : values)
    if (!std::isnan(x)) sum += x, ++n;
  return n == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(n);
}

std::vector<double> nanMeanOverAngles(const std::vector<std::vector<double>>& perAngle, std::size_t featureCount) {
  std::vector<double> out(featureCount);
  std::vector<double> column(perAngle.size());
  for (std::size_t f = 0; f < featureCount; ++f) {
    for (std::size_t a = 0; a < perAngle.size(); ++a) column[a] = perAngle[a][f];
    out[f] = nanMean(column);
  }
  return out;
}

LevelIndex levelIndex(const GreyLevels& grey) {
  LevelIndex li;
  li.index.assign(static_cast<std::size_t>(grey.binCount) + 1, -1);
  for (int level : grey.present) {
    li.index[static_cast<std::size_t>(level)] = static_cast<std::int32_t>(li.value.size());
    li.value.push_back(static_cast<double>(level));
  }
  return li;
}

std::vector<NeighbourOffset> neighbourOffsets(const Roi& roi, const std::vector<int>& distances) {
  std::vector<NeighbourOffset> offsets;
  for (const TextureAngle& a : textureAngles(roi.roiExtent(), distances, true))
    offsets.push_back({a.offset[0], a.offset[1], a.offset[2], boxOffset(roi, a)});
  return offsets;
}

}  // namespace ren::radiomics::detail
