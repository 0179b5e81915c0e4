#include "ren/train/TrainGrid.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Parallel.h"
#include "ren/core/RunLayout.h"
#include "ren/models/ExpertNetwork.h"
#include "ren/train/NeuralTrainer.h"
#include "ren/train/ScanCache.h"
#include "ren/train/TaskData.h"
#include "ren/train/TaskRunner.h"

namespace ren::train {

namespace fs = std::filesystem;

void validateGridNetworks(const Config& config, std::int64_t grid) {
  const models::NetworkSpec spec = networkSpec(config, grid);
  std::vector<std::string> archs = configList(config.baseline.architectures);
  for (const auto& a : configList(config.train.experts))
    if (a != "xgb") archs.push_back(a);
  for (const auto& a : archs) {
    try {
      models::NetworkRegistry::instance().get(a).validate(spec);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + " (the preprocessed model grid is " + std::to_string(grid) +
                        "^3: preprocess.grid)");
    }
  }
}

namespace {

std::string formatDuration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[64];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

/// ETA from the mean time of the tasks trained so far, per architecture (overall mean for the others).
class EtaEstimate {
 public:
  void record(const std::string& arch, double seconds) {
    auto& [sum, n] = perArch_[arch];
    sum += seconds;
    ++n;
    total_ += seconds;
    ++count_;
  }
  double remaining(const std::vector<TrainTask>& pending) const {
    double eta = 0;
    for (const auto& t : pending) {
      auto it = perArch_.find(t.arch);
      eta += it != perArch_.end() ? it->second.first / it->second.second : (count_ ? total_ / count_ : 0.0);
    }
    return eta;
  }
  bool known() const { return count_ > 0; }

 private:
  std::map<std::string, std::pair<double, int>> perArch_;
  double total_ = 0;
  int count_ = 0;
};

}  // namespace

GridSummary runTrainGrid(const Config& config, int rank) {
  const int foldCount = splitFoldCount(config);
  const auto tasks = gridTasks(config, foldCount);
  GridSummary summary;
  summary.total = static_cast<int>(tasks.size());
  const int threads = resolveThreadCount(config.train.threads > 0 ? config.train.threads : config.run.threads);
  std::unique_ptr<ScanCache> cache;
  bool neural = false;
  for (const auto& t : tasks) neural = neural || t.arch != "xgb";
  if (neural) {
    cache = openScanCache(config, threads);
    validateGridNetworks(config, cache->grid());
  }
  EtaEstimate eta;
  std::vector<TrainTask> pending(tasks.begin(), tasks.end());
  int finished = 0;
  for (const auto& task : tasks) {
    pending.erase(pending.begin());
    const auto started = std::chrono::steady_clock::now();
    TaskRunOptions options;
    options.rank = rank;
    options.cache = cache.get();
    try {
      const auto outcome = runTrainTask(config, task, options);
      if (outcome == TaskOutcome::Skipped) {
        ++summary.skipped;
      } else {
        ++summary.trained;
        eta.record(task.arch, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
    } catch (const UsageError&) {
      throw;  // a bad config fails every task alike: stop at once
    } catch (const std::exception& e) {
      summary.failed.push_back(task.name() + ": " + e.what());
      spdlog::error("task {} failed: {}", task.name(), e.what());
    }
    ++finished;
    std::printf("[train] %d/%d tasks (%d trained, %d skipped, %zu failed) | last %s | ETA %s\n", finished,
                summary.total, summary.trained, summary.skipped, summary.failed.size(), task.name().c_str(),
                pending.empty() ? "0s" : eta.known() ? formatDuration(eta.remaining(pending)).c_str() : "unknown");
    std::fflush(stdout);
  }
  if (!summary.failed.empty()) {
    std::string list;
    for (const auto& f : summary.failed) list += "\n  " + f;
    throw StageFailure(std::to_string(summary.failed.size()) + " of " + std::to_string(summary.total) +
                       " training tasks failed (logs in " + layout::tasksDir(config).string() + "/<task>/log.txt):" + list);
  }
  return summary;
}

void registerTrainStage(StageRegistry& registry) {
  StageDefinition stage{
      "train",
      "the grid of regional experts and whole-lung baselines -> RUN/tasks/<region>-<arch>-f<k>/",
      [](const Config& c) {
        return "seed=" + std::to_string(c.run.seed) + "|" +
               sectionsHash(c, {"train", "cnn", "vit", "mamba", "swinunetr", "baseline", "xgb"});
      },
      {"split", "preprocess", "radiomics"},
      nullptr,
      [](const Config& c) {
        std::vector<fs::path> out;
        int folds = c.split.folds * (c.split.rotateValTest ? 2 : 1);
        try {
          folds = splitFoldCount(c);
        } catch (const std::exception&) {
        }
        for (const auto& t : gridTasks(c, folds)) {
          const auto files = taskOutputs(c, t);
          out.insert(out.end(), files.begin(), files.end());
        }
        return out;
      },
      [](const StageContext& ctx) { runTrainGrid(ctx.config, ctx.group.rank()); },
  };
  registry.add(std::move(stage));
}

}  // namespace ren::train
