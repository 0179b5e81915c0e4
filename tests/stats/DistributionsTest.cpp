#include "ren/stats/Distributions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ren/core/Error.h"

using namespace ren::stats;

// Reference values: R 4.2 (pnorm, qnorm, pt, pchisq, pbinom), printed with sprintf("%.17g").

namespace {

/// |actual - expected| <= tolerance * |expected|.
::testing::AssertionResult relativelyNear(double actual, double expected, double tolerance) {
  const double error = std::abs(actual - expected);
  if (error <= tolerance * std::abs(expected)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "actual " << actual << " expected " << expected << " relative error "
                                       << error / std::abs(expected) << " > " << tolerance;
}

}  // namespace

TEST(NormalCdf, MatchesR) {
  EXPECT_EQ(normalCdf(0.0), 0.5);
  EXPECT_TRUE(relativelyNear(normalCdf(1.96), 0.97500210485177963, 1e-15));
  EXPECT_TRUE(relativelyNear(normalCdf(-1.96), 0.024997895148220428, 1e-14));
  EXPECT_TRUE(relativelyNear(normalCdf(-5.0), 2.8665157187919391e-07, 1e-14));
  EXPECT_TRUE(relativelyNear(normalCdf(-10.0), 7.6198530241605269e-24, 1e-13));
  EXPECT_TRUE(relativelyNear(normalCdf(3.0), 0.9986501019683699, 1e-15));
  EXPECT_EQ(normalCdf(-HUGE_VAL), 0.0);
  EXPECT_EQ(normalCdf(HUGE_VAL), 1.0);
  EXPECT_TRUE(std::isnan(normalCdf(std::numeric_limits<double>::quiet_NaN())));
}

TEST(NormalQuantile, MatchesRToFullPrecision) {
  EXPECT_TRUE(relativelyNear(normalQuantile(0.975), 1.9599639845400536, 2e-16));
  EXPECT_TRUE(relativelyNear(normalQuantile(0.025), -1.9599639845400538, 2e-16));
  EXPECT_EQ(normalQuantile(0.5), 0.0);
  EXPECT_TRUE(relativelyNear(normalQuantile(0.3), -0.52440051270804067, 1e-15));
  EXPECT_TRUE(relativelyNear(normalQuantile(0.9), 1.2815515655446008, 1e-15));
  EXPECT_TRUE(relativelyNear(normalQuantile(0.999), 3.0902323061678132, 1e-15));
  EXPECT_TRUE(relativelyNear(normalQuantile(1e-10), -6.3613409024040557, 1e-15));
  EXPECT_TRUE(relativelyNear(normalQuantile(1e-300), -37.047096299361201, 1e-15));
  EXPECT_TRUE(relativelyNear(normalQuantile(1e-310), -37.663060331949517, 1e-15));   // subnormal p
  EXPECT_TRUE(relativelyNear(normalQuantile(4.9e-324), -38.467405617144337, 1e-15));  // smallest double
}

TEST(NormalQuantile, InvertsTheCdf) {
  for (double p : {1e-12, 1e-6, 0.01, 0.2, 0.45, 0.5, 0.55, 0.8, 0.99, 0.999999}) {
    EXPECT_TRUE(relativelyNear(normalCdf(normalQuantile(p)), p, 1e-14)) << "p = " << p;
  }
  // Symmetric about 1/2.
  EXPECT_DOUBLE_EQ(normalQuantile(0.1), -normalQuantile(0.9));
}

TEST(NormalQuantile, RejectsProbabilitiesOutsideTheOpenInterval) {
  EXPECT_THROW(normalQuantile(0.0), ren::InputError);
  EXPECT_THROW(normalQuantile(1.0), ren::InputError);
  EXPECT_THROW(normalQuantile(-0.1), ren::InputError);
  EXPECT_THROW(normalQuantile(std::numeric_limits<double>::quiet_NaN()), ren::InputError);
}

TEST(StudentTCdf, MatchesR) {
  EXPECT_TRUE(relativelyNear(studentTCdf(-2.0, 5), 0.05096973941492914, 1e-13));
  EXPECT_TRUE(relativelyNear(studentTCdf(2.0, 5), 0.9490302605850709, 1e-14));
  EXPECT_TRUE(relativelyNear(studentTCdf(0.5, 3.7), 0.67733218334003398, 1e-14));           // fractional df
  EXPECT_TRUE(relativelyNear(studentTCdf(-3.1, 206.66), 0.0011024417098110762, 1e-12));     // Welch-like df
  EXPECT_TRUE(relativelyNear(studentTCdf(-40.0, 2), 0.0003122073360923703, 1e-13));         // far tail
  EXPECT_TRUE(relativelyNear(studentTCdf(1.3, 1), 0.79128559983984736, 1e-14));             // Cauchy
  EXPECT_TRUE(relativelyNear(studentTCdf(-0.01, 1000), 0.49601164096609363, 1e-13));        // near the centre
  EXPECT_TRUE(relativelyNear(studentTCdf(-1.5, 0.5), 0.25395089532405424, 1e-13));
  EXPECT_TRUE(relativelyNear(studentTCdf(-2.5, 1e5), 0.0062104595962795195, 1e-11));        // large df
  EXPECT_EQ(studentTCdf(0.0, 7), 0.5);
  EXPECT_EQ(studentTCdf(-HUGE_VAL, 3), 0.0);
  EXPECT_EQ(studentTCdf(HUGE_VAL, 3), 1.0);
  EXPECT_THROW(studentTCdf(1.0, 0.0), ren::InputError);
  EXPECT_THROW(studentTCdf(1.0, -2.0), ren::InputError);
}

TEST(ChiSquareSurvival, MatchesR) {
  EXPECT_TRUE(relativelyNear(chiSquareSurvival(3.84, 1), 0.050043521248705224, 1e-13));
  EXPECT_TRUE(relativelyNear(chiSquareSurvival(10.0, 3), 0.018566135463043233, 1e-13));
  EXPECT_TRUE(relativelyNear(chiSquareSurvival(0.5, 4), 0.97350097883925613, 1e-14));   // series branch
  EXPECT_TRUE(relativelyNear(chiSquareSurvival(100.0, 2), 1.9287498479639178e-22, 1e-12));
  EXPECT_TRUE(relativelyNear(chiSquareSurvival(25.3, 7.5), 0.00097240118596782948, 1e-12));
  EXPECT_TRUE(relativelyNear(chiSquareSurvival(0.001, 1), 0.97477287936996038, 1e-14));
  EXPECT_EQ(chiSquareSurvival(0.0, 2), 1.0);
  EXPECT_EQ(chiSquareSurvival(-1.0, 2), 1.0);
  EXPECT_THROW(chiSquareSurvival(1.0, 0.0), ren::InputError);
}

TEST(BinomialUpperTail, MatchesR) {
  // pbinom(k - 1, n, p, lower.tail = FALSE) = P(X >= k).
  EXPECT_TRUE(relativelyNear(binomialUpperTail(3, 10, 0.3), 0.61721721360000026, 1e-14));
  EXPECT_TRUE(relativelyNear(binomialUpperTail(23, 25, 0.5), 9.7155570983886854e-06, 1e-13));
  EXPECT_TRUE(relativelyNear(binomialUpperTail(5, 5, 0.5), 0.03125, 1e-14));
  EXPECT_TRUE(relativelyNear(binomialUpperTail(1, 20, 0.1), 0.87842334540943068, 1e-14));
  EXPECT_TRUE(relativelyNear(binomialUpperTail(41, 50, 0.2), 7.8100649580232607e-21, 1e-12));
  EXPECT_EQ(binomialUpperTail(0, 10, 0.3), 1.0);
  EXPECT_EQ(binomialUpperTail(-2, 10, 0.3), 1.0);
  EXPECT_EQ(binomialUpperTail(11, 10, 0.3), 0.0);
  EXPECT_EQ(binomialUpperTail(1, 10, 0.0), 0.0);
  EXPECT_EQ(binomialUpperTail(10, 10, 1.0), 1.0);
  EXPECT_THROW(binomialUpperTail(1, -1, 0.5), ren::InputError);
  EXPECT_THROW(binomialUpperTail(1, 10, 1.5), ren::InputError);
}
