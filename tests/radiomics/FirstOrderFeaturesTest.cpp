// firstorder: IBSI digital phantom, PyRadiomics baselines, edge cases and invariances.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "radiomics/AnchorData.h"
#include "radiomics/FeatureTestSupport.h"

namespace ren::radiomics {
namespace {

using namespace ren::radiomics::testing;

constexpr const char* kClass = "firstorder";

/// firstorder of the voxels labelled 1 in `labels` (x fastest, size nx x ny x nz).
std::vector<double> compute(std::vector<float> values, std::vector<std::uint8_t> labels, std::array<std::int64_t, 3> size,
                            std::array<double, 3> spacing, const RadiomicsSettings& settings) {
  return computeClass(kClass, volumesOf(size, spacing, std::move(values), std::move(labels)), settings);
}

TEST(FirstOrderFeatures, NamesInPyRadiomicsOrder) {
  const std::vector<std::string> expected{"Energy", "TotalEnergy", "Entropy", "Minimum", "10Percentile", "90Percentile",
                                          "Maximum", "Mean", "Median", "InterquartileRange", "Range",
                                          "MeanAbsoluteDeviation", "RobustMeanAbsoluteDeviation", "RootMeanSquared",
                                          "Skewness", "Kurtosis", "Variance", "Uniformity"};
  const FeatureClass c = firstOrderFeatures();
  EXPECT_EQ(c.name, "firstorder");
  EXPECT_EQ(c.featureNames, expected);
}

// IBSI 1 digital phantom, "intensity-based statistical" and "intensity histogram" families, with the
// PyRadiomics settings that reproduce IBSI (binWidth 1, voxelArrayShift 0). Each mapped feature with
// its IBSI code; Kurtosis is IBSI's excess kurtosis + 3; TotalEnergy has no IBSI counterpart.
TEST(FirstOrderFeatures, IbsiDigitalPhantom) {
  const RadiomicsSettings settings = anchors::ibsiSettings();
  const Roi roi = anchors::ibsiPhantomRoi(settings);
  ASSERT_EQ(roi.voxelCount, 74);
  const auto v = computeClass(kClass, roi, settings);
  auto ibsi = v;
  ibsi[featureIndex(kClass, "Kurtosis")] -= 3;  // ours = IBSI + 3
  expectIbsiPhantom(kClass, ibsi,
                    {{"Mean", "Q4LE"},
                     {"Variance", "ECT3"},
                     {"Skewness", "KE2A"},
                     {"Kurtosis", "IPH6"},
                     {"Median", "Y12H"},
                     {"Minimum", "1GSF"},
                     {"10Percentile", "QG58"},
                     {"90Percentile", "8DWT"},
                     {"Maximum", "84IY"},
                     {"InterquartileRange", "SALO"},
                     {"Range", "2OJQ"},
                     {"MeanAbsoluteDeviation", "4FUA"},
                     {"RobustMeanAbsoluteDeviation", "1128"},
                     {"Energy", "N8CA"},
                     {"RootMeanSquared", "5ZWQ"},
                     {"Entropy", "TLU2"},
                     {"Uniformity", "BJ5W"}},
                    "");
  // Recomputed from the phantom's 74 values (anchors.md A3) to more digits.
  EXPECT_NEAR(v[featureIndex(kClass, "Mean")], 159.0 / 74.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "Energy")], 567.0, 1e-9);
  EXPECT_NEAR(v[featureIndex(kClass, "TotalEnergy")], 567.0 * 8.0, 1e-9);  // 2 mm voxels
  EXPECT_NEAR(v[featureIndex(kClass, "Kurtosis")], 2.6454, 1e-4);
  EXPECT_NEAR(v[featureIndex(kClass, "Entropy")], 1.2656, 1e-4);
  EXPECT_NEAR(v[featureIndex(kClass, "Uniformity")], 0.5124, 1e-4);
}

TEST(FirstOrderFeatures, PyRadiomicsBaselineBrain1) { expectBaselineColumn(kClass, "brain1"); }
TEST(FirstOrderFeatures, PyRadiomicsBaselineBreast1) { expectBaselineColumn(kClass, "breast1"); }

TEST(FirstOrderFeatures, NumpyLinearPercentiles) {
  // Values 1..10 in a 10x1x1 line: numpy.percentile(1..10, [10, 25, 50, 75, 90]) = 1.9, 3.25, 5.5, 7.75, 9.1.
  std::vector<float> values;
  for (int i = 1; i <= 10; ++i) values.push_back(static_cast<float>(11 - i));  // order must not matter
  RadiomicsSettings s;
  s.binWidth = 1;
  const auto v = compute(values, std::vector<std::uint8_t>(10, 1), {10, 1, 1}, {1, 1, 1}, s);
  EXPECT_NEAR(v[featureIndex(kClass, "10Percentile")], 1.9, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "90Percentile")], 9.1, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "Median")], 5.5, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "InterquartileRange")], 7.75 - 3.25, 1e-12);
  // [P10, P90] keeps 2..9: mean 5.5, mean |x - 5.5| = 2.
  EXPECT_NEAR(v[featureIndex(kClass, "RobustMeanAbsoluteDeviation")], 2.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "MeanAbsoluteDeviation")], 2.5, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "Variance")], 8.25, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "Skewness")], 0.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "Kurtosis")], 1.7757575757575757, 1e-12);  // scipy.stats.kurtosis(..., fisher=False)
  EXPECT_NEAR(v[featureIndex(kClass, "Entropy")], std::log2(10.0), 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "Uniformity")], 0.1, 1e-12);
  // Odd count: median is the middle value.
  const auto odd = compute({3, 1, 2, 5, 4}, std::vector<std::uint8_t>(5, 1), {5, 1, 1}, {1, 1, 1}, s);
  EXPECT_NEAR(odd[featureIndex(kClass, "Median")], 3.0, 0);
}

/// numpy.percentile(values, q) (method "linear") on a sorted copy.
double sortedPercentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = (q / 100.0) * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = h - static_cast<double>(lo), d = v[hi] - v[lo];
  return t >= 0.5 ? v[hi] - d * (1.0 - t) : v[lo] + d * t;
}

TEST(FirstOrderFeatures, OrderStatisticsEqualASortedReference) {
  // The radix selection against a full sort: negative and positive values, +-0, ties, spread over
  // many or few radix buckets, sizes from 1 to a few thousand.
  std::mt19937 rng(17);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = 1 + static_cast<std::size_t>(trial * trial * 3 % 3000);
    std::vector<float> values(n);
    std::uniform_int_distribution<int> kind(0, 3);
    const int k = trial % 4;
    std::normal_distribution<float> wide(-300.0f, 900.0f), narrow(0.0f, 1e-3f);
    std::uniform_int_distribution<int> small(-3, 3);
    for (auto& v : values) {
      if (k == 0) v = wide(rng);
      else if (k == 1) v = narrow(rng);
      else if (k == 2) v = static_cast<float>(small(rng)) * (kind(rng) == 0 ? -0.0f : 1.0f);
      else v = std::round(wide(rng));
    }
    RadiomicsSettings s;
    s.binWidth = 50;
    const auto v = compute(values, std::vector<std::uint8_t>(n, 1), {static_cast<std::int64_t>(n), 1, 1}, {1, 1, 1}, s);
    std::vector<double> d(values.begin(), values.end());
    EXPECT_EQ(v[featureIndex(kClass, "10Percentile")], sortedPercentile(d, 10)) << trial;
    EXPECT_EQ(v[featureIndex(kClass, "90Percentile")], sortedPercentile(d, 90)) << trial;
    EXPECT_EQ(v[featureIndex(kClass, "InterquartileRange")], sortedPercentile(d, 75) - sortedPercentile(d, 25)) << trial;
    std::sort(d.begin(), d.end());
    const double median = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2.0;
    EXPECT_EQ(v[featureIndex(kClass, "Median")], median) << trial;
    EXPECT_EQ(v[featureIndex(kClass, "Minimum")], d.front()) << trial;
    EXPECT_EQ(v[featureIndex(kClass, "Maximum")], d.back()) << trial;
  }
}

TEST(FirstOrderFeatures, OneVoxelRoi) {
  RadiomicsSettings s;
  s.voxelArrayShift = 10;
  std::vector<std::uint8_t> labels(27, 0);
  std::vector<float> values(27, 99.0f);
  labels[13] = 1;
  values[13] = -3.5f;
  const Case c = makeCase(volumesOf({3, 3, 3}, {0.5, 0.5, 2.0}, values, labels), s);
  ASSERT_EQ(c.roi.voxelCount, 1);
  const auto v = computeClass(kClass, c);
  for (const char* f : {"Minimum", "10Percentile", "90Percentile", "Maximum", "Mean", "Median"})
    EXPECT_EQ(v[featureIndex(kClass, f)], -3.5) << f;
  for (const char* f : {"InterquartileRange", "Range", "MeanAbsoluteDeviation", "RobustMeanAbsoluteDeviation",
                        "Skewness", "Kurtosis", "Variance"})
    EXPECT_EQ(v[featureIndex(kClass, f)], 0.0) << f;
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "Energy")], 6.5 * 6.5);
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "TotalEnergy")], 6.5 * 6.5 * 0.5);
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "RootMeanSquared")], 6.5);
  EXPECT_NEAR(v[featureIndex(kClass, "Entropy")], 0.0, 1e-15);
  EXPECT_EQ(v[featureIndex(kClass, "Uniformity")], 1.0);
}

TEST(FirstOrderFeatures, FlatRoiGivesZeroSkewnessAndKurtosis) {
  RadiomicsSettings s;
  std::vector<float> values(4 * 4 * 4, 0.1f);  // 0.1 is not exact in binary: the mean must still be exact
  std::vector<std::uint8_t> labels(values.size(), 1);
  const auto v = compute(values, labels, {4, 4, 4}, {1, 1, 1}, s);
  EXPECT_EQ(v[featureIndex(kClass, "Variance")], 0.0);
  EXPECT_EQ(v[featureIndex(kClass, "Skewness")], 0.0);
  EXPECT_EQ(v[featureIndex(kClass, "Kurtosis")], 0.0);
  EXPECT_EQ(v[featureIndex(kClass, "Mean")], static_cast<double>(0.1f));
  EXPECT_EQ(v[featureIndex(kClass, "Uniformity")], 1.0);
}

TEST(FirstOrderFeatures, RobustMadIsNanWhenNoVoxelLiesInTheP10P90Range) {
  // Two voxels 0 and 10: P10 = 1, P90 = 9, the closed range holds no voxel (numpy nanmean of nothing).
  RadiomicsSettings s;
  EXPECT_TRUE(std::isnan(compute({0, 10}, {1, 1}, {2, 1, 1}, {1, 1, 1}, s)[featureIndex(kClass, "RobustMeanAbsoluteDeviation")]));
}

/// Random image and label of nx x ny x nz with a blob-like label (deterministic).
Volumes randomCase(std::array<std::int64_t, 3> n, unsigned seed, std::array<double, 3> spacing) {
  Volumes c = volumesOf(n, spacing);
  std::mt19937 rng(seed);
  std::normal_distribution<float> intensity(40.0f, 30.0f);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i) {
        c.image.at(i, j, k) = std::round(intensity(rng));
        const double x = (i - n[0] / 2.0) / (n[0] / 2.0), y = (j - n[1] / 2.0) / (n[1] / 2.0), z = (k - n[2] / 2.0) / (n[2] / 2.0);
        c.labels.at(i, j, k) = (x * x + y * y + z * z < 0.8 + 0.3 * u(rng)) ? 1 : 0;
      }
  return c;
}

TEST(FirstOrderFeatures, RoiAtTheImageBorderEqualsTheSameRoiInside) {
  // A label touching every face of a small image, and the same image embedded with a margin.
  const std::array<std::int64_t, 3> n{7, 6, 5};
  Volumes c = randomCase(n, 11, {0.7, 0.8, 2.5});
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j) c.labels.at(0, j, k) = 1;  // x = 0 face
  c.labels.voxels.back() = 1;
  RadiomicsSettings s;
  s.binWidth = 5;
  expectBorderEqualsInside(kClass, c, s, {2, 2, 2}, 500, 0);  // exactly
}

TEST(FirstOrderFeatures, InvariantUnderFlipsAndAxisPermutations) {
  // firstorder depends only on the multiset of ROI intensities (TotalEnergy on the voxel volume), so
  // every feature is direction-independent; only the summation order changes.
  RadiomicsSettings s;
  s.binWidth = 10;
  s.voxelArrayShift = 100;
  std::vector<Move> moves;
  static const std::array<int, 3> perms[6] = {{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {0, 2, 1}, {1, 2, 0}, {2, 0, 1}};
  for (int variant = 0; variant < 6; ++variant) moves.push_back({perms[variant], {variant % 2 == 0, variant % 3 == 0, true}});
  expectInvariant(kClass, randomCase({9, 8, 7}, 5, {0.6, 0.9, 3.0}), s, moves, 1e-12);
}

}  // namespace
}  // namespace ren::radiomics
