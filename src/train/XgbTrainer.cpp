#include "ren/train/XgbTrainer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <map>

#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/core/RunLayout.h"
#include "ren/radiomics/FeatureTable.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/tabular/XgbModel.h"
#include "ren/train/TaskData.h"
#include "ren/train/TaskOutputs.h"

namespace ren::train {

std::string xgbTaskInputs(const Config& config, const TrainTask&) { return sectionsHash(config, {"xgb"}); }

namespace {

/// The region's feature rows, by scan id.
std::map<std::string, std::vector<double>> regionFeatures(const radiomics::FeatureTable& table, const std::string& region) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& row : table.rows)
    if (row.region == region) out[row.scanId] = row.values;
  return out;
}

tabular::TabularData tableOf(const std::vector<LabelledScan>& scans, const std::map<std::string, std::vector<double>>& features,
                             std::size_t cols, const std::string& region, const std::string& source) {
  tabular::TabularData d;
  d.rows = static_cast<std::int64_t>(scans.size());
  d.cols = static_cast<std::int64_t>(cols);
  for (const auto& s : scans) {
    const auto it = features.find(s.scanId);
    if (it == features.end())
      throw InputError(source + " has no " + region + " row for scan '" + s.scanId + "': rerun `ren radiomics`");
    for (double v : it->second) {
      // NaN (an empty or too small region) is XGBoost's "missing"; infinities are clamped as the reference does.
      if (std::isinf(v)) v = v > 0 ? 1e10 : -1e10;
      d.values.push_back(static_cast<float>(v));
    }
    d.labels.push_back(s.label);
  }
  return d;
}

/// Seeded stratified split of `scans` into (first, second) with `fraction` of each class in first.
std::pair<std::vector<LabelledScan>, std::vector<LabelledScan>> stratifiedSplit(const std::vector<LabelledScan>& scans,
                                                                                double fraction, std::uint64_t seed) {
  std::pair<std::vector<LabelledScan>, std::vector<LabelledScan>> out;
  Rng rng(seed);
  for (int label : {0, 1}) {
    std::vector<LabelledScan> cls;
    for (const auto& s : scans)
      if (s.label == label) cls.push_back(s);
    rng.shuffle(cls);
    const auto cut = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(cls.size())));
    out.first.insert(out.first.end(), cls.begin(), cls.begin() + static_cast<std::ptrdiff_t>(cut));
    out.second.insert(out.second.end(), cls.begin() + static_cast<std::ptrdiff_t>(cut), cls.end());
  }
  return out;
}

}  // namespace

void trainXgbTask(const TaskContext& ctx) {
  const Config& config = ctx.config;
  const TrainTask& task = ctx.task;
  const auto& log = ctx.log;
  const auto started = std::chrono::steady_clock::now();
  const TaskData data = loadTaskData(config, task);
  for (const auto& w : data.warnings) log->warn("{}", w);
  const auto csv = layout::radiomicsCsv(config);
  if (!std::filesystem::exists(csv))
    throw InputError(csv.string() + " does not exist: the xgb expert needs `ren radiomics --config ...` first");
  const radiomics::FeatureTable table = radiomics::readFeatureCsv(csv);
  const auto features = regionFeatures(table, task.region);
  const std::size_t cols = table.featureNames.size();

  tabular::XgbParams params;
  params.trees = config.xgb.trees;
  params.maxDepth = config.xgb.maxDepth;
  params.eta = config.xgb.eta;
  params.earlyStoppingRounds = config.xgb.earlyStoppingRounds;
  params.seed = ctx.seed;
  params.threads = ctx.threads;

  tabular::XgbModel model;
  nlohmann::json extra = nlohmann::json::object();
  if (config.xgb.trainOn == "paper") {
    // The reference protocol: 70 % of the validation half trains, 30 % scores; no early stopping.
    auto [fit, holdout] = stratifiedSplit(data.val, 0.7, deriveSeed(ctx.seed, "paper-holdout"));
    for (int label : {0, 1}) {
      bool present = false;
      for (const auto& s : fit) present = present || s.label == label;
      if (!present)
        throw InputError("fold " + std::to_string(task.fold) + ": xgb.train_on = paper needs both classes in 70 % of the "
                         "validation scans; use xgb.train_on = train");
    }
    params.earlyStoppingRounds = 0;
    model.train(tableOf(fit, features, cols, task.region, csv.string()), tabular::TabularData{}, params);
    const auto holdoutData = tableOf(holdout, features, cols, task.region, csv.string());
    const auto p = model.predict(holdoutData);
    extra["paper_holdout_auc"] = stats::rocAuc(holdoutData.labels, p);
    extra["paper_fit_scans"] = fit.size();
  } else {
    model.train(tableOf(data.train, features, cols, task.region, csv.string()),
                tableOf(data.val, features, cols, task.region, csv.string()), params);
  }
  std::vector<Prediction> predictions;
  for (const auto& [role, scans] : {std::pair<const char*, const std::vector<LabelledScan>*>{"val", &data.val},
                                    {"test", &data.test}}) {
    if (scans->empty()) continue;
    const auto probs = model.predict(tableOf(*scans, features, cols, task.region, csv.string()));
    for (std::size_t i = 0; i < scans->size(); ++i) predictions.push_back({(*scans)[i], role, probs[i]});
  }
  model.saveJson(ctx.dir / "model.json");
  writePredictions(ctx.dir / "predictions.csv", predictions);
  nlohmann::json metrics = predictionMetrics(predictions);
  metrics.update(extra);
  metrics["task"] = task.name();
  metrics["region"] = task.region;
  metrics["arch"] = task.arch;
  metrics["fold"] = task.fold;
  metrics["kind"] = "expert";
  metrics["seed"] = ctx.seed;
  metrics["train_on"] = config.xgb.trainOn;
  metrics["best_iteration"] = model.bestIteration();
  metrics["best_epoch"] = model.bestIteration() + 1;
  metrics["epochs_run"] = model.trainCurve().size();
  metrics["features"] = cols;
  metrics["train_time_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics["threads"] = ctx.threads;
  metrics["scans"] = {{"train", data.train.size()}, {"val", data.val.size()}, {"test", data.test.size()}};
  metrics["curves"] = {{"train_logloss", model.trainCurve()}, {"val_logloss", model.validationCurve()}};
  writeJsonAtomic(ctx.dir / "metrics.json", metrics);
  log->info("{}: {} rounds (best {}), val AUC {}, test AUC {}", task.name(), model.trainCurve().size(),
            model.bestIteration() + 1, metrics["val"]["auc"].dump(), metrics["test"]["auc"].dump());
}

}  // namespace ren::train
