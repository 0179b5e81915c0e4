#include <gtest/gtest.h>

#include <cmath>

#include "ren/core/Random.h"
#include "ren/synth/DistanceTransform.h"

TEST(DistanceTransform, MatchesBruteForceWithAnisotropicSpacing) {
  const std::array<std::int64_t, 3> size{9, 7, 6};
  const std::array<double, 3> spacing{1.0, 1.5, 2.5};
  ren::Rng rng(3);
  std::vector<std::uint8_t> inside(9 * 7 * 6);
  for (auto& v : inside) v = rng.uniform() < 0.8;
  const auto d = ren::synth::distanceToOutside(inside, size, spacing);
  for (std::int64_t k = 0; k < size[2]; ++k)
    for (std::int64_t j = 0; j < size[1]; ++j)
      for (std::int64_t i = 0; i < size[0]; ++i) {
        const std::size_t idx = static_cast<std::size_t>(i + size[0] * (j + size[1] * k));
        double best = 1e30;
        for (std::int64_t c = 0; c < size[2]; ++c)
          for (std::int64_t b = 0; b < size[1]; ++b)
            for (std::int64_t a = 0; a < size[0]; ++a)
              if (!inside[static_cast<std::size_t>(a + size[0] * (b + size[1] * c))])
                best = std::min(best, std::hypot((a - i) * spacing[0], (b - j) * spacing[1], (c - k) * spacing[2]));
        const double expected = inside[idx] ? best : 0.0;
        EXPECT_NEAR(d[idx], expected, 1e-4) << i << "," << j << "," << k;
      }
}

TEST(DistanceTransform, AllInsideGivesLargeValues) {
  std::vector<std::uint8_t> inside(27, 1);
  const auto d = ren::synth::distanceToOutside(inside, {3, 3, 3}, {1, 1, 1});
  for (float v : d) EXPECT_GT(v, 1e20f);
}
