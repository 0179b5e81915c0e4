#pragma once
// Stratified bootstrap confidence intervals (METHOD.md section 8: 2,000 resamples where no analytic
// variance exists). Cases and controls are resampled separately (as pROC's boot.stratified = TRUE),
// with a seeded generator: the same seed gives the same interval on every machine.
#include <cstdint>
#include <functional>
#include <vector>

namespace ren::stats {

/// A metric of (labels, scores), e.g. a lambda around rocAuc or a thresholdMetrics field.
using BinaryMetric = std::function<double(const std::vector<int>& labels, const std::vector<double>& scores)>;

struct BootstrapInterval {
  double estimate = 0;      ///< the metric on the original data
  double lower = 0, upper = 0;  ///< percentile interval at `level` (type-7 quantiles of the valid replicates)
  double level = 0.95;
  int resamples = 0;        ///< replicates drawn
  int valid = 0;            ///< replicates whose metric was finite (NaN replicates are left out)
};

/// Percentile CI of `metric`. InputError when a class is absent or sizes differ.
BootstrapInterval stratifiedBootstrapCi(const std::vector<int>& labels, const std::vector<double>& scores,
                                        const BinaryMetric& metric, int resamples = 2000, double level = 0.95,
                                        std::uint64_t seed = 2024);

/// Percentile CI of metric(scores1) - metric(scores2) for two models on the same scans (each
/// replicate resamples the scans once for both models).
BootstrapInterval pairedBootstrapDifferenceCi(const std::vector<int>& labels, const std::vector<double>& scores1,
                                              const std::vector<double>& scores2, const BinaryMetric& metric,
                                              int resamples = 2000, double level = 0.95, std::uint64_t seed = 2024);

}  // namespace ren::stats
