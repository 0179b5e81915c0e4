#include "ren/preprocess/Resample.h"

#include <algorithm>
#include <cmath>

#include "ren/core/Parallel.h"

namespace ren::preprocess {

namespace {

/// Keys cubic convolution kernel, a = -0.5.
double keys(double x) {
  x = std::fabs(x);
  if (x < 1.0) return (1.5 * x - 2.5) * x * x + 1.0;
  if (x < 2.0) return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
  return 0.0;
}

/// Resamples along one axis: out has size `m` along `axis`; source coordinate of output i is i * step.
template <class T, class Sample>
std::vector<T> resampleAxis(const std::vector<T>& in, std::array<std::int64_t, 3> size, int axis, std::int64_t m,
                            int threads, Sample sample) {
  std::array<std::int64_t, 3> outSize = size;
  outSize[axis] = m;
  std::vector<T> out(static_cast<std::size_t>(outSize[0] * outSize[1] * outSize[2]));
  const std::int64_t inStride[3] = {1, size[0], size[0] * size[1]};
  const std::int64_t outStride[3] = {1, outSize[0], outSize[0] * outSize[1]};
  // Lines along `axis`: iterate over the two other axes.
  const int a1 = axis == 0 ? 1 : 0, a2 = axis == 2 ? 1 : 2;
  const std::size_t lines = static_cast<std::size_t>(size[a1] * size[a2]);
  parallelFor(static_cast<std::size_t>(size[a2]), threads, [&](std::size_t b) {
    for (std::int64_t a = 0; a < size[a1]; ++a) {
      const std::int64_t inBase = a * inStride[a1] + static_cast<std::int64_t>(b) * inStride[a2];
      const std::int64_t outBase = a * outStride[a1] + static_cast<std::int64_t>(b) * outStride[a2];
      for (std::int64_t i = 0; i < m; ++i)
        out[static_cast<std::size_t>(outBase + i * outStride[axis])] = sample(in.data() + inBase, inStride[axis], size[axis], i);
    }
  });
  (void)lines;
  return out;
}

}  // namespace

io::VolumeGeometry isotropicGeometry(const io::VolumeGeometry& g, double spacing) {
  io::VolumeGeometry out = g;
  for (int a = 0; a < 3; ++a) {
    const double extent = static_cast<double>(g.size[a] - 1) * g.spacing[a];
    out.size[a] = static_cast<std::int64_t>(std::floor(extent / spacing + 1e-6)) + 1;
    out.spacing[a] = spacing;
  }
  return out;
}

io::Volume<float> resampleCubic(const io::Volume<float>& v, double spacing, int threads) {
  const io::VolumeGeometry target = isotropicGeometry(v.geometry, spacing);
  std::vector<float> data = v.voxels;
  std::array<std::int64_t, 3> size = v.geometry.size;
  for (int axis = 0; axis < 3; ++axis) {
    const double step = spacing / v.geometry.spacing[axis];
    data = resampleAxis(data, size, axis, target.size[axis], threads,
                        [step](const float* line, std::int64_t stride, std::int64_t n, std::int64_t i) {
                          const double x = static_cast<double>(i) * step;
                          const auto base = static_cast<std::int64_t>(std::floor(x));
                          double acc = 0.0;
                          for (std::int64_t k = base - 1; k <= base + 2; ++k) {
                            const std::int64_t src = std::clamp<std::int64_t>(k, 0, n - 1);
                            acc += keys(x - static_cast<double>(k)) * line[src * stride];
                          }
                          return static_cast<float>(acc);
                        });
    size[axis] = target.size[axis];
  }
  io::Volume<float> out;
  out.geometry = target;
  out.voxels = std::move(data);
  return out;
}

io::Volume<std::uint8_t> resampleNearest(const io::Volume<std::uint8_t>& v, double spacing) {
  const io::VolumeGeometry target = isotropicGeometry(v.geometry, spacing);
  std::vector<std::uint8_t> data = v.voxels;
  std::array<std::int64_t, 3> size = v.geometry.size;
  for (int axis = 0; axis < 3; ++axis) {
    const double step = spacing / v.geometry.spacing[axis];
    data = resampleAxis(data, size, axis, target.size[axis], 1,
                        [step](const std::uint8_t* line, std::int64_t stride, std::int64_t n, std::int64_t i) {
                          const auto src = std::clamp<std::int64_t>(
                              static_cast<std::int64_t>(std::floor(static_cast<double>(i) * step + 0.5 - 1e-9)), 0, n - 1);
                          return line[src * stride];
                        });
    size[axis] = target.size[axis];
  }
  io::Volume<std::uint8_t> out;
  out.geometry = target;
  out.voxels = std::move(data);
  return out;
}

}  // namespace ren::preprocess
