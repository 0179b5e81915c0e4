// GLRLM feature class: IBSI digital phantom (3D averaged / 3D merged), PyRadiomics baselines,
// hand-computed and edge cases (the PyRadiomics "multi-element" rule for angles), an independent
// brute-force implementation (PyRadiomics' line walk over the whole image) on a random ROI with a hole at
// the image border, and invariance under flips/axis permutations.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "radiomics/AnchorData.h"
#include "radiomics/FeatureTestSupport.h"

namespace ren::radiomics {
namespace {

using namespace ren::radiomics::testing;

constexpr const char* kClass = "glrlm";

// PyRadiomics feature -> IBSI code.
const std::vector<std::pair<std::string, std::string>> kIbsiCodes{
    {"ShortRunEmphasis", "22OV"},
    {"LongRunEmphasis", "W4KF"},
    {"GrayLevelNonUniformity", "R5YN"},
    {"GrayLevelNonUniformityNormalized", "OVBL"},
    {"RunLengthNonUniformity", "W92Y"},
    {"RunLengthNonUniformityNormalized", "IC23"},
    {"RunPercentage", "9ZK5"},
    {"GrayLevelVariance", "8CE5"},
    {"RunVariance", "SXLW"},
    {"RunEntropy", "HJ9O"},
    {"LowGrayLevelRunEmphasis", "V3SW"},
    {"HighGrayLevelRunEmphasis", "G3QZ"},
    {"ShortRunLowGrayLevelEmphasis", "HTZT"},
    {"ShortRunHighGrayLevelEmphasis", "GD3A"},
    {"LongRunLowGrayLevelEmphasis", "IVPO"},
    {"LongRunHighGrayLevelEmphasis", "3KUM"}};

TEST(GlrlmFeatures, NamesAreThePyRadiomicsOrder) {
  const FeatureClass c = glrlmFeatures();
  EXPECT_EQ(c.name, "glrlm");
  const std::vector<std::string> expected{"ShortRunEmphasis",
                                          "LongRunEmphasis",
                                          "GrayLevelNonUniformity",
                                          "GrayLevelNonUniformityNormalized",
                                          "RunLengthNonUniformity",
                                          "RunLengthNonUniformityNormalized",
                                          "RunPercentage",
                                          "GrayLevelVariance",
                                          "RunVariance",
                                          "RunEntropy",
                                          "LowGrayLevelRunEmphasis",
                                          "HighGrayLevelRunEmphasis",
                                          "ShortRunLowGrayLevelEmphasis",
                                          "ShortRunHighGrayLevelEmphasis",
                                          "LongRunLowGrayLevelEmphasis",
                                          "LongRunHighGrayLevelEmphasis"};
  EXPECT_EQ(c.featureNames, expected);
}

TEST(GlrlmFeatures, IbsiPhantom3DAveraged) { expectIbsiPhantom(kClass, anchors::ibsiSettings(), kIbsiCodes, "3D, averaged"); }

// IBSI "3D, merged" sums the 13 run-length matrices: weightingNorm no_weighting.
TEST(GlrlmFeatures, IbsiPhantom3DMergedIsNoWeighting) {
  RadiomicsSettings s = anchors::ibsiSettings();
  s.weightingNorm = WeightingNorm::NoWeighting;
  expectIbsiPhantom(kClass, s, kIbsiCodes, "3D, merged");
}

// PyRadiomics' own criterion, every feature within 3 % of its baseline, and beyond it: the
// implementation reproduces PyRadiomics to rounding (1e-9).
TEST(GlrlmFeatures, PyRadiomicsBaselines) {
  for (const std::string& column : textureBaselineColumns(true)) expectBaselineColumn(kClass, column, 1e-9);
}

// ---- Small synthetic ROIs ----------------------------------------------------------------------------

void expectValues(const std::vector<double>& f, const std::map<std::string, double>& expected, const std::string& what) {
  for (const auto& [name, value] : expected) EXPECT_NEAR(f[featureIndex(kClass, name)], value, 1e-12) << what << " " << name;
}

// One row of 6 voxels, levels 1 1 1 2 2 2: only the x angle; one run of length 3 per level.
TEST(GlrlmFeatures, HandComputedTwoLevelRow) {
  Volumes c = volumesOf({8, 3, 3});
  const float v[6] = {0, 0, 0, 1, 1, 1};
  for (int x = 0; x < 6; ++x) c.image.at(x + 1, 1, 1) = v[x], c.labels.at(x + 1, 1, 1) = 1;
  for (WeightingNorm norm : {WeightingNorm::None, WeightingNorm::NoWeighting, WeightingNorm::Euclidean}) {
    expectValues(computeClass(kClass, c, unitBins(norm)),
                 {{"ShortRunEmphasis", 1.0 / 9},
                  {"LongRunEmphasis", 9},
                  {"GrayLevelNonUniformity", 1},
                  {"RunLengthNonUniformity", 2},
                  {"GrayLevelNonUniformityNormalized", 0.5},
                  {"RunLengthNonUniformityNormalized", 1},
                  {"RunPercentage", 2.0 / 6},
                  {"GrayLevelVariance", 0.25},
                  {"RunVariance", 0},
                  {"RunEntropy", -std::log2(0.5 + kNumpyEps)},
                  {"LowGrayLevelRunEmphasis", (1 + 0.25) / 2},
                  {"HighGrayLevelRunEmphasis", (1 + 4) / 2.0},
                  {"ShortRunLowGrayLevelEmphasis", (1.0 / 9 + 1.0 / 36) / 2},
                  {"ShortRunHighGrayLevelEmphasis", (1.0 / 9 + 4.0 / 9) / 2},
                  {"LongRunLowGrayLevelEmphasis", (9 + 9.0 / 4) / 2},
                  {"LongRunHighGrayLevelEmphasis", (9 + 36) / 2.0}},
                 weightingNormName(norm));
  }
}

// A line holding two ROI voxels with a gap keeps its angle (PyRadiomics counts ROI voxels per line, not
// per run): two runs of length 1.
TEST(GlrlmFeatures, GapOnALineKeepsTheAngle) {
  Volumes c = volumesOf({5, 3, 3});
  c.labels.at(1, 1, 1) = c.labels.at(3, 1, 1) = 1;
  c.image.at(1, 1, 1) = 0, c.image.at(3, 1, 1) = 1;
  expectValues(computeClass(kClass, c, unitBins()),
               {{"ShortRunEmphasis", 1},
                {"LongRunEmphasis", 1},
                {"GrayLevelNonUniformity", 1},
                {"GrayLevelNonUniformityNormalized", 0.5},
                {"RunLengthNonUniformity", 2},
                {"RunLengthNonUniformityNormalized", 1},
                {"RunPercentage", 1},
                {"GrayLevelVariance", 0.25},
                {"RunVariance", 0},
                {"RunEntropy", -std::log2(0.5 + kNumpyEps)},
                {"LowGrayLevelRunEmphasis", 0.625},
                {"HighGrayLevelRunEmphasis", 2.5}},
               "gap");
}

// Two voxels on a diagonal of one slice: of the 4 in-plane angles only (1,1,0) has a line with two ROI
// voxels; the others are emptied and dropped. Merged with manhattan weighting, that angle's matrix is
// scaled by its norm (2 mm), not exp(-4): the non-normalised GLN/RLN double.
TEST(GlrlmFeatures, OnlyAnglesWithTwoVoxelsOnALineCount) {
  Volumes c = volumesOf({4, 4, 3});
  c.labels.at(1, 1, 1) = c.labels.at(2, 2, 1) = 1;
  c.image.at(1, 1, 1) = c.image.at(2, 2, 1) = 3;
  const std::map<std::string, double> oneRunOfTwo{{"ShortRunEmphasis", 0.25},
                                                  {"LongRunEmphasis", 4},
                                                  {"GrayLevelNonUniformity", 1},
                                                  {"GrayLevelNonUniformityNormalized", 1},
                                                  {"RunLengthNonUniformity", 1},
                                                  {"RunPercentage", 0.5},
                                                  {"RunEntropy", -std::log2(1 + kNumpyEps)},
                                                  {"LowGrayLevelRunEmphasis", 1},
                                                  {"LongRunHighGrayLevelEmphasis", 4}};
  expectValues(computeClass(kClass, c, unitBins()), oneRunOfTwo, "averaged");
  expectValues(computeClass(kClass, c, unitBins(WeightingNorm::NoWeighting)), oneRunOfTwo, "no_weighting");
  const auto m = computeClass(kClass, c, unitBins(WeightingNorm::Manhattan));
  EXPECT_NEAR(m[featureIndex(kClass, "GrayLevelNonUniformity")], 2, 1e-12);
  EXPECT_NEAR(m[featureIndex(kClass, "RunLengthNonUniformity")], 2, 1e-12);
  EXPECT_NEAR(m[featureIndex(kClass, "ShortRunEmphasis")], 0.25, 1e-12);
}

// A flat 3x4x5 box of one level (level 1): the level-only features are exact (the run-length ones are
// checked against the brute force in FlatBoxMatchesBruteForce and the flatRegion baselines).
TEST(GlrlmFeatures, FlatRoi) {
  Volumes c = volumesOf({6, 7, 8});
  for (int z = 1; z <= 5; ++z)
    for (int y = 1; y <= 4; ++y)
      for (int x = 1; x <= 3; ++x) c.image.at(x, y, z) = 40.0f, c.labels.at(x, y, z) = 1;
  const auto f = computeClass(kClass, c, unitBins());
  // Level-only features are exact for one level: GLNN = 1, GLV = 0, LGLRE = HGLRE = 1; GLN = N_r.
  EXPECT_NEAR(f[featureIndex(kClass, "GrayLevelNonUniformityNormalized")], 1, 1e-15);
  EXPECT_NEAR(f[featureIndex(kClass, "GrayLevelVariance")], 0, 1e-15);
  EXPECT_NEAR(f[featureIndex(kClass, "LowGrayLevelRunEmphasis")], 1, 1e-15);
  EXPECT_NEAR(f[featureIndex(kClass, "HighGrayLevelRunEmphasis")], 1, 1e-15);
  EXPECT_NEAR(f[featureIndex(kClass, "ShortRunEmphasis")], f[featureIndex(kClass, "ShortRunLowGrayLevelEmphasis")], 1e-15);
  // Angle (0,0,1): 12 runs of length 5 out of 60 voxels.
  EXPECT_GE(f[featureIndex(kClass, "RunPercentage")], 12.0 / 60);
  EXPECT_LE(f[featureIndex(kClass, "RunPercentage")], 1.0);
}

// One voxel: no angle (PyRadiomics rejects such a mask): every feature NaN, merged too.
TEST(GlrlmFeatures, OneVoxelRoiIsNaN) {
  Volumes c = volumesOf({3, 3, 3});
  c.image.at(1, 1, 1) = 5, c.labels.at(1, 1, 1) = 1;
  for (double x : computeClass(kClass, c, unitBins())) EXPECT_TRUE(std::isnan(x));
  for (double x : computeClass(kClass, c, unitBins(WeightingNorm::NoWeighting))) EXPECT_TRUE(std::isnan(x));
}

// ---- Brute force: PyRadiomics' walk of every line of the image along each of the 13 angles -----------

/// Random values with spatial correlation along x, y and z (long runs in every direction) on a blob
/// with a hole at the image border.
Volumes randomCase(std::uint32_t seed, std::array<std::int64_t, 3> n, std::array<double, 3> spacing, int levels) {
  return randomBlob(seed, n, spacing, levels, {0.3, 0.3, 0.3});
}

using RunCounts = LevelColumnCounts;  // (level, run length) -> count

std::vector<double> bruteForceFeatures(const RunCounts& P) {
  double np = 0;  // voxels in runs
  for (const auto& [gl, c] : P) np += c * static_cast<double>(gl.second);
  const MatrixStatistics m = matrixStatistics(P);
  return {m.smallEmphasis,       m.largeEmphasis,
          m.greyNonUniformity,   m.greyNonUniformityNormalized,
          m.columnNonUniformity, m.columnNonUniformityNormalized,
          m.total / np,          m.greyVariance,
          m.columnVariance,      m.entropy,
          m.lowGreyEmphasis,     m.highGreyEmphasis,
          m.smallLowGrey,        m.smallHighGrey,
          m.largeLowGrey,        m.largeHighGrey};
}

std::vector<double> bruteForceGlrlm(const Volumes& c, const RadiomicsSettings& s) {
  const Case cs = makeCase(c, s);
  const Roi& roi = cs.roi;
  const GreyLevels& grey = cs.grey;
  const auto& g = c.image.geometry;
  const auto inside = [&](std::int64_t x, std::int64_t y, std::int64_t z) {
    return x >= 0 && y >= 0 && z >= 0 && x < g.size[0] && y < g.size[1] && z < g.size[2];
  };
  const auto levelAt = [&](std::int64_t x, std::int64_t y, std::int64_t z) -> int {
    if (!inside(x, y, z) || c.labels.at(x, y, z) != 1) return 0;
    return grey.level[roi.index(x - roi.boxStart[0], y - roi.boxStart[1], z - roi.boxStart[2])];
  };
  std::vector<RunCounts> mats;
  std::vector<double> weights;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int lead = dz != 0 ? dz : dy != 0 ? dy : dx;
        if (lead <= 0) continue;
        RunCounts P;
        bool multi = false;
        for (std::int64_t z = 0; z < g.size[2]; ++z)
          for (std::int64_t y = 0; y < g.size[1]; ++y)
            for (std::int64_t x = 0; x < g.size[0]; ++x) {
              if (inside(x - dx, y - dy, z - dz)) continue;  // not the first voxel of its line
              int gl = 0, len = 0, elements = 0;
              for (std::int64_t px = x, py = y, pz = z; inside(px, py, pz); px += dx, py += dy, pz += dz) {
                const int l = levelAt(px, py, pz);
                if (l != 0) ++elements;
                if (l != 0 && l == gl) {
                  ++len;
                  continue;
                }
                if (gl != 0) P[{gl, len}] += 1;
                gl = l, len = l != 0 ? 1 : 0;
              }
              if (gl != 0) P[{gl, len}] += 1;
              if (elements > 1) multi = true;
            }
        if (!multi) P.clear();
        const double mx = std::abs(dx) * g.spacing[0], my = std::abs(dy) * g.spacing[1], mz = std::abs(dz) * g.spacing[2];
        double w = 1;
        if (s.weightingNorm == WeightingNorm::Euclidean) w = std::sqrt(mx * mx + my * my + mz * mz);
        if (s.weightingNorm == WeightingNorm::Manhattan) w = mx + my + mz;
        if (s.weightingNorm == WeightingNorm::Infinity) w = std::max({mx, my, mz});
        mats.push_back(P);
        weights.push_back(w);
      }
  if (s.weightingNorm != WeightingNorm::None) {
    RunCounts merged;
    for (std::size_t a = 0; a < mats.size(); ++a)
      for (const auto& [k, v] : mats[a]) merged[k] += v * weights[a];
    return bruteForceFeatures(merged);
  }
  std::vector<double> sum(16, 0.0);
  int count = 0;
  for (const auto& P : mats) {
    if (P.empty()) continue;
    const auto f = bruteForceFeatures(P);
    for (std::size_t i = 0; i < f.size(); ++i) sum[i] += f[i];
    ++count;
  }
  for (double& x : sum) x /= count;
  return sum;
}

TEST(GlrlmFeatures, MatchesBruteForceOnRandomRoiWithHoleAtImageBorder) {
  const Volumes c = randomCase(7, {12, 10, 8}, {0.8, 0.7, 1.3}, 5);
  for (WeightingNorm norm : {WeightingNorm::None, WeightingNorm::NoWeighting, WeightingNorm::Euclidean,
                             WeightingNorm::Manhattan, WeightingNorm::Infinity})
    expectClose(kClass, computeClass(kClass, c, unitBins(norm)), bruteForceGlrlm(c, unitBins(norm)), 1e-12, weightingNormName(norm));
  // A one-slice ROI (4 angles) and many grey levels.
  const Volumes flat2d = randomCase(9, {40, 30, 1}, {1, 1, 1}, 900);
  expectClose(kClass, computeClass(kClass, flat2d, unitBins()), bruteForceGlrlm(flat2d, unitBins()), 1e-12, "2D, many levels");
}

TEST(GlrlmFeatures, FlatBoxMatchesBruteForce) {
  Volumes c = volumesOf({6, 7, 8});
  for (int z = 1; z <= 5; ++z)
    for (int y = 1; y <= 4; ++y)
      for (int x = 1; x <= 3; ++x) c.image.at(x, y, z) = 40.0f, c.labels.at(x, y, z) = 1;
  expectClose(kClass, computeClass(kClass, c, unitBins()), bruteForceGlrlm(c, unitBins()), 1e-12, "flat box");
}

// ---- Invariances ----------------------------------------------------------------------------------------

// Runs are undirected and the 13 directions map onto themselves under flips and axis permutations (the
// weights follow the spacing), so every GLRLM feature is orientation-independent.
TEST(GlrlmFeatures, InvariantUnderFlipsAndAxisPermutations) {
  const Volumes c = randomCase(3, {9, 8, 7}, {0.9, 1.1, 1.6}, 6);
  for (WeightingNorm norm : {WeightingNorm::None, WeightingNorm::Euclidean})
    expectInvariant(kClass, c, unitBins(norm), fourMoves(), 1e-12, weightingNormName(norm));
}

}  // namespace
}  // namespace ren::radiomics
