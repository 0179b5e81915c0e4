#pragma once
// One gating problem of a run: the experts of an architecture (or of every architecture, "all") over
// a region set, for one fold, with their validation and test predictions read from
// RUN/tasks/<region>-<arch>-f<k>/predictions.csv.
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/Regions.h"
#include "ren/gating/FoldRadiomics.h"
#include "ren/gating/GatingStrategy.h"

namespace ren::gating {

struct GatingProblem {
  std::string arch;       ///< cnn, vit, mamba, xgb, or "all" (every expert architecture together)
  std::string regionSet;  ///< all7, lobes, lungs, grid
  int fold = 0;
  ExpertSet experts;
  ScanRows val, test;
};

/// The regions of a gating region set: all7, lobes, lungs, or grid (= the regions train.regions trains).
std::vector<Region> resolveRegionSet(const Config& config, const std::string& name);

/// Loads the problem. `archs` are the expert architectures combined (one, or all for "all").
/// `radiomics` may be empty (then the radiomics strategies are unavailable). InputError naming the
/// task and file when predictions are missing or the experts' scans or labels disagree.
GatingProblem loadGatingProblem(const Config& config, const std::string& archName, const std::vector<std::string>& archs,
                                const std::string& regionSet, int fold, const FoldRadiomics& radiomics);

}  // namespace ren::gating
