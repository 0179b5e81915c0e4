// Tables built from the gate stage's records: T2 (the strategies x architecture), T3 (REN vs the
// whole-lung baselines) and T4 (region-set ablation).
#include <algorithm>
#include <cmath>
#include <map>

#include "ModelFolds.h"
#include "ren/core/Random.h"
#include "ren/core/Regions.h"
#include "ren/gating/GatingRecord.h"
#include "ren/reduce/AblationTables.h"
#include "ren/stats/Descriptive.h"

namespace ren::reduce {

namespace {

const double kNaN = std::nan("");

/// The test predictions of one column ("selected" or a strategy) of the gating records of (set, arch).
ModelFolds gatingFolds(const RunResults& run, const std::string& set, const std::string& arch, const std::string& column) {
  ModelFolds m;
  m.name = "REN-" + arch;
  for (int fold : run.folds) {
    const GatingResult* g = run.gatingResult(set, arch, fold);
    if (!g) continue;
    const auto it = g->predictions.probs.find(column);
    if (it == g->predictions.probs.end()) continue;
    std::vector<std::string> ids;
    std::vector<int> labels;
    std::vector<double> probs;
    for (std::size_t i = 0; i < g->predictions.roles.size(); ++i)
      if (g->predictions.roles[i] == "test") {
        ids.push_back(g->predictions.scanIds[i]);
        labels.push_back(g->predictions.labels[i]);
        probs.push_back(it->second[i]);
      }
    m.addFold(fold, ids, labels, probs);
  }
  return m;
}

ModelFolds baselineFolds(const RunResults& run, const std::string& arch) {
  ModelFolds m;
  m.name = "baseline-" + arch;
  for (int fold : run.folds)
    if (const TaskResult* t = run.task(std::string(kWholeLung.name), arch, fold))
      m.addFold(fold, t->predictions.testScanIds, t->predictions.testLabels, t->predictions.testProbs);
  return m;
}

std::string gateMissing(const RunResults& run) {
  if (run.tasks.empty()) return "stages train and gate have not run (run `ren train`, then `ren gate`)";
  return "stage gate has not run: no RUN/gating/<arch>-f<k>.json yet (run `ren gate`)";
}

bool anyGating(const RunResults& run, const std::string& set) {
  for (const auto& arch : run.gatedArchs)
    for (int fold : run.folds)
      if (run.gatingResult(set, arch, fold)) return true;
  return false;
}

void noteMissingGating(ResultTable& t, const RunResults& run) {
  if (!run.missingGating.empty())
    t.notes.push_back(std::to_string(run.missingGating.size()) + " gating record(s) are missing (n/a cells): " +
                      listSome(run.missingGating));
}

std::string primarySet(const RunResults& run) { return run.regionSets.empty() ? "all7" : run.regionSets.front(); }

}  // namespace

ResultTable strategyTable(const RunResults& run, const Config& config) {
  ResultTable t{"T2", "gating_strategies",
                "The gating strategies per architecture: validation score, test AUC, validation-selected winner"};
  const std::string set = primarySet(run);
  if (!anyGating(run, set)) {
    t.missing = gateMissing(run);
    return t;
  }
  t.columns = {{"arch", ColumnKind::Text},    {"strategy", ColumnKind::Text},       {"group", ColumnKind::Text},
               {"scoring", ColumnKind::Text}, {"selected_in", ColumnKind::Text}, {"val_score_mean", ColumnKind::Number}};
  for (auto& c : foldColumns(run.folds)) t.columns.push_back(c);
  for (const auto& arch : run.gatedArchs) {
    // Strategy order, groups and per-fold selections from the records.
    std::vector<std::string> order;
    std::map<std::string, nlohmann::json> info;
    std::map<std::string, std::vector<double>> valScores;
    std::map<std::string, std::vector<int>> selectedIn;
    std::string choices;
    for (int fold : run.folds) {
      const GatingResult* g = run.gatingResult(set, arch, fold);
      if (!g) continue;
      for (const auto& s : g->record["strategies"]) {
        const std::string name = s["name"].get<std::string>();
        if (!info.count(name)) {
          order.push_back(name);
          info[name] = s;
        }
        valScores[name].push_back(s["val_score"].is_number() ? s["val_score"].get<double>() : kNaN);
      }
      const std::string sel = g->record["selected"]["name"].get<std::string>();
      selectedIn[sel].push_back(fold);
      choices += (choices.empty() ? "" : ", ") + std::string("f") + std::to_string(fold) + " " + sel;
    }
    if (order.empty()) continue;
    std::string winner;
    std::size_t most = 0;
    for (const auto& name : order)
      if (selectedIn[name].size() > most) {
        most = selectedIn[name].size();
        winner = name;
      }
    for (const auto& name : order) {
      std::string folds;
      for (int f : selectedIn[name]) folds += (folds.empty() ? "f" : " f") + std::to_string(f);
      const auto& s = info[name];
      std::vector<TableCell> row{TableCell::of(arch), TableCell::of(name + (name == winner ? " *" : "")),
                                 TableCell::of(s["group"].get<std::string>()),
                                 TableCell::of(s["available"].get<bool>() ? s["scoring"].get<std::string>() : "unavailable"),
                                 TableCell::of(folds), TableCell::of(stats::meanSd(valScores[name]).mean)};
      for (auto& c : foldCells(gatingFolds(run, set, arch, name), run.folds, config.reduce.level)) row.push_back(c);
      t.rows.push_back(std::move(row));
    }
    std::vector<TableCell> row{TableCell::of(arch), TableCell::of("REN (selected per fold)"), TableCell::of(""),
                               TableCell::of("validation"), TableCell::of(""), TableCell::of(kNaN)};
    for (auto& c : foldCells(gatingFolds(run, set, arch, "selected"), run.folds, config.reduce.level)) row.push_back(c);
    t.rows.push_back(std::move(row));
    t.notes.push_back(arch + ": per-fold choices " + choices);
  }
  t.notes.push_back("region set " + set + "; arch all = every expert architecture's experts together");
  t.notes.push_back("val_score: validation AUC used for the selection (inner-cv: pooled inner cross-validation predictions "
                    "over validation patients; validation: the strategy's own validation AUC); selected_in: folds where "
                    "the strategy won; * = the strategy selected most often; test AUCs are computed after the selection");
  t.notes.push_back(foldStatisticsNote(config.reduce.level));
  noteMissingGating(t, run);
  return t;
}

ResultTable baselineComparisonTable(const RunResults& run, const Config& config) {
  ResultTable t{"T3", "ren_vs_baselines",
                "REN (validation-selected gating per fold) vs the whole-lung baselines"};
  const std::string set = primarySet(run);
  std::vector<ModelFolds> models;
  for (const auto& arch : run.gatedArchs) {
    auto m = gatingFolds(run, set, arch, "selected");
    if (!m.empty()) models.push_back(std::move(m));
  }
  if (models.empty()) {
    t.missing = gateMissing(run);
    return t;
  }
  std::vector<ModelFolds> baselines;
  for (const auto& arch : run.baselineArchs) {
    auto m = baselineFolds(run, arch);
    if (!m.empty()) baselines.push_back(std::move(m));
  }
  if (baselines.empty()) {
    t.missing = run.baselineArchs.empty() ? "baseline.architectures is empty: no whole-lung baseline to compare with"
                                          : "no whole-lung baseline task has outputs yet (run `ren train`)";
    return t;
  }
  // The reference: reduce.reference when trained, else the first baseline.
  std::size_t ref = 0;
  for (std::size_t i = 0; i < baselines.size(); ++i)
    if (baselines[i].name == "baseline-" + config.reduce.reference) ref = i;
  t.columns = {{"model", ColumnKind::Text}};
  for (auto& c : foldColumns(run.folds)) t.columns.push_back(c);
  for (auto& c : pooledApColumns()) t.columns.push_back(c);
  t.columns.push_back({"delta_vs_ref", ColumnKind::Number, 3});
  for (const char* c : {"p_delong", "p_delong_holm", "p_wilcoxon", "p_wilcoxon_holm", "p_ttest", "p_ttest_holm"})
    t.columns.push_back({c, ColumnKind::PValue});
  std::vector<const ModelFolds*> rows;
  for (const auto& m : models) rows.push_back(&m);
  for (std::size_t i = 0; i < baselines.size(); ++i)
    if (i != ref) rows.push_back(&baselines[i]);
  std::vector<ModelComparison> comps;
  std::vector<double> pd, pw, pt;
  for (const auto* m : rows) {
    comps.push_back(compareModels(*m, baselines[ref]));
    pd.push_back(comps.back().pDeLong);
    pw.push_back(comps.back().pWilcoxon);
    pt.push_back(comps.back().pTTest);
  }
  const auto hd = stats::holmAdjust(pd), hw = stats::holmAdjust(pw), ht = stats::holmAdjust(pt);
  const std::uint64_t apSeed = deriveSeed(static_cast<std::uint64_t>(config.run.seed), "reduce-bootstrap");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::vector<TableCell> row{TableCell::of(rows[i]->name)};
    for (auto& c : foldCells(*rows[i], run.folds, config.reduce.level)) row.push_back(c);
    for (auto& c : pooledApCells(*rows[i], config.reduce.bootstrap, config.reduce.level, apSeed)) row.push_back(c);
    for (double v : {comps[i].pooledDelta, comps[i].pDeLong, hd[i], comps[i].pWilcoxon, hw[i], comps[i].pTTest, ht[i]})
      row.push_back(TableCell::of(v));
    t.rows.push_back(std::move(row));
  }
  std::vector<TableCell> refRow{TableCell::of(baselines[ref].name + " (reference)")};
  for (auto& c : foldCells(baselines[ref], run.folds, config.reduce.level)) refRow.push_back(c);
  for (auto& c : pooledApCells(baselines[ref], config.reduce.bootstrap, config.reduce.level, apSeed)) refRow.push_back(c);
  for (int i = 0; i < 7; ++i) refRow.push_back(TableCell::of(""));
  t.rows.push_back(std::move(refRow));
  t.notes.push_back("every row is compared with the reference on the same scans: delta_vs_ref = pooled AUC difference; "
                    "p_delong: paired DeLong test (Sun & Xu), two-sided, on the pooled out-of-fold test predictions; "
                    "p_wilcoxon: exact Wilcoxon signed-rank over the fold AUCs, one-sided (row > reference; with 5 folds "
                    "the smallest possible p is 1/32 = 0.031); p_ttest: paired t-test over the fold AUCs, two-sided");
  t.notes.push_back("pooled_ap: average precision of the pooled out-of-fold test predictions with a stratified "
                    "percentile bootstrap CI (" + std::to_string(config.reduce.bootstrap) + " resamples, seeded)");
  t.notes.push_back("*_holm: Holm-adjusted over the table's " + std::to_string(rows.size()) + " comparisons, per test");
  t.notes.push_back("REN-<arch>: the gating strategy selected on validation in each fold (region set " + set +
                    "); REN-all: every expert architecture together");
  t.notes.push_back(foldStatisticsNote(config.reduce.level));
  t.notes.push_back("DeLong and the fold tests treat scans as independent; patients with several scans make them "
                    "somewhat optimistic");
  noteMissingGating(t, run);
  return t;
}

ResultTable regionSetTable(const RunResults& run, const Config& config) {
  ResultTable t{"T4", "region_set_ablation",
                "Region-set ablation: lungs, lobes, all seven regions"};
  if (run.regionSets.size() < 2) {
    t.missing = "gating.region_sets lists one set (\"" + primarySet(run) + "\"): add lobes and lungs to compare";
    return t;
  }
  if (!anyGating(run, primarySet(run))) {
    t.missing = gateMissing(run);
    return t;
  }
  const std::string primary = primarySet(run);
  t.columns = {{"arch", ColumnKind::Text}, {"region_set", ColumnKind::Text}};
  for (auto& c : foldColumns(run.folds)) t.columns.push_back(c);
  t.columns.push_back({"delta_vs_" + primary, ColumnKind::Number, 3});
  t.columns.push_back({"p_delong", ColumnKind::PValue});
  t.columns.push_back({"p_delong_holm", ColumnKind::PValue});
  struct Pending {
    std::vector<TableCell> cells;
    ModelComparison comp;
    bool compared = false;
  };
  std::vector<Pending> pending;
  std::vector<double> ps;
  for (const auto& arch : run.gatedArchs) {
    if (arch == "all") continue;
    const ModelFolds ref = gatingFolds(run, primary, arch, "selected");
    for (const auto& set : run.regionSets) {
      const ModelFolds m = gatingFolds(run, set, arch, "selected");
      Pending p;
      p.cells = {TableCell::of(arch), TableCell::of(set)};
      for (auto& c : foldCells(m, run.folds, config.reduce.level)) p.cells.push_back(c);
      if (set != primary && !m.empty() && !ref.empty()) {
        p.comp = compareModels(m, ref);
        p.compared = true;
        ps.push_back(p.comp.pDeLong);
      }
      pending.push_back(std::move(p));
    }
  }
  const auto holm = stats::holmAdjust(ps);
  std::size_t k = 0;
  for (auto& p : pending) {
    if (p.compared) {
      p.cells.push_back(TableCell::of(p.comp.pooledDelta));
      p.cells.push_back(TableCell::of(p.comp.pDeLong));
      p.cells.push_back(TableCell::of(holm[k++]));
    } else {
      for (int i = 0; i < 3; ++i) p.cells.push_back(TableCell::of(""));
    }
    t.rows.push_back(std::move(p.cells));
  }
  t.notes.push_back("each row: the validation-selected gating of that region set, per fold; delta and p_delong (paired "
                    "DeLong, two-sided, pooled out-of-fold test predictions) against the same architecture's " +
                    primary + " ensemble; p_delong_holm: Holm over the table's " + std::to_string(ps.size()) + " comparisons");
  t.notes.push_back(foldStatisticsNote(config.reduce.level));
  noteMissingGating(t, run);
  return t;
}

}  // namespace ren::reduce
