#include "ren/train/TrainTask.h"

#include <algorithm>

#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"

namespace ren::train {

std::string TrainTask::name() const { return region + "-" + arch + "-f" + std::to_string(fold); }

Region TrainTask::regionInfo() const {
  const auto r = findTaskRegion(region);
  if (!r) throw UsageError("unknown region '" + region + "'; allowed: LUL, LLL, RUL, RML, RLL, LEFT, RIGHT, LUNG");
  return *r;
}

TrainTask parseTaskName(const std::string& name) {
  const auto first = name.find('-');
  const auto last = name.rfind("-f");
  if (first == std::string::npos || last == std::string::npos || last <= first)
    throw UsageError("task name '" + name + "' is not <region>-<arch>-f<fold>");
  TrainTask t;
  t.region = name.substr(0, first);
  t.arch = name.substr(first + 1, last - first - 1);
  const std::string fold = name.substr(last + 2);
  if (fold.empty() || fold.size() > 6 || t.region.empty() || t.arch.empty() ||
      !std::all_of(fold.begin(), fold.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    throw UsageError("task name '" + name + "' is not <region>-<arch>-f<fold>");
  t.fold = std::stoi(fold);
  return t;
}

void validateTask(const TrainTask& task, int foldCount) {
  task.regionInfo();
  const std::vector<std::string> experts{"cnn", "vit", "mamba", "xgb"};
  const std::vector<std::string> baselines{"swinunetr", "cnn", "vit", "mamba"};
  const auto& allowed = task.isBaseline() ? baselines : experts;
  if (std::find(allowed.begin(), allowed.end(), task.arch) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw UsageError("architecture '" + task.arch + "' is not available for region " + task.region + "; allowed: " + list +
                     (task.isBaseline() ? " (whole-lung baselines)" : " (regional experts; swinunetr is a LUNG baseline)"));
  }
  if (task.fold < 0 || task.fold >= foldCount)
    throw UsageError("fold " + std::to_string(task.fold) + " does not exist: the split has folds 0.." +
                     std::to_string(foldCount - 1));
}

std::vector<Region> gridRegions(const Config& config) {
  const auto names = configList(config.train.regions);
  if (names.size() == 1 && (names[0] == "all7" || names[0] == "lobes" || names[0] == "lungs")) return regionSet(names[0]);
  std::vector<Region> out;
  for (const Region& r : kRegions)
    if (std::find(names.begin(), names.end(), std::string(r.name)) != names.end()) out.push_back(r);
  return out;
}

std::vector<int> gridFolds(const Config& config, int foldCount) {
  std::vector<int> out;
  if (configList(config.train.folds).empty()) {
    for (int k = 0; k < foldCount; ++k) out.push_back(k);
    return out;
  }
  for (auto k : configIntList(config.train.folds, "train.folds", 0, foldCount - 1)) out.push_back(static_cast<int>(k));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<TrainTask> gridTasks(const Config& config, int foldCount) {
  std::vector<TrainTask> tasks;
  const auto regions = gridRegions(config);
  const auto experts = configList(config.train.experts);
  const auto baselines = configList(config.baseline.architectures);
  for (int fold : gridFolds(config, foldCount)) {
    for (const auto& arch : experts)
      for (const Region& r : regions) tasks.push_back({std::string(r.name), arch, fold});
    for (const auto& arch : baselines) tasks.push_back({std::string(kWholeLung.name), arch, fold});
  }
  return tasks;
}

std::filesystem::path taskDir(const Config& config, const TrainTask& task) {
  return std::filesystem::path(config.run.dir) / "tasks" / task.name();
}

std::uint64_t taskSeed(const Config& config, const TrainTask& task) {
  std::uint64_t s = deriveSeed(static_cast<std::uint64_t>(config.run.seed), "train-task");
  s = deriveSeed(s, task.region);
  s = deriveSeed(s, task.arch);
  return deriveSeed(s, {static_cast<std::uint64_t>(task.fold)});
}

}  // namespace ren::train
