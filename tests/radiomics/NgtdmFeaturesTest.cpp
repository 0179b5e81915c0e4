// ngtdm feature class: IBSI phantom (NGTDM "3D"), PyRadiomics baselines, a brute-force reference on
// random ROIs (distances 1 and 1,2), hand-computed cases (including the convention for a voxel
// without neighbours), edge cases (one voxel, flat ROI, border, a large ROI, thousands of grey
// levels) and flip/permutation invariance.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "radiomics/AnchorData.h"
#include "radiomics/FeatureTestSupport.h"

namespace ren::radiomics {
namespace {

using namespace ren::radiomics::testing;

constexpr const char* kClass = "ngtdm";

/// Brute-force NGTDM features as PyRadiomics' C matrix + ngtdm.py: every ROI voxel counts in n_i,
/// s_i += |i - mean of its in-ROI neighbours| (0 without neighbours); the pair sums over all (i, j)
/// of present levels, diagonal included, as the numpy broadcasts.
std::vector<double> bruteForce(const Case& c) {
  std::vector<double> n(static_cast<std::size_t>(c.grey.binCount) + 1, 0.0), s(n.size(), 0.0);
  forEachRoiVoxel(c, [&](std::int64_t i, std::int64_t j, std::int64_t k, int level) {
    double sum = 0, count = 0;
    forEachNeighbourLevel(c, i, j, k, [&](int nb) { sum += nb, count += 1; });
    n[static_cast<std::size_t>(level)] += 1;
    if (count > 0) s[static_cast<std::size_t>(level)] += std::abs(level - sum / count);
  });
  std::vector<double> iv, p, si;
  double nvp = 0;
  for (double x : n) nvp += x;
  for (std::size_t l = 1; l < n.size(); ++l)
    if (n[l] > 0) iv.push_back(static_cast<double>(l)), p.push_back(n[l] / nvp), si.push_back(s[l]);
  const std::size_t ngp = iv.size();
  double sumPs = 0, sumS = 0, c2 = 0, busy = 0, complexity = 0, strength = 0;
  for (std::size_t a = 0; a < ngp; ++a) sumPs += p[a] * si[a], sumS += si[a];
  for (std::size_t a = 0; a < ngp; ++a)
    for (std::size_t b = 0; b < ngp; ++b) {
      c2 += p[a] * p[b] * std::pow(iv[a] - iv[b], 2);
      busy += std::abs(iv[a] * p[a] - iv[b] * p[b]);
      complexity += std::abs(iv[a] - iv[b]) * (p[a] * si[a] + p[b] * si[b]) / (p[a] + p[b]);
      strength += (p[a] + p[b]) * std::pow(iv[a] - iv[b], 2);
    }
  const double g = static_cast<double>(ngp);
  return {sumPs == 0 ? 1e6 : 1 / sumPs, ngp <= 1 ? 0.0 : c2 / (g * (g - 1)) * sumS / nvp, busy == 0 ? 0.0 : sumPs / busy,
          complexity / nvp, sumS == 0 ? 0.0 : strength / sumS};
}

// ---- IBSI digital phantom ------------------------------------------------------------------------

TEST(NgtdmFeatures, IbsiDigitalPhantom3D) {
  const auto settings = anchors::ibsiSettings();
  const auto values = computeClass(kClass, anchors::ibsiPhantomRoi(settings), settings);
  const std::vector<std::pair<std::string, std::string>> codes{
      {"Coarseness", "QCDE"}, {"Contrast", "65HE"}, {"Busyness", "NQ30"}, {"Complexity", "HDEZ"}, {"Strength", "1X9X"}};
  expectIbsiPhantom(kClass, values, codes, "3D");
}

// ---- PyRadiomics baselines -----------------------------------------------------------------------

TEST(NgtdmFeatures, PyRadiomicsBaselines) {
  for (const std::string& column : textureBaselineColumns()) expectBaselineColumn(kClass, column);
}

// ---- brute-force cross-check ---------------------------------------------------------------------

TEST(NgtdmFeatures, MatchesBruteForceOnRandomRois) {
  std::mt19937 rng(2468);
  forEachRandomRoi(rng, 24, 14, 12, 0.1, [&](int trial, const Volumes& v) {
    RadiomicsSettings s;
    s.binWidth = 1;
    if (trial % 4 == 3) s.distances = {1, 2};
    if (trial % 8 == 7) s.distances = {2};
    const Case c = makeCase(v, s);
    expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "trial " + std::to_string(trial));
  });
}

// ---- hand-computed cases -------------------------------------------------------------------------

TEST(NgtdmFeatures, TwoNeighbours) {
  // Levels 1 and 2 side by side: s = (1, 1), p = (1/2, 1/2), Nvp = 2.
  auto image = imageOf(4, 3, 3, 0);
  auto labels = labelsOf(4, 3, 3);
  image.at(1, 1, 1) = 1, image.at(2, 1, 1) = 2;
  labels.at(1, 1, 1) = labels.at(2, 1, 1) = 1;
  RadiomicsSettings s;
  s.binWidth = 1;
  const auto v = computeClass(kClass, makeCase(image, labels, s));
  EXPECT_NEAR(v[featureIndex(kClass, "Coarseness")], 1.0, 1e-15);   // 1 / (1/2 + 1/2)
  EXPECT_NEAR(v[featureIndex(kClass, "Contrast")], 0.25, 1e-15);    // (2 * 1/4 * 1) / (2 * 1) * (2 / 2)
  EXPECT_NEAR(v[featureIndex(kClass, "Busyness")], 1.0, 1e-15);     // 1 / (2 * |1/2 - 1|)
  EXPECT_NEAR(v[featureIndex(kClass, "Complexity")], 1.0, 1e-15);   // 2 * 1 * (1/2 + 1/2) / 1 / 2
  EXPECT_NEAR(v[featureIndex(kClass, "Strength")], 1.0, 1e-15);     // 2 * 1 * 1 / 2
}

TEST(NgtdmFeatures, VoxelWithoutNeighboursCountsInNi) {
  // As PyRadiomics' C matrix (cmatrices.c calculate_ngtdm): an isolated voxel (level 3 here) adds 1
  // to n_3 with a difference of 0, so Nvp = Np = 3 and level 3 stays (p = 1/3 each, s = (1, 1, 0)).
  // (The Python docstring's "only voxels with a valid region" would give Nvp = 2, Coarseness 1.)
  auto image = imageOf(8, 3, 3, 0);
  auto labels = labelsOf(8, 3, 3);
  image.at(1, 1, 1) = 1, image.at(2, 1, 1) = 2, image.at(6, 1, 1) = 3;
  labels.at(1, 1, 1) = labels.at(2, 1, 1) = labels.at(6, 1, 1) = 1;
  RadiomicsSettings s;
  s.binWidth = 1;
  const auto v = computeClass(kClass, makeCase(image, labels, s));
  EXPECT_NEAR(v[featureIndex(kClass, "Coarseness")], 1.5, 1e-14);        // 1 / (2/3)
  EXPECT_NEAR(v[featureIndex(kClass, "Contrast")], 4.0 / 27.0, 1e-15);   // (4/3) / 6 * (2/3)
  EXPECT_NEAR(v[featureIndex(kClass, "Busyness")], 0.25, 1e-15);         // (2/3) / (2 * (1/3 + 2/3 + 1/3))
  EXPECT_NEAR(v[featureIndex(kClass, "Complexity")], 5.0 / 3.0, 1e-14);  // 2 * (1 + 1 + 1/2) / 3
  EXPECT_NEAR(v[featureIndex(kClass, "Strength")], 4.0, 1e-14);          // 2 * (2/3) * (1 + 4 + 1) / 2
}

// ---- edge cases ----------------------------------------------------------------------------------

TEST(NgtdmFeatures, OneVoxelRoi) {
  // No neighbour: s = 0, Ngp = 1 -> Coarseness 1e6, Contrast 0, Busyness 0, Complexity 0, Strength 0.
  auto image = imageOf(4, 4, 4, 9);
  auto labels = labelsOf(4, 4, 4);
  labels.at(0, 0, 0) = 1;  // also touches the image border
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  EXPECT_EQ(v, (std::vector<double>{1e6, 0, 0, 0, 0}));
}

TEST(NgtdmFeatures, FlatRoi) {
  // One level: every difference is 0 -> the same PyRadiomics special values as one voxel.
  auto image = imageOf(9, 8, 7, 42);
  auto labels = labelsOf(9, 8, 7);
  for (int k = 1; k < 6; ++k)
    for (int j = 1; j < 7; ++j)
      for (int i = 1; i < 8; ++i) labels.at(i, j, k) = (i + j + k) % 5 ? 1 : 0;
  const auto v = computeClass(kClass, makeCase(image, labels, RadiomicsSettings{}));
  EXPECT_EQ(v, (std::vector<double>{1e6, 0, 0, 0, 0}));
}

TEST(NgtdmFeatures, RoiTouchingTheImageBorder) {
  std::mt19937 rng(23);
  const Volumes v = randomVolumes(rng, 7, 6, 5, 4, 1.0);
  RadiomicsSettings s;
  s.binWidth = 1;
  s.distances = {1, 2};
  expectBorderEqualsInside(kClass, v, s, {3, 3, 3}, 1000, 1e-14);
  const Case border = makeCase(v, s);
  expectClose(kClass, computeClass(kClass, border), bruteForce(border), 1e-10, "border vs brute force");
}

TEST(NgtdmFeatures, LargerRoiMatchesBruteForce) {
  // 60x50x30 with 6 levels and a sparse-ish mask (about 70 000 voxels).
  std::mt19937 rng(31);
  const Case c = makeCase(randomVolumes(rng, 60, 50, 30, 6, 0.8), unitBins());
  expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-10, "larger ROI");
}

TEST(NgtdmFeatures, ThousandsOfGreyLevels) {
  std::mt19937 rng(97);
  const Case c = makeCase(randomVolumes(rng, 30, 30, 12, 5000, 0.9), unitBins());
  EXPECT_GT(c.grey.present.size(), 3000u);
  expectClose(kClass, computeClass(kClass, c), bruteForce(c), 1e-9, "thousands of levels");
}

// ---- invariances ---------------------------------------------------------------------------------

TEST(NgtdmFeatures, InvariantToFlipsAndAxisPermutations) {
  std::mt19937 rng(8);
  expectInvariant(kClass, randomVolumes(rng, 11, 8, 6, 5, 0.75), unitBins(),
                  withEveryFlip({{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {1, 2, 0}}), 1e-12);
}

}  // namespace
}  // namespace ren::radiomics
