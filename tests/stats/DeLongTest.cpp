#include "ren/stats/DeLong.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/stats/Distributions.h"

using namespace ren::stats;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

/// DeLong's definition computed directly from the m x n comparisons (independent of the midrank
/// algorithm): placements V10 (per positive), V01 (per negative) and S = S10/m + S01/n.
struct BruteForce {
  std::vector<double> auc;
  std::vector<std::vector<double>> covariance;
};

BruteForce bruteForceDeLong(const std::vector<int>& labels, const std::vector<std::vector<double>>& models) {
  std::vector<std::size_t> pos, neg;
  for (std::size_t i = 0; i < labels.size(); ++i) (labels[i] == 1 ? pos : neg).push_back(i);
  const double m = static_cast<double>(pos.size()), n = static_cast<double>(neg.size());
  const std::size_t k = models.size();
  std::vector<std::vector<double>> v10(k, std::vector<double>(pos.size(), 0.0));
  std::vector<std::vector<double>> v01(k, std::vector<double>(neg.size(), 0.0));
  BruteForce b;
  for (std::size_t r = 0; r < k; ++r) {
    double sum = 0;
    for (std::size_t i = 0; i < pos.size(); ++i) {
      for (std::size_t j = 0; j < neg.size(); ++j) {
        const double x = models[r][pos[i]], y = models[r][neg[j]];
        const double psi = x > y ? 1.0 : (x == y ? 0.5 : 0.0);
        v10[r][i] += psi / n;
        v01[r][j] += psi / m;
        sum += psi;
      }
    }
    b.auc.push_back(sum / (m * n));
  }
  b.covariance.assign(k, std::vector<double>(k, 0.0));
  for (std::size_t r = 0; r < k; ++r) {
    for (std::size_t s = 0; s < k; ++s) {
      double s10 = 0, s01 = 0;
      for (std::size_t i = 0; i < pos.size(); ++i) s10 += (v10[r][i] - b.auc[r]) * (v10[s][i] - b.auc[s]);
      for (std::size_t j = 0; j < neg.size(); ++j) s01 += (v01[r][j] - b.auc[r]) * (v01[s][j] - b.auc[s]);
      b.covariance[r][s] = s10 / (m - 1) / m + s01 / (n - 1) / n;
    }
  }
  return b;
}

/// Three correlated models on `count` scans, scores rounded to `grid` (coarse grids make ties).
struct Synthetic {
  std::vector<int> labels;
  std::vector<std::vector<double>> models;
};

Synthetic synthetic(std::size_t count, double positiveRate, double grid, std::uint64_t seed) {
  ren::Rng rng(seed);
  Synthetic s;
  s.models.assign(3, {});
  for (std::size_t i = 0; i < count; ++i) {
    const int label = rng.bernoulli(positiveRate) ? 1 : 0;
    const double latent = rng.normal() + 1.2 * label;
    const double scores[3] = {latent + 0.5 * rng.normal(), 0.6 * latent + rng.normal(), 0.4 * label + rng.normal()};
    s.labels.push_back(label);
    for (int k = 0; k < 3; ++k) s.models[k].push_back(std::round(scores[k] / grid) * grid);
  }
  return s;
}

}  // namespace

TEST(DeLong, HandComputedVariance) {
  // Positives 0.35, 0.8; negatives 0.1, 0.4. V10 = {1/2, 1}, V01 = {1, 1/2}: S10 = S01 = 1/8, and
  // S = S10/2 + S01/2 = 1/8.
  const DeLongEstimate e = delong({0, 0, 1, 1}, {{0.1, 0.4, 0.35, 0.8}});
  ASSERT_EQ(e.auc.size(), 1u);
  EXPECT_DOUBLE_EQ(e.auc[0], 0.75);
  EXPECT_DOUBLE_EQ(e.covariance[0][0], 0.125);
  EXPECT_EQ(e.positives, 2);
  EXPECT_EQ(e.negatives, 2);
  // All scores tied: AUC 1/2 and every placement 1/2, so the variance is 0.
  const DeLongEstimate tied = delong({0, 1, 0, 1}, {{3.0, 3.0, 3.0, 3.0}});
  EXPECT_DOUBLE_EQ(tied.auc[0], 0.5);
  EXPECT_EQ(tied.covariance[0][0], 0.0);
}

TEST(DeLong, MidrankAlgorithmMatchesTheDirectDefinition) {
  for (double grid : {1e-6, 0.25}) {  // nearly tie-free and heavily tied scores
    const Synthetic s = synthetic(157, 0.35, grid, 11);
    const DeLongEstimate fast = delong(s.labels, s.models);
    const BruteForce direct = bruteForceDeLong(s.labels, s.models);
    for (std::size_t r = 0; r < 3; ++r) {
      EXPECT_NEAR(fast.auc[r], direct.auc[r], 1e-14) << "grid " << grid;
      EXPECT_NEAR(fast.auc[r], rocAuc(s.labels, s.models[r]), 1e-15);
      for (std::size_t c = 0; c < 3; ++c) {
        EXPECT_NEAR(fast.covariance[r][c], direct.covariance[r][c], 1e-12 * direct.covariance[r][r])
            << "grid " << grid << " entry " << r << "," << c;
      }
    }
    EXPECT_DOUBLE_EQ(fast.covariance[0][1], fast.covariance[1][0]);
  }
}

TEST(DeLong, InvariantToMonotoneTransformsAndOrder) {
  const Synthetic s = synthetic(80, 0.5, 1e-3, 5);
  std::vector<double> transformed;
  for (double v : s.models[0]) transformed.push_back(std::exp(v) * 3.0 + 1.0);
  const DeLongEstimate a = delong(s.labels, {s.models[0]});
  const DeLongEstimate b = delong(s.labels, {transformed});
  EXPECT_EQ(a.auc[0], b.auc[0]);
  EXPECT_EQ(a.covariance[0][0], b.covariance[0][0]);
}

TEST(DeLongCi, NormalIntervalAroundTheAuc) {
  const Synthetic s = synthetic(120, 0.4, 1e-4, 3);
  const AucInterval ci = delongCi(s.labels, s.models[0]);
  const DeLongEstimate e = delong(s.labels, {s.models[0]});
  EXPECT_EQ(ci.auc, e.auc[0]);
  EXPECT_EQ(ci.variance, e.covariance[0][0]);
  EXPECT_EQ(ci.level, 0.95);
  const double half = 1.959963984540054 * std::sqrt(ci.variance);
  EXPECT_NEAR(ci.lower, ci.auc - half, 1e-14);
  EXPECT_NEAR(ci.upper, ci.auc + half, 1e-14);
  // A 90% interval is narrower.
  const AucInterval ci90 = delongCi(s.labels, s.models[0], 0.90);
  EXPECT_NEAR(ci90.upper - ci90.lower, 2 * 1.6448536269514722 * std::sqrt(ci.variance), 1e-14);
}

TEST(DeLongCi, PerfectSeparationGivesTheDegenerateIntervalOne) {
  const AucInterval ci = delongCi({0, 0, 0, 1, 1}, {0.1, 0.2, 0.3, 0.8, 0.9});
  EXPECT_EQ(ci.auc, 1.0);
  EXPECT_EQ(ci.variance, 0.0);
  EXPECT_EQ(ci.lower, 1.0);
  EXPECT_EQ(ci.upper, 1.0);
}

TEST(DeLongCi, ClampedToTheUnitInterval) {
  // AUC 0.9 on very few scans: the normal interval would pass 1.
  const AucInterval ci = delongCi({0, 0, 1, 1, 0, 1}, {0.1, 0.2, 0.9, 0.8, 0.85, 0.95});
  EXPECT_GT(ci.auc + 1.96 * std::sqrt(ci.variance), 1.0);
  EXPECT_EQ(ci.upper, 1.0);
  EXPECT_LT(ci.lower, ci.auc);
}

TEST(PairedDeLong, MatchesTheDefinition) {
  const Synthetic s = synthetic(140, 0.45, 1e-2, 21);
  const AucComparison c = pairedDeLongTest(s.labels, s.models[0], s.models[1]);
  const BruteForce b = bruteForceDeLong(s.labels, {s.models[0], s.models[1]});
  const double variance = b.covariance[0][0] + b.covariance[1][1] - 2 * b.covariance[0][1];
  EXPECT_NEAR(c.auc1, b.auc[0], 1e-14);
  EXPECT_NEAR(c.auc2, b.auc[1], 1e-14);
  EXPECT_NEAR(c.difference, b.auc[0] - b.auc[1], 1e-14);
  EXPECT_NEAR(c.statistic, (b.auc[0] - b.auc[1]) / std::sqrt(variance), 1e-10);
  EXPECT_NEAR(c.pValue, 2 * normalCdf(-std::abs(c.statistic)), 1e-15);
  EXPECT_NEAR(c.lower, c.difference - 1.959963984540054 * std::sqrt(variance), 1e-12);
  EXPECT_NEAR(c.upper, c.difference + 1.959963984540054 * std::sqrt(variance), 1e-12);
  EXPECT_TRUE(std::isnan(c.df));
  EXPECT_EQ(c.method, "DeLong paired (Z)");
  // Swapping the models flips the sign only.
  const AucComparison swapped = pairedDeLongTest(s.labels, s.models[1], s.models[0]);
  EXPECT_NEAR(swapped.statistic, -c.statistic, 1e-14);
  EXPECT_NEAR(swapped.pValue, c.pValue, 1e-15);
}

TEST(PairedDeLong, ZeroVarianceOfTheDifferenceIsAnError) {
  const std::vector<int> labels{0, 1, 0, 1, 1, 0};
  const std::vector<double> scores{0.2, 0.7, 0.4, 0.3, 0.9, 0.1};
  std::vector<double> rescaled;  // the same ranking
  for (double v : scores) rescaled.push_back(10 * v - 4);
  EXPECT_THROW(pairedDeLongTest(labels, scores, scores), ren::InputError);
  EXPECT_THROW(pairedDeLongTest(labels, scores, rescaled), ren::InputError);
  // Both perfect.
  EXPECT_THROW(pairedDeLongTest({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}, {1, 2, 3, 4}), ren::InputError);
}

TEST(UnpairedDeLong, PRocsDStatisticAndDegreesOfFreedom) {
  const Synthetic a = synthetic(90, 0.4, 1e-3, 31);
  const Synthetic b = synthetic(130, 0.3, 1e-3, 32);
  const AucComparison c = unpairedDeLongTest(a.labels, a.models[0], b.labels, b.models[1]);
  const DeLongEstimate ea = delong(a.labels, {a.models[0]});
  const DeLongEstimate eb = delong(b.labels, {b.models[1]});
  const double va = ea.covariance[0][0], vb = eb.covariance[0][0];
  EXPECT_EQ(c.auc1, ea.auc[0]);
  EXPECT_EQ(c.auc2, eb.auc[0]);
  EXPECT_NEAR(c.statistic, (ea.auc[0] - eb.auc[0]) / std::sqrt(va + vb), 1e-14);
  EXPECT_NEAR(c.df, (va + vb) * (va + vb) / (va * va / 89.0 + vb * vb / 129.0), 1e-9);
  EXPECT_NEAR(c.pValue, 2 * studentTCdf(-std::abs(c.statistic), c.df), 1e-15);
  EXPECT_TRUE(std::isnan(c.lower));
  EXPECT_TRUE(std::isnan(c.upper));
  EXPECT_EQ(c.method, "DeLong unpaired (D)");
  // Both perfect: D is undefined.
  EXPECT_THROW(unpairedDeLongTest({0, 0, 1, 1}, {1, 2, 3, 4}, {0, 1, 0, 1}, {1, 5, 2, 6}), ren::InputError);
}

TEST(DeLongEquality, TwoModelsGiveTheSquaredPairedZ) {
  const Synthetic s = synthetic(110, 0.5, 1e-3, 41);
  const AucComparison paired = pairedDeLongTest(s.labels, s.models[0], s.models[2]);
  const AucEqualityTest eq = delongEqualityTest(s.labels, {s.models[0], s.models[2]});
  EXPECT_EQ(eq.df, 1);
  EXPECT_NEAR(eq.chiSquare, paired.statistic * paired.statistic, 1e-10 * eq.chiSquare);
  EXPECT_NEAR(eq.pValue, paired.pValue, 1e-12);
}

TEST(DeLongEquality, ThreeModelsMatchTheQuadraticForm) {
  const Synthetic s = synthetic(150, 0.4, 1e-3, 51);
  const AucEqualityTest eq = delongEqualityTest(s.labels, s.models);
  const BruteForce b = bruteForceDeLong(s.labels, s.models);
  // L = [[1, -1, 0], [0, 1, -1]]; chi2 = v' M^-1 v with the 2x2 M = L S L', inverted by hand.
  const auto& S = b.covariance;
  const double v0 = b.auc[0] - b.auc[1], v1 = b.auc[1] - b.auc[2];
  const double m00 = S[0][0] + S[1][1] - 2 * S[0][1];
  const double m11 = S[1][1] + S[2][2] - 2 * S[1][2];
  const double m01 = S[0][1] - S[0][2] - S[1][1] + S[1][2];
  const double det = m00 * m11 - m01 * m01;
  const double chi2 = (m11 * v0 * v0 - 2 * m01 * v0 * v1 + m00 * v1 * v1) / det;
  EXPECT_EQ(eq.df, 2);
  EXPECT_NEAR(eq.chiSquare, chi2, 1e-9 * chi2);
  EXPECT_NEAR(eq.pValue, std::exp(-chi2 / 2), 1e-12);  // chi-square with 2 df: P(X > x) = exp(-x/2)
  // The order of the models does not matter.
  const AucEqualityTest permuted = delongEqualityTest(s.labels, {s.models[2], s.models[0], s.models[1]});
  EXPECT_NEAR(permuted.chiSquare, eq.chiSquare, 1e-9 * eq.chiSquare);
}

TEST(DeLongEquality, RejectsSingularAndTooFewModels) {
  const Synthetic s = synthetic(60, 0.5, 1e-3, 61);
  EXPECT_THROW(delongEqualityTest(s.labels, {s.models[0]}), ren::InputError);
  EXPECT_THROW(delongEqualityTest(s.labels, {s.models[0], s.models[1], s.models[0]}), ren::InputError);
}

TEST(DeLong, RejectsDegenerateInput) {
  const std::vector<int> labels{0, 1, 0, 1};
  const std::vector<double> scores{0.1, 0.6, 0.3, 0.8};
  EXPECT_THROW(delong({0, 1, 0, 0}, {scores}), ren::InputError);  // one positive
  EXPECT_THROW(delong({1, 1, 0, 1}, {scores}), ren::InputError);  // one negative
  EXPECT_THROW(delong({0, 0, 0, 0}, {scores}), ren::InputError);  // no positive
  EXPECT_THROW(delong(labels, {{0.1, 0.2, 0.3}}), ren::InputError);              // size mismatch
  EXPECT_THROW(delong(labels, {scores, {0.1, 0.2}}), ren::InputError);           // second model's size
  EXPECT_THROW(delong(labels, {{0.1, kNaN, 0.3, 0.4}}), ren::InputError);        // NaN score
  EXPECT_THROW(delong(labels, {{0.1, HUGE_VAL, 0.3, 0.4}}), ren::InputError);    // infinite score
  EXPECT_THROW(delong({0, 2, 0, 1}, {scores}), ren::InputError);                 // label 2
  EXPECT_THROW(delong(labels, {}), ren::InputError);                             // no model
  EXPECT_THROW(delongCi({0, 1, 0, 0}, scores), ren::InputError);
  EXPECT_THROW(delongCi(labels, scores, 1.0), ren::InputError);                  // level
  EXPECT_THROW(pairedDeLongTest(labels, scores, {0.1, 0.2, 0.3}), ren::InputError);
  EXPECT_THROW(pairedDeLongTest({1, 1, 0, 1}, scores, {0.4, 0.3, 0.2, 0.1}), ren::InputError);
  EXPECT_THROW(unpairedDeLongTest(labels, scores, {0, 1, 1}, {0.1, 0.2, 0.3}), ren::InputError);
  try {
    delong({0, 1, 0, 0}, {scores});
    FAIL() << "expected InputError";
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 positives"), std::string::npos) << e.what();
  }
}
