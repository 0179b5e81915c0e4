#include "ren/reduce/RunResults.h"

#include <filesystem>

#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/core/RunLayout.h"
#include "ren/core/Stage.h"
#include "ren/gating/GateStage.h"
#include "ren/train/TaskData.h"

namespace fs = std::filesystem;

namespace ren::reduce {

std::string gatingKey(const std::string& set, const std::string& arch, int fold) {
  return set + "/" + arch + "-f" + std::to_string(fold);
}

const TaskResult* RunResults::task(const std::string& region, const std::string& arch, int fold) const {
  const auto it = tasks.find(train::TrainTask{region, arch, fold}.name());
  return it == tasks.end() ? nullptr : &it->second;
}

const GatingResult* RunResults::gatingResult(const std::string& set, const std::string& arch, int fold) const {
  const auto it = gating.find(gatingKey(set, arch, fold));
  return it == gating.end() ? nullptr : &it->second;
}

namespace {

nlohmann::json readJson(const fs::path& path) {
  try {
    return nlohmann::json::parse(readFile(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string() + " is not valid JSON (" + e.what() + "): rerun the stage that wrote it");
  }
}

}  // namespace

RunResults loadRunResults(const Config& config) {
  RunResults run;
  run.info.runId = runId(config);
  run.info.configHash = configHash(config);
  const fs::path manifest = layout::runDir(config) / "manifest.json";
  if (fs::exists(manifest)) {
    const auto m = readJson(manifest);
    if (m.contains("run_id") && m["run_id"].is_string()) run.info.runId = m["run_id"].get<std::string>();
    if (m.contains("config_hash") && m["config_hash"].is_string()) run.info.configHash = m["config_hash"].get<std::string>();
  }
  run.expertArchs = configList(config.train.experts);
  run.baselineArchs = configList(config.baseline.architectures);
  for (const auto& r : train::gridRegions(config)) run.regions.emplace_back(r.name);
  // What the config asks for is known even before any stage ran (the tables' messages depend on it).
  run.gatedArchs = gating::gatedArchitectures(config);
  run.regionSets = configList(config.gating.regionSets);
  run.splitPresent = fs::exists(layout::splitCsv(config));
  if (!run.splitPresent) return run;
  const int foldCount = train::splitFoldCount(config);
  run.folds = train::gridFolds(config, foldCount);

  for (const auto& task : train::gridTasks(config, foldCount)) {
    const fs::path dir = train::taskDir(config, task);
    if (!fs::exists(dir / "predictions.csv") || !fs::exists(dir / "metrics.json")) {
      run.missingTasks.push_back(task.name());
      continue;
    }
    TaskResult r;
    r.task = task;
    for (const auto& p : train::readPredictions(dir / "predictions.csv"))
      if (p.role == "test") {
        r.predictions.testScanIds.push_back(p.scan.scanId);
        r.predictions.testLabels.push_back(p.scan.label);
        r.predictions.testProbs.push_back(p.prob);
      }
    r.metrics = readJson(dir / "metrics.json");
    run.tasks.emplace(task.name(), std::move(r));
  }

  const std::string primary = gating::primaryRegionSet(config);
  for (const auto& set : run.regionSets)
    for (const auto& arch : run.gatedArchs) {
      if (arch == "all" && set != primary) continue;
      for (int fold : run.folds) {
        const fs::path json = gating::gatingJsonPath(config, set, arch, fold);
        const fs::path csv = gating::gatingPredictionsPath(config, set, arch, fold);
        if (!fs::exists(json) || !fs::exists(csv)) {
          run.missingGating.push_back(gatingKey(set, arch, fold));
          continue;
        }
        GatingResult g;
        g.record = readJson(json);
        g.predictions = gating::readGatingPredictions(csv);
        run.gating.emplace(gatingKey(set, arch, fold), std::move(g));
      }
    }
  return run;
}

}  // namespace ren::reduce
