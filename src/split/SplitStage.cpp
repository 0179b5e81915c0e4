#include "ren/split/SplitStage.h"

#include <spdlog/spdlog.h>

#include "ren/core/AtomicFile.h"
#include "ren/core/CohortTable.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/core/RunLayout.h"
#include "ren/core/Sha256.h"
#include "ren/split/PatientSplit.h"

namespace ren::split {

namespace {
void runSplit(const StageContext& ctx) {
  const Config& c = ctx.config;
  const auto tablePath = layout::cohortTable(c);
  if (!std::filesystem::exists(tablePath))
    throw InputError("cohort table '" + tablePath.string() + "' does not exist" +
                     (c.cohort.source == "synthetic" ? " (run `ren synth` or `ren run` first)" : ""));
  const CohortTable cohort = readCohortTable(tablePath);
  SplitOptions options;
  options.folds = c.split.folds;
  options.rotateValTest = c.split.rotateValTest;
  options.seed = static_cast<std::uint64_t>(c.run.seed);
  const PatientSplit split = makePatientSplit(cohort, options);
  nlohmann::json summary = splitSummary(split, cohort);
  for (const auto& w : summary.value("warnings", nlohmann::json::array())) spdlog::warn("split: {}", w.get<std::string>());
  summary["config_hash"] = ctx.configHash;
  summary["fingerprint"] = ctx.fingerprint;
  summary["seed"] = options.seed;
  writeSplitCsv(layout::splitCsv(c), split);
  writeFileAtomic(layout::splitSummary(c), summary.dump(2) + "\n");
  spdlog::info("split: {} scans of {} patients into {} folds -> {}", cohort.scans.size(), cohort.patientCount(),
               split.foldCount(), layout::splitCsv(c).string());
}
}  // namespace

void registerSplitStage(StageRegistry& registry) {
  registry.add({
      "split",
      "patient-level cross-validation split -> RUN/split.csv",
      [](const Config& c) {
        std::string text = sectionsHash(c, {"split"}) + "|seed=" + std::to_string(c.run.seed);
        // A user cohort table is an input: its content, not its path, decides the split.
        const auto table = layout::cohortTable(c);
        if (c.cohort.source == "table" && std::filesystem::exists(table)) text += "|table=" + sha256File(table);
        return text;
      },
      {"synth"},
      nullptr,
      [](const Config& c) {
        return std::vector<std::filesystem::path>{layout::splitCsv(c), layout::splitSummary(c)};
      },
      runSplit,
  });
}

}  // namespace ren::split
