#include "ren/train/TaskRunner.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/core/Parallel.h"
#include "ren/core/RunManifest.h"
#include "ren/core/Sha256.h"
#include "ren/core/Stage.h"
#include "ren/core/RunLayout.h"
#include "ren/train/ComputeDevice.h"
#include "ren/train/NeuralTrainer.h"
#include "ren/train/ScanCache.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/XgbTrainer.h"

namespace ren::train {

namespace fs = std::filesystem;

TaskTrainerRegistry& TaskTrainerRegistry::instance() {
  static TaskTrainerRegistry registry;
  return registry;
}

TaskTrainerRegistry::TaskTrainerRegistry() {
  add({"neural", {"cnn", "vit", "mamba", "swinunetr"}, "model.pt", neuralTaskInputs, trainNeuralTask});
  add({"xgb", {"xgb"}, "model.json", xgbTaskInputs, trainXgbTask});
}

void TaskTrainerRegistry::add(TaskTrainer trainer) {
  for (const auto& arch : trainer.architectures)
    for (const auto& t : trainers_)
      for (const auto& a : t.architectures)
        if (a == arch) throw UsageError("architecture '" + arch + "' has two trainers");
  trainers_.push_back(std::move(trainer));
}

const TaskTrainer& TaskTrainerRegistry::forArchitecture(const std::string& arch) const {
  for (const auto& t : trainers_)
    for (const auto& a : t.architectures)
      if (a == arch) return t;
  std::string list;
  for (const auto& a : architectures()) list += (list.empty() ? "" : ", ") + a;
  throw UsageError("no trainer for architecture '" + arch + "'; allowed: " + list);
}

std::vector<std::string> TaskTrainerRegistry::architectures() const {
  std::vector<std::string> out;
  for (const auto& t : trainers_) out.insert(out.end(), t.architectures.begin(), t.architectures.end());
  return out;
}

std::string taskFingerprint(const Config& config, const TrainTask& task) {
  const TaskTrainer& trainer = TaskTrainerRegistry::instance().forArchitecture(task.arch);
  std::string text = "task=" + task.name() + "|seed=" + std::to_string(config.run.seed) + "|" + trainer.inputs(config, task) +
                     "|split=" + stageFingerprint(config, "split");
  text += trainer.name == "xgb" ? "|radiomics=" + stageFingerprint(config, "radiomics")
                                : "|preprocess=" + stageFingerprint(config, "preprocess");
  return sha256Hex(text).substr(0, 16);
}

std::unique_ptr<ScanCache> openScanCache(const Config& config, int threads) {
  const fs::path dir = layout::dataDir(config);
  if (!fs::exists(dir / "index.json"))
    throw InputError((dir / "index.json").string() + " does not exist: run `ren preprocess --config ...` first");
  const auto budget = static_cast<std::int64_t>(config.train.cacheGb * 1024.0 * 1024.0 * 1024.0);
  return std::make_unique<ScanCache>(dir, budget, std::max(1, threads), config.train.prefetch);
}

std::vector<fs::path> taskOutputs(const Config& config, const TrainTask& task) {
  const fs::path dir = taskDir(config, task);
  return {dir / "predictions.csv", dir / "metrics.json",
          dir / TaskTrainerRegistry::instance().forArchitecture(task.arch).modelFile};
}

nlohmann::json readTaskStatus(const Config& config, const TrainTask& task) {
  const fs::path path = taskDir(config, task) / "status.json";
  if (!fs::exists(path)) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(readFile(path));
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();  // a corrupt status counts as not done: the task reruns
  }
}

bool taskIsDone(const Config& config, const TrainTask& task) {
  const auto status = readTaskStatus(config, task);
  if (status.value("state", "") != "done" || status.value("fingerprint", "") != taskFingerprint(config, task)) return false;
  for (const auto& f : taskOutputs(config, task))
    if (!fs::exists(f)) return false;
  return true;
}

namespace {

std::shared_ptr<spdlog::logger> taskLogger(const TrainTask& task, const fs::path& logFile) {
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(logFile.string(), /*truncate=*/false);
  file->set_level(spdlog::level::info);
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(spdlog::default_logger()->level() > spdlog::level::info ? spdlog::default_logger()->level()
                                                                              : spdlog::level::info);
  auto log = std::make_shared<spdlog::logger>("task " + task.name(), spdlog::sinks_init_list{file, console});
  log->set_level(spdlog::level::info);
  log->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  log->flush_on(spdlog::level::info);
  return log;
}

void writeStatus(const fs::path& dir, const nlohmann::json& status) { writeJsonAtomic(dir / "status.json", status); }

}  // namespace

TaskOutcome runTrainTask(const Config& config, const TrainTask& task, const TaskRunOptions& options) {
  const TaskTrainer& trainer = TaskTrainerRegistry::instance().forArchitecture(task.arch);
  const fs::path dir = taskDir(config, task);
  const std::string fingerprint = taskFingerprint(config, task);
  if (!options.force && taskIsDone(config, task)) {
    spdlog::info("task {}: done with the same inputs, skipping", task.name());
    return TaskOutcome::Skipped;
  }
  fs::create_directories(dir);
  // A previous attempt's outputs are not complete for these inputs: remove them so nothing stale
  // looks complete while the task runs (a checkpoint is kept: the trainer resumes or discards it).
  for (const auto& f : taskOutputs(config, task)) fs::remove(f);

  nlohmann::json status = readTaskStatus(config, task);
  const int attempts = status.value("attempts", 0) + 1;
  status = {{"task", task.name()},       {"state", "running"},   {"attempts", attempts},
            {"host", hostName()},        {"rank", options.rank}, {"pid", static_cast<long>(::getpid())},
            {"started", utcNow()},       {"fingerprint", fingerprint}};
  writeStatus(dir, status);

  TaskContext ctx{config, task, dir, 1, 0, {}, nullptr, nullptr, {}, 0};
  ctx.threads = resolveThreadCount(config.train.threads > 0 ? config.train.threads : config.run.threads);
  ctx.seed = taskSeed(config, task);
  ctx.fingerprint = fingerprint;
  ctx.log = taskLogger(task, dir / "log.txt");
  ctx.cache = options.cache;
  std::unique_ptr<ScanCache> ownCache;
  ctx.onEpoch = options.onEpoch;
  ctx.interruptAfterEpochs = options.interruptAfterEpochs;
  torch::set_num_threads(ctx.threads);
  keepFreedHostMemory();

  const auto started = std::chrono::steady_clock::now();
  ctx.log->info("task {} attempt {} on {} (rank {}, {} threads, seed {})", task.name(), attempts, hostName(), options.rank,
                ctx.threads, ctx.seed);
  try {
    if (!ctx.cache && trainer.name == "neural") {
      ownCache = openScanCache(config, ctx.threads);
      ctx.cache = ownCache.get();
    }
    trainer.run(ctx);
  } catch (const TaskInterrupted&) {
    throw;  // left as a killed process leaves it: state running, checkpoint on disk
  } catch (const std::exception& e) {
    status["state"] = "failed";
    status["error"] = e.what();
    status["finished"] = utcNow();
    ctx.log->error("task {} failed: {}", task.name(), e.what());
    writeStatus(dir, status);
    throw;
  }
  status["state"] = "done";
  status["finished"] = utcNow();
  status["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  writeStatus(dir, status);
  ctx.log->flush();
  return TaskOutcome::Trained;
}

}  // namespace ren::train
