#pragma once
// The reduce stage (`ren reduce`, last of `ren run`): tables T1-T8 from whatever the run holds ->
// RUN/tables/T<n>_<name>.{csv,md,tex}, plus RUN/tables/README.md listing them.
#include <filesystem>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/Stage.h"

namespace ren::reduce {

std::filesystem::path tablesDir(const Config& config);
/// Writes every table; returns the files written.
std::vector<std::filesystem::path> runReduce(const Config& config);
void registerReduceStage(StageRegistry& registry);

}  // namespace ren::reduce
