#pragma once
// Tests over paired per-fold numbers (e.g. 5 fold AUCs of two models): exact Wilcoxon signed-rank and
// the paired t-test, one- or two-sided, plus the exact sign (binomial) test for win counts.
#include <cstdint>
#include <string>
#include <vector>

namespace ren::stats {

/// The alternative hypothesis about x - y: two-sided, x > y (greater) or x < y (less).
enum class Alternative { TwoSided, Greater, Less };
const char* alternativeName(Alternative a);  ///< "two-sided", "greater", "less"

struct TestResult {
  double statistic = 0;  ///< W+ (Wilcoxon), t (t-test), successes (sign test)
  double df = 0;         ///< degrees of freedom (t-test); NaN otherwise
  double pValue = 1;
  std::int64_t n = 0;    ///< pairs used (Wilcoxon: non-zero differences)
  std::string method;    ///< e.g. "exact Wilcoxon signed-rank (greater)"
};

/// Exact Wilcoxon signed-rank test on d = x - y. Zero differences are dropped (Wilcoxon's method);
/// tied |d| get midranks and the p-value is the exact permutation probability over the 2^n sign
/// assignments (so it is exact with ties as well). With 5 folds all favouring x, the one-sided p is
/// 1/32 = 0.03125 and the two-sided p 0.0625. InputError when sizes differ, a value is not finite, or
/// no non-zero difference remains; n up to 1000.
TestResult wilcoxonSignedRank(const std::vector<double>& x, const std::vector<double>& y,
                              Alternative alternative = Alternative::TwoSided);

/// Paired t-test on d = x - y: t = mean(d) / (sd(d) / sqrt(n)), df = n - 1 (sd with ddof 1).
/// InputError when n < 2 or every difference is equal (zero variance).
TestResult pairedTTest(const std::vector<double>& x, const std::vector<double>& y,
                       Alternative alternative = Alternative::TwoSided);

/// Exact sign test: `successes` of `n` trials under H0 p = 1/2 (e.g. region-fold wins).
TestResult signTest(std::int64_t successes, std::int64_t n, Alternative alternative = Alternative::Greater);

}  // namespace ren::stats
