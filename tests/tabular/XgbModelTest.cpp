#include "ren/tabular/XgbModel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "support/TempDirTest.h"

namespace fs = std::filesystem;
using ren::tabular::TabularData;
using ren::tabular::XgbModel;
using ren::tabular::XgbParams;

namespace {

constexpr int kCols = 10;

/// `rows` x 10 standard-normal features. With `signal`, the label is 1 when
/// 1.5 * x0 - 1.5 * x3 + N(0, 0.3) > 0 (two informative features plus noise); otherwise the label
/// is a fair coin independent of the features. A fraction `missing` of the other features is NaN.
TabularData makeData(int rows, std::uint64_t seed, bool signal, double missing = 0.0) {
  ren::Rng rng(seed);
  TabularData d;
  d.rows = rows;
  d.cols = kCols;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < kCols; ++c) {
      const double x = rng.normal();
      const bool isMissing = c != 0 && c != 3 && rng.uniform() < missing;
      d.values.push_back(isMissing ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(x));
    }
    const float* row = &d.values[static_cast<std::size_t>(r) * kCols];
    d.labels.push_back(signal ? (1.5 * row[0] - 1.5 * row[3] + rng.normal(0.0, 0.3) > 0 ? 1 : 0)
                              : (rng.bernoulli(0.5) ? 1 : 0));
  }
  return d;
}

/// Rows [begin, end) of `d`.
TabularData slice(const TabularData& d, int begin, int end) {
  TabularData s;
  s.rows = end - begin;
  s.cols = d.cols;
  s.values.assign(d.values.begin() + static_cast<std::ptrdiff_t>(begin) * d.cols,
                  d.values.begin() + static_cast<std::ptrdiff_t>(end) * d.cols);
  if (!d.labels.empty()) s.labels.assign(d.labels.begin() + begin, d.labels.begin() + end);
  return s;
}

/// Mann-Whitney AUC by counting pairs (ties 1/2); independent of ren_stats on purpose.
double pairAuc(const std::vector<int>& labels, const std::vector<double>& scores) {
  double wins = 0, pairs = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (std::size_t j = 0; j < labels.size(); ++j) {
      if (labels[i] == 1 && labels[j] == 0) {
        pairs += 1;
        wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
      }
    }
  }
  return wins / pairs;
}

XgbParams smallParams() {
  XgbParams p;
  p.trees = 50;
  p.maxDepth = 3;
  p.eta = 0.1;
  p.earlyStoppingRounds = 5;
  p.seed = 7;
  p.threads = 1;
  return p;
}

/// A model that early-stopped on pure-noise labels (so its best round is not its last).
XgbModel noiseModel() {
  const TabularData data = makeData(200, 11, false);
  XgbModel model;
  XgbParams params = smallParams();
  params.eta = 0.3;
  params.maxDepth = 4;
  model.train(slice(data, 0, 140), slice(data, 140, 200), params);
  return model;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class XgbModelTest : public ren::test::TempDirTest {
 protected:
  XgbModelTest() : TempDirTest("ren_xgb") {}
};

}  // namespace

TEST(XgbModel, SeparatesHeldOutRows) {
  const TabularData data = makeData(200, 1, true, 0.05);
  XgbModel model;
  XgbParams params = smallParams();
  params.earlyStoppingRounds = 0;
  model.train(slice(data, 0, 120), slice(data, 120, 160), params);
  EXPECT_EQ(model.bestIteration(), params.trees - 1);  // no early stopping: the last round
  EXPECT_EQ(model.trainCurve().size(), static_cast<std::size_t>(params.trees));
  EXPECT_EQ(model.validationCurve().size(), static_cast<std::size_t>(params.trees));
  EXPECT_LT(model.trainCurve().back(), model.trainCurve().front());

  const TabularData test = slice(data, 160, 200);
  const std::vector<double> p = model.predict(test);
  ASSERT_EQ(p.size(), 40u);
  for (double v : p) {
    EXPECT_GT(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
  const double auc = pairAuc(test.labels, p);
  EXPECT_GT(auc, 0.9) << "held-out AUC " << auc;
}

TEST(XgbModel, WithoutValidationUsesEveryRound) {
  const TabularData data = makeData(80, 2, true);
  XgbModel model;
  XgbParams params = smallParams();
  params.trees = 8;
  model.train(data, TabularData{}, params);
  EXPECT_EQ(model.bestIteration(), 7);
  EXPECT_TRUE(model.validationCurve().empty());
  EXPECT_EQ(model.trainCurve().size(), 8u);
}

TEST(XgbModel, EarlyStoppingOnNoiseLabels) {
  const XgbModel model = noiseModel();
  const auto& curve = model.validationCurve();
  const int rounds = static_cast<int>(curve.size());
  EXPECT_LT(rounds, 50);
  EXPECT_EQ(model.trainCurve().size(), curve.size());
  EXPECT_LT(model.bestIteration(), rounds - 1);
  // Stopped exactly `earlyStoppingRounds` rounds after the best one, which is the first minimum.
  EXPECT_EQ(rounds, model.bestIteration() + 5 + 1);
  const double best = curve[static_cast<std::size_t>(model.bestIteration())];
  for (int r = 0; r < rounds; ++r) {
    if (r < model.bestIteration()) EXPECT_GT(curve[static_cast<std::size_t>(r)], best) << "round " << r;
    if (r > model.bestIteration()) EXPECT_GE(curve[static_cast<std::size_t>(r)], best) << "round " << r;
  }
}

TEST(XgbModel, SameSeedAndDataGiveIdenticalPredictions) {
  const TabularData data = makeData(200, 3, true, 0.05);
  XgbModel a, b;
  a.train(slice(data, 0, 120), slice(data, 120, 160), smallParams());
  b.train(slice(data, 0, 120), slice(data, 120, 160), smallParams());
  EXPECT_EQ(a.bestIteration(), b.bestIteration());
  EXPECT_EQ(a.validationCurve(), b.validationCurve());
  const TabularData test = slice(data, 160, 200);
  const std::vector<double> pa = a.predict(test), pb = b.predict(test);
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(pa[i], pb[i]) << "row " << i;  // bitwise
}

TEST(XgbModel, RejectsBadTrainingData) {
  TabularData oneClass = makeData(50, 4, true);
  std::fill(oneClass.labels.begin(), oneClass.labels.end(), 1);
  XgbModel model;
  EXPECT_THROW(model.train(oneClass, TabularData{}, smallParams()), ren::InputError);

  TabularData badShape = makeData(50, 4, true);
  badShape.values.pop_back();
  EXPECT_THROW(model.train(badShape, TabularData{}, smallParams()), ren::InputError);

  TabularData badLabel = makeData(50, 4, true);
  badLabel.labels[3] = 2;
  EXPECT_THROW(model.train(badLabel, TabularData{}, smallParams()), ren::InputError);

  const TabularData good = makeData(50, 4, true);
  TabularData narrowValidation = makeData(20, 5, true);
  narrowValidation.cols = 5;
  narrowValidation.values.resize(20 * 5);
  EXPECT_THROW(model.train(good, narrowValidation, smallParams()), ren::InputError);

  XgbParams badParams = smallParams();
  badParams.trees = 0;
  EXPECT_THROW(model.train(good, TabularData{}, badParams), ren::ConfigError);

  EXPECT_THROW(model.predict(good), std::runtime_error);  // never trained
}

TEST_F(XgbModelTest, SaveLoadRoundtripGivesIdenticalPredictions) {
  const XgbModel model = noiseModel();
  const fs::path path = dir_ / "models" / "xgb.json";
  model.saveJson(path);
  ASSERT_TRUE(fs::exists(path));
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    EXPECT_EQ(entry.path().filename(), "xgb.json") << "left behind: " << entry.path();
  }
  const XgbModel loaded = XgbModel::loadJson(path);
  EXPECT_EQ(loaded.bestIteration(), model.bestIteration());
  const TabularData rows = makeData(30, 12, false, 0.1);
  const std::vector<double> before = model.predict(rows), after = loaded.predict(rows);
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i], after[i]) << "row " << i;

  TabularData wrongWidth = rows;
  wrongWidth.cols = 5;
  wrongWidth.values.resize(30 * 5);
  EXPECT_THROW(loaded.predict(wrongWidth), ren::InputError);
}

TEST_F(XgbModelTest, LoadingMissingOrCorruptFileNamesTheFile) {
  const fs::path missing = dir_ / "absent.json";
  try {
    XgbModel::loadJson(missing);
    FAIL() << "no exception for a missing file";
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }

  const fs::path garbage = dir_ / "garbage.json";
  std::ofstream(garbage) << "this is not a model {";
  const fs::path truncated = dir_ / "truncated.json";
  noiseModel().saveJson(truncated);
  const std::string full = readText(truncated);
  std::ofstream(truncated, std::ios::trunc) << full.substr(0, full.size() / 2);
  for (const fs::path& corrupt : {garbage, truncated}) {
    try {
      XgbModel::loadJson(corrupt);
      ADD_FAILURE() << "no exception for " << corrupt;
    } catch (const ren::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(corrupt.string()), std::string::npos) << e.what();
    }
  }
}

TEST_F(XgbModelTest, PythonXgboostReproducesPredictions) {
  const XgbModel model = noiseModel();
  ASSERT_LT(model.bestIteration(), static_cast<int>(model.validationCurve().size()) - 1);
  const fs::path modelPath = dir_ / "model.json";
  model.saveJson(modelPath);

  const TabularData rows = makeData(25, 13, false, 0.1);
  const fs::path csvPath = dir_ / "rows.csv";
  {
    std::ofstream csv(csvPath);
    for (std::int64_t r = 0; r < rows.rows; ++r) {
      for (std::int64_t c = 0; c < rows.cols; ++c) {
        const float v = rows.values[static_cast<std::size_t>(r * rows.cols + c)];
        char buf[32];
        if (std::isnan(v)) {
          std::snprintf(buf, sizeof buf, "nan");
        } else {
          std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));  // round-trips a float
        }
        csv << (c ? "," : "") << buf;
      }
      csv << "\n";
    }
  }
  const fs::path scriptPath = dir_ / "predict.py";
  std::ofstream(scriptPath) << R"(import sys
import numpy as np
import xgboost as xgb
booster = xgb.Booster(model_file=sys.argv[1])
best = int(booster.attr("best_iteration"))
rows = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float32, ndmin=2)
p = booster.predict(xgb.DMatrix(rows), iteration_range=(0, best + 1))
print(best)
for v in p:
    print(repr(float(v)))
)";
  const fs::path outPath = dir_ / "python.txt";
  const std::string command = std::string("'") + REN_PYTHON + "' '" + scriptPath.string() + "' '" +
                              modelPath.string() + "' '" + csvPath.string() + "' > '" + outPath.string() + "' 2>&1";
  const int rc = std::system(command.c_str());
  const std::string output = readText(outPath);
  ASSERT_EQ(rc, 0) << "Python xgboost check failed (" << REN_PYTHON << "):\n" << output;

  std::istringstream in(output);
  int pythonBest = -1;
  ASSERT_TRUE(in >> pythonBest) << output;
  EXPECT_EQ(pythonBest, model.bestIteration());
  const std::vector<double> ours = model.predict(rows);
  std::vector<double> theirs;
  for (double v; in >> v;) theirs.push_back(v);
  ASSERT_EQ(theirs.size(), ours.size()) << output;
  for (std::size_t i = 0; i < ours.size(); ++i) EXPECT_NEAR(theirs[i], ours[i], 1e-6) << "row " << i;
}
