// All 107 features under transformations that must not change them: flipping the image with its
// mask along any axis, padding the ROI with background, and (for all but the direction-bound 2D
// diameters, which trade places) permuting the axes when the spacing is isotropic. (The marching-cubes
// mesh features can move slightly under flips where the mask has ambiguous faces, as in PyRadiomics;
// this smooth ROI has none.)
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "ren/core/Random.h"
#include "ren/radiomics/FeatureExtractor.h"

namespace ren::radiomics {
namespace {

struct Case {
  io::Volume<float> image;
  io::Volume<std::int32_t> mask;
};

/// A lumpy ROI (an ellipsoid with a bite taken out) with textured intensities, in a 20x16x12 image.
Case texturedRoi() {
  io::VolumeGeometry g;
  g.size = {20, 16, 12};
  g.spacing = {1.0, 1.0, 1.0};
  Case c{io::Volume<float>(g, 0.0f), io::Volume<std::int32_t>(g, 0)};
  Rng rng(1234);
  for (std::int64_t k = 0; k < 12; ++k)
    for (std::int64_t j = 0; j < 16; ++j)
      for (std::int64_t i = 0; i < 20; ++i) {
        const double x = (i - 9.5) / 8.0, y = (j - 7.0) / 6.0, z = (k - 5.5) / 4.5;
        const bool inside = x * x + y * y + z * z <= 1.0 && !(x > 0.3 && y > 0.2);
        c.mask.at(i, j, k) = inside ? 1 : 0;
        c.image.at(i, j, k) = static_cast<float>(std::round(-800 + 300 * std::sin(i * 0.7) * std::cos(j * 0.5) +
                                                            40 * k + 60 * rng.uniform()));
      }
  return c;
}

/// Rebuilds a volume through an index map: out(o) = in(src(o)).
template <class T, class Map>
io::Volume<T> remap(const io::Volume<T>& in, const std::array<std::int64_t, 3>& outSize, Map src, T fill) {
  io::VolumeGeometry g = in.geometry;
  g.size = outSize;
  io::Volume<T> out(g, fill);
  for (std::int64_t k = 0; k < outSize[2]; ++k)
    for (std::int64_t j = 0; j < outSize[1]; ++j)
      for (std::int64_t i = 0; i < outSize[0]; ++i) {
        const auto s = src(i, j, k);
        if (s[0] >= 0 && s[1] >= 0 && s[2] >= 0 && s[0] < in.geometry.size[0] && s[1] < in.geometry.size[1] &&
            s[2] < in.geometry.size[2])
          out.at(i, j, k) = in.at(s[0], s[1], s[2]);
      }
  return out;
}

std::map<std::string, double> features(const Case& c) {
  RadiomicsSettings s;
  const FeatureVector f = extractFeatures(cropRoi(c.image, c.mask, 1, s), s);
  EXPECT_EQ(f.status, "ok");
  std::map<std::string, double> out;
  for (std::size_t i = 0; i < f.names.size(); ++i) out[f.names[i]] = f.values[i];
  return out;
}

void expectSame(const std::map<std::string, double>& a, const std::map<std::string, double>& b,
                const std::map<std::string, std::string>& renamed = {}) {
  ASSERT_EQ(a.size(), 107u);
  for (const auto& [name, value] : a) {
    const auto it = renamed.find(name);
    const double other = b.at(it == renamed.end() ? name : it->second);
    EXPECT_NEAR(value, other, 1e-9 * std::max(1.0, std::abs(value))) << name;
  }
}

TEST(FeatureInvariance, FlipsChangeNothing) {
  const Case c = texturedRoi();
  const auto reference = features(c);
  for (int axis = 0; axis < 3; ++axis) {
    const auto n = c.image.geometry.size;
    auto flip = [&](std::int64_t i, std::int64_t j, std::int64_t k) {
      std::array<std::int64_t, 3> s{i, j, k};
      s[axis] = n[axis] - 1 - s[axis];
      return s;
    };
    const Case flipped{remap(c.image, n, flip, 0.0f), remap(c.mask, n, flip, 0)};
    SCOPED_TRACE("flip axis " + std::to_string(axis));
    expectSame(reference, features(flipped));
  }
}

TEST(FeatureInvariance, PaddingWithBackgroundChangesNothing) {
  const Case c = texturedRoi();
  const auto n = c.image.geometry.size;
  const std::array<std::int64_t, 3> pad{7, 3, 5};
  auto shift = [&](std::int64_t i, std::int64_t j, std::int64_t k) {
    return std::array<std::int64_t, 3>{i - pad[0], j - pad[1], k - pad[2]};
  };
  const std::array<std::int64_t, 3> big{n[0] + 2 * pad[0], n[1] + 2 * pad[1], n[2] + 2 * pad[2]};
  const Case padded{remap(c.image, big, shift, 0.0f), remap(c.mask, big, shift, 0)};
  expectSame(features(c), features(padded));
}

TEST(FeatureInvariance, AxisPermutationsOnlyMoveThe2DDiameters) {
  const Case c = texturedRoi();
  const auto n = c.image.geometry.size;
  // Swap x and z: the Slice plane (constant z) becomes the plane of constant x (Row) and back; the
  // Column plane (constant y) stays (PyRadiomics' naming, see Roi.h).
  auto swapXz = [](std::int64_t i, std::int64_t j, std::int64_t k) { return std::array<std::int64_t, 3>{k, j, i}; };
  const std::array<std::int64_t, 3> size{n[2], n[1], n[0]};
  const Case swapped{remap(c.image, size, swapXz, 0.0f), remap(c.mask, size, swapXz, 0)};
  expectSame(features(c), features(swapped),
             {{"original_shape_Maximum2DDiameterSlice", "original_shape_Maximum2DDiameterRow"},
              {"original_shape_Maximum2DDiameterRow", "original_shape_Maximum2DDiameterSlice"}});
}

}  // namespace
}  // namespace ren::radiomics
