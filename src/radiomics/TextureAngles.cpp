#include "TextureAngles.h"

#include <algorithm>
#include <cstdlib>

namespace ren::radiomics {

std::vector<TextureAngle> textureAngles(const std::array<std::int64_t, 3>& extent, const std::vector<int>& distances,
                                        bool bidirectional) {
  int maxDistance = 0;
  for (int d : distances) maxDistance = std::max(maxDistance, d);
  std::vector<TextureAngle> angles;
  for (int dz = -maxDistance; dz <= maxDistance; ++dz)
    for (int dy = -maxDistance; dy <= maxDistance; ++dy)
      for (int dx = -maxDistance; dx <= maxDistance; ++dx) {
        const std::array<int, 3> offset{dx, dy, dz};
        if (dx == 0 && dy == 0 && dz == 0) continue;
        // One of each +/- pair unless bidirectional: keep the one whose last non-zero component
        // (z first) is positive.
        if (!bidirectional) {
          const int lead = dz != 0 ? dz : (dy != 0 ? dy : dx);
          if (lead < 0) continue;
        }
        bool fits = true;
        int norm = 0;
        for (int a = 0; a < 3; ++a) {
          if (std::abs(offset[a]) > extent[a] - 1) fits = false;
          norm = std::max(norm, std::abs(offset[a]));
        }
        if (!fits) continue;
        if (std::find(distances.begin(), distances.end(), norm) == distances.end()) continue;
        angles.push_back({offset, norm});
      }
  return angles;
}

}  // namespace ren::radiomics
