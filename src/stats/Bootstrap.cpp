#include "ren/stats/Bootstrap.h"

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>

#include "ren/core/Error.h"
#include "ren/core/Random.h"

namespace ren::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Labels 0/1, every score vector as long as the labels, both classes present, resamples >= 1,
/// 0 < level < 1. Fills the indices of the positives and of the negatives.
void checkInputs(const char* function, const std::vector<int>& labels, const std::vector<const std::vector<double>*>& scores,
                 int resamples, double level, std::vector<std::size_t>& positives, std::vector<std::size_t>& negatives) {
  const std::string where(function);
  for (const std::vector<double>* s : scores) {
    if (s->size() != labels.size()) {
      throw InputError(where + ": " + std::to_string(labels.size()) + " labels but " + std::to_string(s->size()) +
                       " scores");
    }
  }
  positives.clear();
  negatives.clear();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      throw InputError(where + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                       " (allowed: 0, 1)");
    }
    (labels[i] == 1 ? positives : negatives).push_back(i);
  }
  if (positives.empty() || negatives.empty()) {
    throw InputError(where + ": the stratified bootstrap needs both classes (got " + std::to_string(positives.size()) +
                     " positives, " + std::to_string(negatives.size()) + " negatives)");
  }
  if (resamples < 1) throw InputError(where + ": resamples " + std::to_string(resamples) + " must be >= 1");
  if (!(level > 0.0 && level < 1.0)) {
    throw InputError(where + ": confidence level " + std::to_string(level) + " is not in the open interval (0, 1)");
  }
}

/// One stratified resample: position i keeps its label and takes a scan drawn with replacement from
/// the scans of that class (positions in order, one draw each, so the stream is reproducible).
std::vector<std::size_t> stratifiedResample(const std::vector<int>& labels, const std::vector<std::size_t>& positives,
                                            const std::vector<std::size_t>& negatives, Rng& rng) {
  std::vector<std::size_t> drawn(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::vector<std::size_t>& pool = labels[i] == 1 ? positives : negatives;
    drawn[i] = pool[static_cast<std::size_t>(rng.below(pool.size()))];
  }
  return drawn;
}

std::vector<double> gather(const std::vector<double>& values, const std::vector<std::size_t>& indices) {
  std::vector<double> out(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) out[i] = values[indices[i]];
  return out;
}

/// Type-7 (R's default) quantile of sorted values: linear interpolation at h = (N - 1) prob.
double quantileType7(const std::vector<double>& sorted, double prob) {
  const double h = static_cast<double>(sorted.size() - 1) * prob;
  const auto below = static_cast<std::size_t>(std::floor(h));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (h - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

/// Fills the percentile interval from the replicates (NaN replicates left out).
void percentileInterval(std::vector<double> replicates, BootstrapInterval& ci) {
  replicates.erase(std::remove_if(replicates.begin(), replicates.end(), [](double v) { return !std::isfinite(v); }),
                   replicates.end());
  ci.valid = static_cast<int>(replicates.size());
  if (replicates.empty()) {
    ci.lower = ci.upper = kNaN;
    return;
  }
  std::sort(replicates.begin(), replicates.end());
  const double alpha = 1.0 - ci.level;
  ci.lower = quantileType7(replicates, alpha / 2.0);
  ci.upper = quantileType7(replicates, 1.0 - alpha / 2.0);
}

}  // namespace

namespace {

/// The interval of `estimate` from `resamples` stratified resamples, each giving one replicate.
BootstrapInterval resampledInterval(const std::vector<int>& labels, const std::vector<std::size_t>& positives,
                                    const std::vector<std::size_t>& negatives, double estimate, int resamples,
                                    double level, std::uint64_t seed,
                                    const std::function<double(const std::vector<std::size_t>&)>& replicate) {
  BootstrapInterval ci;
  ci.estimate = estimate;
  ci.level = level;
  ci.resamples = resamples;
  Rng rng(seed);
  std::vector<double> replicates(static_cast<std::size_t>(resamples));
  for (double& r : replicates) r = replicate(stratifiedResample(labels, positives, negatives, rng));
  percentileInterval(std::move(replicates), ci);
  return ci;
}

}  // namespace

BootstrapInterval stratifiedBootstrapCi(const std::vector<int>& labels, const std::vector<double>& scores,
                                        const BinaryMetric& metric, int resamples, double level, std::uint64_t seed) {
  std::vector<std::size_t> positives, negatives;
  checkInputs("stratifiedBootstrapCi", labels, {&scores}, resamples, level, positives, negatives);
  return resampledInterval(labels, positives, negatives, metric(labels, scores), resamples, level, seed,
                           [&](const std::vector<std::size_t>& drawn) { return metric(labels, gather(scores, drawn)); });
}

BootstrapInterval pairedBootstrapDifferenceCi(const std::vector<int>& labels, const std::vector<double>& scores1,
                                              const std::vector<double>& scores2, const BinaryMetric& metric,
                                              int resamples, double level, std::uint64_t seed) {
  std::vector<std::size_t> positives, negatives;
  checkInputs("pairedBootstrapDifferenceCi", labels, {&scores1, &scores2}, resamples, level, positives, negatives);
  return resampledInterval(labels, positives, negatives, metric(labels, scores1) - metric(labels, scores2), resamples,
                           level, seed, [&](const std::vector<std::size_t>& drawn) {
                             return metric(labels, gather(scores1, drawn)) - metric(labels, gather(scores2, drawn));
                           });
}

}  // namespace ren::stats
