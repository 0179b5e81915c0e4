#include <algorithm>

#include "ren/core/Error.h"
#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {

FeatureClassRegistry& FeatureClassRegistry::instance() {
  static FeatureClassRegistry registry;
  return registry;
}

FeatureClassRegistry::FeatureClassRegistry() {
  for (auto make : {firstOrderFeatures, shapeFeatures, glcmFeatures, glrlmFeatures, glszmFeatures, gldmFeatures,
                    ngtdmFeatures})
    add(make());
}

void FeatureClassRegistry::add(FeatureClass featureClass) {
  for (const auto& c : classes_)
    if (c.name == featureClass.name) throw UsageError("feature class '" + featureClass.name + "' is registered twice");
  classes_.push_back(std::move(featureClass));
}

const FeatureClass& FeatureClassRegistry::get(const std::string& name) const {
  for (const auto& c : classes_)
    if (c.name == name) return c;
  std::string known;
  for (const auto& c : classes_) known += (known.empty() ? "" : ", ") + c.name;
  throw UsageError("unknown radiomics feature class '" + name + "'; allowed: " + known);
}

std::vector<std::string> FeatureClassRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& c : classes_) out.push_back(c.name);
  return out;
}

}  // namespace ren::radiomics
