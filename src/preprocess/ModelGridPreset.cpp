#include "ren/preprocess/ModelGridPreset.h"

#include <algorithm>
#include <cmath>

#include "ren/core/Error.h"

namespace ren::preprocess {

namespace {

float windowed(float hu, double lo, double hi) {
  return static_cast<float>(std::clamp((static_cast<double>(hu) - lo) / (hi - lo), 0.0, 1.0));
}

/// Area-resamples along one axis: output i averages source [lo + i*L/m, lo + (i+1)*L/m).
std::vector<float> areaAxis(const std::vector<float>& in, const std::array<std::int64_t, 3>& size, int axis,
                            std::int64_t lo, std::int64_t hi, std::int64_t m, float pad, std::array<std::int64_t, 3>& outSize) {
  outSize = size;
  outSize[axis] = m;
  std::vector<float> out(static_cast<std::size_t>(outSize[0] * outSize[1] * outSize[2]));
  const std::int64_t inStride[3] = {1, size[0], size[0] * size[1]};
  const std::int64_t outStride[3] = {1, outSize[0], outSize[0] * outSize[1]};
  const int a1 = axis == 0 ? 1 : 0, a2 = axis == 2 ? 1 : 2;
  const double scale = static_cast<double>(hi - lo) / static_cast<double>(m);
  for (std::int64_t b = 0; b < size[a2]; ++b)
    for (std::int64_t a = 0; a < size[a1]; ++a) {
      const std::int64_t inBase = a * inStride[a1] + b * inStride[a2];
      const std::int64_t outBase = a * outStride[a1] + b * outStride[a2];
      for (std::int64_t i = 0; i < m; ++i) {
        const double s0 = static_cast<double>(lo) + static_cast<double>(i) * scale, s1 = s0 + scale;
        double acc = 0.0;
        for (auto k = static_cast<std::int64_t>(std::floor(s0)); static_cast<double>(k) < s1; ++k) {
          const double w = std::min(s1, static_cast<double>(k + 1)) - std::max(s0, static_cast<double>(k));
          if (w <= 0) continue;
          const float v = (k < 0 || k >= size[axis]) ? pad : in[static_cast<std::size_t>(inBase + k * inStride[axis])];
          acc += w * v;
        }
        out[static_cast<std::size_t>(outBase + i * outStride[axis])] = static_cast<float>(acc / scale);
      }
    }
  return out;
}

/// Bounding box [lo, hi) of non-zero labels; false when there are none.
bool labelBox(const io::Volume<std::uint8_t>& labels, std::array<std::int64_t, 6>& box) {
  const auto& n = labels.geometry.size;
  box = {n[0], -1, n[1], -1, n[2], -1};
  for (std::int64_t z = 0; z < n[2]; ++z)
    for (std::int64_t y = 0; y < n[1]; ++y)
      for (std::int64_t x = 0; x < n[0]; ++x)
        if (labels.at(x, y, z)) {
          box[0] = std::min(box[0], x), box[1] = std::max(box[1], x + 1);
          box[2] = std::min(box[2], y), box[3] = std::max(box[3], y + 1);
          box[4] = std::min(box[4], z), box[5] = std::max(box[5], z + 1);
        }
  return box[1] > box[0];
}

ModelGridOutput applyPaper(const ModelGridPreset& p, const ModelGridInput& in) {
  io::Volume<float> image(in.hu.geometry);
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    image.voxels[i] = windowed(in.labels.voxels[i] ? in.hu.voxels[i] : 0.0f, p.windowLow, p.windowHigh);
  const auto& n = in.hu.geometry.size;
  ModelGridOutput out;
  out.box = {0, n[0], 0, n[1], 0, n[2]};
  out.image = resizeArea(image, out.box, in.grid, windowed(0.0f, p.windowLow, p.windowHigh));
  out.labels = resizeNearest(in.labels, out.box, in.grid);
  return out;
}

ModelGridOutput applyLung(const ModelGridPreset& p, const ModelGridInput& in) {
  std::array<std::int64_t, 6> box{};
  if (!labelBox(in.labels, box)) throw InputError("lung preset: the scan has no lung voxels to crop to");
  // Margin, then a cube around the box centre (the largest extent), in voxels.
  std::int64_t edge = 0;
  for (int a = 0; a < 3; ++a) {
    const auto margin = static_cast<std::int64_t>(std::llround(in.marginMm / in.hu.geometry.spacing[a]));
    box[2 * a] -= margin;
    box[2 * a + 1] += margin;
    edge = std::max(edge, box[2 * a + 1] - box[2 * a]);
  }
  for (int a = 0; a < 3; ++a) {
    const std::int64_t extra = edge - (box[2 * a + 1] - box[2 * a]);
    box[2 * a] -= extra / 2;
    box[2 * a + 1] = box[2 * a] + edge;
  }
  io::Volume<float> image(in.hu.geometry);
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    image.voxels[i] = windowed(in.labels.voxels[i] ? in.hu.voxels[i] : -1000.0f, p.windowLow, p.windowHigh);
  ModelGridOutput out;
  out.box = box;
  out.image = resizeArea(image, box, in.grid, windowed(-1000.0f, p.windowLow, p.windowHigh));
  out.labels = resizeNearest(in.labels, box, in.grid);
  return out;
}

}  // namespace

std::vector<float> resizeArea(const io::Volume<float>& src, const std::array<std::int64_t, 6>& box, std::int64_t m,
                              float pad) {
  std::vector<float> data = src.voxels;
  std::array<std::int64_t, 3> size = src.geometry.size, next{};
  for (int axis = 0; axis < 3; ++axis) {
    data = areaAxis(data, size, axis, box[2 * axis], box[2 * axis + 1], m, pad, next);
    size = next;
  }
  return data;
}

std::vector<std::uint8_t> resizeNearest(const io::Volume<std::uint8_t>& src, const std::array<std::int64_t, 6>& box,
                                        std::int64_t m) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(m * m * m), 0);
  std::array<std::vector<std::int64_t>, 3> index;
  for (int a = 0; a < 3; ++a) {
    const double scale = static_cast<double>(box[2 * a + 1] - box[2 * a]) / static_cast<double>(m);
    for (std::int64_t i = 0; i < m; ++i) {
      const auto s = static_cast<std::int64_t>(std::floor(static_cast<double>(box[2 * a]) + (static_cast<double>(i) + 0.5) * scale));
      index[static_cast<std::size_t>(a)].push_back(s >= 0 && s < src.geometry.size[a] ? s : -1);
    }
  }
  for (std::int64_t z = 0; z < m; ++z)
    for (std::int64_t y = 0; y < m; ++y)
      for (std::int64_t x = 0; x < m; ++x) {
        const auto sx = index[0][static_cast<std::size_t>(x)], sy = index[1][static_cast<std::size_t>(y)],
                   sz = index[2][static_cast<std::size_t>(z)];
        if (sx >= 0 && sy >= 0 && sz >= 0) out[static_cast<std::size_t>(x + m * (y + m * z))] = src.at(sx, sy, sz);
      }
  return out;
}

ModelGridPresetRegistry::ModelGridPresetRegistry() {
  add({"paper", "reference-code parity: window [-175,250] HU, 0 HU outside the lungs, whole field of view", -175.0, 250.0,
       applyPaper});
  add({"lung", "window [-1000,400] HU, air background, lung bounding box + margin padded to a cube", -1000.0, 400.0,
       applyLung});
}

ModelGridPresetRegistry& ModelGridPresetRegistry::instance() {
  static ModelGridPresetRegistry registry;
  return registry;
}

void ModelGridPresetRegistry::add(ModelGridPreset preset) {
  for (const auto& p : presets_)
    if (p.name == preset.name) throw ConfigError("model-grid preset '" + preset.name + "' registered twice");
  presets_.push_back(std::move(preset));
}

const ModelGridPreset& ModelGridPresetRegistry::get(const std::string& name) const {
  for (const auto& p : presets_)
    if (p.name == name) return p;
  std::string names;
  for (const auto& p : presets_) names += (names.empty() ? "" : ", ") + p.name;
  throw ConfigError("unknown preprocess.preset '" + name + "': registered presets are " + names);
}

std::vector<std::string> ModelGridPresetRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& p : presets_) out.push_back(p.name);
  return out;
}

}  // namespace ren::preprocess
