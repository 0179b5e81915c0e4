#pragma once
// What the gate stage writes per (region set, architecture, fold) (INTERFACE.md):
//   RUN/gating/[<set>/]<arch>-f<k>.json             every strategy's validation score, weights and
//       parameters; the selected one; then, separately under "test", the test metrics of every
//       strategy (computed after the selection is frozen).
//   RUN/gating/[<set>/]<arch>-f<k>.predictions.csv  scan_id,patient_id,role,label,<strategy>...,selected
// The primary region set (the first of gating.region_sets) writes directly under RUN/gating/.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/core/Config.h"
#include "ren/gating/GatingProblem.h"
#include "ren/gating/GatingSelection.h"

namespace ren::gating {

std::filesystem::path gatingDir(const Config& config);
/// RUN/gating/<arch>-f<k>.json for the primary set, RUN/gating/<set>/<arch>-f<k>.json otherwise.
std::filesystem::path gatingJsonPath(const Config& config, const std::string& regionSet, const std::string& arch, int fold);
std::filesystem::path gatingPredictionsPath(const Config& config, const std::string& regionSet, const std::string& arch,
                                            int fold);
/// The primary region set (the first of gating.region_sets).
std::string primaryRegionSet(const Config& config);

/// The JSON record of one problem's outcome.
nlohmann::json gatingJson(const GatingProblem& problem, const GatingOutcome& outcome, const GatingOptions& options);

/// Writes both files atomically.
void writeGatingRecord(const Config& config, const GatingProblem& problem, const GatingOutcome& outcome,
                       const GatingOptions& options);

/// The ensemble predictions file read back: per strategy (and "selected"), role, label and probability.
struct GatingPredictions {
  std::vector<std::string> scanIds, patientIds, roles;
  std::vector<int> labels;
  std::map<std::string, std::vector<double>> probs;  ///< strategy name (and "selected") -> one per scan
};
/// InputError naming the file when missing or malformed.
GatingPredictions readGatingPredictions(const std::filesystem::path& path);

}  // namespace ren::gating
