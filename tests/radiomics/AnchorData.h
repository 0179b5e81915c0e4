#pragma once
// Golden data for the radiomics tests (tests/data/anchors, see its README for sources and licences):
// the IBSI 1 digital phantom with its reference values, and PyRadiomics' baseline CSVs with the
// brain1/breast1 images behind them.
#include <optional>
#include <string>

#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"

namespace ren::radiomics::anchors {

/// Settings under which PyRadiomics reproduces IBSI on the phantom: binWidth 1, voxelArrayShift 0,
/// distances [1], no weighting, gldm_a 0, minimumROIDimensions 1.
RadiomicsSettings ibsiSettings();
/// The phantom's ROI (74 voxels, 2 mm) cropped with `settings`.
Roi ibsiPhantomRoi(const RadiomicsSettings& settings);

struct IbsiReference {
  double value;
  double tolerance;
};
/// Reference of the IBSI feature with this code (e.g. "RNU0") and aggregation text as in the TSV
/// ("" when the TSV row has none, "3D, averaged", "3D, merged", "3D" ...). Throws when absent. Where
/// the table gives no tolerance ("—"), the value is exact as printed: tolerance = half a unit of its
/// last printed digit.
IbsiReference ibsiReference(const std::string& code, const std::string& aggregation = "");
/// The same reference with the tolerance max(IBSI tolerance, half a unit of the value's third
/// significant digit): the phantom's values are rounded to 3 significant digits (the TSV drops trailing
/// zeros: "2.4" stands for 2.40), so no finer agreement can be asked of them.
IbsiReference ibsiReferenceToThreeDigits(const std::string& code, const std::string& aggregation = "");

/// Baseline column of PyRadiomics' data/baseline/baseline_<cls>.csv ("brain1", "brain1_FBN", "breast1").
/// Settings parsed from the column's diagnostics_Configuration_Settings cell.
RadiomicsSettings baselineSettings(const std::string& cls, const std::string& column);
/// Reference value of original_<cls>_<feature> in that column; nullopt when the cell is empty.
std::optional<double> baselineValue(const std::string& cls, const std::string& column, const std::string& feature);
/// The case's ROI (image + label 1 read from <case>_{image,label}.nrrd) cropped with `settings`.
/// `column` may carry a suffix ("brain1_FBN" -> case brain1).
Roi baselineRoi(const std::string& column, const RadiomicsSettings& settings);

/// |ours - reference| / |reference| (0 when both are 0; exact comparison when the reference is 0,
/// as PyRadiomics' own test harness).
double relativeDifference(double ours, double reference);

}  // namespace ren::radiomics::anchors
