#pragma once
// Feature classes (firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm) registered by name, in the
// registry style of the project: a plain struct per class, one registry. Output names are
// `original_<class>_<Feature>` with PyRadiomics' feature names.
#include <functional>
#include <string>
#include <vector>

#include "ren/radiomics/GreyLevels.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"

namespace ren::radiomics {

/// What a feature class computes on: the ROI (never empty here: voxelCount >= 1), its grey levels
/// and the settings.
struct FeatureInput {
  const Roi& roi;
  const GreyLevels& grey;
  const RadiomicsSettings& settings;
};

struct FeatureClass {
  std::string name;                       ///< "glcm"
  std::vector<std::string> featureNames;  ///< PyRadiomics names, output order ("Autocorrelation", ...)
  /// Values in featureNames order (NaN where PyRadiomics gives NaN). Must be thread-safe (no state).
  std::function<std::vector<double>(const FeatureInput&)> compute;
};

class FeatureClassRegistry {
 public:
  /// Holds the built-in classes in the order firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm.
  static FeatureClassRegistry& instance();
  void add(FeatureClass featureClass);
  /// Throws UsageError listing the registered names when unknown.
  const FeatureClass& get(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  FeatureClassRegistry();
  std::vector<FeatureClass> classes_;
};

// The built-in classes (one source file each).
FeatureClass firstOrderFeatures();
FeatureClass shapeFeatures();
FeatureClass glcmFeatures();
FeatureClass glrlmFeatures();
FeatureClass glszmFeatures();
FeatureClass gldmFeatures();
FeatureClass ngtdmFeatures();

}  // namespace ren::radiomics
