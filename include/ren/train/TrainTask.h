#pragma once
// One task of the stage-2 grid (METHOD.md section 5): (region, architecture, fold). Experts are the
// seven regions x train.experts; whole-lung baselines are region LUNG x baseline.architectures.
// Each task lives in RUN/tasks/<region>-<arch>-f<k>/ (INTERFACE.md).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/Regions.h"

namespace ren::train {

struct TrainTask {
  std::string region;  ///< LUL ... RIGHT, or LUNG for a whole-lung baseline
  std::string arch;    ///< cnn, vit, mamba, xgb (experts); swinunetr, cnn, vit, mamba (baselines)
  int fold = 0;

  /// "<region>-<arch>-f<k>", the task directory's name.
  std::string name() const;
  bool isBaseline() const { return region == kWholeLung.name; }
  /// The region (kWholeLung for LUNG). Throws UsageError listing the names for an unknown one.
  Region regionInfo() const;
  bool operator==(const TrainTask& o) const { return region == o.region && arch == o.arch && fold == o.fold; }
};

/// Parses "<region>-<arch>-f<k>"; throws UsageError when the name has another form.
TrainTask parseTaskName(const std::string& name);

/// Checks a task named on the command line against the config: a known region (or LUNG), an
/// architecture that exists for that kind of task, and a fold of the split (0 .. foldCount-1).
/// Throws UsageError naming the allowed values.
void validateTask(const TrainTask& task, int foldCount);

/// The regions of train.regions, in canonical order.
std::vector<Region> gridRegions(const Config& config);
/// The folds of train.folds (or 0 .. foldCount-1 when empty).
std::vector<int> gridFolds(const Config& config, int foldCount);

/// Every task of the grid in scheduling order: per fold, per architecture, per region (experts),
/// then the baselines of that fold. `foldCount` is the split's number of folds.
std::vector<TrainTask> gridTasks(const Config& config, int foldCount);

/// RUN/tasks/<name>/
std::filesystem::path taskDir(const Config& config, const TrainTask& task);

/// Seed of a task: derived from (run seed, region, architecture, fold) only, so a task gives the same
/// result whichever worker runs it.
std::uint64_t taskSeed(const Config& config, const TrainTask& task);

}  // namespace ren::train
