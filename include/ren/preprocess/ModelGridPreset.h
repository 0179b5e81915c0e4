#pragma once
// Presets that turn the 1 mm HU volume and its canonical label map into the model-grid input
// (METHOD.md section 2 step 4), registered by name:
//   paper : window [-175, 250] HU -> [0, 1]; voxels outside the lungs set to 0 HU before windowing;
//           the whole field of view resized to grid^3 (area averaging).
//   lung  : window [-1000, 400] HU -> [0, 1]; background = air (-1000 HU); crop to the lung bounding
//           box plus a margin, pad to a cube (keeps the aspect ratio), resize to grid^3 (area averaging).
// Label maps are always resized nearest-neighbour.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ren/io/Volume.h"

namespace ren::preprocess {

struct ModelGridInput {
  const io::Volume<float>& hu;            ///< 1 mm, RAS
  const io::Volume<std::uint8_t>& labels; ///< canonical 0..7 on the same grid
  std::int64_t grid = 96;
  double marginMm = 10.0;
};

struct ModelGridOutput {
  std::vector<float> image;               ///< grid^3 in [0, 1], x fastest
  std::vector<std::uint8_t> labels;       ///< grid^3 canonical labels
  std::array<std::int64_t, 6> box{};      ///< source box resized onto the grid: [x0,x1),[y0,y1),[z0,z1)
};

struct ModelGridPreset {
  std::string name;
  std::string description;
  double windowLow;
  double windowHigh;
  std::function<ModelGridOutput(const ModelGridPreset&, const ModelGridInput&)> apply;
};

class ModelGridPresetRegistry {
 public:
  static ModelGridPresetRegistry& instance();
  void add(ModelGridPreset preset);
  /// Throws ConfigError listing the registered names when unknown.
  const ModelGridPreset& get(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  ModelGridPresetRegistry();
  std::vector<ModelGridPreset> presets_;
};

/// Area-averaging resize of the box [lo, hi) (per axis, may extend beyond the volume: `pad` there)
/// of `src` onto an m^3 grid.
std::vector<float> resizeArea(const io::Volume<float>& src, const std::array<std::int64_t, 6>& box, std::int64_t m,
                              float pad);
/// Nearest-neighbour resize of the same box (0 outside the volume).
std::vector<std::uint8_t> resizeNearest(const io::Volume<std::uint8_t>& src, const std::array<std::int64_t, 6>& box,
                                        std::int64_t m);

}  // namespace ren::preprocess
