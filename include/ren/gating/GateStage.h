#pragma once
// The gate stage (`ren gate`, part of `ren run`): for every fold of the grid, every region set of
// gating.region_sets and every expert architecture (plus "all" when gating.cross_architecture), fit
// and select the gating strategies on validation and write RUN/gating/ (GatingRecord.h).
#include "ren/core/Config.h"
#include "ren/core/Stage.h"
#include "ren/gating/GatingStrategy.h"

namespace ren::gating {

/// The [gating] options as the strategies read them (seed derived from run.seed).
GatingOptions gatingOptions(const Config& config);
/// The strategy names of gating.strategies ("all" = every registered one). ConfigError when unknown.
std::vector<std::string> gatingStrategyNames(const Config& config);
/// The architectures gated: train.experts, then "all" when gating.cross_architecture and > 1 expert kind.
std::vector<std::string> gatedArchitectures(const Config& config);

/// Runs the whole stage (every problem); logs one line per problem with the selected strategy.
void runGateStage(const Config& config);

void registerGateStage(StageRegistry& registry);

}  // namespace ren::gating
