#include "ren/stats/Descriptive.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "ren/core/Error.h"

namespace ren::stats {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

MeanSd meanSd(const std::vector<double>& values) {
  MeanSd r;
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) {
      sum += v;
      ++r.n;
    }
  }
  if (r.n == 0) {
    r.mean = r.sd = kNaN;
    return r;
  }
  r.mean = sum / r.n;
  if (r.n < 2) {
    r.sd = kNaN;
    return r;
  }
  double squares = 0;  // two passes: no cancellation
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - r.mean) * (v - r.mean);
  }
  r.sd = std::sqrt(squares / (r.n - 1));
  return r;
}

std::vector<double> holmAdjust(const std::vector<double>& pValues) {
  std::vector<std::size_t> order;  // the non-NaN entries, ascending p (stable)
  for (std::size_t i = 0; i < pValues.size(); ++i) {
    const double p = pValues[i];
    if (std::isnan(p)) continue;
    if (!(p >= 0.0 && p <= 1.0)) {
      throw InputError("holmAdjust: p-value " + std::to_string(p) + " at index " + std::to_string(i) +
                       " is not in [0, 1]");
    }
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return pValues[a] < pValues[b]; });
  std::vector<double> adjusted(pValues);  // NaN entries pass through
  const std::size_t m = order.size();
  double runningMax = 0;
  for (std::size_t rank = 0; rank < m; ++rank) {
    // The rank-th smallest (0-based) of m is multiplied by m - rank; a running maximum keeps the
    // adjusted values monotone.
    runningMax = std::max(runningMax, static_cast<double>(m - rank) * pValues[order[rank]]);
    adjusted[order[rank]] = std::min(1.0, runningMax);
  }
  return adjusted;
}

}  // namespace ren::stats
