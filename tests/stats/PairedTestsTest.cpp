#include "ren/stats/PairedTests.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "ren/core/Error.h"

using namespace ren::stats;

// Reference values: R 4.2 wilcox.test(x, y, paired = TRUE, exact = TRUE), t.test(x, y, paired = TRUE)
// and binom.test, printed with sprintf("%.17g").

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// set.seed(1); a <- round(rnorm(12), 3); b <- round(rnorm(12) + 0.4, 3)  (no tied |a - b|, no zero)
const std::vector<double> kA{-0.626, 0.184, -0.836, 1.595, 0.330, -0.820, 0.487, 0.738, 0.576, -0.305, 1.512, 0.390};
const std::vector<double> kB{-0.221, -1.815, 1.525, 0.355, 0.384, 1.344, 1.221, 0.994, 1.319, 1.182, 0.475, -1.589};

/// P-values of W+ by enumerating all 2^n sign assignments of the given ranks (independent check).
struct EnumeratedTails {
  double lower = 0, upper = 0;
};
EnumeratedTails enumerate(const std::vector<double>& ranks, double observed) {
  const std::size_t n = ranks.size();
  const double total = std::ldexp(1.0, static_cast<int>(n));
  EnumeratedTails t;
  for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << n); ++mask) {
    double w = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (mask >> i & 1u) w += ranks[i];
    }
    if (w <= observed + 1e-9) t.lower += 1 / total;
    if (w >= observed - 1e-9) t.upper += 1 / total;
  }
  return t;
}

}  // namespace

TEST(Wilcoxon, FiveFoldsAllFavouringX) {
  const std::vector<double> x{0.81, 0.84, 0.79, 0.88, 0.83}, y{0.78, 0.80, 0.77, 0.82, 0.81};
  const TestResult greater = wilcoxonSignedRank(x, y, Alternative::Greater);
  EXPECT_DOUBLE_EQ(greater.pValue, 0.03125);
  EXPECT_EQ(greater.statistic, 15.0);
  EXPECT_EQ(greater.n, 5);
  EXPECT_TRUE(std::isnan(greater.df));
  EXPECT_EQ(greater.method, "exact Wilcoxon signed-rank (greater)");
  EXPECT_DOUBLE_EQ(wilcoxonSignedRank(x, y, Alternative::TwoSided).pValue, 0.0625);
  EXPECT_DOUBLE_EQ(wilcoxonSignedRank(x, y, Alternative::Less).pValue, 1.0);
  EXPECT_DOUBLE_EQ(wilcoxonSignedRank(y, x, Alternative::Less).pValue, 0.03125);
}

TEST(Wilcoxon, MatchesRExactTest) {
  const TestResult two = wilcoxonSignedRank(kA, kB, Alternative::TwoSided);
  EXPECT_EQ(two.statistic, 32.0);
  EXPECT_EQ(two.n, 12);
  EXPECT_NEAR(two.pValue, 0.62207031250000022, 1e-14);
  EXPECT_NEAR(wilcoxonSignedRank(kA, kB, Alternative::Greater).pValue, 0.71533203124999989, 1e-14);
  EXPECT_NEAR(wilcoxonSignedRank(kA, kB, Alternative::Less).pValue, 0.31103515625000011, 1e-14);
}

TEST(Wilcoxon, ZeroDifferencesAreDropped) {
  // The pairs with x == y do not count: the result equals the test on the remaining 4 pairs.
  const TestResult withZeros = wilcoxonSignedRank({1, 2, 3, 4, 5, 6}, {0.5, 2, 2, 4, 4.7, 7}, Alternative::Greater);
  const TestResult without = wilcoxonSignedRank({1, 3, 5, 6}, {0.5, 2, 4.7, 7}, Alternative::Greater);
  EXPECT_EQ(withZeros.n, 4);
  EXPECT_EQ(withZeros.statistic, without.statistic);
  EXPECT_DOUBLE_EQ(withZeros.pValue, without.pValue);
  // d = {0.5, 1, 0.3, -1}: |d| ranks {2, 3.5, 1, 3.5}, W+ = 6.5.
  EXPECT_DOUBLE_EQ(withZeros.statistic, 6.5);
}

TEST(Wilcoxon, ExactWithTiedMagnitudes) {
  // d = {2, -2, 2, 1, 3, -1, 2, 4, 2.5, -3}: many tied |d|; midranks.
  const std::vector<double> d{2, -2, 2, 1, 3, -1, 2, 4, 2.5, -3};
  const std::vector<double> zeros(d.size(), 0.0);
  // |d| sorted: 1,1 (ranks 1,2 -> 1.5), 2 x4 (3..6 -> 4.5), 2.5 (7), 3,3 (8,9 -> 8.5), 4 (10).
  const std::vector<double> ranks{4.5, 4.5, 4.5, 1.5, 8.5, 1.5, 4.5, 10, 7, 8.5};
  double observed = 0;
  for (std::size_t i = 0; i < d.size(); ++i) observed += d[i] > 0 ? ranks[i] : 0.0;
  const EnumeratedTails tails = enumerate(ranks, observed);
  const TestResult greater = wilcoxonSignedRank(d, zeros, Alternative::Greater);
  EXPECT_DOUBLE_EQ(greater.statistic, observed);
  EXPECT_NEAR(greater.pValue, tails.upper, 1e-14);
  EXPECT_NEAR(wilcoxonSignedRank(d, zeros, Alternative::Less).pValue, tails.lower, 1e-14);
  EXPECT_NEAR(wilcoxonSignedRank(d, zeros, Alternative::TwoSided).pValue,
              std::min(1.0, 2 * std::min(tails.lower, tails.upper)), 1e-14);
}

TEST(Wilcoxon, LargeSampleStaysAProbability) {
  std::vector<double> x(400), y(400, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i % 3 == 0 ? -1.0 : 1.0) * static_cast<double>(i + 1);
  const TestResult t = wilcoxonSignedRank(x, y, Alternative::Greater);
  EXPECT_GT(t.pValue, 0.0);
  EXPECT_LT(t.pValue, 1e-6);  // two thirds of the ranks are positive
}

TEST(Wilcoxon, RejectsBadInput) {
  EXPECT_THROW(wilcoxonSignedRank({1, 2}, {1}), ren::InputError);
  EXPECT_THROW(wilcoxonSignedRank({1, kNaN}, {0, 0}), ren::InputError);
  EXPECT_THROW(wilcoxonSignedRank({1, 2}, {1, 2}), ren::InputError);  // every difference 0
  EXPECT_THROW(wilcoxonSignedRank(std::vector<double>(1001, 1.0), std::vector<double>(1001, 0.0)), ren::InputError);
}

TEST(PairedT, MatchesR) {
  const std::vector<double> x{0.81, 0.79, 0.85, 0.77, 0.83}, y{0.78, 0.80, 0.79, 0.70, 0.82};
  const TestResult two = pairedTTest(x, y);
  EXPECT_NEAR(two.statistic, 2.1380899352993952, 1e-13);
  EXPECT_EQ(two.df, 4.0);
  EXPECT_EQ(two.n, 5);
  EXPECT_NEAR(two.pValue, 0.099300683213726773, 1e-13);
  EXPECT_EQ(two.method, "paired t-test (two-sided)");
  EXPECT_NEAR(pairedTTest(x, y, Alternative::Greater).pValue, 0.049650341606863387, 1e-13);
  EXPECT_NEAR(pairedTTest(x, y, Alternative::Less).pValue, 0.95034965839313656, 1e-13);

  const TestResult r = pairedTTest(kA, kB, Alternative::TwoSided);
  EXPECT_NEAR(r.statistic, -0.38089664938157386, 1e-13);
  EXPECT_EQ(r.df, 11.0);
  EXPECT_NEAR(r.pValue, 0.71053354261731028, 1e-13);
  EXPECT_NEAR(pairedTTest(kA, kB, Alternative::Greater).pValue, 0.64473322869134486, 1e-13);
  EXPECT_NEAR(pairedTTest(kA, kB, Alternative::Less).pValue, 0.35526677130865514, 1e-13);
}

TEST(PairedT, RejectsBadInput) {
  EXPECT_THROW(pairedTTest({1}, {0}), ren::InputError);                 // one pair
  EXPECT_THROW(pairedTTest({1, 2, 3}, {0, 1, 2}), ren::InputError);     // constant difference
  // Equal up to rounding (3.3 - 3.2 differs from 1.1 - 1.0 in the last bits); R's t.test stops with
  // "data are essentially constant".
  EXPECT_THROW(pairedTTest({1.1, 2.2, 3.3}, {1.0, 2.1, 3.2}), ren::InputError);
  EXPECT_THROW(pairedTTest({1, 2}, {0}), ren::InputError);              // sizes
  EXPECT_THROW(pairedTTest({1, HUGE_VAL}, {0, 1}), ren::InputError);    // not finite
}

TEST(SignTest, MatchesRBinomTest) {
  const TestResult t = signTest(23, 25);  // default: greater
  EXPECT_EQ(t.statistic, 23.0);
  EXPECT_EQ(t.n, 25);
  EXPECT_NEAR(t.pValue, 9.7155570983886854e-06, 1e-19);
  EXPECT_EQ(t.method, "exact sign test (greater)");
  EXPECT_NEAR(signTest(17, 25, Alternative::TwoSided).pValue, 0.10775214433670058, 1e-14);
  EXPECT_NEAR(signTest(3, 10, Alternative::Less).pValue, 0.17187500000000006, 1e-14);
  EXPECT_DOUBLE_EQ(signTest(5, 10, Alternative::TwoSided).pValue, 1.0);
  EXPECT_DOUBLE_EQ(signTest(5, 5, Alternative::Greater).pValue, 0.03125);
  EXPECT_THROW(signTest(6, 5), ren::InputError);
  EXPECT_THROW(signTest(-1, 5), ren::InputError);
  EXPECT_THROW(signTest(0, 0), ren::InputError);
}

TEST(Alternative, Names) {
  EXPECT_STREQ(alternativeName(Alternative::TwoSided), "two-sided");
  EXPECT_STREQ(alternativeName(Alternative::Greater), "greater");
  EXPECT_STREQ(alternativeName(Alternative::Less), "less");
}
