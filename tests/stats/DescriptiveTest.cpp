#include "ren/stats/Descriptive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ren/core/Error.h"

using namespace ren::stats;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(MeanSd, SampleStandardDeviation) {
  // R: mean(c(0.81, 0.79, 0.85, 0.77, 0.83)) = 0.81, sd(...) = 0.031622776601683771 (ddof 1).
  const MeanSd r = meanSd({0.81, 0.79, 0.85, 0.77, 0.83});
  EXPECT_NEAR(r.mean, 0.81, 1e-15);
  EXPECT_NEAR(r.sd, 0.031622776601683771, 1e-15);
  EXPECT_EQ(r.n, 5);
  EXPECT_DOUBLE_EQ(meanSd({2, 4}).sd, std::sqrt(2.0));  // population SD would be 1
}

TEST(MeanSd, NonFiniteValuesAreIgnored) {
  const MeanSd r = meanSd({1.0, kNaN, 3.0, HUGE_VAL});
  EXPECT_EQ(r.n, 2);
  EXPECT_DOUBLE_EQ(r.mean, 2.0);
  EXPECT_DOUBLE_EQ(r.sd, std::sqrt(2.0));
  const MeanSd one = meanSd({0.7});
  EXPECT_EQ(one.n, 1);
  EXPECT_DOUBLE_EQ(one.mean, 0.7);
  EXPECT_TRUE(std::isnan(one.sd));
  const MeanSd none = meanSd({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.sd));
}

TEST(Holm, MatchesRPAdjust) {
  // p.adjust(c(0.01, 0.04, 0.03, NA, 0.005, 0.2), "holm") = 0.04 0.09 0.09 NA 0.025 0.2
  const std::vector<double> a = holmAdjust({0.01, 0.04, 0.03, kNaN, 0.005, 0.2});
  ASSERT_EQ(a.size(), 6u);
  EXPECT_NEAR(a[0], 0.04, 1e-16);
  EXPECT_NEAR(a[1], 0.09, 1e-16);
  EXPECT_NEAR(a[2], 0.09, 1e-16);  // monotone: raised to the previous step's 0.09
  EXPECT_TRUE(std::isnan(a[3]));
  EXPECT_NEAR(a[4], 0.025, 1e-16);
  EXPECT_NEAR(a[5], 0.2, 1e-16);
  // p.adjust(c(0.02, 0.02, 0.5, 0.01), "holm") = 0.06 0.06 0.5 0.04 (ties)
  const std::vector<double> b = holmAdjust({0.02, 0.02, 0.5, 0.01});
  EXPECT_NEAR(b[0], 0.06, 1e-16);
  EXPECT_NEAR(b[1], 0.06, 1e-16);
  EXPECT_NEAR(b[2], 0.5, 1e-16);
  EXPECT_NEAR(b[3], 0.04, 1e-16);
}

TEST(Holm, CappedAtOneAndEdgeCases) {
  const std::vector<double> a = holmAdjust({0.4, 0.6, 0.3});
  EXPECT_DOUBLE_EQ(a[0], 0.9);
  EXPECT_DOUBLE_EQ(a[1], 0.9);  // 1 * 0.6 raised to the running maximum 0.9
  EXPECT_DOUBLE_EQ(a[2], 0.9);
  EXPECT_EQ(holmAdjust({0.7, 0.8})[0], 1.0);  // 2 * 0.7 capped
  EXPECT_TRUE(holmAdjust({}).empty());
  EXPECT_DOUBLE_EQ(holmAdjust({0.03})[0], 0.03);
  EXPECT_THROW(holmAdjust({0.1, 1.5}), ren::InputError);
  EXPECT_THROW(holmAdjust({-0.1}), ren::InputError);
}
