#include "ren/radiomics/FeatureExtractor.h"

#include <limits>
#include <stdexcept>

#include "ren/core/Parallel.h"
#include "ren/radiomics/FeatureClass.h"
#include "ren/radiomics/GreyLevels.h"

namespace ren::radiomics {
namespace {

std::vector<const FeatureClass*> enabledClasses(const RadiomicsSettings& settings) {
  const auto& registry = FeatureClassRegistry::instance();
  std::vector<const FeatureClass*> classes;
  for (const auto& name : registry.names()) {
    bool enabled = settings.featureClasses.empty();
    for (const auto& wanted : settings.featureClasses) {
      registry.get(wanted);  // unknown names are errors
      if (wanted == name) enabled = true;
    }
    if (enabled) classes.push_back(&registry.get(name));
  }
  return classes;
}

}  // namespace

std::vector<std::string> featureNames(const RadiomicsSettings& settings) {
  std::vector<std::string> names;
  for (const auto* c : enabledClasses(settings))
    for (const auto& f : c->featureNames) names.push_back("original_" + c->name + "_" + f);
  return names;
}

FeatureVector extractFeatures(const Roi& roi, const RadiomicsSettings& settings, int threads) {
  validate(settings);
  const auto classes = enabledClasses(settings);
  FeatureVector out;
  out.names = featureNames(settings);
  out.values.assign(out.names.size(), std::numeric_limits<double>::quiet_NaN());
  if (roi.voxelCount == 0) {
    out.status = "empty";
    return out;
  }
  if (settings.minimumRoiSize && roi.voxelCount < *settings.minimumRoiSize) {
    out.status = "too-small";
    return out;
  }
  const auto extent = roi.roiExtent();
  int dimensions = 0;
  for (auto e : extent) dimensions += e > 1 ? 1 : 0;
  if (dimensions < settings.minimumRoiDimensions) {
    out.status = "too-thin";
    return out;
  }
  const GreyLevels grey = discretise(roi, settings);
  const FeatureInput input{roi, grey, settings};
  std::vector<std::vector<double>> perClass(classes.size());
  parallelFor(classes.size(), threads, [&](std::size_t c) { perClass[c] = classes[c]->compute(input); });
  std::size_t at = 0;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    if (perClass[c].size() != classes[c]->featureNames.size())
      throw std::logic_error("feature class " + classes[c]->name + " returned " + std::to_string(perClass[c].size()) +
                             " values for " + std::to_string(classes[c]->featureNames.size()) + " features");
    for (double v : perClass[c]) out.values[at++] = v;
  }
  return out;
}

}  // namespace ren::radiomics
