#pragma once
// One ROI -> all enabled features: discretises once, then runs every enabled feature class on the
// shared grey levels (classes of one ROI may run on several threads).
#include <string>
#include <vector>

#include "ren/radiomics/Roi.h"

namespace ren::radiomics {

struct FeatureVector {
  std::vector<std::string> names;  ///< original_<class>_<Feature>
  std::vector<double> values;      ///< NaN when the ROI was not computed (see status)
  /// "ok", or why the features are NaN: "empty" (no ROI voxel), "too-small" (fewer voxels than
  /// minimumROISize), "too-thin" (fewer than minimumROIDimensions axes with > 1 voxel).
  std::string status = "ok";
};

/// Names of the enabled features, in output order.
std::vector<std::string> featureNames(const RadiomicsSettings& settings);

/// Features of one ROI. `threads` > 1 runs the feature classes concurrently.
FeatureVector extractFeatures(const Roi& roi, const RadiomicsSettings& settings, int threads = 1);

}  // namespace ren::radiomics
