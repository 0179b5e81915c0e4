#include "SpecChecks.h"

#include "ren/core/Error.h"

namespace ren::models {

void requirePositive(std::int64_t value, const std::string& key) {
  if (value < 1) throw ConfigError(key + " " + std::to_string(value) + " must be >= 1");
}

void checkSpecBasics(const NetworkSpec& spec) {
  requirePositive(spec.grid, "preprocess.grid");
  requirePositive(spec.inChannels, "input channels");
  requirePositive(spec.classes, "classes");
}

void checkPatchTilesGrid(const NetworkSpec& spec, std::int64_t patch, const std::string& patchKey) {
  requirePositive(patch, patchKey);
  if (spec.grid % patch != 0)
    throw ConfigError("grid " + std::to_string(spec.grid) + " (preprocess.grid) is not divisible by " + patchKey + " " +
                      std::to_string(patch));
}

}  // namespace ren::models
