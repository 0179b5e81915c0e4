// Run-level tests of the reduce step (METHOD.md section 8): the tables T1-T8 written from a generated
// run (RunFixture.h), their numbers recomputed independently from the files the run holds, runs with
// only some stages done, and golden tables of a tiny hand-written run checked by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "RunFixture.h"
#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/RunLayout.h"
#include "ren/core/Stage.h"
#include "ren/gating/GatingRecord.h"
#include "ren/reduce/ReduceStage.h"
#include "ren/split/PatientSplit.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/TrainTask.h"
#include "support/TempDirTest.h"

namespace fs = std::filesystem;

namespace ren::test {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<std::string> kRegionNames{"LUL", "LLL", "RUL", "RML", "RLL", "LEFT", "RIGHT"};
const std::vector<std::string> kExpertArchs{"cnn", "vit", "mamba", "xgb"};
const std::vector<std::string> kTableStems{
    "T1_region_architecture_auc", "T2_gating_strategies", "T3_ren_vs_baselines", "T4_region_set_ablation",
    "T5_radiomics_vs_deep_wins",  "T6_ensemble_vs_fusion", "T7_fusion_regulariser_ablation", "T8_cost_per_architecture"};

// --- reading the tables back ------------------------------------------------------------------------

struct TableFile {
  std::vector<std::string> comments;  ///< the "# ..." lines, without "# "
  CsvTable table;                     ///< the rest
};

TableFile readTable(const fs::path& csv) {
  TableFile t;
  std::istringstream in(readFile(csv));
  std::string line, rest;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) {
      t.comments.push_back(line.substr(2));
    } else {
      rest += line + "\n";
    }
  }
  if (!rest.empty()) t.table = parseCsv(rest, csv.string());
  return t;
}

TableFile table(const Config& config, const std::string& id) {
  for (const auto& stem : kTableStems)
    if (stem.rfind(id + "_", 0) == 0) return readTable(reduce::tablesDir(config) / (stem + ".csv"));
  throw std::logic_error("no table " + id);
}

bool hasComment(const TableFile& t, const std::string& text) {
  return std::any_of(t.comments.begin(), t.comments.end(), [&](const std::string& c) { return c.find(text) != std::string::npos; });
}

std::string missingOf(const TableFile& t) {
  for (const auto& c : t.comments)
    if (c.rfind("not available: ", 0) == 0) return c.substr(15);
  return "";
}

/// The row whose columns `keys` hold the given texts; -1 when none.
int findRow(const CsvTable& t, const std::vector<std::pair<std::string, std::string>>& keys) {
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    bool all = true;
    for (const auto& [column, value] : keys) all = all && t.rows[i][static_cast<std::size_t>(t.column(column))] == value;
    if (all) return static_cast<int>(i);
  }
  return -1;
}

std::string text(const CsvTable& t, int row, const std::string& column) {
  const int c = t.column(column);
  if (row < 0 || c < 0) throw std::logic_error("no cell " + column);
  return t.rows[static_cast<std::size_t>(row)][static_cast<std::size_t>(c)];
}

/// A numeric cell; an empty cell (n/a) is NaN.
double number(const CsvTable& t, int row, const std::string& column) {
  const std::string s = text(t, row, column);
  if (s.empty()) return kNaN;
  const auto v = parseDouble(s);
  if (!v) throw std::logic_error("not a number: " + column + " = " + s);
  return *v;
}

// --- independent statistics -------------------------------------------------------------------------

double meanOf(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double sampleSd(const std::vector<double>& v) {
  const double m = meanOf(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

/// Holm's step-down adjustment, written out: sort ascending, (m - i) p_(i), running maximum, cap 1.
std::vector<double> holm(const std::vector<double>& p) {
  std::vector<std::size_t> order(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> out(p.size());
  double running = 0;
  for (std::size_t r = 0; r < order.size(); ++r) {
    running = std::max(running, std::min(1.0, static_cast<double>(p.size() - r) * p[order[r]]));
    out[order[r]] = running;
  }
  return out;
}

/// Exact one-sided Wilcoxon signed-rank p (a > b) by enumerating the 2^n sign patterns.
double wilcoxonGreater(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) d.push_back(a[i] - b[i]);
  const std::size_t n = d.size();
  std::vector<double> ranks(n);
  for (std::size_t i = 0; i < n; ++i) {
    double less = 0, equal = 0;
    for (std::size_t j = 0; j < n; ++j) {
      less += std::abs(d[j]) < std::abs(d[i]);
      equal += std::abs(d[j]) == std::abs(d[i]);
    }
    ranks[i] = less + (equal + 1) / 2.0;
  }
  double observed = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (d[i] > 0) observed += ranks[i];
  int atLeast = 0;
  for (std::size_t mask = 0; mask < (std::size_t{1} << n); ++mask) {
    double w = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask >> i & 1) w += ranks[i];
    atLeast += w >= observed - 1e-9;
  }
  return atLeast / std::pow(2.0, static_cast<double>(n));
}

/// P(X >= k) for X ~ Binomial(n, 1/2).
double binomialUpper(int k, int n) {
  double p = 0;
  for (int i = k; i <= n; ++i) p += std::tgamma(n + 1.0) / (std::tgamma(i + 1.0) * std::tgamma(n - i + 1.0));
  return p / std::pow(2.0, n);
}

/// Per-fold and pooled test predictions of one model.
struct Folds {
  std::map<int, double> auc;
  std::vector<int> pooledLabels;
  std::vector<double> pooledProbs;
  void add(int fold, const std::vector<int>& labels, const std::vector<double>& probs) {
    auc[fold] = stats::rocAuc(labels, probs);
    pooledLabels.insert(pooledLabels.end(), labels.begin(), labels.end());
    pooledProbs.insert(pooledProbs.end(), probs.begin(), probs.end());
  }
  double pooled() const { return stats::rocAuc(pooledLabels, pooledProbs); }
  std::vector<double> values() const {
    std::vector<double> v;
    for (const auto& [f, a] : auc) v.push_back(a);
    return v;
  }
};

Folds taskFolds(const Config& config, const std::string& region, const std::string& arch, int folds = 5) {
  Folds f;
  for (int k = 0; k < folds; ++k) {
    const auto p = train::taskDir(config, {region, arch, k}) / "predictions.csv";
    if (!fs::exists(p)) continue;
    const auto t = readTestPredictions(p);
    f.add(k, t.labels, t.probs);
  }
  return f;
}

/// The test rows of the "selected" column of the gating records of (set, arch).
Folds gatingFolds(const Config& config, const std::string& set, const std::string& arch) {
  Folds f;
  for (int k = 0; k < 5; ++k) {
    const auto g = gating::readGatingPredictions(gating::gatingPredictionsPath(config, set, arch, k));
    std::vector<int> labels;
    std::vector<double> probs;
    for (std::size_t i = 0; i < g.roles.size(); ++i)
      if (g.roles[i] == "test") {
        labels.push_back(g.labels[i]);
        probs.push_back(g.probs.at("selected")[i]);
      }
    f.add(k, labels, probs);
  }
  return f;
}

/// Checks a row's fold cells (auc_f0..f4, mean, sd, pooled_auc and its CI) against `expected`.
void expectFoldCells(const CsvTable& t, int row, const Folds& expected, const std::vector<int>& folds) {
  std::vector<double> present;
  for (int k : folds) {
    const auto it = expected.auc.find(k);
    const double cell = number(t, row, "auc_f" + std::to_string(k));
    if (it == expected.auc.end()) {
      EXPECT_TRUE(std::isnan(cell)) << "fold " << k;
    } else {
      EXPECT_DOUBLE_EQ(cell, it->second) << "fold " << k;
      present.push_back(it->second);
    }
  }
  EXPECT_NEAR(number(t, row, "mean"), meanOf(present), 1e-12);
  EXPECT_NEAR(number(t, row, "sd"), sampleSd(present), 1e-12);
  const double pooled = expected.pooled();
  EXPECT_NEAR(number(t, row, "pooled_auc"), pooled, 1e-12);
  EXPECT_LE(number(t, row, "ci_low"), pooled);
  EXPECT_GE(number(t, row, "ci_high"), pooled);
  EXPECT_GE(number(t, row, "ci_low"), 0.0);
  EXPECT_LE(number(t, row, "ci_high"), 1.0);
}

void expectPValue(double p) {
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
}

nlohmann::json readJson(const fs::path& p) { return nlohmann::json::parse(readFile(p)); }

// --- the full run -----------------------------------------------------------------------------------

class ReduceFullRun : public ::testing::Test {
 protected:
  static const Config& run() { return reducedFakeRun(); }
};

TEST_F(ReduceFullRun, WritesEveryTableHeadedByTheRunIdAndConfigHash) {
  const Config& config = run();
  const auto files = filesUnder(reduce::tablesDir(config));
  std::set<fs::path> expected{"README.md"};
  for (const auto& stem : kTableStems)
    for (const char* ext : {".csv", ".md", ".tex"}) expected.insert(stem + ext);
  EXPECT_EQ(std::set<fs::path>(files.begin(), files.end()), expected);

  const std::string hash = configHash(config);
  EXPECT_EQ(readJson(fs::path(config.run.dir) / "manifest.json")["config_hash"], hash);
  for (const auto& stem : kTableStems) {
    SCOPED_TRACE(stem);
    const std::string id = stem.substr(0, 2);
    std::istringstream csv(readFile(reduce::tablesDir(config) / (stem + ".csv")));
    std::string l1, l2, l3;
    std::getline(csv, l1);
    std::getline(csv, l2);
    std::getline(csv, l3);
    EXPECT_EQ(l1.rfind("# " + id + " ", 0), 0u) << l1;
    EXPECT_EQ(l2, "# run_id: fake-run");
    EXPECT_EQ(l3, "# config_hash: " + hash);
    const std::string md = readFile(reduce::tablesDir(config) / (stem + ".md"));
    EXPECT_NE(md.find("Run `fake-run`, config `" + hash + "`"), std::string::npos);
    const std::string tex = readFile(reduce::tablesDir(config) / (stem + ".tex"));
    EXPECT_NE(tex.find("run fake-run, config " + hash.substr(0, 12)), std::string::npos);
    EXPECT_NE(tex.find("\\label{tab:" + id + "}"), std::string::npos);
  }
  const std::string readme = readFile(reduce::tablesDir(config) / "README.md");
  for (const auto& stem : kTableStems) EXPECT_NE(readme.find("(" + stem + ".md)"), std::string::npos) << stem;
}

TEST_F(ReduceFullRun, FusionTablesSayTheFuseStageIsMissing) {
  const Config& config = run();
  for (const std::string id : {"T6", "T7"}) {
    const auto t = table(config, id);
    EXPECT_NE(missingOf(t).find("stage fuse has not run"), std::string::npos) << id;
    EXPECT_EQ(t.comments.size(), 4u) << id;  // title, run id, hash, not available: no notes, no numbers
    EXPECT_TRUE(t.table.header.empty() && t.table.rows.empty()) << id;
  }
  const std::string md = readFile(reduce::tablesDir(config) / "T6_ensemble_vs_fusion.md");
  EXPECT_NE(md.find("**Not available:** stage fuse has not run"), std::string::npos);
  EXPECT_EQ(md.find('|'), std::string::npos);
}

TEST_F(ReduceFullRun, T1HoldsEveryExpertsTestAucsComputedFromItsPredictions) {
  const Config& config = run();
  const auto t = table(config, "T1").table;
  EXPECT_EQ(t.header, (std::vector<std::string>{"region", "arch", "auc_f0", "auc_f1", "auc_f2", "auc_f3", "auc_f4", "mean",
                                                "sd", "pooled_auc", "ci_low", "ci_high"}));
  ASSERT_EQ(t.rows.size(), 4u * 7u + 1u);
  for (const auto& arch : kExpertArchs)
    for (const auto& region : kRegionNames) {
      SCOPED_TRACE(region + "-" + arch);
      const int row = findRow(t, {{"region", region}, {"arch", arch}});
      ASSERT_GE(row, 0);
      expectFoldCells(t, row, taskFolds(config, region, arch), {0, 1, 2, 3, 4});
    }
  const int baseline = findRow(t, {{"region", "LUNG"}, {"arch", "swinunetr"}});
  ASSERT_EQ(baseline, 28);
  expectFoldCells(t, baseline, taskFolds(config, "LUNG", "swinunetr"), {0, 1, 2, 3, 4});
  // The fake run's design shows: basal experts above the upper-lobe experts, baseline below the basal ones.
  EXPECT_GT(number(t, findRow(t, {{"region", "LLL"}, {"arch", "mamba"}}), "pooled_auc"),
            number(t, findRow(t, {{"region", "RUL"}, {"arch", "mamba"}}), "pooled_auc"));
  EXPECT_GT(number(t, findRow(t, {{"region", "RLL"}, {"arch", "xgb"}}), "pooled_auc"), number(t, baseline, "pooled_auc"));
  EXPECT_TRUE(hasComment(table(config, "T1"), "sample standard deviation (ddof 1)"));
}

TEST_F(ReduceFullRun, T5WinCountsMatchAHandCount) {
  const Config& config = run();
  const auto t = table(config, "T5").table;
  ASSERT_EQ(t.rows.size(), 6u);
  std::vector<double> ps;
  for (const std::string deep : {"cnn", "vit", "mamba"})
    for (const bool lobesOnly : {true, false}) {
      const std::string scope = lobesOnly ? "lobes (5)" : "all regions (7)";
      SCOPED_TRACE(deep + " " + scope);
      int n = 0, wins = 0, losses = 0, ties = 0;
      for (std::size_t r = 0; r < (lobesOnly ? 5u : 7u); ++r) {
        const Folds x = taskFolds(config, kRegionNames[r], "xgb"), d = taskFolds(config, kRegionNames[r], deep);
        for (int k = 0; k < 5; ++k) {
          ++n;
          if (x.auc.at(k) > d.auc.at(k)) ++wins;
          else if (x.auc.at(k) < d.auc.at(k)) ++losses;
          else ++ties;
        }
      }
      const int row = findRow(t, {{"comparison", "xgb vs " + deep}, {"scope", scope}});
      ASSERT_GE(row, 0);
      EXPECT_EQ(number(t, row, "region_folds"), n);
      EXPECT_EQ(number(t, row, "wins"), wins);
      EXPECT_EQ(number(t, row, "losses"), losses);
      EXPECT_EQ(number(t, row, "ties"), ties);
      EXPECT_DOUBLE_EQ(number(t, row, "win_rate"), static_cast<double>(wins) / n);
      EXPECT_NEAR(number(t, row, "p_sign"), binomialUpper(wins, wins + losses), 1e-12);
      ps.push_back(number(t, row, "p_sign"));
    }
  const auto adjusted = holm(ps);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    EXPECT_NEAR(number(t, static_cast<int>(i), "p_sign_holm"), adjusted[i], 1e-12);
    EXPECT_GE(number(t, static_cast<int>(i), "p_sign_holm"), ps[i]);
  }
}

TEST_F(ReduceFullRun, T3ComparesEachGatedArchitectureWithTheReferenceBaseline) {
  const Config& config = run();
  const auto t = table(config, "T3").table;
  std::vector<std::string> models;
  for (const auto& r : t.rows) models.push_back(r[0]);
  EXPECT_EQ(models, (std::vector<std::string>{"REN-cnn", "REN-vit", "REN-mamba", "REN-xgb", "REN-all",
                                              "baseline-swinunetr (reference)"}));
  const Folds reference = taskFolds(config, "LUNG", "swinunetr");
  expectFoldCells(t, 5, reference, {0, 1, 2, 3, 4});
  for (const char* c : {"delta_vs_ref", "p_delong", "p_wilcoxon", "p_ttest"}) EXPECT_EQ(text(t, 5, c), "") << c;
  std::map<std::string, std::vector<double>> raw;
  for (int row = 0; row < 5; ++row) {
    const std::string arch = models[static_cast<std::size_t>(row)].substr(4);
    SCOPED_TRACE(arch);
    const Folds ren = gatingFolds(config, "all7", arch);
    expectFoldCells(t, row, ren, {0, 1, 2, 3, 4});
    EXPECT_NEAR(number(t, row, "delta_vs_ref"), ren.pooled() - reference.pooled(), 1e-12);
    EXPECT_NEAR(number(t, row, "p_wilcoxon"), wilcoxonGreater(ren.values(), reference.values()), 1e-12);
    EXPECT_NEAR(number(t, row, "pooled_ap"), stats::averagePrecision(ren.pooledLabels, ren.pooledProbs), 1e-12);
    for (const std::string test : {"p_delong", "p_wilcoxon", "p_ttest"}) {
      const double p = number(t, row, test), adjusted = number(t, row, test + "_holm");
      expectPValue(p);
      expectPValue(adjusted);
      EXPECT_GE(adjusted, p) << test;
      raw[test].push_back(p);
    }
  }
  for (const auto& [test, ps] : raw) {
    const auto adjusted = holm(ps);
    for (int row = 0; row < 5; ++row) EXPECT_NEAR(number(t, row, test + "_holm"), adjusted[static_cast<std::size_t>(row)], 1e-12) << test;
  }
}

TEST_F(ReduceFullRun, T2ListsEveryStrategyWithItsValidationScoresAndSelections) {
  const Config& config = run();
  const auto t = table(config, "T2").table;
  const std::vector<std::string> gated{"cnn", "vit", "mamba", "xgb", "all"};
  ASSERT_EQ(t.rows.size(), gated.size() * 12);
  for (const auto& arch : gated) {
    SCOPED_TRACE(arch);
    std::map<std::string, std::vector<double>> scores;
    std::map<std::string, std::string> selectedIn;
    std::map<std::string, int> wins;
    std::vector<std::string> order;
    for (int k = 0; k < 5; ++k) {
      const auto record = readJson(gating::gatingJsonPath(config, "all7", arch, k));
      for (const auto& s : record["strategies"]) {
        if (k == 0) order.push_back(s["name"]);
        scores[s["name"]].push_back(s["val_score"].get<double>());
      }
      const std::string sel = record["selected"]["name"];
      selectedIn[sel] += (selectedIn[sel].empty() ? "f" : " f") + std::to_string(k);
      ++wins[sel];
    }
    std::string mostSelected;
    for (const auto& name : order)
      if (wins[name] > (mostSelected.empty() ? 0 : wins[mostSelected])) mostSelected = name;
    for (const auto& name : order) {
      const std::string shown = name + (name == mostSelected ? " *" : "");
      const int row = findRow(t, {{"arch", arch}, {"strategy", shown}});
      ASSERT_GE(row, 0) << shown;
      EXPECT_EQ(text(t, row, "selected_in"), selectedIn[name]) << name;
      EXPECT_NEAR(number(t, row, "val_score_mean"), meanOf(scores[name]), 1e-12) << name;
    }
    // The REN row holds the selected ensembles' test AUCs, the same as T3's.
    const int ren = findRow(t, {{"arch", arch}, {"strategy", "REN (selected per fold)"}});
    ASSERT_GE(ren, 0);
    expectFoldCells(t, ren, gatingFolds(config, "all7", arch), {0, 1, 2, 3, 4});
  }
}

TEST_F(ReduceFullRun, T4ComparesEachRegionSetWithAll7) {
  const Config& config = run();
  const auto t = table(config, "T4").table;
  ASSERT_EQ(t.rows.size(), 4u * 3u);
  std::vector<double> ps;
  std::vector<int> compared;
  for (const auto& arch : kExpertArchs) {
    const Folds all7 = gatingFolds(config, "all7", arch);
    for (const std::string set : {"all7", "lobes", "lungs"}) {
      SCOPED_TRACE(arch + " " + set);
      const int row = findRow(t, {{"arch", arch}, {"region_set", set}});
      ASSERT_GE(row, 0);
      const Folds m = gatingFolds(config, set, arch);
      expectFoldCells(t, row, m, {0, 1, 2, 3, 4});
      if (set == "all7") {
        EXPECT_EQ(text(t, row, "delta_vs_all7"), "");
        continue;
      }
      EXPECT_NEAR(number(t, row, "delta_vs_all7"), m.pooled() - all7.pooled(), 1e-12);
      expectPValue(number(t, row, "p_delong"));
      EXPECT_GE(number(t, row, "p_delong_holm"), number(t, row, "p_delong"));
      ps.push_back(number(t, row, "p_delong"));
      compared.push_back(row);
    }
  }
  const auto adjusted = holm(ps);
  for (std::size_t i = 0; i < compared.size(); ++i) EXPECT_NEAR(number(t, compared[i], "p_delong_holm"), adjusted[i], 1e-12);
  // The lungs alone miss the basal lobes' signal in the fake run.
  for (const auto& arch : kExpertArchs)
    EXPECT_LT(number(t, findRow(t, {{"arch", arch}, {"region_set", "lungs"}}), "delta_vs_all7"), 0.0) << arch;
}

TEST_F(ReduceFullRun, T8ReadsTheCostsFromTheTasksMetrics) {
  const Config& config = run();
  const auto t = table(config, "T8").table;
  ASSERT_EQ(t.rows.size(), 5u);
  for (const auto& [kind, arch] : std::vector<std::pair<std::string, std::string>>{
           {"expert", "cnn"}, {"expert", "vit"}, {"expert", "mamba"}, {"expert", "xgb"}, {"baseline", "swinunetr"}}) {
    SCOPED_TRACE(arch);
    const int row = findRow(t, {{"kind", kind}, {"arch", arch}});
    ASSERT_GE(row, 0);
    int tasks = 0;
    double time = 0, epochs = 0, volumes = 0, peak = 0, parameters = kNaN, flops = kNaN;
    std::vector<double> perEpoch;
    for (const auto& region : kind == "expert" ? kRegionNames : std::vector<std::string>{"LUNG"})
      for (int k = 0; k < 5; ++k) {
        const auto m = readJson(train::taskDir(config, {region, arch, k}) / "metrics.json");
        ++tasks;
        time += m["train_time_s"].get<double>();
        epochs += m["epochs_run"].get<double>();
        volumes += m["scans"]["train"].get<double>() * m["epochs_run"].get<double>();
        if (m.contains("parameters")) parameters = m["parameters"].get<double>();
        if (m.contains("flops_per_volume")) flops = m["flops_per_volume"].get<double>();
        if (m.contains("time_per_epoch_s")) perEpoch.push_back(m["time_per_epoch_s"].get<double>());
        if (m.contains("peak_memory_bytes")) peak = std::max(peak, m["peak_memory_bytes"].get<double>());
      }
    EXPECT_EQ(number(t, row, "tasks"), tasks);
    EXPECT_NEAR(number(t, row, "train_s_per_task"), time / tasks, 1e-9);
    EXPECT_NEAR(number(t, row, "epochs_per_task"), epochs / tasks, 1e-12);
    EXPECT_NEAR(number(t, row, "train_volumes_per_s"), volumes / time, 1e-9 * volumes / time);
    EXPECT_EQ(text(t, row, "device"), "cpu");
    if (arch == "xgb") {  // the XGBoost trainer records no parameters, FLOPs, per-epoch time or memory
      for (const char* c : {"parameters", "gflop_per_volume", "s_per_epoch", "peak_memory_mib"}) EXPECT_EQ(text(t, row, c), "") << c;
      continue;
    }
    EXPECT_EQ(number(t, row, "parameters"), parameters);
    EXPECT_DOUBLE_EQ(number(t, row, "gflop_per_volume"), flops / 1e9);
    EXPECT_NEAR(number(t, row, "s_per_epoch"), meanOf(perEpoch), 1e-9);
    EXPECT_DOUBLE_EQ(number(t, row, "peak_memory_mib"), peak / (1024.0 * 1024.0));
  }
  // The exact oracles of METHOD.md section 5 pass through.
  EXPECT_EQ(text(t, findRow(t, {{"arch", "cnn"}}), "parameters"), "42641474");
  EXPECT_EQ(text(t, findRow(t, {{"arch", "swinunetr"}}), "parameters"), "62186708");
}

// --- runs with only some stages -------------------------------------------------------------------

class ReducePartialRun : public TempDirTest {
 protected:
  ReducePartialRun() : TempDirTest("ren_reduce_partial") {}
};

TEST_F(ReducePartialRun, WithoutGatingTheEnsembleTablesNameTheGateStage) {
  const Config config = writeFakeRun(dir_ / "run");
  const auto written = reduce::runReduce(config);
  EXPECT_EQ(written.size(), 8u * 3u + 1u);
  for (const std::string id : {"T2", "T3", "T4"}) {
    const auto t = table(config, id);
    EXPECT_NE(missingOf(t).find("stage gate has not run"), std::string::npos) << id << ": " << missingOf(t);
    EXPECT_NE(missingOf(t).find("ren gate"), std::string::npos) << id;
    EXPECT_TRUE(t.table.rows.empty()) << id;
  }
  EXPECT_EQ(table(config, "T1").table.rows.size(), 29u);
  EXPECT_EQ(table(config, "T5").table.rows.size(), 6u);
  EXPECT_EQ(table(config, "T8").table.rows.size(), 5u);
  for (const std::string id : {"T1", "T5", "T8"}) EXPECT_EQ(missingOf(table(config, id)), "") << id;
  const std::string readme = readFile(reduce::tablesDir(config) / "README.md");
  EXPECT_NE(readme.find("T3_ren_vs_baselines.md) -- not available: stage gate has not run"), std::string::npos) << readme;
}

TEST_F(ReducePartialRun, WithoutTasksTheTablesNameTheTrainStage) {
  FakeRunOptions options;
  options.tasks = false;
  const Config config = writeFakeRun(dir_ / "run", options);
  reduce::runReduce(config);
  for (const std::string id : {"T1", "T5", "T8"})
    EXPECT_NE(missingOf(table(config, id)).find("stage train has not run"), std::string::npos) << id;
  for (const std::string id : {"T2", "T3"})
    EXPECT_NE(missingOf(table(config, id)).find("stages train and gate have not run"), std::string::npos) << id;
  // Not even a split: the same messages, no error.
  fs::remove(layout::splitCsv(config));
  reduce::runReduce(config);
  EXPECT_NE(missingOf(table(config, "T1")).find("stage train has not run"), std::string::npos);
  EXPECT_NE(missingOf(table(config, "T4")).find("stages train and gate have not run"), std::string::npos)
      << missingOf(table(config, "T4"));
}

TEST_F(ReducePartialRun, MissingTasksAndRecordsAreNamedInTheNotes) {
  const Config config = copyRun(gatedFakeRun(), dir_ / "run");
  fs::remove_all(train::taskDir(config, {"LUL", "vit", 1}));
  fs::remove_all(train::taskDir(config, {"LUNG", "swinunetr", 4}));
  fs::remove(gating::gatingJsonPath(config, "all7", "mamba", 3));
  reduce::runReduce(config);

  const auto t1 = table(config, "T1");
  EXPECT_TRUE(hasComment(t1, "note: 2 task(s) of the grid have no outputs yet (n/a cells): LUL-vit-f1, LUNG-swinunetr-f4"));
  {
    SCOPED_TRACE("LUL-vit");
    const int row = findRow(t1.table, {{"region", "LUL"}, {"arch", "vit"}});
    EXPECT_EQ(text(t1.table, row, "auc_f1"), "");
    expectFoldCells(t1.table, row, taskFolds(config, "LUL", "vit"), {0, 1, 2, 3, 4});  // mean, sd over 4 folds
  }
  EXPECT_TRUE(hasComment(table(config, "T5"), "2 task(s) of the grid have no outputs yet"));
  const auto t5 = table(config, "T5").table;
  EXPECT_EQ(number(t5, findRow(t5, {{"comparison", "xgb vs vit"}, {"scope", "lobes (5)"}}), "region_folds"), 24);
  const auto t8 = table(config, "T8").table;
  EXPECT_EQ(number(t8, findRow(t8, {{"arch", "vit"}}), "tasks"), 34);
  EXPECT_EQ(number(t8, findRow(t8, {{"arch", "swinunetr"}}), "tasks"), 4);

  const auto t3 = table(config, "T3");
  EXPECT_TRUE(hasComment(t3, "1 gating record(s) are missing (n/a cells): all7/mamba-f3"));
  const int mamba = findRow(t3.table, {{"model", "REN-mamba"}});
  EXPECT_EQ(text(t3.table, mamba, "auc_f3"), "");
  EXPECT_EQ(text(t3.table, findRow(t3.table, {{"model", "baseline-swinunetr (reference)"}}), "auc_f4"), "");
}

// --- golden tables of a tiny hand-written run -------------------------------------------------------
//
// 24 scans S01..S24 (one patient each), 2 folds: fold 0 tests S01-S08 (S01-S04 label 1), validates
// S09-S12; fold 1 tests S13-S20 (S13-S16 label 1), validates S21-S24. Regions LLL and RUL, experts
// cnn and xgb, no baseline. Test probabilities, positives first:
//
//   LLL-cnn f0  pos .9 .8 .7 .3     neg .6 .4 .2 .1     pairs won 4+4+4+2        = 14/16 = 0.875
//           f1  pos .55 .45 .35 .25 neg .5 .4 .3 .2     4+3+2+1                  = 10/16 = 0.625
//           pooled (8 x 8)          .9,.8,.7: 8 each; .55: 7; .45: 6; .35: 4; .3: 3 + tie 1/2; .25: 3
//                                                                                = 47.5/64 = 0.7421875
//   RUL-cnn f0  pos .6 .5 .4 .3     neg .7 .45 .35 .2   3+3+2+1                  = 9/16 = 0.5625
//           f1  pos .2 .3 .6 .8     neg .4 .5 .7 .1     1+1+3+4                  = 9/16 = 0.5625 (sd 0)
//           pooled                  .8: 8; .6: 6, 6; .5: 5 + 1/2; .4: 3 + 1/2; .3: 2, 2; .2: 1 + 1/2
//                                                                                = 34.5/64 = 0.5390625
//   LLL-xgb f0  pos .8 .7 .6 .5     neg .4 .3 .2 .1     perfect                  = 16/16 = 1
//           f1  pos .9 .6 .4 .2     neg .7 .5 .3 .1     4+3+2+1                  = 10/16 = 0.625
//           pooled                  .9,.8: 8; .7: 7.5; .6: 7, 7; .5: 6.5; .4: 5.5; .2: 2.5
//                                                                                = 52/64 = 0.8125
//   RUL-xgb f0  pos .5 .5 .2 .2     neg .5 .2 .2 .1     3.5+3.5+2+2              = 11/16 = 0.6875
//           f1  pos .45 .35 .15 .05 neg .55 .4 .25 .1   3+2+1+0                  = 6/16 = 0.375
//           pooled                  .5: 6.5, 6.5; .45: 6; .35: 5; .2: 3, 3; .15: 2; .05: 0
//                                                                                = 32/64 = 0.5
// Mean of two folds a, b: (a + b) / 2; SD (ddof 1): |a - b| / sqrt 2. The DeLong CIs of the pooled AUCs
// (auc -+ 1.959964 sqrt(S10/8 + S01/8), clamped) were computed separately from the structural components.
//
// T5 (xgb vs cnn, region-folds): LLL f0 1 > 0.875 win; LLL f1 0.625 = 0.625 tie; RUL f0 0.6875 > 0.5625
// win; RUL f1 0.375 < 0.5625 loss -> 4 region-folds, 2 wins, 1 loss, 1 tie, win rate 0.5; sign test
// P(X >= 2 | 3, 1/2) = 4/8 = 0.5; Holm over the two (identical) rows: min(1, 2 x 0.5) = 1.

struct HandScores {
  std::string region, arch;
  std::vector<double> f0, f1;  ///< test probabilities in scan order (S01-S08 / S13-S20)
};

const std::vector<HandScores> kHandScores{
    {"LLL", "cnn", {0.9, 0.8, 0.7, 0.3, 0.6, 0.4, 0.2, 0.1}, {0.55, 0.45, 0.35, 0.25, 0.5, 0.4, 0.3, 0.2}},
    {"RUL", "cnn", {0.6, 0.5, 0.4, 0.3, 0.7, 0.45, 0.35, 0.2}, {0.2, 0.3, 0.6, 0.8, 0.4, 0.5, 0.7, 0.1}},
    {"LLL", "xgb", {0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1}, {0.9, 0.6, 0.4, 0.2, 0.7, 0.5, 0.3, 0.1}},
    {"RUL", "xgb", {0.5, 0.5, 0.2, 0.2, 0.5, 0.2, 0.2, 0.1}, {0.45, 0.35, 0.15, 0.05, 0.55, 0.4, 0.25, 0.1}},
};

std::string scanId(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "S%02d", i);
  return buf;
}

Config writeHandRun(const fs::path& runDir) {
  const std::string text = "[run]\ndir = \"" + runDir.string() + "\"\nname = \"golden\"\n\n[split]\nfolds = 2\n\n" +
                           "[train]\nexperts = \"cnn,xgb\"\nregions = \"LLL,RUL\"\n\n[baseline]\narchitectures = \"\"\n";
  const Config config = parseConfigText(text, "golden.toml");
  spdlog::set_level(spdlog::level::err);
  prepareRun(config, nlohmann::json::object());
  split::PatientSplit s;
  s.baseFolds = 2;
  for (int fold = 0; fold < 2; ++fold)
    for (int i = 1; i <= 24; ++i) {
      const int local = fold == 0 ? i : (i + 12 - 1) % 24 + 1;  // fold 1 rotates the scans by 12
      const split::Role role = local <= 8 ? split::Role::Test : local <= 12 ? split::Role::Val : split::Role::Train;
      s.rows.push_back({scanId(i), "P" + scanId(i).substr(1), fold, role});
    }
  split::writeSplitCsv(layout::splitCsv(config), s);
  for (const auto& h : kHandScores)
    for (int fold = 0; fold < 2; ++fold) {
      const int first = fold == 0 ? 1 : 13;
      std::vector<train::Prediction> predictions;
      for (int j = 0; j < 4; ++j) {  // validation: S09-S12 / S21-S24, two of each class
        const std::string id = scanId(first + 8 + j);
        predictions.push_back({{id, "P" + id.substr(1), j < 2 ? 1 : 0}, "val", 0.5});
      }
      const auto& probs = fold == 0 ? h.f0 : h.f1;
      for (int j = 0; j < 8; ++j) {
        const std::string id = scanId(first + j);
        predictions.push_back({{id, "P" + id.substr(1), j < 4 ? 1 : 0}, "test", probs[static_cast<std::size_t>(j)]});
      }
      const fs::path dir = train::taskDir(config, {h.region, h.arch, fold});
      fs::create_directories(dir);
      train::writePredictions(dir / "predictions.csv", predictions);
      train::writeJsonAtomic(dir / "metrics.json", fakeMetrics({h.region, h.arch, fold}, 12, predictions));
    }
  return config;
}

/// Compares a table CSV with its golden text line by line: comment lines and text cells exactly,
/// numeric cells to 1e-12 (the golden CIs come from a separate computation, not from these routines).
void expectGolden(const std::string& actual, const std::string& golden) {
  auto lines = [](const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string l;
    while (std::getline(in, l)) out.push_back(l);
    return out;
  };
  auto cells = [](const std::string& l) {
    std::vector<std::string> out;
    std::istringstream in(l);
    std::string c;
    while (std::getline(in, c, ',')) out.push_back(c);
    if (!l.empty() && l.back() == ',') out.push_back("");
    return out;
  };
  const auto a = lines(actual), g = lines(golden);
  ASSERT_EQ(a.size(), g.size()) << actual;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (g[i].rfind("#", 0) == 0) {
      EXPECT_EQ(a[i], g[i]);
      continue;
    }
    const auto ca = cells(a[i]), cg = cells(g[i]);
    ASSERT_EQ(ca.size(), cg.size()) << a[i];
    for (std::size_t j = 0; j < ca.size(); ++j) {
      const auto va = parseDouble(ca[j]), vg = parseDouble(cg[j]);
      if (va && vg) {
        EXPECT_NEAR(*va, *vg, 1e-12) << "line " << i + 1 << " cell " << j + 1 << ": " << a[i];
      } else {
        EXPECT_EQ(ca[j], cg[j]) << "line " << i + 1 << " cell " << j + 1;
      }
    }
  }
}

class ReduceGolden : public TempDirTest {
 protected:
  ReduceGolden() : TempDirTest("ren_reduce_golden") {}
};

TEST_F(ReduceGolden, T1OfAHandWrittenRun) {
  const Config config = writeHandRun(dir_ / "run");
  reduce::runReduce(config);
  const std::string golden =
      "# T1 Test AUC of every regional expert and whole-lung baseline\n"
      "# run_id: golden\n"
      "# config_hash: " + configHash(config) + "\n"
      "# note: auc_f<k>: test AUC of fold k; mean and sd over folds, sd = sample standard deviation (ddof 1); pooled_auc: "
      "AUC of the out-of-fold test predictions of all folds together, with its 95 % DeLong CI (ci_low, ci_high); "
      "pooling mixes the fold models' calibrations, so it can fall below every per-fold AUC\n"
      "region,arch,auc_f0,auc_f1,mean,sd,pooled_auc,ci_low,ci_high\n"
      "LLL,cnn,0.875,0.625,0.75,0.1767766952966369,0.7421875,0.489784589998151,0.994590410001849\n"
      "RUL,cnn,0.5625,0.5625,0.5625,0,0.5390625,0.23380407143520504,0.844320928564795\n"
      "LLL,xgb,1,0.625,0.8125,0.2651650429449553,0.8125,0.5904539732649565,1\n"
      "RUL,xgb,0.6875,0.375,0.53125,0.2209708691207961,0.5,0.19727579462042116,0.8027242053795789\n";
  expectGolden(readFile(reduce::tablesDir(config) / "T1_region_architecture_auc.csv"), golden);
}

TEST_F(ReduceGolden, T5OfAHandWrittenRun) {
  const Config config = writeHandRun(dir_ / "run");
  reduce::runReduce(config);
  const std::string golden =
      "# T5 Radiomics (xgb) vs deep experts: region-fold wins on test AUC\n"
      "# run_id: golden\n"
      "# config_hash: " + configHash(config) + "\n"
      "# note: a region-fold is a win when the region's xgb expert has the higher test AUC than the deep expert of the "
      "same region and fold (the paper: 23/25 vs Mamba, 24/25 vs ViT, 17/25 vs CNN over 5 lobes x 5 folds)\n"
      "# note: p_sign: exact sign test (binomial, ties dropped), one-sided (xgb wins more often); p_sign_holm: Holm over "
      "the table's rows\n"
      "comparison,scope,region_folds,wins,losses,ties,win_rate,p_sign,p_sign_holm\n"
      "xgb vs cnn,lobes (2),4,2,1,1,0.5,0.5,1\n"
      "xgb vs cnn,all regions (2),4,2,1,1,0.5,0.5,1\n";
  expectGolden(readFile(reduce::tablesDir(config) / "T5_radiomics_vs_deep_wins.csv"), golden);
  // No gating, no baseline: T3 says why it has no numbers.
  EXPECT_NE(missingOf(table(config, "T3")).find("gate"), std::string::npos);
}

}  // namespace
}  // namespace ren::test
