#pragma once
// `ren train`: the whole stage-2 grid in one process, task after task (METHOD.md section 5): every
// (region, expert architecture, fold) plus the whole-lung baselines. Tasks already done with the same
// inputs are skipped, interrupted ones resume from their checkpoint, a failed task is recorded and the
// grid goes on; a progress line (done/total, ETA) follows every task. The loop that schedules tasks is
// kept apart from runTrainTask, so an MPI coordinator or a Slurm array can schedule the same tasks.
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/Stage.h"
#include "ren/train/TrainTask.h"

namespace ren::train {

struct GridSummary {
  int total = 0;
  int trained = 0;
  int skipped = 0;
  std::vector<std::string> failed;  ///< "<task>: <error>"
};

/// Checks before any training that every architecture of the grid can be built on the data's grid
/// (e.g. SwinUNETR needs a multiple of 32): ConfigError naming the key otherwise.
void validateGridNetworks(const Config& config, std::int64_t grid);

/// Runs the grid; throws StageFailure naming the failed tasks after running all the others.
GridSummary runTrainGrid(const Config& config, int rank = 0);

/// Registers stage "train" (ren train, ren run).
void registerTrainStage(StageRegistry& registry);

}  // namespace ren::train
