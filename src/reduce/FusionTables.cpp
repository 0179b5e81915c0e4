// Tables of stage 4 (end-to-end fusion): T6 and T7. The fuse stage is not part of this build yet, so
// both say so instead of printing numbers.
#include <filesystem>

#include "ren/core/RunLayout.h"
#include "ren/reduce/AblationTables.h"

namespace ren::reduce {

namespace {
std::string fusionMissing(const Config& config) {
  const auto dir = layout::runDir(config) / "fusion";
  return "stage fuse has not run (" + dir.string() + " is missing); `ren fuse` is not available in this build yet";
}
}  // namespace

ResultTable fusionComparisonTable(const RunResults&, const Config& config) {
  ResultTable t{"T6", "ensemble_vs_fusion",
                "Weighted ensemble vs end-to-end fusion"};
  t.missing = fusionMissing(config);
  return t;
}

ResultTable fusionAblationTable(const RunResults&, const Config& config) {
  ResultTable t{"T7", "fusion_regulariser_ablation",
                "Fusion regulariser ablation with the collapse diagnostics"};
  t.missing = fusionMissing(config);
  return t;
}

}  // namespace ren::reduce
