#pragma once
#include "ren/core/Stage.h"

namespace ren::split {
/// Registers the `split` stage: RUN/split.csv (and the per-fold summary RUN/split.json).
void registerSplitStage(StageRegistry& registry);
}  // namespace ren::split
