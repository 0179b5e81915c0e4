#pragma once
// The trainer of the networks (cnn, vit, mamba experts; swinunetr, cnn, vit, mamba baselines) with the
// recipes of METHOD.md section 5: AdamW, class-weighted label-smoothed cross-entropy (weights from
// the training split), gradient clipping, plateau/cosine schedules, augmentation of training scans,
// early stopping that restores the best validation epoch, a checkpoint after every epoch (atomic) and
// exact resume on CPU, bf16 autocast and channels-last options.
#include <cstdint>
#include <string>

#include "ren/core/Config.h"
#include "ren/models/ExpertNetwork.h"
#include "ren/train/TaskRunner.h"

namespace ren::train {

/// The recipe of a task: [baseline]'s for LUNG tasks, else the architecture section's.
const TrainRecipe& recipeFor(const Config& config, const TrainTask& task);

/// The network sizes of the config for a model grid of `grid`^3.
models::NetworkSpec networkSpec(const Config& config, std::int64_t grid);

/// Canonical text of the config keys a neural task's result depends on.
std::string neuralTaskInputs(const Config& config, const TrainTask& task);

/// Trains one neural task (see the file comment); writes predictions.csv, metrics.json, model.pt.
void trainNeuralTask(const TaskContext& ctx);

/// Thrown by the trainer when TaskContext asks it to stop after an epoch (tests of resume: the task is
/// left exactly as a killed process leaves it).
struct TaskInterrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ren::train
