#include "ren/stats/PairedTests.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "Midranks.h"
#include "ren/core/Error.h"
#include "ren/stats/Distributions.h"

namespace ren::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxWilcoxonPairs = 1000;

/// Sizes equal and every value finite; returns the differences x - y.
std::vector<double> differences(const char* function, const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    throw InputError(std::string(function) + ": " + std::to_string(x.size()) + " values of x but " +
                     std::to_string(y.size()) + " values of y");
  }
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      throw InputError(std::string(function) + ": value at index " + std::to_string(i) + " is not finite");
    }
    d[i] = x[i] - y[i];
  }
  return d;
}

std::string methodName(const char* test, Alternative alternative) {
  return std::string(test) + " (" + alternativeName(alternative) + ")";
}

/// p-value from the two tails P(S <= s) and P(S >= s); two-sided = min(1, 2 * smaller tail).
double pFromTails(double lowerTail, double upperTail, Alternative alternative) {
  switch (alternative) {
    case Alternative::Greater: return std::min(1.0, upperTail);
    case Alternative::Less: return std::min(1.0, lowerTail);
    case Alternative::TwoSided: break;
  }
  return std::min(1.0, 2.0 * std::min(lowerTail, upperTail));
}

}  // namespace

const char* alternativeName(Alternative a) {
  switch (a) {
    case Alternative::TwoSided: return "two-sided";
    case Alternative::Greater: return "greater";
    case Alternative::Less: return "less";
  }
  return "two-sided";
}

TestResult wilcoxonSignedRank(const std::vector<double>& x, const std::vector<double>& y, Alternative alternative) {
  const std::vector<double> all = differences("wilcoxonSignedRank", x, y);
  std::vector<double> nonZero;
  for (double d : all) {
    if (d != 0.0) nonZero.push_back(d);
  }
  if (nonZero.empty()) throw InputError("wilcoxonSignedRank: every difference x - y is 0; the test is undefined");
  if (nonZero.size() > kMaxWilcoxonPairs) {
    throw InputError("wilcoxonSignedRank: " + std::to_string(nonZero.size()) + " non-zero differences (at most " +
                     std::to_string(kMaxWilcoxonPairs) + " for the exact distribution)");
  }
  std::vector<double> magnitudes(nonZero.size());
  for (std::size_t i = 0; i < nonZero.size(); ++i) magnitudes[i] = std::abs(nonZero[i]);
  const std::vector<std::int64_t> ranks = detail::doubledMidranks(magnitudes);  // 2 x midrank: integers

  std::int64_t observed = 0;  // 2 W+
  for (std::size_t i = 0; i < nonZero.size(); ++i) {
    if (nonZero[i] > 0) observed += ranks[i];
  }
  // Exact null distribution of 2 W+ over the 2^n equally likely sign assignments: each rank joins the
  // positive sum with probability 1/2 (probabilities, not counts, so nothing overflows).
  std::int64_t total = 0;
  for (std::int64_t r : ranks) total += r;
  std::vector<double> probability(static_cast<std::size_t>(total) + 1, 0.0);
  probability[0] = 1.0;
  std::int64_t reach = 0;  // the largest sum reachable so far
  for (std::int64_t r : ranks) {
    for (std::int64_t s = reach + r; s >= 0; --s) {
      const double without = probability[static_cast<std::size_t>(s)];
      const double with = s >= r ? probability[static_cast<std::size_t>(s - r)] : 0.0;
      probability[static_cast<std::size_t>(s)] = 0.5 * (without + with);
    }
    reach += r;
  }
  double lowerTail = 0, upperTail = 0;
  for (std::int64_t s = 0; s <= observed; ++s) lowerTail += probability[static_cast<std::size_t>(s)];
  for (std::int64_t s = total; s >= observed; --s) upperTail += probability[static_cast<std::size_t>(s)];

  TestResult t;
  t.statistic = static_cast<double>(observed) / 2.0;
  t.df = kNaN;
  t.pValue = pFromTails(lowerTail, upperTail, alternative);
  t.n = static_cast<std::int64_t>(nonZero.size());
  t.method = methodName("exact Wilcoxon signed-rank", alternative);
  return t;
}

TestResult pairedTTest(const std::vector<double>& x, const std::vector<double>& y, Alternative alternative) {
  const std::vector<double> d = differences("pairedTTest", x, y);
  if (d.size() < 2) throw InputError("pairedTTest: needs at least 2 pairs (got " + std::to_string(d.size()) + ")");
  if (std::all_of(d.begin(), d.end(), [&](double v) { return v == d.front(); })) {
    throw InputError("pairedTTest: every difference x - y is equal (zero variance); the t statistic is undefined");
  }
  const auto n = static_cast<double>(d.size());
  double mean = 0;
  for (double v : d) mean += v;
  mean /= n;
  double squares = 0;
  for (double v : d) squares += (v - mean) * (v - mean);
  const double sd = std::sqrt(squares / (n - 1.0));
  // As R's t.test: differences equal up to rounding are constant too.
  if (sd / std::sqrt(n) < 10.0 * std::numeric_limits<double>::epsilon() * std::abs(mean)) {
    throw InputError("pairedTTest: the differences x - y are essentially constant (zero variance); the t statistic "
                     "is undefined");
  }

  TestResult t;
  t.statistic = mean / (sd / std::sqrt(n));
  t.df = n - 1.0;
  const double lowerTail = studentTCdf(t.statistic, t.df);
  const double upperTail = studentTCdf(-t.statistic, t.df);
  t.pValue = pFromTails(lowerTail, upperTail, alternative);
  t.n = static_cast<std::int64_t>(d.size());
  t.method = methodName("paired t-test", alternative);
  return t;
}

TestResult signTest(std::int64_t successes, std::int64_t n, Alternative alternative) {
  if (n < 1) throw InputError("signTest: needs at least 1 trial (got " + std::to_string(n) + ")");
  if (successes < 0 || successes > n) {
    throw InputError("signTest: " + std::to_string(successes) + " successes is not in [0, " + std::to_string(n) + "]");
  }
  // Under p = 1/2 the distribution is symmetric: P(X <= s) = P(X >= n - s).
  const double upperTail = binomialUpperTail(successes, n, 0.5);
  const double lowerTail = binomialUpperTail(n - successes, n, 0.5);
  TestResult t;
  t.statistic = static_cast<double>(successes);
  t.df = kNaN;
  t.pValue = pFromTails(lowerTail, upperTail, alternative);
  t.n = n;
  t.method = methodName("exact sign test", alternative);
  return t;
}

}  // namespace ren::stats
