// Run-level tests of the gate stage (METHOD.md section 6) on a generated run (RunFixture.h): what it
// writes, the validation-only selection, the leakage rule (test labels change nothing but the test
// metrics), determinism and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "RunFixture.h"
#include "ren/core/AtomicFile.h"
#include "ren/core/CohortTable.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/RunLayout.h"
#include "ren/gating/GateStage.h"
#include "ren/gating/GatingRecord.h"
#include "ren/gating/GatingStrategy.h"
#include "ren/reduce/ReduceStage.h"
#include "ren/split/PatientSplit.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/train/TaskOutputs.h"
#include "support/TempDirTest.h"

namespace fs = std::filesystem;

namespace ren::test {
namespace {

const std::vector<std::string> kExpertArchs{"cnn", "vit", "mamba", "xgb"};
const std::vector<std::string> kGatedArchs{"cnn", "vit", "mamba", "xgb", "all"};
constexpr int kFolds = 5;

nlohmann::json readJson(const fs::path& path) { return nlohmann::json::parse(readFile(path)); }

/// The scans of one role of one fold of RUN/split.csv.
std::vector<std::string> splitScans(const Config& config, int fold, split::Role role) {
  std::vector<std::string> out;
  for (const auto& row : split::readSplitCsv(layout::splitCsv(config)).rows)
    if (row.fold == fold && row.role == role) out.push_back(row.scanId);
  return out;
}

/// The gating records of one fold (both files, every region set and architecture), relative to RUN/gating.
std::vector<fs::path> foldRecords(const Config& config, int fold) {
  std::vector<fs::path> out;
  const std::string suffix = "-f" + std::to_string(fold);
  for (const auto& f : filesUnder(gating::gatingDir(config))) {
    const std::string name = f.filename().string();
    const auto stem = name.substr(0, name.find('.'));
    if (stem.size() > suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0) out.push_back(f);
  }
  return out;
}

/// Rewrites every task predictions.csv of `fold` (and the cohort table) with the labels of `scans`
/// replaced by `relabel(old label)`. Probabilities are unchanged.
template <class F>
void relabel(const Config& config, int fold, const std::set<std::string>& scans, F relabelFn) {
  const std::string suffix = "-f" + std::to_string(fold);
  for (const auto& entry : fs::directory_iterator(layout::tasksDir(config))) {
    const std::string name = entry.path().filename().string();
    if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    auto predictions = train::readPredictions(entry.path() / "predictions.csv");
    for (auto& p : predictions)
      if (scans.count(p.scan.scanId)) p.scan.label = relabelFn(p.scan.label);
    train::writePredictions(entry.path() / "predictions.csv", predictions);
  }
  CohortTable cohort = readCohortTable(layout::cohortTable(config));
  for (auto& s : cohort.scans)
    if (scans.count(s.scanId)) s.label = relabelFn(s.label);
  writeCohortTable(layout::cohortTable(config), cohort);
}

double regionMass(const nlohmann::json& record, const nlohmann::json& weights, const std::set<std::string>& regions) {
  double mass = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const std::string expert = record["experts"][k].get<std::string>();
    if (regions.count(expert.substr(0, expert.find('-')))) mass += weights[k].get<double>();
  }
  return mass;
}

const nlohmann::json& strategyOf(const nlohmann::json& record, const std::string& name) {
  for (const auto& s : record["strategies"])
    if (s["name"] == name) return s;
  throw std::logic_error("no strategy " + name);
}

class GateStageRun : public ::testing::Test {
 protected:
  static const Config& run() { return gatedFakeRun(); }
};

class GateStageCopy : public TempDirTest {
 protected:
  GateStageCopy() : TempDirTest("ren_gate_run") {}
  static const Config& run() { return gatedFakeRun(); }
};

TEST_F(GateStageRun, WritesARecordPerRegionSetArchitectureAndFold) {
  const Config& config = run();
  const fs::path dir = gating::gatingDir(config);
  EXPECT_EQ(dir, fs::path(config.run.dir) / "gating");
  std::set<fs::path> expected;
  for (int k = 0; k < kFolds; ++k) {
    const std::string f = "-f" + std::to_string(k);
    for (const auto& arch : kGatedArchs) {
      expected.insert(arch + f + ".json");
      expected.insert(arch + f + ".predictions.csv");
      EXPECT_EQ(gating::gatingJsonPath(config, "all7", arch, k), dir / (arch + f + ".json"));
    }
    // The other region sets: one record per expert architecture (no cross-architecture "all").
    for (const std::string set : {"lobes", "lungs"})
      for (const auto& arch : kExpertArchs) {
        expected.insert(fs::path(set) / (arch + f + ".json"));
        expected.insert(fs::path(set) / (arch + f + ".predictions.csv"));
        EXPECT_EQ(gating::gatingPredictionsPath(config, set, arch, k), dir / set / (arch + f + ".predictions.csv"));
      }
  }
  const auto files = filesUnder(dir);
  EXPECT_EQ(std::set<fs::path>(files.begin(), files.end()), expected);
  EXPECT_EQ(files.size(), 5u * (5 + 4 + 4) * 2);
}

TEST_F(GateStageRun, EveryRecordHoldsTheElevenStrategiesAndTheValidationWinner) {
  const Config& config = run();
  const auto registryNames = gating::GatingStrategyRegistry::instance().names();
  ASSERT_EQ(registryNames.size(), 11u);
  const std::map<std::string, std::size_t> experts{{"all7", 7}, {"lobes", 5}, {"lungs", 2}};
  for (int k = 0; k < kFolds; ++k) {
    const auto valScans = splitScans(config, k, split::Role::Val);
    const auto testScans = splitScans(config, k, split::Role::Test);
    for (const auto& [set, count] : experts)
      for (const auto& arch : kGatedArchs) {
        if (arch == "all" && set != "all7") continue;
        SCOPED_TRACE(set + "/" + arch + "-f" + std::to_string(k));
        const auto record = readJson(gating::gatingJsonPath(config, set, arch, k));
        EXPECT_EQ(record["arch"], arch);
        EXPECT_EQ(record["region_set"], set);
        EXPECT_EQ(record["fold"], k);
        EXPECT_EQ(record["experts"].size(), arch == "all" ? 4 * count : count);
        EXPECT_EQ(record["validation"]["scans"], valScans.size());
        ASSERT_EQ(record["strategies"].size(), 11u);
        // The winner: the highest val_score among the available strategies, ties to the earlier one.
        std::size_t best = 0;
        double bestScore = -1;
        for (std::size_t i = 0; i < 11; ++i) {
          const auto& s = record["strategies"][i];
          EXPECT_EQ(s["name"], registryNames[i]);
          if (!s["available"].get<bool>()) continue;
          const double score = s["val_score"].get<double>();
          EXPECT_GE(score, 0.0);
          EXPECT_LE(score, 1.0);
          if (score > bestScore) {
            bestScore = score;
            best = i;
          }
          double sum = 0;
          ASSERT_EQ(s["weights"].size(), record["experts"].size());
          for (const auto& w : s["weights"]) {
            EXPECT_GE(w.get<double>(), 0.0);
            sum += w.get<double>();
          }
          EXPECT_NEAR(sum, 1.0, 1e-9) << s["name"];
        }
        const auto& winner = record["strategies"][best];
        EXPECT_EQ(record["selected"]["name"], winner["name"]);
        EXPECT_EQ(record["selected"]["val_score"], winner["val_score"]);
        EXPECT_EQ(record["selected"]["weights"], winner["weights"]);
        // Every strategy is available on this run (radiomics and xgb experts present).
        for (const auto& s : record["strategies"]) EXPECT_TRUE(s["available"].get<bool>()) << s["name"];

        // The ensemble predictions: validation then test scans of the fold, one column per strategy.
        const auto table = readCsv(gating::gatingPredictionsPath(config, set, arch, k));
        std::vector<std::string> header{"scan_id", "patient_id", "role", "label"};
        header.insert(header.end(), registryNames.begin(), registryNames.end());
        header.push_back("selected");
        EXPECT_EQ(table.header, header);
        ASSERT_EQ(table.rows.size(), valScans.size() + testScans.size());
        const int selectedColumn = table.column(winner["name"].get<std::string>());
        std::vector<int> testLabels;
        std::vector<double> testSelected;
        for (std::size_t i = 0; i < table.rows.size(); ++i) {
          const auto& r = table.rows[i];
          const bool val = i < valScans.size();
          EXPECT_EQ(r[0], val ? valScans[i] : testScans[i - valScans.size()]);
          EXPECT_EQ(r[2], val ? "val" : "test");
          EXPECT_EQ(r.back(), r[static_cast<std::size_t>(selectedColumn)]);
          if (!val) {
            testLabels.push_back(std::stoi(r[3]));
            testSelected.push_back(*parseDouble(r.back()));
          }
        }
        // The test metrics of the selected strategy are those of its predictions column.
        EXPECT_DOUBLE_EQ(record["test"][winner["name"].get<std::string>()]["auc"].get<double>(),
                         stats::rocAuc(testLabels, testSelected));
      }
  }
}

TEST_F(GateStageRun, BasalExpertsCarryMostOfThePerformanceWeights) {
  // The basal experts (LLL, RLL) are the informative ones of the fake run: the performance strategies
  // that concentrate weight on the best validation experts put most of it there.
  const Config& config = run();
  const std::set<std::string> basal{"LLL", "RLL"};
  for (int k = 0; k < kFolds; ++k)
    for (const auto& arch : kExpertArchs) {
      SCOPED_TRACE(arch + "-f" + std::to_string(k));
      const auto record = readJson(gating::gatingJsonPath(config, "all7", arch, k));
      EXPECT_GT(regionMass(record, strategyOf(record, "val_auc_softmax")["weights"], basal), 0.5);
      EXPECT_GT(regionMass(record, strategyOf(record, "learned_softmax")["weights"], basal), 0.5);
      // uniform: exactly 2/7 on them; val_auc_linear: more than that, as the basal AUCs are the highest.
      EXPECT_NEAR(regionMass(record, strategyOf(record, "uniform")["weights"], basal), 2.0 / 7.0, 1e-12);
      EXPECT_GT(regionMass(record, strategyOf(record, "val_auc_linear")["weights"], basal), 2.0 / 7.0);
      // Among the lobes alone as well.
      const auto lobes = readJson(gating::gatingJsonPath(config, "lobes", arch, k));
      EXPECT_GT(regionMass(lobes, strategyOf(lobes, "val_auc_softmax")["weights"], basal), 0.5);
    }
}

TEST_F(GateStageCopy, RunningTwiceGivesByteIdenticalFiles) {
  const Config& config = run();
  const Config again = copyRun(config, dir_ / "again");
  fs::remove_all(gating::gatingDir(again));
  gating::runGateStage(again);
  const auto first = filesUnder(gating::gatingDir(config));
  const auto second = filesUnder(gating::gatingDir(again));
  ASSERT_EQ(first, second);
  ASSERT_FALSE(first.empty());
  for (const auto& f : first)
    EXPECT_EQ(readFile(gating::gatingDir(config) / f), readFile(gating::gatingDir(again) / f)) << f;
}

// The leakage rule of METHOD.md section 4: test labels are only used for the final metrics. Flipping
// every test label of a fold (in every task's predictions and in the cohort table) may change the
// records' "test" objects and the label column of their test rows, and nothing else. Only that fold
// is gated again (train.folds): its test scans are training scans of the other folds, where their
// labels legitimately matter (the radiomics standardisation by training controls).
TEST_F(GateStageCopy, TestLabelsChangeNothingButTheTestMetrics) {
  const Config& config = run();
  constexpr int kFold = 2;
  const Config flipped = copyRun(config, dir_ / "flipped", {"train.folds=" + std::to_string(kFold)});
  fs::remove_all(gating::gatingDir(flipped));
  const auto testScans = splitScans(config, kFold, split::Role::Test);
  relabel(flipped, kFold, std::set<std::string>(testScans.begin(), testScans.end()), [](int l) { return 1 - l; });
  gating::runGateStage(flipped);

  const auto records = foldRecords(config, kFold);
  ASSERT_EQ(records.size(), 13u * 2);
  EXPECT_EQ(filesUnder(gating::gatingDir(flipped)), records);  // train.folds: only that fold is gated
  for (const auto& f : records) {
    SCOPED_TRACE(f.string());
    const fs::path a = gating::gatingDir(config) / f, b = gating::gatingDir(flipped) / f;
    if (f.extension() == ".json") {
      auto ja = readJson(a), jb = readJson(b);
      // The test metrics did see the flipped labels (AUC -> 1 - AUC) ...
      const std::string selected = ja["selected"]["name"].get<std::string>();
      EXPECT_NEAR(jb["test"][selected]["auc"].get<double>(), 1.0 - ja["test"][selected]["auc"].get<double>(), 1e-12);
      // ... and nothing else changed: weights, parameters, scores, selection.
      ja.erase("test");
      jb.erase("test");
      const auto patch = nlohmann::json::diff(ja, jb);  // the paths that differ, e.g. /strategies/7/weights/0
      EXPECT_TRUE(patch.empty()) << patch.dump().substr(0, 2000);
    } else {
      const auto ta = readCsv(a), tb = readCsv(b);
      ASSERT_EQ(ta.header, tb.header);
      ASSERT_EQ(ta.rows.size(), tb.rows.size());
      std::size_t flippedRows = 0;
      for (std::size_t i = 0; i < ta.rows.size(); ++i) {
        auto ra = ta.rows[i], rb = tb.rows[i];
        if (ra[2] == "test") {
          EXPECT_EQ(rb[3], ra[3] == "1" ? "0" : "1") << ra[0];
          ra[3] = rb[3];
          ++flippedRows;
        }
        EXPECT_EQ(ra, rb);
      }
      EXPECT_EQ(flippedRows, testScans.size());
    }
  }
}

// The control of the leakage test: the same comparison does see a change upstream of the test
// metrics -- one validation label flipped changes the validation scores and weights.
TEST_F(GateStageCopy, AValidationLabelChangesTheRecords) {
  const Config& config = run();
  constexpr int kFold = 2;
  const Config flipped = copyRun(config, dir_ / "val-flipped", {"train.folds=" + std::to_string(kFold),
                                                                "gating.region_sets=all7"});
  fs::remove_all(gating::gatingDir(flipped));
  const auto valScans = splitScans(config, kFold, split::Role::Val);
  relabel(flipped, kFold, {valScans.front()}, [](int l) { return 1 - l; });
  gating::runGateStage(flipped);
  for (const auto& arch : kGatedArchs) {
    auto ja = readJson(gating::gatingJsonPath(config, "all7", arch, kFold));
    auto jb = readJson(gating::gatingJsonPath(flipped, "all7", arch, kFold));
    EXPECT_NE(strategyOf(ja, "val_auc_linear")["weights"], strategyOf(jb, "val_auc_linear")["weights"]) << arch;
    EXPECT_NE(strategyOf(ja, "inverse_val_loss")["weights"], strategyOf(jb, "inverse_val_loss")["weights"]) << arch;
    EXPECT_NE(ja["validation"]["positives"], jb["validation"]["positives"]) << arch;
  }
}

// ---------------------------------------------------------------------------------------------------
// Errors, on a smaller run (two expert architectures, one fold gated).

class GateStageErrors : public TempDirTest {
 protected:
  GateStageErrors() : TempDirTest("ren_gate_errors") {}
  Config smallRun(std::vector<std::string> overrides) {
    FakeRunOptions options;
    options.patients = 40;
    options.experts = "cnn,xgb";
    options.overrides = std::move(overrides);
    return writeFakeRun(dir_ / "run", options);
  }
};

TEST_F(GateStageErrors, MissingPredictionsNameTheTaskDirectory) {
  const Config config = smallRun({"train.folds=1", "gating.region_sets=all7"});
  const fs::path task = layout::tasksDir(config) / "RLL-cnn-f1";
  fs::remove(task / "predictions.csv");
  try {
    gating::runGateStage(config);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((task / "predictions.csv").string()), std::string::npos) << m;
    EXPECT_NE(m.find("missing"), std::string::npos) << m;
  }
}

TEST_F(GateStageErrors, UnknownStrategyIsAConfigErrorListingTheAllowedNames) {
  const Config config = smallRun({"gating.strategies=uniform,val_auc_magic"});
  try {
    gating::runGateStage(config);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("val_auc_magic"), std::string::npos) << m;
    for (const auto& name : gating::GatingStrategyRegistry::instance().names())
      EXPECT_NE(m.find(name), std::string::npos) << name << " not in: " << m;
  }
  EXPECT_FALSE(fs::exists(gating::gatingDir(config)));  // refused before any work
  EXPECT_EQ(gating::gatingStrategyNames(withOverrides(config, {"gating.strategies=radiomics_gate, uniform"})),
            (std::vector<std::string>{"radiomics_gate", "uniform"}));
}

TEST_F(GateStageErrors, ValidationWithoutAClassNamesTheFold) {
  const Config config = smallRun({"train.folds=3", "gating.region_sets=all7"});
  const auto val = splitScans(config, 3, split::Role::Val);
  relabel(config, 3, std::set<std::string>(val.begin(), val.end()), [](int) { return 0; });
  try {
    gating::runGateStage(config);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("fold 3"), std::string::npos) << m;
    EXPECT_NE(m.find("validation"), std::string::npos) << m;
    EXPECT_NE(m.find("class"), std::string::npos) << m;
  }
}

TEST_F(GateStageErrors, WithoutRadiomicsTheFeatureStrategiesAreUnavailable) {
  const Config config = smallRun({"train.folds=0", "gating.region_sets=all7"});
  fs::remove(layout::radiomicsCsv(config));
  gating::runGateStage(config);
  const auto record = readJson(gating::gatingJsonPath(config, "all7", "cnn", 0));
  for (const std::string name : {"magnitude_based", "radiomics_gate"}) {
    const auto& s = strategyOf(record, name);
    EXPECT_FALSE(s["available"].get<bool>()) << name;
    EXPECT_FALSE(s["unavailable_reason"].get<std::string>().empty()) << name;
    EXPECT_FALSE(record["test"].contains(name)) << name;
  }
  // radiomics_power reads the xgb experts' validation AUCs, not the feature table.
  EXPECT_TRUE(strategyOf(record, "radiomics_power")["available"].get<bool>());
  EXPECT_NE(record["selected"]["name"], "magnitude_based");
  const auto table = readCsv(gating::gatingPredictionsPath(config, "all7", "cnn", 0));
  EXPECT_EQ(table.column("radiomics_gate"), -1);
  // Columns: the 4 ids, every available strategy, selected. The 9 strategies that need no feature
  // table are available unless inner cross-validation is impossible on this small fold.
  std::size_t available = 0;
  for (const auto& s : record["strategies"]) available += s["available"].get<bool>() ? 1 : 0;
  EXPECT_GE(available, 5u);
  EXPECT_LE(available, 9u);
  EXPECT_EQ(table.header.size(), 4u + available + 1u);
  // T2 of such a run marks them unavailable, with no score and no test AUCs.
  reduce::runReduce(config);
  std::string rows;
  {
    std::istringstream in(readFile(reduce::tablesDir(config) / "T2_gating_strategies.csv"));
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# ", 0) != 0) rows += line + "\n";
  }
  const auto t2 = parseCsv(rows, "T2");
  for (std::size_t i = 0; i < t2.rows.size(); ++i) {
    const auto& r = t2.rows[i];
    if (r[0] != "cnn" || (r[1] != "magnitude_based" && r[1] != "radiomics_gate")) continue;
    EXPECT_EQ(r[static_cast<std::size_t>(t2.column("scoring"))], "unavailable") << r[1];
    EXPECT_EQ(r[static_cast<std::size_t>(t2.column("val_score_mean"))], "") << r[1];
    EXPECT_EQ(r[static_cast<std::size_t>(t2.column("auc_f0"))], "") << r[1];
  }
}

}  // namespace
}  // namespace ren::test
