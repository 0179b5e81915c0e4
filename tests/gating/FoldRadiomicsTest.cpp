// foldRadiomics: the abnormality (mean |z| by the training controls) and the gate inputs
// (standardised, PCA-reduced, unit variance on the training scans) of one fold, checked on a small
// hand-made feature table.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/core/Regions.h"
#include "ren/gating/FoldRadiomics.h"

namespace ren::gating {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kFeatures = 3;  // a, b, c

/// Feature values per (scan, region): random by default, some set by hand below.
struct HandTable {
  std::vector<std::string> scans;
  std::map<std::string, std::vector<std::vector<double>>> values;  // scan -> region -> features

  radiomics::FeatureTable table() const {
    radiomics::FeatureTable t;
    t.featureNames = {"original_firstorder_A", "original_firstorder_B", "original_glcm_C"};
    for (const auto& scan : scans)
      for (int r = 0; r < kRegionCount; ++r) {
        radiomics::FeatureTableRow row;
        row.scanId = scan;
        row.region = std::string(kRegions[r].name);
        row.voxelCount = 1000;
        row.values = values.at(scan)[r];
        t.rows.push_back(row);
      }
    return t;
  }
};

// Scans: training T0..T4 (controls) and T5..T7 (label 1), validation V0, V1, test S0, S1, and X,
// a scan of the table outside the fold.
const std::vector<std::string> kTrainControls{"T0", "T1", "T2", "T3", "T4"};
const std::vector<std::string> kTrainPositives{"T5", "T6", "T7"};

train::TaskData handFold() {
  train::TaskData fold;
  fold.foldCount = 5;
  for (std::size_t i = 0; i < kTrainControls.size(); ++i)
    fold.train.push_back({kTrainControls[i], "P" + std::to_string(i), 0});
  for (std::size_t i = 0; i < kTrainPositives.size(); ++i)
    fold.train.push_back({kTrainPositives[i], "Q" + std::to_string(i), 1});
  fold.val = {{"V0", "PV0", 1}, {"V1", "PV1", 0}};
  fold.test = {{"S0", "PS0", 1}, {"S1", "PS1", 0}};
  return fold;
}

HandTable handTable() {
  HandTable h;
  h.scans = {"T0", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "V0", "V1", "S0", "S1", "X"};
  Rng rng(99);
  for (const auto& s : h.scans) {
    auto& regions = h.values[s];
    regions.assign(kRegionCount, std::vector<double>(kFeatures));
    for (auto& f : regions)
      for (double& v : f) v = rng.normal(0.0, 2.0);
  }
  // Region 0 (LUL) among the controls: a = 1..5 (mean 3, sd sqrt 2.5), b = 10..18 step 2 (mean 14,
  // sd sqrt 10), c = 7 for every control (constant: left out of the abnormality).
  for (std::size_t i = 0; i < kTrainControls.size(); ++i)
    h.values[kTrainControls[i]][0] = {1.0 + static_cast<double>(i), 10.0 + 2.0 * static_cast<double>(i), 7.0};
  h.values["T5"][0][2] = 9.0;
  h.values["T6"][0][2] = 11.0;
  h.values["T7"][0][2] = 13.0;
  h.values["V0"][0] = {6.0, 8.0, 100.0};
  h.values["V1"][0] = {kNaN, 20.0, 7.0};  // a missing: the mean runs over b alone (c is left out)
  // Region 5 (LEFT) among the controls: a = {0,1,0,1,3} (mean 1, sd sqrt 1.5), b missing but for one
  // control (left out), c = {1,3,1,3,2} (mean 2, sd 1).
  const double left[5][3] = {{0, 5, 1}, {1, kNaN, 3}, {0, kNaN, 1}, {1, kNaN, 3}, {3, kNaN, 2}};
  for (std::size_t i = 0; i < kTrainControls.size(); ++i)
    h.values[kTrainControls[i]][5] = {left[i][0], left[i][1], left[i][2]};
  for (const auto& s : kTrainPositives) h.values[s][5][1] = kNaN;  // b: one finite training value only
  h.values["V0"][5] = {4.0, 1000.0, 5.0};
  // Region 3 (RML) feature a: constant over every training scan (unusable for the gate too).
  for (const auto& s : kTrainControls) h.values[s][3][0] = 42.0;
  for (const auto& s : kTrainPositives) h.values[s][3][0] = 42.0;
  return h;
}

TEST(FoldRadiomics, AbnormalityIsMeanAbsoluteZByTrainingControls) {
  const auto out = foldRadiomics(handTable().table(), handFold(), 3);
  ASSERT_EQ(out.abnormality.cols, 7u);
  ASSERT_EQ(out.abnormality.rows, 13u);
  const auto v0 = out.rowOf.at("V0"), v1 = out.rowOf.at("V1"), t0 = out.rowOf.at("T0");
  // Region 0: c is constant among the controls and left out (V0's c = 100 does not count).
  EXPECT_NEAR(out.abnormality(v0, 0), (3.0 / std::sqrt(2.5) + 6.0 / std::sqrt(10.0)) / 2.0, 1e-12);
  EXPECT_NEAR(out.abnormality(t0, 0), (2.0 / std::sqrt(2.5) + 4.0 / std::sqrt(10.0)) / 2.0, 1e-12);
  EXPECT_NEAR(out.abnormality(v1, 0), 6.0 / std::sqrt(10.0), 1e-12);  // its a is missing
  // Region 5: b is missing among the controls and left out (V0's b = 1000 does not count).
  EXPECT_NEAR(out.abnormality(v0, 5), (3.0 / std::sqrt(1.5) + 3.0) / 2.0, 1e-12);
  // Label-1 training scans do not enter the statistics: region 0's a for T5 is random, yet T0's
  // value above only used the controls; T5's own abnormality uses the same control statistics.
  const auto t5 = out.rowOf.at("T5");
  const auto h = handTable();
  const auto& t5v = h.values.at("T5")[0];
  EXPECT_NEAR(out.abnormality(t5, 0),
              (std::abs(t5v[0] - 3.0) / std::sqrt(2.5) + std::abs(t5v[1] - 14.0) / std::sqrt(10.0)) / 2.0, 1e-12);
  for (double a : out.abnormality.data) {
    EXPECT_TRUE(std::isfinite(a));
    EXPECT_GE(a, 0.0);
  }
}

TEST(FoldRadiomics, RowOfCoversEveryScanOfTheTable) {
  const auto out = foldRadiomics(handTable().table(), handFold(), 3);
  EXPECT_FALSE(out.empty());
  ASSERT_EQ(out.rowOf.size(), 13u);
  EXPECT_EQ(out.rowOf.count("X"), 1u);  // outside the fold, still in the matrices
  std::vector<bool> used(13, false);
  for (const auto& [scan, row] : out.rowOf) {
    ASSERT_LT(row, 13u) << scan;
    EXPECT_FALSE(used[row]) << scan;
    used[row] = true;
  }
}

/// Mean and sample variance (ddof 1) of column c over `rows`.
std::pair<double, double> meanVariance(const Matrix& m, const std::vector<std::size_t>& rows, std::size_t c) {
  double mean = 0;
  for (std::size_t r : rows) mean += m(r, c) / static_cast<double>(rows.size());
  double var = 0;
  for (std::size_t r : rows) var += (m(r, c) - mean) * (m(r, c) - mean) / static_cast<double>(rows.size() - 1);
  return {mean, var};
}

std::vector<std::size_t> trainRowsOf(const FoldRadiomics& out) {
  std::vector<std::size_t> rows;
  for (const auto& s : kTrainControls) rows.push_back(out.rowOf.at(s));
  for (const auto& s : kTrainPositives) rows.push_back(out.rowOf.at(s));
  return rows;
}

TEST(FoldRadiomics, GateInputsHaveUnitVarianceOnTrainingScansAndAtMostGateDims) {
  for (int gateDims : {1, 3, 5}) {
    const auto out = foldRadiomics(handTable().table(), handFold(), gateDims);
    EXPECT_EQ(out.dims, static_cast<std::size_t>(gateDims));  // 8 training scans, 19 usable columns
    ASSERT_EQ(out.gateInputs.cols, out.dims);
    ASSERT_EQ(out.gateInputs.rows, 13u);
    const auto train = trainRowsOf(out);
    for (std::size_t c = 0; c < out.dims; ++c) {
      const auto [mean, var] = meanVariance(out.gateInputs, train, c);
      EXPECT_NEAR(mean, 0.0, 1e-10) << "dims " << gateDims << " column " << c;
      EXPECT_NEAR(var, 1.0, 1e-9) << "dims " << gateDims << " column " << c;
      for (std::size_t d = 0; d < c; ++d) {  // uncorrelated on the training scans
        double cov = 0;
        for (std::size_t r : train) cov += out.gateInputs(r, c) * out.gateInputs(r, d) / 7.0;
        EXPECT_NEAR(cov, 0.0, 1e-8);
      }
    }
    for (double v : out.gateInputs.data) EXPECT_TRUE(std::isfinite(v));
  }
  // 32 asked: capped by the 8 training scans (rank <= 7).
  const auto wide = foldRadiomics(handTable().table(), handFold(), 32);
  EXPECT_LE(wide.dims, 7u);
  EXPECT_GE(wide.dims, 1u);
  EXPECT_EQ(wide.gateInputs.cols, wide.dims);
}

TEST(FoldRadiomics, OnlyTrainingScansSetTheStatistics) {
  const auto base = foldRadiomics(handTable().table(), handFold(), 3);
  // Changing every validation and test scan's features changes their own rows only.
  auto h = handTable();
  for (const char* s : {"V0", "V1", "S0", "S1", "X"})
    for (auto& region : h.values[s])
      for (double& v : region) v = v * 3.0 + 1.0;
  const auto moved = foldRadiomics(h.table(), handFold(), 3);
  ASSERT_EQ(moved.dims, base.dims);
  for (const auto& s : {"T0", "T3", "T5", "T7"}) {
    const auto r = base.rowOf.at(s);
    for (std::size_t c = 0; c < base.dims; ++c) EXPECT_EQ(moved.gateInputs(r, c), base.gateInputs(r, c)) << s;
    for (std::size_t c = 0; c < 7; ++c) EXPECT_EQ(moved.abnormality(r, c), base.abnormality(r, c)) << s;
  }
  const auto v0 = base.rowOf.at("V0");
  EXPECT_NE(moved.gateInputs(v0, 0), base.gateInputs(v0, 0));
  EXPECT_NE(moved.abnormality(v0, 0), base.abnormality(v0, 0));
}

TEST(FoldRadiomics, FeaturesConstantInTrainingAreLeftOutOfTheGate) {
  const auto base = foldRadiomics(handTable().table(), handFold(), 3);
  const auto v0 = base.rowOf.at("V0");
  // Region 3's a is constant over the training scans: V0's value does not reach the gate.
  auto h = handTable();
  h.values["V0"][3][0] = 1e6;
  const auto constant = foldRadiomics(h.table(), handFold(), 3);
  for (std::size_t c = 0; c < base.dims; ++c) EXPECT_EQ(constant.gateInputs(v0, c), base.gateInputs(v0, c));
  // Region 5's b has one finite training value: left out too.
  h = handTable();
  h.values["V0"][5][1] = -1e6;
  const auto missing = foldRadiomics(h.table(), handFold(), 3);
  for (std::size_t c = 0; c < base.dims; ++c) EXPECT_EQ(missing.gateInputs(v0, c), base.gateInputs(v0, c));
  // A usable feature does reach it (the check above can fail).
  h = handTable();
  h.values["V0"][3][1] += 50.0;
  const auto usable = foldRadiomics(h.table(), handFold(), 3);
  double change = 0;
  for (std::size_t c = 0; c < base.dims; ++c) change += std::abs(usable.gateInputs(v0, c) - base.gateInputs(v0, c));
  EXPECT_GT(change, 1e-3);
}

TEST(FoldRadiomics, CollinearFeaturesGiveNoMoreGateDimsThanTheirRank) {
  // Every region and feature is an affine function of one number per scan: rank 1. Components
  // beyond it would be rounding noise blown up to unit variance; they are left out.
  auto h = handTable();
  for (const auto& s : h.scans) {
    const double a = h.values[s][0][0];
    for (auto& region : h.values[s]) region = {a, 2.0 * a + 1.0, -a};
  }
  const auto out = foldRadiomics(h.table(), handFold(), 5);
  ASSERT_EQ(out.dims, 1u);
  ASSERT_EQ(out.gateInputs.cols, 1u);
  const auto train = trainRowsOf(out);
  const auto [mean, var] = meanVariance(out.gateInputs, train, 0);
  EXPECT_NEAR(mean, 0.0, 1e-10);
  EXPECT_NEAR(var, 1.0, 1e-9);
  // The one component is the value standardised over the training scans, up to sign.
  std::vector<double> values;
  for (const auto& s : kTrainControls) values.push_back(h.values.at(s)[0][0]);
  for (const auto& s : kTrainPositives) values.push_back(h.values.at(s)[0][0]);
  double mu = 0, variance = 0;
  for (double x : values) mu += x / static_cast<double>(values.size());
  for (double x : values) variance += (x - mu) * (x - mu) / static_cast<double>(values.size() - 1);
  const double sign = out.gateInputs(out.rowOf.at("T0"), 0) * (h.values.at("T0")[0][0] - mu) > 0 ? 1.0 : -1.0;
  for (const auto& s : h.scans) {
    const double a = h.values.at(s)[0][0];
    if (!std::isfinite(a)) continue;  // V1: every feature missing
    EXPECT_NEAR(out.gateInputs(out.rowOf.at(s), 0), sign * (a - mu) / std::sqrt(variance), 1e-9) << s;
  }
}

TEST(FoldRadiomics, MissingScanRowIsAnInputErrorNamingTheScan) {
  for (const std::string missingScan : {"V1", "S0", "T2"}) {
    auto t = handTable().table();
    std::vector<radiomics::FeatureTableRow> kept;
    for (const auto& row : t.rows)
      if (row.scanId != missingScan) kept.push_back(row);
    t.rows = kept;
    try {
      foldRadiomics(t, handFold(), 3);
      ADD_FAILURE() << "no error for missing " << missingScan;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(missingScan), std::string::npos) << e.what();
    }
  }
  // One region of one scan missing is enough.
  auto t = handTable().table();
  std::vector<radiomics::FeatureTableRow> kept;
  for (const auto& row : t.rows)
    if (!(row.scanId == "S1" && row.region == "RIGHT")) kept.push_back(row);
  t.rows = kept;
  EXPECT_THROW(foldRadiomics(t, handFold(), 3), InputError);
}

TEST(FoldRadiomics, TooFewTrainingScansIsAnInputError) {
  auto fold = handFold();
  fold.train.resize(2);
  EXPECT_THROW(foldRadiomics(handTable().table(), fold, 3), InputError);
}

}  // namespace
}  // namespace ren::gating
