#pragma once
// Internal: the size checks every network's validate() shares; each throws ConfigError naming the key.
#include <cstdint>
#include <string>

#include "ren/models/ExpertNetwork.h"

namespace ren::models {

/// "<key> <value> must be >= 1" unless value >= 1.
void requirePositive(std::int64_t value, const std::string& key);
/// preprocess.grid, the input channels and the classes are all >= 1.
void checkSpecBasics(const NetworkSpec& spec);
/// A patch embedding of `patch` (>= 1, key `patchKey`, e.g. "vit.patch") tiles the grid exactly.
void checkPatchTilesGrid(const NetworkSpec& spec, std::int64_t patch, const std::string& patchKey);

}  // namespace ren::models
