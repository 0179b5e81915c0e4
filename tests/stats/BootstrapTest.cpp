#include "ren/stats/Bootstrap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/stats/BinaryMetrics.h"

using namespace ren::stats;

namespace {

const BinaryMetric kAuc = [](const std::vector<int>& labels, const std::vector<double>& scores) {
  return rocAuc(labels, scores);
};

struct Data {
  std::vector<int> labels;
  std::vector<double> scores, weaker;
};

/// `count` scans, about 40% positive; `scores` separates the classes by `shift` SDs, `weaker` by half.
Data synthetic(std::size_t count, double shift, std::uint64_t seed) {
  ren::Rng rng(seed);
  Data d;
  for (std::size_t i = 0; i < count; ++i) {
    const int label = rng.bernoulli(0.4) ? 1 : 0;
    d.labels.push_back(label);
    d.scores.push_back(rng.normal() + shift * label);
    d.weaker.push_back(rng.normal() + 0.5 * shift * label);
  }
  return d;
}

}  // namespace

TEST(StratifiedBootstrap, SameSeedSameInterval) {
  const Data d = synthetic(150, 1.0, 1);
  const BootstrapInterval a = stratifiedBootstrapCi(d.labels, d.scores, kAuc, 500, 0.95, 7);
  const BootstrapInterval b = stratifiedBootstrapCi(d.labels, d.scores, kAuc, 500, 0.95, 7);
  EXPECT_EQ(a.lower, b.lower);
  EXPECT_EQ(a.upper, b.upper);
  const BootstrapInterval c = stratifiedBootstrapCi(d.labels, d.scores, kAuc, 500, 0.95, 8);
  EXPECT_TRUE(c.lower != a.lower || c.upper != a.upper);  // another seed, other resamples
  EXPECT_EQ(a.resamples, 500);
  EXPECT_EQ(a.valid, 500);
  EXPECT_EQ(a.level, 0.95);
}

TEST(StratifiedBootstrap, AucIntervalCoversTheEstimateAndShrinksWithData) {
  const Data small = synthetic(60, 1.0, 2);
  const Data large = synthetic(600, 1.0, 3);
  const BootstrapInterval s = stratifiedBootstrapCi(small.labels, small.scores, kAuc, 1000);
  const BootstrapInterval l = stratifiedBootstrapCi(large.labels, large.scores, kAuc, 1000);
  EXPECT_DOUBLE_EQ(s.estimate, rocAuc(small.labels, small.scores));
  for (const BootstrapInterval* ci : {&s, &l}) {
    EXPECT_LT(ci->lower, ci->estimate);
    EXPECT_GT(ci->upper, ci->estimate);
    EXPECT_GE(ci->lower, 0.0);
    EXPECT_LE(ci->upper, 1.0);
  }
  // The width scales roughly as 1 / sqrt(N): 10x the data, about a third of the width.
  EXPECT_LT(l.upper - l.lower, 0.6 * (s.upper - s.lower));
}

TEST(StratifiedBootstrap, PerfectSeparationGivesOneOne) {
  std::vector<int> labels;
  std::vector<double> scores;
  for (int i = 0; i < 40; ++i) {
    labels.push_back(i % 3 == 0 ? 1 : 0);
    scores.push_back(labels.back() == 1 ? 100.0 + i : -100.0 - i);
  }
  const BootstrapInterval ci = stratifiedBootstrapCi(labels, scores, kAuc, 300);
  EXPECT_EQ(ci.estimate, 1.0);
  EXPECT_EQ(ci.lower, 1.0);
  EXPECT_EQ(ci.upper, 1.0);
  EXPECT_EQ(ci.valid, 300);  // every stratified resample keeps both classes
}

TEST(StratifiedBootstrap, Type7PercentilesOfTheReplicates) {
  // A metric that returns 0 for the estimate (first call) and then 1, 2, ..., 11 for the 11
  // replicates. Type 7 at 2.5%: h = 10 * 0.025 = 0.25 -> 1 + 0.25 (2 - 1) = 1.25; at 97.5%:
  // h = 9.75 -> 10.75 (R: quantile(1:11, c(0.025, 0.975)) = 1.25 10.75).
  int calls = 0;
  const BinaryMetric counter = [&calls](const std::vector<int>&, const std::vector<double>&) {
    return static_cast<double>(calls++);
  };
  const BootstrapInterval ci = stratifiedBootstrapCi({1, 0, 1, 0}, {0.0, 5.0, 1.0, 7.0}, counter, 11, 0.95);
  EXPECT_EQ(ci.estimate, 0.0);
  EXPECT_DOUBLE_EQ(ci.lower, 1.25);
  EXPECT_DOUBLE_EQ(ci.upper, 10.75);
  // At level 0.5: h = 2.5 -> 3.5 and h = 7.5 -> 8.5.
  calls = 0;
  const BootstrapInterval half = stratifiedBootstrapCi({1, 0, 1, 0}, {0.0, 5.0, 1.0, 7.0}, counter, 11, 0.5);
  EXPECT_DOUBLE_EQ(half.lower, 3.5);
  EXPECT_DOUBLE_EQ(half.upper, 8.5);
}

TEST(StratifiedBootstrap, NaNReplicatesAreLeftOut) {
  int calls = 0;
  const BinaryMetric sometimesNaN = [&calls](const std::vector<int>&, const std::vector<double>&) {
    ++calls;
    return calls % 2 == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.25 * (calls % 5);
  };
  const BootstrapInterval ci = stratifiedBootstrapCi({0, 1, 0, 1}, {0.1, 0.2, 0.3, 0.4}, sometimesNaN, 100);
  EXPECT_EQ(ci.resamples, 100);
  EXPECT_EQ(ci.valid, 50);  // call 1 is the estimate; replicates are calls 2..101, half of them NaN
  EXPECT_GE(ci.lower, 0.0);
  EXPECT_LE(ci.upper, 1.0);
}

TEST(PairedBootstrap, DifferenceInterval) {
  const Data d = synthetic(300, 1.5, 4);
  const BootstrapInterval ci = pairedBootstrapDifferenceCi(d.labels, d.scores, d.weaker, kAuc, 1000);
  EXPECT_DOUBLE_EQ(ci.estimate, rocAuc(d.labels, d.scores) - rocAuc(d.labels, d.weaker));
  EXPECT_GT(ci.estimate, 0.0);
  EXPECT_LT(ci.lower, ci.estimate);
  EXPECT_GT(ci.upper, ci.estimate);
  EXPECT_GT(ci.lower, 0.0);  // a clear difference (shift 1.5 vs 0.75)
  // Same model twice: every replicate difference is exactly 0.
  const BootstrapInterval same = pairedBootstrapDifferenceCi(d.labels, d.scores, d.scores, kAuc, 200);
  EXPECT_EQ(same.lower, 0.0);
  EXPECT_EQ(same.upper, 0.0);
  // Reproducible.
  const BootstrapInterval again = pairedBootstrapDifferenceCi(d.labels, d.scores, d.weaker, kAuc, 1000);
  EXPECT_EQ(again.lower, ci.lower);
  EXPECT_EQ(again.upper, ci.upper);
}

TEST(StratifiedBootstrap, RejectsBadInput) {
  EXPECT_THROW(stratifiedBootstrapCi({0, 0, 0}, {0.1, 0.2, 0.3}, kAuc), ren::InputError);  // no positive
  EXPECT_THROW(stratifiedBootstrapCi({1, 1}, {0.1, 0.2}, kAuc), ren::InputError);          // no negative
  EXPECT_THROW(stratifiedBootstrapCi({0, 1}, {0.1}, kAuc), ren::InputError);               // sizes
  EXPECT_THROW(stratifiedBootstrapCi({0, 2}, {0.1, 0.2}, kAuc), ren::InputError);          // label
  EXPECT_THROW(stratifiedBootstrapCi({0, 1}, {0.1, 0.2}, kAuc, 0), ren::InputError);       // resamples
  EXPECT_THROW(stratifiedBootstrapCi({0, 1}, {0.1, 0.2}, kAuc, 10, 1.5), ren::InputError); // level
  EXPECT_THROW(pairedBootstrapDifferenceCi({0, 1}, {0.1, 0.2}, {0.3}, kAuc), ren::InputError);
}
