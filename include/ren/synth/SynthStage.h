#pragma once
#include "ren/core/Stage.h"

namespace ren::synth {
/// Registers the `synth` stage: generates the synthetic cohort into RUN/cohort when
/// cohort.source = synthetic.
void registerSynthStage(StageRegistry& registry);
}  // namespace ren::synth
