#pragma once
// Internal to ren_stats: midranks with ties, doubled so that they are integers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace ren::stats::detail {

/// Twice the 1-based midranks of `values` (ascending): a group of equal values at sorted positions
/// i..j (1-based) gets (i + j), i.e. twice their mean position. Exact equality defines a tie.
inline std::vector<std::int64_t> doubledMidranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<std::int64_t> ranks(values.size());
  for (std::size_t first = 0; first < order.size();) {
    std::size_t last = first;  // the group of equal values is order[first..last]
    while (last + 1 < order.size() && values[order[last + 1]] == values[order[first]]) ++last;
    const auto doubled = static_cast<std::int64_t>(first + 1 + last + 1);
    for (std::size_t k = first; k <= last; ++k) ranks[order[k]] = doubled;
    first = last + 1;
  }
  return ranks;
}

}  // namespace ren::stats::detail
