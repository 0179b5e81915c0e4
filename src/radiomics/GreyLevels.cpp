#include "ren/radiomics/GreyLevels.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ren/core/Csv.h"
#include "ren/core/Error.h"

namespace ren::radiomics {
namespace {

/// Python's float modulo: the result has the sign of the divisor.
double pythonModulo(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

/// Edges e_n = start + n * step (numpy.arange); level = number of edges <= x (numpy.digitize), which
/// is floor((x - start) / step) + 1 up to rounding, corrected against the edges themselves.
struct UniformEdges {
  double start;
  double step;
  long long levelOf(double x) const {
    long long level = static_cast<long long>(std::floor((x - start) / step)) + 1;
    while (start + static_cast<double>(level) * step <= x) ++level;
    while (level > 1 && start + static_cast<double>(level - 1) * step > x) --level;
    return level;
  }
};

}  // namespace

GreyLevels discretise(const Roi& roi, const RadiomicsSettings& settings) {
  GreyLevels grey;
  if (roi.voxelCount == 0) return grey;
  const auto [minIt, maxIt] = std::minmax_element(roi.values.begin(), roi.values.end());
  const double minimum = *minIt, maximum = *maxIt;

  // Level of a value; binCount mode uses numpy.histogram's edges (linspace, last edge raised by 1).
  std::vector<double> countEdges;
  UniformEdges widthEdges{0, 1};
  if (settings.binCount) {
    const int n = *settings.binCount;
    double first = minimum, last = maximum;
    if (first == last) first -= 0.5, last += 0.5;
    const double step = (last - first) / n;
    countEdges.resize(static_cast<std::size_t>(n) + 1);
    for (int e = 0; e <= n; ++e) countEdges[static_cast<std::size_t>(e)] = first + e * step;
    countEdges.back() = last + 1.0;
    grey.lowEdge = first;
    grey.binWidth = step;
  } else {
    const double w = settings.binWidth;
    widthEdges = {minimum - pythonModulo(minimum, w), w};
    grey.lowEdge = widthEdges.start;
    grey.binWidth = w;
    const long long top = widthEdges.levelOf(maximum);
    if (top > 65535)
      throw InputError("radiomics: binWidth " + formatDouble(w) + " gives " + std::to_string(top) +
                       " grey levels for the ROI's range [" + formatDouble(minimum) + ", " + formatDouble(maximum) +
                       "]; at most 65535 are supported (raise binWidth or set binCount)");
  }
  const auto levelOf = [&](double x) -> int {
    if (!countEdges.empty())
      return static_cast<int>(std::upper_bound(countEdges.begin(), countEdges.end(), x) - countEdges.begin());
    return static_cast<int>(widthEdges.levelOf(x));
  };

  grey.level.assign(roi.mask.size(), 0);
  std::size_t next = 0;
  int top = 0;
  for (std::size_t v = 0; v < roi.mask.size(); ++v) {
    if (!(roi.mask[v] & kInRoi)) continue;
    const int level = levelOf(roi.values[next++]);
    grey.level[v] = static_cast<std::uint16_t>(level);
    top = std::max(top, level);
  }
  grey.binCount = top;
  grey.histogram.assign(static_cast<std::size_t>(top) + 1, 0);
  for (std::uint16_t l : grey.level)
    if (l) ++grey.histogram[l];
  for (int l = 1; l <= top; ++l)
    if (grey.histogram[static_cast<std::size_t>(l)] > 0) grey.present.push_back(l);
  return grey;
}

}  // namespace ren::radiomics
