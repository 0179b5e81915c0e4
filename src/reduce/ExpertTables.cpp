// Tables built from the trained tasks alone: T1 (region x architecture), T5 (radiomics vs deep
// experts per region-fold) and T8 (cost per architecture).
#include <algorithm>
#include <cmath>
#include <set>

#include "ModelFolds.h"
#include "ren/core/Regions.h"
#include "ren/reduce/AblationTables.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/stats/Descriptive.h"
#include "ren/stats/PairedTests.h"

namespace ren::reduce {

namespace {

const double kNaN = std::nan("");

ModelFolds taskFolds(const RunResults& run, const std::string& region, const std::string& arch) {
  ModelFolds m;
  m.name = region + "-" + arch;
  for (int fold : run.folds)
    if (const TaskResult* t = run.task(region, arch, fold))
      m.addFold(fold, t->predictions.testScanIds, t->predictions.testLabels, t->predictions.testProbs);
  return m;
}

const char* kTrainMissing = "stage train has not run: no RUN/tasks/<region>-<arch>-f<k>/predictions.csv yet (run `ren train`)";

void noteMissingTasks(ResultTable& t, const RunResults& run) {
  if (!run.missingTasks.empty())
    t.notes.push_back(std::to_string(run.missingTasks.size()) + " task(s) of the grid have no outputs yet (n/a cells): " +
                      listSome(run.missingTasks));
}

}  // namespace

ResultTable regionArchitectureTable(const RunResults& run, const Config& config) {
  ResultTable t{"T1", "region_architecture_auc",
                "Test AUC of every regional expert and whole-lung baseline"};
  if (run.tasks.empty()) {
    t.missing = kTrainMissing;
    return t;
  }
  t.columns = {{"region", ColumnKind::Text}, {"arch", ColumnKind::Text}};
  for (auto& c : foldColumns(run.folds)) t.columns.push_back(c);
  auto addRow = [&](const std::string& region, const std::string& arch) {
    const ModelFolds m = taskFolds(run, region, arch);
    std::vector<TableCell> row{TableCell::of(region), TableCell::of(arch)};
    for (auto& c : foldCells(m, run.folds, config.reduce.level)) row.push_back(c);
    t.rows.push_back(std::move(row));
  };
  for (const auto& arch : run.expertArchs)
    for (const auto& region : run.regions) addRow(region, arch);
  for (const auto& arch : run.baselineArchs) addRow(std::string(kWholeLung.name), arch);
  t.notes.push_back(foldStatisticsNote(config.reduce.level));
  if (!run.baselineArchs.empty()) t.notes.push_back("region LUNG: the whole-lung baselines");
  noteMissingTasks(t, run);
  return t;
}

ResultTable radiomicsWinsTable(const RunResults& run, const Config&) {
  ResultTable t{"T5", "radiomics_vs_deep_wins",
                "Radiomics (xgb) vs deep experts: region-fold wins on test AUC"};
  if (run.tasks.empty()) {
    t.missing = kTrainMissing;
    return t;
  }
  if (std::find(run.expertArchs.begin(), run.expertArchs.end(), "xgb") == run.expertArchs.end()) {
    t.missing = "train.experts has no xgb: there is no radiomics expert to compare";
    return t;
  }
  t.columns = {{"comparison", ColumnKind::Text}, {"scope", ColumnKind::Text}, {"region_folds", ColumnKind::Count},
               {"wins", ColumnKind::Count},      {"losses", ColumnKind::Count}, {"ties", ColumnKind::Count},
               {"win_rate", ColumnKind::Number},  {"p_sign", ColumnKind::PValue}, {"p_sign_holm", ColumnKind::PValue}};
  struct Row {
    std::string comparison, scope;
    int n = 0, wins = 0, losses = 0, ties = 0;
    double p = kNaN;
  };
  std::vector<Row> rows;
  std::vector<std::string> lobes, all;
  for (const auto& r : run.regions) {
    all.push_back(r);
    if (findRegion(r)->index < kLobeCount) lobes.push_back(r);
  }
  for (const auto& deep : run.expertArchs) {
    if (deep == "xgb") continue;
    for (const auto& [scope, regions] : {std::pair{std::string("lobes"), lobes}, std::pair{std::string("all regions"), all}}) {
      if (regions.empty()) continue;
      Row row{"xgb vs " + deep, scope + " (" + std::to_string(regions.size()) + ")"};
      for (const auto& region : regions)
        for (int fold : run.folds) {
          const TaskResult* x = run.task(region, "xgb", fold);
          const TaskResult* d = run.task(region, deep, fold);
          if (!x || !d) continue;
          const double ax = stats::rocAuc(x->predictions.testLabels, x->predictions.testProbs);
          const double ad = stats::rocAuc(d->predictions.testLabels, d->predictions.testProbs);
          if (!std::isfinite(ax) || !std::isfinite(ad)) continue;
          ++row.n;
          if (ax > ad) ++row.wins;
          else if (ax < ad) ++row.losses;
          else ++row.ties;
        }
      if (row.wins + row.losses > 0) row.p = stats::signTest(row.wins, row.wins + row.losses, stats::Alternative::Greater).pValue;
      rows.push_back(row);
    }
  }
  std::vector<double> ps;
  for (const auto& r : rows) ps.push_back(r.p);
  const auto holm = stats::holmAdjust(ps);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    t.rows.push_back({TableCell::of(r.comparison), TableCell::of(r.scope), TableCell::of(double(r.n)),
                      TableCell::of(double(r.wins)), TableCell::of(double(r.losses)), TableCell::of(double(r.ties)),
                      TableCell::of(r.n ? double(r.wins) / r.n : kNaN), TableCell::of(r.p), TableCell::of(holm[i])});
  }
  t.notes.push_back("a region-fold is a win when the region's xgb expert has the higher test AUC than the deep expert of "
                    "the same region and fold (the paper: 23/25 vs Mamba, 24/25 vs ViT, 17/25 vs CNN over 5 lobes x 5 folds)");
  t.notes.push_back("p_sign: exact sign test (binomial, ties dropped), one-sided (xgb wins more often); p_sign_holm: Holm "
                    "over the table's rows");
  noteMissingTasks(t, run);
  return t;
}

ResultTable costTable(const RunResults& run, const Config&) {
  ResultTable t{"T8", "cost_per_architecture",
                "Cost per architecture: parameters, FLOPs, training time, memory, throughput"};
  if (run.tasks.empty()) {
    t.missing = kTrainMissing;
    return t;
  }
  t.columns = {{"kind", ColumnKind::Text},           {"arch", ColumnKind::Text},
               {"tasks", ColumnKind::Count},         {"parameters", ColumnKind::Count},
               {"gflop_per_volume", ColumnKind::Number, 3}, {"train_s_per_task", ColumnKind::Number, 1},
               {"epochs_per_task", ColumnKind::Number, 1},  {"s_per_epoch", ColumnKind::Number, 2},
               {"train_volumes_per_s", ColumnKind::Number, 1}, {"peak_memory_mib", ColumnKind::Number, 0},
               {"device", ColumnKind::Text}};
  auto num = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : kNaN;
  };
  for (const std::string kind : {"expert", "baseline"}) {
    const auto& archs = kind == "expert" ? run.expertArchs : run.baselineArchs;
    for (const auto& arch : archs) {
      int tasks = 0;
      double params = kNaN, flops = kNaN, time = 0, epochs = 0, volumes = 0, peak = kNaN;
      std::vector<double> perEpoch;
      std::set<std::string> devices;
      for (const auto& [name, r] : run.tasks) {
        if (r.task.arch != arch || r.task.isBaseline() != (kind == "baseline")) continue;
        const auto& m = r.metrics;
        ++tasks;
        if (std::isfinite(num(m, "parameters"))) params = num(m, "parameters");
        if (std::isfinite(num(m, "flops_per_volume"))) flops = num(m, "flops_per_volume");
        const double tt = num(m, "train_time_s"), ep = num(m, "epochs_run");
        if (std::isfinite(tt)) time += tt;
        if (std::isfinite(ep)) epochs += ep;
        if (std::isfinite(num(m, "time_per_epoch_s"))) perEpoch.push_back(num(m, "time_per_epoch_s"));
        const double trainScans = m.contains("scans") ? num(m["scans"], "train") : kNaN;
        if (std::isfinite(trainScans) && std::isfinite(ep)) volumes += trainScans * ep;
        const double pk = num(m, "peak_memory_bytes");
        if (std::isfinite(pk)) peak = std::isfinite(peak) ? std::max(peak, pk) : pk;
        if (m.contains("device") && m["device"].is_string()) devices.insert(m["device"].get<std::string>());
      }
      if (tasks == 0) continue;
      std::string device;
      for (const auto& d : devices) device += (device.empty() ? "" : ",") + d;
      const auto epochSummary = stats::meanSd(perEpoch);
      t.rows.push_back({TableCell::of(kind), TableCell::of(arch), TableCell::of(double(tasks)), TableCell::of(params),
                        TableCell::of(flops / 1e9), TableCell::of(time / tasks), TableCell::of(epochs / tasks),
                        TableCell::of(epochSummary.n ? epochSummary.mean : kNaN),
                        TableCell::of(time > 0 && volumes > 0 ? volumes / time : kNaN), TableCell::of(peak / (1024.0 * 1024.0)),
                        TableCell::of(device.empty() ? std::string("cpu") : device)});
    }
  }
  t.notes.push_back("from each task's metrics.json: parameters and analytic FLOPs of one forward pass per volume; "
                    "train_s_per_task and epochs_per_task are means over the architecture's tasks; train_volumes_per_s = "
                    "training scans x epochs / training time (includes validation passes)");
  t.notes.push_back("peak_memory_mib: the largest peak over the tasks; on CPU the process's max RSS (tasks share a process), "
                    "on CUDA the device's peak allocation");
  t.notes.push_back("xgb: trees on 107 features, no parameter or FLOP count; benchmark throughput: docs/PERFORMANCE.md");
  noteMissingTasks(t, run);
  return t;
}

}  // namespace ren::reduce
