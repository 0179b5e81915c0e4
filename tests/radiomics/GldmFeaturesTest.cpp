// gldm feature class: IBSI phantom (NGLDM "3D": PyRadiomics' GLDM with alpha 0 is IBSI's NGLDM),
// PyRadiomics baselines, a brute-force reference on random ROIs (alpha 0/1/2, distances 1 and 1,2),
// hand-computed cases, edge cases (one voxel, flat ROI, border, a large block, thousands of grey
// levels) and flip/permutation invariance.
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

constexpr const char* kClass = "gldm";

/// Brute-force GLDM features: for every ROI voxel, every offset of Chebyshev norm in `distances` is
/// tested with explicit bounds checks; then the statistics of the (level, dependence + 1) matrix
/// (Nz = Np).
std::vector<double> bruteForce(const Case& c) {
  LevelColumnCounts cells;  // (level, dependence + 1) -> count
  forEachRoiVoxel(c, [&](std::int64_t i, std::int64_t j, std::int64_t k, int level) {
    long long dep = 0;
    forEachNeighbourLevel(c, i, j, k, [&](int n) { dep += std::abs(n - level) <= c.settings.gldmAlpha; });
    cells[{level, dep + 1}] += 1;
  });
  const MatrixStatistics m = matrixStatistics(cells);
  return {m.smallEmphasis,   m.largeEmphasis,   m.greyNonUniformity, m.columnNonUniformity,
          m.columnNonUniformityNormalized,      m.greyVariance,      m.columnVariance,
          m.entropy,         m.lowGreyEmphasis, m.highGreyEmphasis,  m.smallLowGrey,
          m.smallHighGrey,   m.largeLowGrey,    m.largeHighGrey};
}

// ---- IBSI digital phantom ------------------------------------------------------------------------

TEST(GldmFeatures, IbsiDigitalPhantomNgldm3D) {
  const auto settings = anchors::ibsiSettings();  // gldm_a 0, distance 1: IBSI NGLDM with alpha 0
  const auto values = computeClass(kClass, anchors::ibsiPhantomRoi(settings), settings);
  // PyRadiomics name -> IBSI NGLDM code (aggregation "3D"). IBSI's "dependence count" j is the
  // PyRadiomics dependence + 1 (the centre voxel counts itself), which is PyRadiomics' column index.
  const std::vector<std::pair<std::string, std::string>> codes{
      {"SmallDependenceEmphasis", "SODN"},                // low dependence emphasis
      {"LargeDependenceEmphasis", "IMOQ"},                // high dependence emphasis
      {"GrayLevelNonUniformity", "FP8K"},                 // grey level non-uniformity
      {"DependenceNonUniformity", "Z87G"},                // dependence count non-uniformity
      {"DependenceNonUniformityNormalized", "OKJI"},      // normalised dependence count non-uniformity
      {"GrayLevelVariance", "1PFV"},                      // grey level variance
      {"DependenceVariance", "DNX2"},                     // dependence count variance
      {"DependenceEntropy", "FCBV"},                      // dependence count entropy
      {"LowGrayLevelEmphasis", "TL9H"},                   // low grey level count emphasis
      {"HighGrayLevelEmphasis", "OAE7"},                  // high grey level count emphasis
      {"SmallDependenceLowGrayLevelEmphasis", "EQ3F"},    // low dependence low grey level emphasis
      {"SmallDependenceHighGrayLevelEmphasis", "JA6D"},   // low dependence high grey level emphasis
      {"LargeDependenceLowGrayLevelEmphasis", "NBZI"},    // high dependence low grey level emphasis
      {"LargeDependenceHighGrayLevelEmphasis", "9QMG"}};  // high dependence high grey level emphasis
  ASSERT_EQ(codes.size(), featureClass(kClass).featureNames.size());
  expectIbsiPhantom(kClass, values, codes, "3D");
}

// ---- PyRadiomics baselines -----------------------------------------------------------------------

TEST(GldmFeatures, PyRadiomicsBaselines) {
  for (const std::string& column : textureBaselineColumns()) expectBaselineColumn(kClass, column);
}

// ---- brute-force cross-check ---------------------------------------------------------------------

TEST(GldmFeatures, MatchesBruteForceOnRandomRois) {
  std::mt19937 rng(4321);
  forEachRandomRoi(rng, 24, 14, 12, 0.2, [&](int trial, const Volumes& v) {
    RadiomicsSettings s;
    s.binWidth = 1;
    s.gldmAlpha = trial % 3;                                          // alpha 0, 1, 2
    if (trial % 4 == 3) s.distances = {1, 2};                          // two distances
    if (trial % 8 == 7) s.distances = {2};                             // distance 2 only
    const Case c = makeCase(v, s);
    expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "trial " + std::to_string(trial));
  });
}

// ---- hand-computed cases -------------------------------------------------------------------------

TEST(GldmFeatures, PyRadiomicsDocumentationExample2D) {
  // gldm.py docstring, alpha 0, delta 1: P rows (levels 1..5) x dependence columns j = 1..4:
  // [0 1 2 1; 1 2 3 0; 1 4 4 0; 1 2 0 0; 3 0 0 0] -> pd = (6, 9, 9, 1), pg = (4, 6, 9, 3, 3), Np = 25.
  RadiomicsSettings s;
  s.binWidth = 1;
  const auto v = computeClass(kClass, pyRadiomicsDocstringImage(), s);
  EXPECT_NEAR(v[featureIndex(kClass, "DependenceNonUniformity")], (36 + 81 + 81 + 1) / 25.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "SmallDependenceEmphasis")], (6 + 9 / 4.0 + 9 / 9.0 + 1 / 16.0) / 25.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "LargeDependenceEmphasis")], (6 + 9 * 4 + 9 * 9 + 16) / 25.0, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "GrayLevelNonUniformity")], (16 + 36 + 81 + 9 + 9) / 25.0, 1e-12);
  // Entries of P: 0,1,2,1 / 1,2,3,0 / 1,4,4,0 / 1,2,0,0 / 3,0,0,0 with p = P / 25.
  double de = 0;
  for (double n : {1., 2., 1., 1., 2., 3., 1., 4., 4., 1., 2., 3.}) de -= n / 25 * std::log2(n / 25 + kNumpyEps);
  EXPECT_NEAR(v[featureIndex(kClass, "DependenceEntropy")], de, 1e-12);
}

TEST(GldmFeatures, FlatCubeDependenceCounts) {
  // A flat 3x3x3 cube: dependence = in-ROI neighbours: corners 7 (8 voxels), edges 11 (12), faces
  // 17 (6), centre 26 (1); j = dependence + 1.
  auto image = imageOf(5, 5, 5, 3);
  auto labels = labelsOf(5, 5, 5);
  for (int k = 1; k <= 3; ++k)
    for (int j = 1; j <= 3; ++j)
      for (int i = 1; i <= 3; ++i) labels.at(i, j, k) = 1;
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  const double np = 27;
  EXPECT_NEAR(v[featureIndex(kClass, "LargeDependenceEmphasis")], (8 * 64 + 12 * 144 + 6 * 324 + 729) / np, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "SmallDependenceEmphasis")], (8 / 64.0 + 12 / 144.0 + 6 / 324.0 + 1 / 729.0) / np, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "DependenceNonUniformity")], (64 + 144 + 36 + 1) / np, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "GrayLevelNonUniformity")], np, 1e-12);  // one level: 27^2 / 27
  EXPECT_EQ(v[featureIndex(kClass, "GrayLevelVariance")], 0.0);
  const double mu = (8 * 8 + 12 * 12 + 6 * 18 + 27) / np;
  EXPECT_NEAR(v[featureIndex(kClass, "DependenceVariance")],
              (8 * std::pow(8 - mu, 2) + 12 * std::pow(12 - mu, 2) + 6 * std::pow(18 - mu, 2) + std::pow(27 - mu, 2)) / np, 1e-12);
}

TEST(GldmFeatures, AlphaWidensDependence) {
  // Levels 1 and 2 side by side: with alpha 0 each voxel depends on nothing; with alpha 1 on the
  // other one (j = 2 for both); with alpha < 0 never.
  auto image = imageOf(4, 3, 3, 0);
  auto labels = labelsOf(4, 3, 3);
  image.at(1, 1, 1) = 1, image.at(2, 1, 1) = 2;
  labels.at(1, 1, 1) = labels.at(2, 1, 1) = 1;
  RadiomicsSettings s;
  s.binWidth = 1;
  EXPECT_DOUBLE_EQ(computeClass(kClass, makeCase(image, labels, s))[featureIndex(kClass, "LargeDependenceEmphasis")], 1.0);
  s.gldmAlpha = 1;
  EXPECT_DOUBLE_EQ(computeClass(kClass, makeCase(image, labels, s))[featureIndex(kClass, "LargeDependenceEmphasis")], 4.0);
  s.gldmAlpha = 1.7;  // compared as an integer level difference: same as 1
  EXPECT_DOUBLE_EQ(computeClass(kClass, makeCase(image, labels, s))[featureIndex(kClass, "LargeDependenceEmphasis")], 4.0);
}

// ---- edge cases ----------------------------------------------------------------------------------

TEST(GldmFeatures, OneVoxelRoi) {
  // One voxel of level 1 with dependence 0 (j = 1): every emphasis and non-uniformity is 1,
  // variances 0, DependenceEntropy = -log2(1 + eps) ~ -3.2e-16 exactly as PyRadiomics.
  auto image = imageOf(4, 4, 4, -5);
  auto labels = labelsOf(4, 4, 4);
  labels.at(1, 2, 3) = 1;
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  for (const char* name : {"SmallDependenceEmphasis", "LargeDependenceEmphasis", "GrayLevelNonUniformity",
                           "DependenceNonUniformity", "DependenceNonUniformityNormalized", "LowGrayLevelEmphasis",
                           "HighGrayLevelEmphasis", "SmallDependenceLowGrayLevelEmphasis", "SmallDependenceHighGrayLevelEmphasis",
                           "LargeDependenceLowGrayLevelEmphasis", "LargeDependenceHighGrayLevelEmphasis"})
    EXPECT_DOUBLE_EQ(v[featureIndex(kClass, name)], 1.0) << name;
  EXPECT_EQ(v[featureIndex(kClass, "GrayLevelVariance")], 0.0);
  EXPECT_EQ(v[featureIndex(kClass, "DependenceVariance")], 0.0);
  EXPECT_DOUBLE_EQ(v[featureIndex(kClass, "DependenceEntropy")], -std::log2(1 + kNumpyEps));
}

TEST(GldmFeatures, RoiTouchingTheImageBorder) {
  std::mt19937 rng(17);
  const Volumes v = randomVolumes(rng, 7, 6, 5, 3, 1.0);
  RadiomicsSettings s;
  s.binWidth = 1;
  s.distances = {1, 2};
  expectBorderEqualsInside(kClass, v, s, {3, 3, 3}, 1000, 1e-14);
  const Case border = makeCase(v, s);
  expectClose(kClass, computeClass(kClass, border), bruteForce(border), 1e-10, "border vs brute force");
}

TEST(GldmFeatures, LargeFlatBlock) {
  // A 120x100x40 flat block (480 000 voxels): dependence = (n_x n_y n_z) - 1 with n_a = 2 on the
  // block's faces along axis a and 3 inside; the features follow from the counts of each kind.
  const std::int64_t a = 120, b = 100, c = 40;
  auto image = imageOf(a + 2, b + 2, c + 2, 7);
  auto labels = labelsOf(a + 2, b + 2, c + 2);
  for (std::int64_t k = 1; k <= c; ++k)
    for (std::int64_t j = 1; j <= b; ++j)
      for (std::int64_t i = 1; i <= a; ++i) labels.at(i, j, k) = 1;
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  std::map<int, double> pd;  // j -> count
  for (int ex = 0; ex < 2; ++ex)
    for (int ey = 0; ey < 2; ++ey)
      for (int ez = 0; ez < 2; ++ez) {
        // ex = 1: on one of the 2 faces along x (2 positions), else interior (a - 2 positions).
        const double count = (ex ? 2.0 : a - 2.0) * (ey ? 2.0 : b - 2.0) * (ez ? 2.0 : c - 2.0);
        const int j = (ex ? 2 : 3) * (ey ? 2 : 3) * (ez ? 2 : 3);  // dependence + 1
        pd[j] += count;
      }
  const double np = static_cast<double>(a * b * c);
  double lde = 0, sde = 0, dn = 0;
  for (const auto& [j, n] : pd) lde += n * j * j, sde += n / (1.0 * j * j), dn += n * n;
  EXPECT_NEAR(v[featureIndex(kClass, "LargeDependenceEmphasis")], lde / np, 1e-9 * lde / np);
  EXPECT_NEAR(v[featureIndex(kClass, "SmallDependenceEmphasis")], sde / np, 1e-12);
  EXPECT_NEAR(v[featureIndex(kClass, "DependenceNonUniformityNormalized")], dn / (np * np), 1e-12);
}

TEST(GldmFeatures, ThousandsOfGreyLevels) {
  std::mt19937 rng(98);
  Volumes v = randomVolumes(rng, 30, 30, 12, 5000, 0.9);
  for (int j = 0; j < 30; ++j)
    for (int i = 0; i < 30; ++i) v.image.at(i, j, 5) = v.image.at(i, j, 6) = 2500;
  RadiomicsSettings s;
  s.binWidth = 1;
  s.gldmAlpha = 3;
  const Case c = makeCase(v, s);
  EXPECT_GT(c.grey.present.size(), 3000u);
  expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "thousands of levels");

  // About 6000 levels with distances 1..4 (729 dependence values): the (level x dependence) table
  // would exceed 4 M cells, so the class keeps only the non-zero cells; same features.
  s.distances = {1, 2, 3, 4};
  s.gldmAlpha = 20;
  const Case wide = makeCase(randomVolumes(rng, 30, 30, 12, 10000, 0.9), s);
  EXPECT_GT(wide.grey.present.size() * 730, std::size_t{1} << 22);
  expectClose(kClass, computeClass(kClass, wide), bruteForce(wide), 1e-10, "thousands of levels, distances 1..4");
}

// ---- invariances ---------------------------------------------------------------------------------

TEST(GldmFeatures, InvariantToFlipsAndAxisPermutations) {
  std::mt19937 rng(6);
  const Volumes v = randomVolumes(rng, 11, 8, 6, 4, 0.75);
  RadiomicsSettings s;
  s.binWidth = 1;
  s.gldmAlpha = 1;
  expectInvariant(kClass, v, s, withEveryFlip({{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {1, 2, 0}}), 1e-12);
}

}  // namespace
}  // namespace ren::radiomics
