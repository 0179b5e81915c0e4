#pragma once
// Summaries over folds and multiple-comparison correction.
#include <vector>

namespace ren::stats {

/// Mean and SAMPLE standard deviation (ddof 1; NaN for fewer than 2 values) of the finite values;
/// `n` counts them.
struct MeanSd {
  double mean = 0, sd = 0;
  int n = 0;
};
MeanSd meanSd(const std::vector<double>& values);

/// Holm's step-down adjusted p-values, in the input order (monotone, capped at 1). NaN entries are
/// passed through and do not count as comparisons.
std::vector<double> holmAdjust(const std::vector<double>& pValues);

}  // namespace ren::stats
