#include "ren/synth/GaussianBlur.h"

#include <algorithm>
#include <cmath>

namespace ren::synth {

void gaussianBlur(std::vector<float>& data, const std::array<std::int64_t, 3>& size, const std::array<double, 3>& sigmaVoxels) {
  const std::int64_t strides[3] = {1, size[0], size[0] * size[1]};
  for (int axis = 0; axis < 3; ++axis) {
    const double sigma = sigmaVoxels[axis];
    if (sigma < 0.05) continue;
    const int radius = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
    std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
    double sum = 0.0;
    for (int t = -radius; t <= radius; ++t) sum += kernel[static_cast<std::size_t>(t + radius)] = std::exp(-0.5 * t * t / (sigma * sigma));
    for (auto& k : kernel) k /= sum;

    const std::int64_t n = size[axis], stride = strides[axis];
    const std::int64_t a1 = axis == 0 ? size[1] : size[0];
    const std::int64_t a2 = axis == 2 ? size[1] : size[2];
    const std::int64_t s1 = axis == 0 ? size[0] : 1;
    const std::int64_t s2 = axis == 2 ? size[0] : size[0] * size[1];
    std::vector<float> line(static_cast<std::size_t>(n));
    for (std::int64_t b = 0; b < a2; ++b)
      for (std::int64_t a = 0; a < a1; ++a) {
        const std::int64_t base = a * s1 + b * s2;
        for (std::int64_t q = 0; q < n; ++q) line[static_cast<std::size_t>(q)] = data[static_cast<std::size_t>(base + q * stride)];
        for (std::int64_t q = 0; q < n; ++q) {
          double acc = 0.0;
          for (int t = -radius; t <= radius; ++t) {
            const std::int64_t src = std::clamp<std::int64_t>(q + t, 0, n - 1);
            acc += kernel[static_cast<std::size_t>(t + radius)] * line[static_cast<std::size_t>(src)];
          }
          data[static_cast<std::size_t>(base + q * stride)] = static_cast<float>(acc);
        }
      }
  }
}

}  // namespace ren::synth
