// glszm feature class: IBSI phantom (GLSZM "3D"), PyRadiomics baselines, a brute-force reference on
// random ROIs, hand-computed cases, edge cases (one voxel, flat ROI, border, a 2.4 M-voxel zone,
// thousands of grey levels) and flip/permutation invariance.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "radiomics/AnchorData.h"
#include "radiomics/FeatureTestSupport.h"

namespace ren::radiomics {
namespace {

using namespace ren::radiomics::testing;

constexpr const char* kClass = "glszm";

/// Brute-force GLSZM features: breadth-first zone growing over the box with explicit 26-neighbour
/// bounds checks, then the statistics of the (level, zone size) matrix (ZonePercentage = Nz / Np).
std::vector<double> bruteForce(const Case& c) {
  const Roi& roi = c.roi;
  const auto& lv = c.grey.level;
  std::vector<char> seen(lv.size(), 0);
  LevelColumnCounts zones;  // (level, size) -> count
  std::vector<std::array<std::int64_t, 3>> queue;
  forEachRoiVoxel(c, [&](std::int64_t i, std::int64_t j, std::int64_t k, int level) {
    const std::size_t v = roi.index(i, j, k);
    if (seen[v]) return;
    queue.assign(1, {i, j, k});
    seen[v] = 1;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const auto p = queue[head];
      for (int dz = -1; dz <= 1; ++dz)
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const std::int64_t x = p[0] + dx, y = p[1] + dy, z = p[2] + dz;
            if (x < 0 || y < 0 || z < 0 || x >= roi.size[0] || y >= roi.size[1] || z >= roi.size[2]) continue;
            const std::size_t w = roi.index(x, y, z);
            if (lv[w] != level || seen[w]) continue;
            seen[w] = 1;
            queue.push_back({x, y, z});
          }
    }
    zones[{level, static_cast<long long>(queue.size())}] += 1;
  });
  const MatrixStatistics m = matrixStatistics(zones);
  return {m.smallEmphasis,       m.largeEmphasis,
          m.greyNonUniformity,   m.greyNonUniformityNormalized,
          m.columnNonUniformity, m.columnNonUniformityNormalized,
          m.total / static_cast<double>(roi.voxelCount),
          m.greyVariance,        m.columnVariance,
          m.entropy,             m.lowGreyEmphasis,
          m.highGreyEmphasis,    m.smallLowGrey,
          m.smallHighGrey,       m.largeLowGrey,
          m.largeHighGrey};
}

// ---- IBSI digital phantom ------------------------------------------------------------------------

TEST(GlszmFeatures, IbsiDigitalPhantom3D) {
  const auto settings = anchors::ibsiSettings();
  const Roi roi = anchors::ibsiPhantomRoi(settings);
  ASSERT_EQ(roi.voxelCount, 74);
  const auto values = computeClass(kClass, roi, settings);
  // PyRadiomics name -> IBSI code (GLSZM, aggregation "3D").
  const std::vector<std::pair<std::string, std::string>> codes{
      {"SmallAreaEmphasis", "5QRC"},             {"LargeAreaEmphasis", "48P8"},
      {"GrayLevelNonUniformity", "JNSA"},        {"GrayLevelNonUniformityNormalized", "Y1RO"},
      {"SizeZoneNonUniformity", "4JP3"},         {"SizeZoneNonUniformityNormalized", "VB3A"},
      {"ZonePercentage", "P30P"},                {"GrayLevelVariance", "BYLV"},
      {"ZoneVariance", "3NSA"},                  {"ZoneEntropy", "GU8N"},
      {"LowGrayLevelZoneEmphasis", "XMSY"},      {"HighGrayLevelZoneEmphasis", "5GN9"},
      {"SmallAreaLowGrayLevelEmphasis", "5RAI"}, {"SmallAreaHighGrayLevelEmphasis", "HW1V"},
      {"LargeAreaLowGrayLevelEmphasis", "YH51"}, {"LargeAreaHighGrayLevelEmphasis", "J17V"}};
  ASSERT_EQ(codes.size(), featureClass(kClass).featureNames.size());
  expectIbsiPhantom(kClass, values, codes, "3D");
  // The phantom has 5 zones in 74 voxels (IBSI zone percentage 0.0676).
  EXPECT_NEAR(values[featureIndex(kClass, "ZonePercentage")], 5.0 / 74.0, 1e-12);
}

// ---- PyRadiomics baselines -----------------------------------------------------------------------

TEST(GlszmFeatures, PyRadiomicsBaselines) {
  for (const std::string& column : textureBaselineColumns()) expectBaselineColumn(kClass, column);
}

// ---- brute-force cross-check ---------------------------------------------------------------------

TEST(GlszmFeatures, MatchesBruteForceOnRandomRois) {
  std::mt19937 rng(1234);
  RadiomicsSettings s;
  s.binWidth = 1;
  // Few levels (large, tangled zones), many levels (mostly single voxels), dense and sparse masks.
  const std::vector<std::array<double, 5>> configs{
      {17, 13, 9, 2, 0.9}, {17, 13, 9, 3, 0.7}, {12, 20, 6, 6, 0.5}, {25, 9, 7, 40, 0.95}, {9, 9, 9, 2, 0.3}, {30, 1, 20, 3, 0.8}};
  for (const auto& cfg : configs) {
    const Case c = makeCase(randomVolumes(rng, static_cast<std::int64_t>(cfg[0]), static_cast<std::int64_t>(cfg[1]),
                                          static_cast<std::int64_t>(cfg[2]), static_cast<int>(cfg[3]), cfg[4]),
                            s);
    expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "random " + std::to_string(cfg[3]) + " levels");
  }
  // Random shapes (including 1-voxel-thin boxes) and level counts.
  forEachRandomRoi(rng, 40, 16, 6, 0.2, [&](int trial, const Volumes& v) {
    const Case c = makeCase(v, s);
    expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "trial " + std::to_string(trial));
  });
}

// ---- hand-computed cases -------------------------------------------------------------------------

TEST(GlszmFeatures, PyRadiomicsDocumentationExample2D) {
  // glszm.py docstring: 5x5 image, 8-connected zones; P rows (levels 1..5) x sizes 1..5:
  // [0 0 0 1 0; 1 0 0 0 1; 1 0 1 0 1; 1 1 0 0 0; 3 0 0 0 0] -> Nz = 11, pg = (1, 2, 3, 2, 3),
  // ps = (6, 1, 1, 1, 2) for sizes (1, 2, 3, 4, 5).
  RadiomicsSettings s;
  s.binWidth = 1;
  const auto v = computeClass(kClass, pyRadiomicsDocstringImage(), s);
  EXPECT_NEAR(v[featureIndex(kClass, "ZonePercentage")], 11.0 / 25.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "GrayLevelNonUniformity")], (1 + 4 + 9 + 4 + 9) / 11.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "SizeZoneNonUniformity")], (36 + 1 + 1 + 1 + 4) / 11.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "SmallAreaEmphasis")], (6 + 1 / 4.0 + 1 / 9.0 + 1 / 16.0 + 2 / 25.0) / 11.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "LargeAreaEmphasis")], (6 + 4 + 9 + 16 + 2 * 25) / 11.0, 1e-12);
  // Levels 1..5 with pg (1, 2, 3, 2, 3): sum pg / i^2.
  EXPECT_NEAR(v[featureIndex(kClass, "LowGrayLevelZoneEmphasis")], (1 + 2 / 4.0 + 3 / 9.0 + 2 / 16.0 + 3 / 25.0) / 11.0, 1e-12);
}

TEST(GlszmFeatures, ZonesAre26Connected) {
  // Two voxels of one level touching at a corner form one zone; a third two voxels away is alone.
  auto image = imageOf(6, 6, 6, 50);
  auto labels = labelsOf(6, 6, 6);
  labels.at(1, 1, 1) = labels.at(2, 2, 2) = labels.at(4, 2, 2) = 1;
  RadiomicsSettings s;
  const auto v = computeClass(kClass, makeCase(image, labels, s));
  EXPECT_NEAR(v[featureIndex(kClass, "ZonePercentage")], 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "LargeAreaEmphasis")], (4.0 + 1.0) / 2.0, 1e-12);
}

// ---- edge cases ----------------------------------------------------------------------------------

TEST(GlszmFeatures, OneVoxelRoi) {
  // One zone of size 1 and level 1: every emphasis and non-uniformity is 1, ZP 1, variances 0, and
  // ZoneEntropy = -log2(1 + eps) ~ -3.2e-16 exactly as PyRadiomics (a tiny negative number).
  auto image = imageOf(5, 5, 5, 123);
  auto labels = labelsOf(5, 5, 5);
  labels.at(2, 3, 1) = 1;
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  for (const char* name : {"SmallAreaEmphasis", "LargeAreaEmphasis", "GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized",
                           "SizeZoneNonUniformity", "SizeZoneNonUniformityNormalized", "ZonePercentage",
                           "LowGrayLevelZoneEmphasis", "HighGrayLevelZoneEmphasis", "SmallAreaLowGrayLevelEmphasis",
                           "SmallAreaHighGrayLevelEmphasis", "LargeAreaLowGrayLevelEmphasis", "LargeAreaHighGrayLevelEmphasis"})
    EXPECT_DOUBLE_EQ(v[featureIndex(kClass, name)], 1.0) << name;
  EXPECT_EQ(v[featureIndex(kClass, "GrayLevelVariance")], 0.0);
  EXPECT_EQ(v[featureIndex(kClass, "ZoneVariance")], 0.0);
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "ZoneEntropy")], -std::log2(1 + kNumpyEps));
}

TEST(GlszmFeatures, FlatRoiWithHoleIsOneZone) {
  // A 10x8x6 block of one value with an internal hole: one zone of Np voxels.
  auto image = imageOf(14, 12, 10, 77.5f);
  auto labels = labelsOf(14, 12, 10);
  for (int k = 2; k < 8; ++k)
    for (int j = 2; j < 10; ++j)
      for (int i = 2; i < 12; ++i) labels.at(i, j, k) = 1;
  labels.at(5, 5, 5) = labels.at(6, 5, 5) = 0;
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  const double np = 10 * 8 * 6 - 2;
  EXPECT_NEAR(v[featureIndex(kClass, "ZonePercentage")], 1 / np, 1e-15);
  EXPECT_NEAR(v[featureIndex(kClass, "LargeAreaEmphasis")], np * np, 1e-6);
  EXPECT_NEAR(v[featureIndex(kClass, "SmallAreaEmphasis")], 1 / (np * np), 1e-18);
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "GrayLevelNonUniformity")], 1.0);
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "SizeZoneNonUniformityNormalized")], 1.0);
  EXPECT_EQ(v[featureIndex(kClass, "GrayLevelVariance")], 0.0);
  EXPECT_EQ(v[featureIndex(kClass, "ZoneVariance")], 0.0);
  EXPECT_NEAR(v[featureIndex(kClass, "ZoneEntropy")], 0.0, 1e-15);
}

TEST(GlszmFeatures, RoiTouchingTheImageBorder) {
  // The ROI is the whole image (its box padding lies outside the image): same features as the same
  // values embedded in a larger image, and as the brute force.
  std::mt19937 rng(7);
  const Volumes v = randomVolumes(rng, 7, 6, 5, 3, 1.0);
  RadiomicsSettings s;
  s.binWidth = 1;
  expectBorderEqualsInside(kClass, v, s, {2, 2, 2}, 1000, 1e-14);
  const Case border = makeCase(v, s);
  expectClose(kClass, computeClass(kClass, border), bruteForce(border), 1e-10, "border vs brute force");
}

TEST(GlszmFeatures, HugeSingleZone) {
  // A 200x200x60 block of one level (2.4 M voxels) with one voxel of another level inside: two zones
  // of sizes 2399999 and 1. Sparse storage: no Ng x 2.4 M matrix is ever built.
  auto image = imageOf(202, 202, 62, 10);
  auto labels = labelsOf(202, 202, 62);
  for (int k = 1; k <= 60; ++k)
    for (int j = 1; j <= 200; ++j)
      for (int i = 1; i <= 200; ++i) labels.at(i, j, k) = 1;
  image.at(100, 100, 30) = 40;  // level 2 with binWidth 25 (10 -> 1, 40 -> 2)
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  const double big = 2399999, np = 2400000;
  EXPECT_NEAR(v[featureIndex(kClass, "ZonePercentage")], 2 / np, 1e-18);
  EXPECT_NEAR(v[featureIndex(kClass, "LargeAreaEmphasis")], (big * big + 1) / 2, 1e-12 * big * big);
  EXPECT_NEAR(v[featureIndex(kClass, "SmallAreaEmphasis")], (1 / (big * big) + 1) / 2, 1e-15);
  EXPECT_NEAR(v[featureIndex(kClass, "ZoneVariance")], std::pow((big - 1) / 2, 2), 1e-12 * big * big);
  EXPECT_NEAR(v[featureIndex(kClass, "GrayLevelNonUniformity")], 1.0, 1e-15);
  EXPECT_NEAR(v[featureIndex(kClass, "LargeAreaHighGrayLevelEmphasis")], (big * big + 4) / 2, 1e-12 * big * big);
  EXPECT_NEAR(v[featureIndex(kClass, "ZoneEntropy")], 1.0, 1e-12);
}

TEST(GlszmFeatures, ThousandsOfGreyLevels) {
  // binWidth 1 on values 0..4999: several thousand levels present, checked against the brute force.
  std::mt19937 rng(99);
  Volumes v = randomVolumes(rng, 30, 30, 12, 5000, 0.9);
  // Some large zones too: a flat slab.
  for (int j = 0; j < 30; ++j)
    for (int i = 0; i < 30; ++i) v.image.at(i, j, 5) = v.image.at(i, j, 6) = 2500;
  RadiomicsSettings s;
  s.binWidth = 1;
  const Case c = makeCase(v, s);
  EXPECT_GT(c.grey.present.size(), 3000u);
  expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "thousands of levels");
}

// ---- invariances ---------------------------------------------------------------------------------

TEST(GlszmFeatures, InvariantToFlipsAndAxisPermutations) {
  std::mt19937 rng(5);
  const Volumes v = randomVolumes(rng, 11, 8, 6, 4, 0.75);
  RadiomicsSettings s;
  s.binWidth = 1;
  expectInvariant(kClass, v, s, withEveryFlip({{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {1, 2, 0}}), 1e-12);
}

}  // namespace
}  // namespace ren::radiomics
