#include "ren/synth/SynthStage.h"

#include "ren/core/ConfigSchema.h"
#include "ren/core/RunLayout.h"
#include "ren/synth/SyntheticCohort.h"

namespace ren::synth {

void registerSynthStage(StageRegistry& registry) {
  registry.add({
      "synth",
      "generate the built-in synthetic ILD cohort into RUN/cohort",
      [](const Config& c) { return sectionsHash(c, {"synth"}) + "|seed=" + std::to_string(layout::synthSeed(c)); },
      {},
      [](const Config& c) { return c.cohort.source == "synthetic"; },
      [](const Config& c) { return std::vector<std::filesystem::path>{layout::cohortTable(c)}; },
      [](const StageContext& ctx) {
        writeSyntheticCohort(layout::syntheticCohortDir(ctx.config), ctx.config.synth, layout::synthSeed(ctx.config),
                             ctx.threads, ctx.configHash);
      },
  });
}

}  // namespace ren::synth
