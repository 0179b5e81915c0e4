// Oracle tests: our DeLong statistics against R's pROC (tests/data/proc/oracle.R), to 1e-9 relative.
// One Rscript run serves the whole suite: the C++ side writes generated data sets to a temporary
// directory, the R script adds pROC's aSAH data and writes pROC's numbers. When Rscript or pROC is
// missing the tests FAIL (install r-cran-proc; tools/install-deps.sh does it in CI).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ren/core/Csv.h"
#include "ren/core/Random.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/stats/DeLong.h"

#ifndef REN_RSCRIPT
#define REN_RSCRIPT "/usr/bin/Rscript"
#endif
#ifndef REN_TEST_DATA_DIR
#define REN_TEST_DATA_DIR REN_SOURCE_DIR "/tests/data"
#endif

using namespace ren::stats;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-9;  // relative

/// Labels and K score vectors scored on the same scans.
struct DataSet {
  std::string name;
  std::vector<int> labels;
  std::vector<std::vector<double>> models;
};

/// An unpaired comparison of model `firstModel` of one data set with `secondModel` of another
/// (1-based model numbers, as in the R script).
struct CrossComparison {
  std::string first;
  int firstModel;
  std::string second;
  int secondModel;
  std::string key() const {
    return first + ":" + std::to_string(firstModel) + "~" + second + ":" + std::to_string(secondModel);
  }
};

// ---- the generated data sets ----

/// `count` scans, three correlated models; scores rounded to `grid` (coarse grids give ties).
DataSet generated(const std::string& name, int count, double positiveRate, double grid, std::uint64_t seed) {
  ren::Rng rng(seed);
  DataSet d{name, {}, std::vector<std::vector<double>>(3)};
  for (int i = 0; i < count; ++i) {
    const int label = rng.bernoulli(positiveRate) ? 1 : 0;
    const double latent = rng.normal() + 1.0 * label;
    const double scores[3] = {latent + 0.6 * rng.normal(), 0.7 * latent + 0.8 * rng.normal(), 0.5 * label + rng.normal()};
    d.labels.push_back(label);
    for (int k = 0; k < 3; ++k) d.models[k].push_back(std::round(scores[k] / grid) * grid);
  }
  return d;
}

std::vector<DataSet> generatedDataSets() {
  std::vector<DataSet> sets;
  sets.push_back(generated("continuous", 240, 0.4, 1e-6, 101));  // practically no ties
  sets.push_back(generated("ties", 150, 0.5, 0.25, 102));         // heavy ties
  sets.push_back(generated("imbalanced", 300, 0.04, 1e-3, 103));  // about 12 positives
  sets.push_back(generated("large", 3000, 0.3, 1e-5, 104));
  {
    // Discrete 1..5 scores (like a WFNS grade).
    DataSet d = generated("discrete", 200, 0.45, 1.0, 105);
    for (auto& model : d.models) {
      for (double& v : model) v = std::clamp(v + 3.0, 1.0, 5.0);
    }
    sets.push_back(d);
  }
  {
    // Model 1 points the wrong way (AUC < 0.5 with direction "<").
    DataSet d = generated("reversed", 100, 0.5, 1e-4, 106);
    for (double& v : d.models[0]) v = -v;
    sets.push_back(d);
  }
  // The smallest allowed case: 3 positives, 4 negatives, with ties inside and across the classes.
  sets.push_back(DataSet{"small_m3_n4",
                         {1, 1, 1, 0, 0, 0, 0},
                         {{0.9, 0.4, 0.7, 0.3, 0.5, 0.1, 0.2},
                          {0.6, 0.8, 0.3, 0.35, 0.2, 0.7, 0.1},
                          {0.5, 0.5, 0.9, 0.5, 0.2, 0.6, 0.5}}});
  return sets;
}

std::vector<CrossComparison> crossComparisons() {
  return {{"continuous", 1, "ties", 2},
          {"small_m3_n4", 1, "imbalanced", 1},
          {"discrete", 3, "large", 2},
          {"reversed", 1, "continuous", 3}};
}

// ---- running the oracle ----

struct OracleRun {
  bool ok = false;
  std::string failure;                    ///< why there are no results
  std::map<std::string, double> values;   ///< "<dataset>/<quantity>" -> pROC's number
  DataSet asah;
  std::vector<DataSet> sets;
};

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string readText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeInputs(const fs::path& dir, const std::vector<DataSet>& sets) {
  std::ofstream data(dir / "datasets.csv");
  data << "dataset,label,s1,s2,s3\n";
  char buffer[64];
  for (const DataSet& d : sets) {
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
      data << d.name << ',' << d.labels[i];
      for (const auto& model : d.models) {
        std::snprintf(buffer, sizeof buffer, "%.17g", model[i]);
        data << ',' << buffer;
      }
      data << '\n';
    }
  }
  std::ofstream comparisons(dir / "comparisons.csv");
  comparisons << "first,first_model,second,second_model\n";
  for (const CrossComparison& c : crossComparisons()) {
    comparisons << c.first << ',' << c.firstModel << ',' << c.second << ',' << c.secondModel << '\n';
  }
}

DataSet readAsah(const fs::path& file) {
  const ren::CsvTable t = ren::readCsv(file);
  DataSet d{"aSAH", {}, std::vector<std::vector<double>>(3)};
  for (const auto& row : t.rows) {
    d.labels.push_back(static_cast<int>(*ren::parseInt(row[0])));
    for (int k = 0; k < 3; ++k) d.models[k].push_back(*ren::parseDouble(row[k + 1]));
  }
  return d;
}

OracleRun runOracle() {
  OracleRun run;
  run.sets = generatedDataSets();
  const fs::path script = fs::path(REN_TEST_DATA_DIR) / "proc" / "oracle.R";
  if (!fs::exists(REN_RSCRIPT)) {
    run.failure = std::string("Rscript not found at ") + REN_RSCRIPT +
                  ": install R and pROC (apt-get install r-base-core r-cran-proc; tools/install-deps.sh installs "
                  "r-cran-proc in CI)";
    return run;
  }
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  const fs::path dir =
      fs::temp_directory_path() / ("ren-proc-oracle-" + std::to_string(getpid()) + "-" + std::to_string(stamp));
  fs::create_directories(dir);
  writeInputs(dir, run.sets);
  const std::string command = quoted(REN_RSCRIPT) + " --vanilla " + quoted(script) + " " + quoted(dir) + " > " +
                              quoted(dir / "log.txt") + " 2>&1";
  const int status = std::system(command.c_str());
  const std::string log = readText(dir / "log.txt");
  if (status != 0 || !fs::exists(dir / "results.csv")) {
    const bool missingProc = log.find("pROC is not installed") != std::string::npos;
    run.failure = std::string(missingProc ? "R's pROC package is missing: install r-cran-proc "
                                            "(tools/install-deps.sh installs it in CI). "
                                          : "") +
                  "Command `" + command + "` " +
                  (WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                     : "ended abnormally (wait status " + std::to_string(status) + ")") +
                  ". Output:\n" + log;
    fs::remove_all(dir);
    return run;
  }
  const ren::CsvTable results = ren::readCsv(dir / "results.csv");
  for (const auto& row : results.rows) {
    const auto value = ren::parseDouble(row[2]);
    run.values[row[0] + "/" + row[1]] = value ? *value : std::nan("");
  }
  run.asah = readAsah(dir / "asah.csv");
  fs::remove_all(dir);
  run.ok = true;
  return run;
}

const OracleRun& oracle() {
  static const OracleRun run = runOracle();
  return run;
}

// ---- comparing ----

/// Largest relative error seen per kind of quantity, printed after the suite for the record.
std::map<std::string, double>& worstErrors() {
  static std::map<std::string, double> worst;
  return worst;
}

class WorstErrorReport : public ::testing::Environment {
 public:
  void TearDown() override {
    if (worstErrors().empty()) return;
    std::cout << "[ pROC oracle ] largest relative error per quantity:\n";
    for (const auto& [kind, error] : worstErrors()) std::cout << "    " << kind << ": " << error << "\n";
  }
};
::testing::Environment* const kWorstErrorReport = ::testing::AddGlobalTestEnvironment(new WorstErrorReport);

/// Expects ours == pROC's "<dataset>/<quantity>" to kTolerance relative (absolute when pROC's is 0).
void expectMatches(const OracleRun& run, const std::string& dataset, const std::string& quantity, double ours) {
  const std::string key = dataset + "/" + quantity;
  const auto it = run.values.find(key);
  ASSERT_NE(it, run.values.end()) << "pROC gave no " << key;
  const double theirs = it->second;
  ASSERT_TRUE(std::isfinite(theirs)) << "pROC's " << key << " is " << theirs;
  const double error = theirs == 0 ? std::abs(ours) : std::abs(ours - theirs) / std::abs(theirs);
  // The kind of quantity: the name without the model numbers (auc.2 -> auc, paired.Z.1.3 -> paired.Z).
  std::string kind = quantity;
  for (std::size_t dot = kind.rfind('.'); dot != std::string::npos && dot + 1 < kind.size() &&
                                          std::all_of(kind.begin() + static_cast<std::ptrdiff_t>(dot) + 1, kind.end(),
                                                      [](unsigned char c) { return std::isdigit(c) != 0; });
       dot = kind.rfind('.')) {
    kind.erase(dot);
  }
  double& worst = worstErrors()[kind];
  worst = std::max(worst, error);
  EXPECT_LE(error, kTolerance) << key << ": ours " << ours << ", pROC " << theirs;
}

/// Every quantity of the R script for one data set.
void expectDataSetMatches(const OracleRun& run, const DataSet& d) {
  SCOPED_TRACE("data set " + d.name);
  const std::size_t k = d.models.size();
  const DeLongEstimate e = delong(d.labels, d.models);
  for (std::size_t a = 0; a < k; ++a) {
    const std::string m = std::to_string(a + 1);
    expectMatches(run, d.name, "auc." + m, e.auc[a]);
    EXPECT_DOUBLE_EQ(e.auc[a], rocAuc(d.labels, d.models[a]));
    expectMatches(run, d.name, "var." + m, e.covariance[a][a]);
    const AucInterval ci = delongCi(d.labels, d.models[a]);
    expectMatches(run, d.name, "ci.lower." + m, ci.lower);
    expectMatches(run, d.name, "ci.upper." + m, ci.upper);
  }
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t b = a + 1; b < k; ++b) {
      const std::string pair = std::to_string(a + 1) + "." + std::to_string(b + 1);
      expectMatches(run, d.name, "cov." + pair, e.covariance[a][b]);
      const AucComparison paired = pairedDeLongTest(d.labels, d.models[a], d.models[b]);
      expectMatches(run, d.name, "paired.Z." + pair, paired.statistic);
      expectMatches(run, d.name, "paired.p." + pair, paired.pValue);
      expectMatches(run, d.name, "paired.lower." + pair, paired.lower);
      expectMatches(run, d.name, "paired.upper." + pair, paired.upper);
      const AucComparison unpaired = unpairedDeLongTest(d.labels, d.models[a], d.labels, d.models[b]);
      expectMatches(run, d.name, "unpaired.D." + pair, unpaired.statistic);
      expectMatches(run, d.name, "unpaired.df." + pair, unpaired.df);
      expectMatches(run, d.name, "unpaired.p." + pair, unpaired.pValue);
    }
  }
  const AucEqualityTest eq = delongEqualityTest(d.labels, d.models);
  expectMatches(run, d.name, "equality.chi2", eq.chiSquare);
  expectMatches(run, d.name, "equality.df", eq.df);
  expectMatches(run, d.name, "equality.p", eq.pValue);
}

const DataSet& dataSetNamed(const OracleRun& run, const std::string& name) {
  for (const DataSet& d : run.sets) {
    if (d.name == name) return d;
  }
  throw std::logic_error("no generated data set " + name);
}

#define REQUIRE_ORACLE(run) \
  const OracleRun& run = oracle(); \
  ASSERT_TRUE(run.ok) << run.failure

}  // namespace

TEST(ProcOracle, AsahGoldenValues) {
  // anchors.md section E: pROC's aSAH study, roc(aSAH$outcome, aSAH$<x>) (wfns, s100b, ndka).
  REQUIRE_ORACLE(run);
  const DataSet& a = run.asah;
  ASSERT_EQ(a.labels.size(), 113u);
  EXPECT_EQ(std::count(a.labels.begin(), a.labels.end(), 1), 41);  // "Poor" = cases
  const auto& wfns = a.models[0];
  const auto& s100b = a.models[1];
  const auto& ndka = a.models[2];
  const DeLongEstimate e = delong(a.labels, a.models);
  EXPECT_NEAR(e.auc[0], 0.8236788617886179, 1e-15);
  EXPECT_NEAR(e.auc[1], 0.7313685636856369, 1e-15);
  EXPECT_NEAR(e.auc[2], 0.6119579945799458, 1e-15);

  const AucComparison ws = pairedDeLongTest(a.labels, wfns, s100b);
  EXPECT_NEAR(ws.statistic, 2.20898359144091, 1e-13);
  EXPECT_NEAR(ws.pValue, 0.0271757822291882, 1e-15);
  EXPECT_NEAR(ws.lower, 0.0104061769564846, 1e-15);
  EXPECT_NEAR(ws.upper, 0.174214419249478, 1e-14);
  const AucComparison wn = pairedDeLongTest(a.labels, wfns, ndka);
  EXPECT_NEAR(wn.statistic, 2.79777591868904, 1e-13);
  EXPECT_NEAR(wn.pValue, 0.00514557970691098, 1e-16);
  const AucComparison ns = pairedDeLongTest(a.labels, ndka, s100b);
  EXPECT_NEAR(ns.statistic, -1.39077002573558, 1e-13);
  EXPECT_NEAR(ns.pValue, 0.164295175223054, 1e-14);

  const AucInterval ciS100b = delongCi(a.labels, s100b);
  EXPECT_NEAR(ciS100b.lower, 0.6301, 5e-5);
  EXPECT_NEAR(ciS100b.upper, 0.8326, 5e-5);
  const AucInterval ciWfns = delongCi(a.labels, wfns);
  EXPECT_NEAR(ciWfns.lower, 0.7485, 5e-5);
  EXPECT_NEAR(ciWfns.upper, 0.8988, 5e-5);

  const AucComparison uws = unpairedDeLongTest(a.labels, wfns, a.labels, s100b);
  EXPECT_NEAR(uws.statistic, 1.43490640926908, 1e-13);
  EXPECT_NEAR(uws.pValue, 0.152825378808796, 1e-14);
  const AucComparison uwn = unpairedDeLongTest(a.labels, wfns, a.labels, ndka);
  EXPECT_NEAR(uwn.statistic, 3.10125096778969, 1e-13);
  EXPECT_NEAR(uwn.pValue, 0.00220950791756457, 1e-16);
  const AucComparison uns = unpairedDeLongTest(a.labels, ndka, a.labels, s100b);
  EXPECT_NEAR(uns.statistic, -1.55995743389685, 1e-13);
  EXPECT_NEAR(uns.pValue, 0.120192832430845, 1e-14);
}

TEST(ProcOracle, AsahMatchesPRoc) {
  REQUIRE_ORACLE(run);
  expectDataSetMatches(run, run.asah);
}

// One test for all generated data sets (each ctest process runs R once; SCOPED_TRACE names the set).
TEST(ProcOracle, GeneratedDataSetsMatchPRoc) {
  REQUIRE_ORACLE(run);
  // The cases the data sets are meant to cover.
  const DataSet& reversed = dataSetNamed(run, "reversed");
  EXPECT_LT(delong(reversed.labels, {reversed.models[0]}).auc[0], 0.5);
  const DataSet& imbalanced = dataSetNamed(run, "imbalanced");
  EXPECT_LT(std::count(imbalanced.labels.begin(), imbalanced.labels.end(), 1), 20);
  for (const DataSet& d : run.sets) expectDataSetMatches(run, d);

  // Unpaired tests across data sets of different sizes.
  for (const CrossComparison& c : crossComparisons()) {
    SCOPED_TRACE(c.key());
    const DataSet& first = dataSetNamed(run, c.first);
    const DataSet& second = dataSetNamed(run, c.second);
    const AucComparison u = unpairedDeLongTest(first.labels, first.models[c.firstModel - 1], second.labels,
                                               second.models[c.secondModel - 1]);
    expectMatches(run, c.key(), "unpaired.D", u.statistic);
    expectMatches(run, c.key(), "unpaired.df", u.df);
    expectMatches(run, c.key(), "unpaired.p", u.pValue);
  }
}
