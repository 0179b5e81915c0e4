#pragma once
// Runs one task of the grid: what `ren train-task`, the grid loop of `ren train`, an MPI worker or a
// Slurm array element call. Handles the task's status.json (pending|running|done|failed, attempts,
// host, rank, times), its fingerprint (a task done with the same inputs is skipped), log.txt, and
// dispatches to the trainer registered for the architecture.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/core/Config.h"
#include "ren/train/TrainTask.h"

namespace spdlog {
class logger;
}

namespace ren::train {

class ScanCache;
struct TaskData;

/// What a trainer receives.
struct TaskContext {
  const Config& config;
  TrainTask task;
  std::filesystem::path dir;             ///< RUN/tasks/<name>/ (exists)
  int threads = 1;                       ///< intra-op threads
  std::uint64_t seed = 0;                ///< taskSeed()
  std::string fingerprint;               ///< taskFingerprint(): a checkpoint with another one is discarded
  std::shared_ptr<spdlog::logger> log;   ///< writes to log.txt (and the console at warn+)
  ScanCache* cache = nullptr;            ///< shared scan cache (neural tasks); may be null
  /// Called after every epoch with (epoch, epochs) so a grid can print progress; may be empty.
  std::function<void(int, int)> onEpoch;
  /// Testing: stop (TaskInterrupted) right after the checkpoint of this many epochs; 0 = never.
  int interruptAfterEpochs = 0;
};

/// A trainer: writes predictions.csv, metrics.json and the model file into ctx.dir (atomically),
/// and may keep checkpoint files there to resume after an interruption.
struct TaskTrainer {
  std::string name;                                  ///< "neural" or "xgb"
  std::vector<std::string> architectures;            ///< the architectures it trains
  std::string modelFile;                             ///< model.pt or model.json
  /// Canonical text of the config keys its result depends on (beyond the upstream data).
  std::function<std::string(const Config&, const TrainTask&)> inputs;
  std::function<void(const TaskContext&)> run;
};

/// Trainers by architecture (neural: cnn, vit, mamba, swinunetr; xgb: xgb).
class TaskTrainerRegistry {
 public:
  static TaskTrainerRegistry& instance();
  void add(TaskTrainer trainer);
  /// Throws UsageError listing the architectures when none trains `arch`.
  const TaskTrainer& forArchitecture(const std::string& arch) const;
  std::vector<std::string> architectures() const;

 private:
  TaskTrainerRegistry();
  std::vector<TaskTrainer> trainers_;
};

struct TaskRunOptions {
  bool force = false;                    ///< retrain even when done with the same fingerprint
  int rank = 0;                          ///< recorded in status.json
  ScanCache* cache = nullptr;            ///< shared across the tasks of a process (optional)
  std::function<void(int, int)> onEpoch; ///< progress callback (optional)
  int interruptAfterEpochs = 0;          ///< testing: simulate a kill after this many epochs (0 = never)
};

enum class TaskOutcome { Trained, Skipped };

/// Fingerprint of a task: its trainer's inputs, the seed and the fingerprints of the upstream
/// stages it reads (split, preprocess; radiomics for xgb).
std::string taskFingerprint(const Config& config, const TrainTask& task);

/// status.json of a task ({} when absent).
nlohmann::json readTaskStatus(const Config& config, const TrainTask& task);

/// True when the task is done with the current fingerprint and its outputs exist.
bool taskIsDone(const Config& config, const TrainTask& task);

/// Runs one task (see the file comment). Rethrows the trainer's error after marking the task failed.
TaskOutcome runTrainTask(const Config& config, const TrainTask& task, const TaskRunOptions& options = {});

/// The scan cache over RUN/data for this config (InputError when stage 1 has not run).
std::unique_ptr<ScanCache> openScanCache(const Config& config, int threads);

/// The outputs proving a task complete: predictions.csv, metrics.json, the model file.
std::vector<std::filesystem::path> taskOutputs(const Config& config, const TrainTask& task);

}  // namespace ren::train
