#pragma once
// Settings of the radiomics engine, named and defaulted as PyRadiomics' extractor settings
// (radiomics/featureextractor.py, METHOD.md section 3). One struct, parsed once from `key=value`
// strings (CLI --param, baseline test columns) or from the [radiomics] config section.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ren::radiomics {

/// How the per-angle (per-offset) matrices of GLCM and GLRLM are aggregated.
///   None        : each feature computed per angle, then averaged over angles (PyRadiomics default,
///                 IBSI "3D, averaged").
///   Manhattan, Euclidean, Infinity : matrices summed with a weight per angle into one matrix before
///                 the features, |d| being the angle's offset in mm under that norm: GLCM weight
///                 exp(-|d|^2), GLRLM weight |d| (PyRadiomics glcm.py / glrlm.py).
///   NoWeighting : matrices summed with weight 1 (IBSI "3D, merged").
enum class WeightingNorm { None, Manhattan, Euclidean, Infinity, NoWeighting };

struct RadiomicsSettings {
  double binWidth = 25.0;                      ///< fixed bin width (edges from 0, PyRadiomics)
  std::optional<int> binCount;                 ///< fixed bin count; overrides binWidth when set
  double voxelArrayShift = 0.0;                ///< added to intensities in Energy, TotalEnergy, RMS
  std::vector<int> distances{1};               ///< Chebyshev distances for GLCM/GLDM/NGTDM angles
  bool symmetricalGlcm = true;
  WeightingNorm weightingNorm = WeightingNorm::None;
  double gldmAlpha = 0.0;                      ///< gldm_a: dependence when |i - j| <= alpha
  std::optional<std::pair<double, double>> resegmentRange;  ///< closed [lo, hi] kept in the ROI
  int label = 1;                               ///< mask value of the ROI (single-case mode)
  int minimumRoiDimensions = 2;                ///< 1..3: axes with more than one voxel
  std::optional<long long> minimumRoiSize;     ///< minimum ROI voxel count
  std::vector<std::string> featureClasses;     ///< enabled classes, empty = all (registry order)
};

/// Applies one `key=value` setting (PyRadiomics key names: binWidth, binCount, voxelArrayShift,
/// distances (e.g. "1" or "1,2" or "[1, 2]"), symmetricalGLCM, weightingNorm (none|manhattan|
/// euclidean|infinity|no_weighting), gldm_a, resegmentRange ("lo,hi" or "[lo, hi]"; one value =
/// lower bound only), label, minimumROIDimensions, minimumROISize, featureClass (comma list)).
/// Throws UsageError naming the key and the allowed keys/values.
void applySetting(RadiomicsSettings& settings, const std::string& key, const std::string& value);

/// Checks ranges (binWidth > 0, binCount >= 1, distances >= 1, ...); throws UsageError naming the key.
void validate(const RadiomicsSettings& settings);

std::string weightingNormName(WeightingNorm norm);
/// One-line description for logs and output headers: "binWidth=25 voxelArrayShift=0 ...".
std::string describe(const RadiomicsSettings& settings);

}  // namespace ren::radiomics
