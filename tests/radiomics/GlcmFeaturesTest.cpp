// GLCM feature class: IBSI digital phantom (3D averaged / 3D merged), PyRadiomics baselines,
// hand-computed and edge cases, an independent brute-force implementation of the definitions on a
// random ROI (hole, image border, absent grey level), and invariance under flips/axis permutations.
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

constexpr const char* kClass = "glcm";

// PyRadiomics feature -> IBSI code (MCC has none in IBSI).
const std::vector<std::pair<std::string, std::string>> kIbsiCodes{
    {"Autocorrelation", "QWB0"},   {"JointAverage", "60VM"},       {"ClusterProminence", "AE86"},
    {"ClusterShade", "7NFM"},      {"ClusterTendency", "DG8W"},    {"Contrast", "ACUI"},
    {"Correlation", "NI2N"},       {"DifferenceAverage", "TF7R"},  {"DifferenceEntropy", "NTRS"},
    {"DifferenceVariance", "D3YU"}, {"JointEnergy", "8ZQL"},       {"JointEntropy", "TU9B"},
    {"Imc1", "R8DG"},              {"Imc2", "JN9H"},               {"Idm", "WF0Z"},
    {"Idmn", "1QCO"},              {"Id", "IB1Z"},                 {"Idn", "NDRX"},
    {"InverseVariance", "E8JP"},   {"MaximumProbability", "GYBY"}, {"SumAverage", "ZGXS"},
    {"SumEntropy", "P6QZ"},        {"SumSquares", "UR99"}};

TEST(GlcmFeatures, NamesAreThePyRadiomicsOrder) {
  const FeatureClass c = glcmFeatures();
  EXPECT_EQ(c.name, "glcm");
  const std::vector<std::string> expected{
      "Autocorrelation", "JointAverage",       "ClusterProminence", "ClusterShade",    "ClusterTendency",
      "Contrast",        "Correlation",        "DifferenceAverage", "DifferenceEntropy", "DifferenceVariance",
      "JointEnergy",     "JointEntropy",       "Imc1",              "Imc2",            "Idm",
      "MCC",             "Idmn",               "Id",                "Idn",             "InverseVariance",
      "MaximumProbability", "SumAverage",      "SumEntropy",        "SumSquares"};
  EXPECT_EQ(c.featureNames, expected);
}

TEST(GlcmFeatures, IbsiPhantom3DAveraged) { expectIbsiPhantom(kClass, anchors::ibsiSettings(), kIbsiCodes, "3D, averaged"); }

// IBSI "3D, merged" sums the 13 matrices before the features: weightingNorm no_weighting.
TEST(GlcmFeatures, IbsiPhantom3DMergedIsNoWeighting) {
  RadiomicsSettings s = anchors::ibsiSettings();
  s.weightingNorm = WeightingNorm::NoWeighting;
  expectIbsiPhantom(kClass, s, kIbsiCodes, "3D, merged");
}

// PyRadiomics' own criterion, every feature within 3 % of its baseline, and beyond it: the
// implementation reproduces PyRadiomics to rounding (1e-6).
TEST(GlcmFeatures, PyRadiomicsBaselines) {
  for (const std::string& column : textureBaselineColumns(true)) expectBaselineColumn(kClass, column, 1e-6);
}

// ---- Small synthetic ROIs ----------------------------------------------------------------------------

// One row of 6 voxels, levels 1 1 1 2 2 2: only the x angle; symmetric P = [[4,1],[1,4]] / 10.
TEST(GlcmFeatures, HandComputedTwoLevelRow) {
  Volumes c = volumesOf({8, 3, 3});
  const float v[6] = {0, 0, 0, 1, 1, 1};
  for (int x = 0; x < 6; ++x) c.image.at(x + 1, 1, 1) = v[x], c.labels.at(x + 1, 1, 1) = 1;
  const auto f = computeClass(kClass, c, unitBins());
  const auto at = [&](const char* n) { return f[featureIndex(kClass, n)]; };
  // p(1,1) = p(2,2) = 0.4, p(1,2) = p(2,1) = 0.1; mu = 1.5; p_{x-y} = {0.8, 0.2}; p_{x+y} = {2: .4, 3: .2, 4: .4}.
  const double h = -(2 * 0.4 * std::log2(0.4 + kNumpyEps) + 2 * 0.1 * std::log2(0.1 + kNumpyEps));
  const double hxy1 = -std::log2(0.25 + kNumpyEps);  // every p_x p_y = 0.25
  const double hx = -std::log2(0.5 + kNumpyEps);
  EXPECT_NEAR(at("Autocorrelation"), 0.4 * 1 + 0.2 * 2 + 0.4 * 4, 1e-12);
  EXPECT_NEAR(at("JointAverage"), 1.5, 1e-12);
  EXPECT_NEAR(at("ClusterProminence"), 0.4 * 1 + 0.4 * 1, 1e-12);  // (i+j-3)^4: 1, 0, 1
  EXPECT_NEAR(at("ClusterShade"), 0.0, 1e-12);
  EXPECT_NEAR(at("ClusterTendency"), 0.8, 1e-12);
  EXPECT_NEAR(at("Contrast"), 0.2, 1e-12);
  EXPECT_NEAR(at("Correlation"), 0.6, 1e-12);  // (0.4*0.25*2 - 0.1*0.25*2) / 0.25
  EXPECT_NEAR(at("DifferenceAverage"), 0.2, 1e-12);
  EXPECT_NEAR(at("DifferenceEntropy"), -(0.8 * std::log2(0.8 + kNumpyEps) + 0.2 * std::log2(0.2 + kNumpyEps)), 1e-12);
  EXPECT_NEAR(at("DifferenceVariance"), 0.8 * 0.04 + 0.2 * 0.64, 1e-12);
  EXPECT_NEAR(at("JointEnergy"), 2 * 0.16 + 2 * 0.01, 1e-12);
  EXPECT_NEAR(at("JointEntropy"), h, 1e-12);
  EXPECT_NEAR(at("Imc1"), (h - hxy1) / hx, 1e-12);
  EXPECT_NEAR(at("Imc2"), std::sqrt(1 - std::exp(-2 * (hxy1 - h))), 1e-12);  // HXY2 = HXY1 here
  EXPECT_NEAR(at("Idm"), 0.8 + 0.2 / 2, 1e-12);
  // MCC of a 2-level symmetric GLCM = |det p| / (p_x(1) p_x(2)) = 0.15 / 0.25.
  EXPECT_NEAR(at("MCC"), 0.6, 1e-10);
  EXPECT_NEAR(at("Idmn"), 0.8 + 0.2 / (1 + 1.0 / 4), 1e-12);  // Ng = 2 (highest level)
  EXPECT_NEAR(at("Id"), 0.8 + 0.2 / 2, 1e-12);
  EXPECT_NEAR(at("Idn"), 0.8 + 0.2 / 1.5, 1e-12);
  EXPECT_NEAR(at("InverseVariance"), 0.2, 1e-12);
  EXPECT_NEAR(at("MaximumProbability"), 0.4, 1e-12);
  EXPECT_NEAR(at("SumAverage"), 3.0, 1e-12);
  EXPECT_NEAR(at("SumEntropy"), -(0.8 * std::log2(0.4 + kNumpyEps) + 0.2 * std::log2(0.2 + kNumpyEps)), 1e-12);
  EXPECT_NEAR(at("SumSquares"), 0.25, 1e-12);
}

// Idmn/Idn normalise by the highest level present (PyRadiomics Ng = max grey level), not the count.
TEST(GlcmFeatures, IdmnUsesHighestLevelAndActualLevelValues) {
  Volumes c = volumesOf({8, 3, 3});
  const float v[6] = {0, 0, 0, 3, 3, 3};  // levels 1 and 4; 2 and 3 absent
  for (int x = 0; x < 6; ++x) c.image.at(x + 1, 1, 1) = v[x], c.labels.at(x + 1, 1, 1) = 1;
  const auto f = computeClass(kClass, c, unitBins());
  EXPECT_NEAR(f[featureIndex(kClass, "Contrast")], 0.2 * 9, 1e-12);
  EXPECT_NEAR(f[featureIndex(kClass, "Idmn")], 0.8 + 0.2 / (1 + 9.0 / 16), 1e-12);
  EXPECT_NEAR(f[featureIndex(kClass, "Idn")], 0.8 + 0.2 / (1 + 3.0 / 4), 1e-12);
  EXPECT_NEAR(f[featureIndex(kClass, "JointAverage")], 2.5, 1e-12);
  EXPECT_NEAR(f[featureIndex(kClass, "MCC")], 0.6, 1e-10);  // level values do not enter Q
}

// A flat ROI (one grey level L = 1), as PyRadiomics' flatRegion baselines: exact values.
TEST(GlcmFeatures, FlatRoi) {
  Volumes c = volumesOf({6, 6, 6});
  for (int z = 1; z < 5; ++z)
    for (int y = 1; y < 5; ++y)
      for (int x = 1; x < 4; ++x) c.image.at(x, y, z) = 7.0f, c.labels.at(x, y, z) = 1;
  for (WeightingNorm norm : {WeightingNorm::None, WeightingNorm::NoWeighting}) {
    RadiomicsSettings s = unitBins();
    s.weightingNorm = norm;
    const auto f = computeClass(kClass, c, s);
    const double e = -std::log2(1 + kNumpyEps);  // -3.2e-16, the entropies of a one-cell matrix
    const std::map<std::string, double> expected{
        {"Autocorrelation", 1},   {"JointAverage", 1},      {"ClusterProminence", 0}, {"ClusterShade", 0},
        {"ClusterTendency", 0},   {"Contrast", 0},          {"Correlation", 1},       {"DifferenceAverage", 0},
        {"DifferenceEntropy", e}, {"DifferenceVariance", 0}, {"JointEnergy", 1},      {"JointEntropy", e},
        {"Imc1", 0},              {"Imc2", 0},              {"Idm", 1},               {"MCC", 1},
        {"Idmn", 1},              {"Id", 1},                {"Idn", 1},               {"InverseVariance", 0},
        {"MaximumProbability", 1}, {"SumAverage", 2},       {"SumEntropy", e},        {"SumSquares", 0}};
    for (const auto& [name, value] : expected) EXPECT_NEAR(f[featureIndex(kClass, name)], value, 1e-15) << name;
  }
}

// One voxel: no angle at all (PyRadiomics rejects such a mask): every feature NaN.
TEST(GlcmFeatures, OneVoxelRoiIsNaN) {
  Volumes c = volumesOf({3, 3, 3});
  c.image.at(1, 1, 1) = 5, c.labels.at(1, 1, 1) = 1;
  for (double x : computeClass(kClass, c, unitBins())) EXPECT_TRUE(std::isnan(x));
}

// Two voxels two apart on a row: the only angle (x) has no pair, so it is dropped and every feature is
// nanmean([]) = NaN; MCC keeps PyRadiomics' one-level shortcut (1) and is NaN with two levels.
TEST(GlcmFeatures, NoNeighbourPairs) {
  Volumes c = volumesOf({5, 3, 3});
  c.labels.at(1, 1, 1) = c.labels.at(3, 1, 1) = 1;
  c.image.at(1, 1, 1) = c.image.at(3, 1, 1) = 2;
  auto f = computeClass(kClass, c, unitBins());
  for (std::size_t i = 0; i < f.size(); ++i)
    if (i == featureIndex(kClass, "MCC"))
      EXPECT_EQ(f[i], 1.0);
    else
      EXPECT_TRUE(std::isnan(f[i])) << featureClass(kClass).featureNames[i];
  c.image.at(3, 1, 1) = 4;
  f = computeClass(kClass, c, unitBins());
  for (double x : f) EXPECT_TRUE(std::isnan(x));
  RadiomicsSettings merged = unitBins();
  merged.weightingNorm = WeightingNorm::NoWeighting;
  for (double x : computeClass(kClass, c, merged)) EXPECT_TRUE(std::isnan(x));
}

// ---- Brute force: the definitions, written straightforwardly on the image grid -------------------------

/// Random values with spatial correlation along x (frequent runs and diagonal cells) on a blob with a
/// hole at the image border.
Volumes randomCase(std::uint32_t seed, std::array<std::int64_t, 3> n, std::array<double, 3> spacing, int levels) {
  return randomBlob(seed, n, spacing, levels, {0.4, 0, 0});
}

using SparseP = std::map<std::pair<int, int>, double>;  // (level i, level j) -> count

std::vector<double> bruteForceFeatures(const SparseP& P, int maxLevel, std::vector<int> present) {
  const std::size_t ng = present.size();
  double total = 0;
  for (const auto& [ij, c] : P) total += c;
  std::map<int, double> px, py, pSum, pDiff;
  double ux = 0, uy = 0;
  for (const auto& [ij, c] : P) {
    const double p = c / total;
    px[ij.first] += p, py[ij.second] += p;
    ux += p * ij.first, uy += p * ij.second;
    pSum[ij.first + ij.second] += p, pDiff[std::abs(ij.first - ij.second)] += p;
  }
  double ac = 0, cp = 0, cs = 0, ct = 0, con = 0, sx = 0, sy = 0, cov = 0, ene = 0, hxy = 0, hxy1 = 0, mp = 0;
  for (const auto& [ij, c] : P) {
    const double p = c / total, i = ij.first, j = ij.second;
    ac += p * i * j;
    cp += p * std::pow(i + j - ux - uy, 4);
    cs += p * std::pow(i + j - ux - uy, 3);
    ct += p * std::pow(i + j - ux - uy, 2);
    con += p * (i - j) * (i - j);
    sx += p * (i - ux) * (i - ux), sy += p * (j - uy) * (j - uy), cov += p * (i - ux) * (j - uy);
    ene += p * p;
    hxy -= p * std::log2(p + kNumpyEps);
    hxy1 -= p * std::log2(px[ij.first] * py[ij.second] + kNumpyEps);
    mp = std::max(mp, p);
  }
  double da = 0, de = 0, idm = 0, idmn = 0, id = 0, idn = 0, iv = 0, dv = 0, sa = 0, se = 0;
  const double N = maxLevel;
  for (const auto& [k, p] : pDiff) {
    da += k * p, de -= p * std::log2(p + kNumpyEps), idm += p / (1.0 + k * k), idmn += p / (1 + k * k / (N * N));
    id += p / (1.0 + k), idn += p / (1 + k / N);
    if (k > 0) iv += p / (static_cast<double>(k) * k);
  }
  for (const auto& [k, p] : pDiff) dv += (k - da) * (k - da) * p;
  for (const auto& [k, p] : pSum) sa += k * p, se -= p * std::log2(p + kNumpyEps);
  double hx = 0, hy = 0, hxy2 = 0;
  for (const auto& [i, p] : px) hx -= p * std::log2(p + kNumpyEps);
  for (const auto& [j, p] : py) hy -= p * std::log2(p + kNumpyEps);
  if (px.size() * py.size() <= (std::size_t{1} << 22)) {
    for (const auto& [i, pi] : px)
      for (const auto& [j, pj] : py) hxy2 -= pi * pj * std::log2(pi * pj + kNumpyEps);
  } else {  // as the class does beyond 4 M terms: HX + HY of the unshifted logs
    for (const auto& [i, p] : px) hxy2 -= p * std::log2(p);
    for (const auto& [j, p] : py) hxy2 -= p * std::log2(p);
  }
  const double corr = std::sqrt(sx) * std::sqrt(sy) == 0 ? 1.0 : cov / (std::sqrt(sx) * std::sqrt(sy) + kNumpyEps);
  const double imc1 = std::max(hx, hy) == 0 ? 0.0 : (hxy - hxy1) / std::max(hx, hy);
  const double imc2 = hxy2 == hxy ? 0.0 : std::sqrt(1 - std::exp(-2 * (hxy2 - hxy)));

  // MCC: Q as PyRadiomics writes it (eps in the denominator), eigenvalues by unshifted QR iteration.
  double mcc = 1;
  if (ng > 12) mcc = std::nan("");  // no dense eigen decomposition for many levels
  else if (ng >= 2) {
    std::vector<double> Q(ng * ng, 0.0), pm(ng * ng, 0.0), vx(ng, 0.0), vy(ng, 0.0);
    for (std::size_t a = 0; a < ng; ++a) vx[a] = px.count(present[a]) ? px[present[a]] : 0, vy[a] = py.count(present[a]) ? py[present[a]] : 0;
    for (const auto& [ij, c] : P) {
      const auto ia = std::find(present.begin(), present.end(), ij.first) - present.begin();
      const auto ja = std::find(present.begin(), present.end(), ij.second) - present.begin();
      pm[static_cast<std::size_t>(ia) * ng + static_cast<std::size_t>(ja)] = c / total;
    }
    for (std::size_t i = 0; i < ng; ++i)
      for (std::size_t j = 0; j < ng; ++j)
        for (std::size_t k = 0; k < ng; ++k) Q[i * ng + j] += pm[i * ng + k] * pm[j * ng + k] / (vx[i] * vy[k] + kNumpyEps);
    for (int it = 0; it < 4000; ++it) {  // A = QR (Gram-Schmidt), A <- RQ
      std::vector<double> q(ng * ng, 0.0), r(ng * ng, 0.0);
      for (std::size_t col = 0; col < ng; ++col) {
        std::vector<double> w(ng);
        for (std::size_t row = 0; row < ng; ++row) w[row] = Q[row * ng + col];
        for (std::size_t prev = 0; prev < col; ++prev) {
          double d = 0;
          for (std::size_t row = 0; row < ng; ++row) d += q[row * ng + prev] * Q[row * ng + col];
          r[prev * ng + col] = d;
          for (std::size_t row = 0; row < ng; ++row) w[row] -= d * q[row * ng + prev];
        }
        double nn = 0;
        for (double x : w) nn += x * x;
        nn = std::sqrt(nn);
        r[col * ng + col] = nn;
        for (std::size_t row = 0; row < ng; ++row) q[row * ng + col] = nn > 1e-300 ? w[row] / nn : 0;
      }
      for (std::size_t i = 0; i < ng; ++i)
        for (std::size_t j = 0; j < ng; ++j) {
          double s = 0;
          for (std::size_t k = 0; k < ng; ++k) s += r[i * ng + k] * q[k * ng + j];
          Q[i * ng + j] = s;
        }
    }
    std::vector<double> ev(ng);
    for (std::size_t i = 0; i < ng; ++i) ev[i] = Q[i * ng + i];
    std::sort(ev.begin(), ev.end());
    mcc = std::sqrt(std::max(0.0, ev[ng - 2]));
  }
  return {ac,  ux,   cp,  cs,  ct,  con, corr, da, de, dv, ene, hxy, imc1, imc2, idm, mcc, idmn, id, idn, iv, mp,
          sa, se, sx};
}

/// GLCM features by the definitions: every image voxel pair of the ROI along each angle of the
/// requested distances (angles not limited by the ROI: the empty ones are dropped), symmetric or not.
std::vector<double> bruteForceGlcm(const Volumes& c, const RadiomicsSettings& s) {
  const Case cs = makeCase(c, s);
  const Roi& roi = cs.roi;
  const GreyLevels& grey = cs.grey;
  const auto& g = c.image.geometry;
  const auto levelAt = [&](std::int64_t x, std::int64_t y, std::int64_t z) -> int {
    if (x < 0 || y < 0 || z < 0 || x >= g.size[0] || y >= g.size[1] || z >= g.size[2]) return 0;
    if (c.labels.at(x, y, z) != 1) return 0;
    return grey.level[roi.index(x - roi.boxStart[0], y - roi.boxStart[1], z - roi.boxStart[2])];
  };
  int dmax = *std::max_element(s.distances.begin(), s.distances.end());
  std::vector<SparseP> mats;
  std::vector<double> weights;
  for (int dz = -dmax; dz <= dmax; ++dz)
    for (int dy = -dmax; dy <= dmax; ++dy)
      for (int dx = -dmax; dx <= dmax; ++dx) {
        const int lead = dz != 0 ? dz : dy != 0 ? dy : dx;
        const int norm = std::max({std::abs(dx), std::abs(dy), std::abs(dz)});
        if (lead <= 0 || std::find(s.distances.begin(), s.distances.end(), norm) == s.distances.end()) continue;
        SparseP P;
        for (std::int64_t z = 0; z < g.size[2]; ++z)
          for (std::int64_t y = 0; y < g.size[1]; ++y)
            for (std::int64_t x = 0; x < g.size[0]; ++x) {
              const int a = levelAt(x, y, z), b = levelAt(x + dx, y + dy, z + dz);
              if (a == 0 || b == 0) continue;
              P[{a, b}] += 1;
              if (s.symmetricalGlcm) P[{b, a}] += 1;
            }
        const double mx = std::abs(dx) * g.spacing[0], my = std::abs(dy) * g.spacing[1], mz = std::abs(dz) * g.spacing[2];
        double w = 1;
        if (s.weightingNorm == WeightingNorm::Euclidean) w = std::exp(-(mx * mx + my * my + mz * mz));
        if (s.weightingNorm == WeightingNorm::Manhattan) w = std::exp(-(mx + my + mz) * (mx + my + mz));
        if (s.weightingNorm == WeightingNorm::Infinity) w = std::exp(-std::pow(std::max({mx, my, mz}), 2));
        mats.push_back(P);
        weights.push_back(w);
      }
  if (s.weightingNorm != WeightingNorm::None) {
    SparseP merged;
    for (std::size_t a = 0; a < mats.size(); ++a)
      for (const auto& [ij, v] : mats[a]) merged[ij] += v * weights[a];
    return bruteForceFeatures(merged, grey.present.back(), grey.present);
  }
  std::vector<double> sum(24, 0.0);
  int count = 0;
  for (const auto& P : mats) {
    if (P.empty()) continue;
    const auto f = bruteForceFeatures(P, grey.present.back(), grey.present);
    for (std::size_t i = 0; i < f.size(); ++i) sum[i] += f[i];
    ++count;
  }
  for (double& x : sum) x /= count;
  return sum;
}

TEST(GlcmFeatures, MatchesBruteForceOnRandomRoiWithHoleAtImageBorder) {
  const Volumes c = randomCase(7, {11, 9, 7}, {0.8, 0.7, 1.3}, 5);
  for (bool symmetric : {true, false})
    for (WeightingNorm norm : {WeightingNorm::None, WeightingNorm::NoWeighting, WeightingNorm::Euclidean,
                               WeightingNorm::Manhattan, WeightingNorm::Infinity}) {
      RadiomicsSettings s = unitBins();
      s.symmetricalGlcm = symmetric;
      s.weightingNorm = norm;
      const std::string what = std::string(symmetric ? "symmetric " : "asymmetric ") + weightingNormName(norm);
      expectClose(kClass, computeClass(kClass, c, s), bruteForceGlcm(c, s), 1e-9, what);
    }
  RadiomicsSettings s = unitBins();
  s.distances = {1, 2};
  expectClose(kClass, computeClass(kClass, c, s), bruteForceGlcm(c, s), 1e-9, "distances 1,2");
}

// Many grey levels: one pass per angle into a dense Ng x Ng buffer (13 angles, 555 < Ng <= 2048) and
// sorted pair codes (Ng > 2048); same definitions as the brute force.
TEST(GlcmFeatures, ManyGreyLevelsMatchBruteForce) {
  struct Big {
    std::array<std::int64_t, 3> n;
    int levels;
    std::size_t minPresent;
  };
  for (const Big& b : {Big{{20, 20, 10}, 1500, 556}, Big{{110, 90, 1}, 30000, 2049}}) {
    const Volumes c = randomCase(11, b.n, {1, 1, 1}, b.levels);
    RadiomicsSettings s = unitBins();
    ASSERT_GE(makeCase(c, s).grey.present.size(), b.minPresent);
    auto ours = computeClass(kClass, c, s);
    auto ref = bruteForceGlcm(c, s);
    // MCC: no dense eigen decomposition for the reference here; check its range only.
    const std::size_t m = featureIndex(kClass, "MCC");
    EXPECT_GE(ours[m], 0.0);
    EXPECT_LE(ours[m], 1.0 + 1e-12);
    ours[m] = ref[m] = 0;
    expectClose(kClass, ours, ref, 1e-9, std::to_string(b.levels) + " levels");
  }
}

// ---- Invariances ----------------------------------------------------------------------------------------

// With a symmetric GLCM the 13 directions map onto themselves under flips and axis permutations (and
// the weights follow the spacing), so no feature depends on the orientation. Without symmetry some
// angles see P^T: averaged, only JointAverage (mu_x) and SumSquares (variance of i) change; merged, the
// sum of some P and some P^T is a different matrix, so every feature may change (not checked).
TEST(GlcmFeatures, InvariantUnderFlipsAndAxisPermutations) {
  const Volumes c = randomCase(3, {9, 8, 7}, {0.9, 1.1, 1.6}, 6);
  const std::vector<Move> moves = fourMoves();
  for (bool symmetric : {true, false})
    for (WeightingNorm norm : {WeightingNorm::None, WeightingNorm::Euclidean}) {
      if (!symmetric && norm != WeightingNorm::None) continue;
      RadiomicsSettings s = unitBins(norm);
      s.symmetricalGlcm = symmetric;
      const std::string what = (symmetric ? "symmetric " : "asymmetric ") + weightingNormName(norm);
      if (symmetric) {
        expectInvariant(kClass, c, s, moves, 1e-9, what);
        continue;
      }
      const auto base = computeClass(kClass, c, s);
      forEachFlipAndPermutation(c, moves, [&](const Volumes& moved, const std::string& move) {
        auto v = computeClass(kClass, moved, s);
        for (const char* changes : {"JointAverage", "SumSquares"})  // not compared
          v[featureIndex(kClass, changes)] = base[featureIndex(kClass, changes)];
        expectClose(kClass, v, base, 1e-9, what + ", " + move);
      });
    }
}

// The ROI touching the image border gives what the same ROI gives in the middle of a larger image.
TEST(GlcmFeatures, RoiAtImageBorderEqualsRoiInside) {
  expectBorderEqualsInside(kClass, randomCase(5, {8, 7, 6}, {1, 1, 1}, 4), unitBins(), {3, 2, 2}, 0, 1e-12);
}

}  // namespace
}  // namespace ren::radiomics
