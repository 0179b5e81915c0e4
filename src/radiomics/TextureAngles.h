#pragma once
// The neighbour offsets ("angles") of the texture classes (PyRadiomics cmatrices.c get_angle_count /
// build_angles): every offset (dx, dy, dz) whose Chebyshev norm is one of `distances`, with no
// component larger than the ROI bounding-box extent minus one along that axis, one of each +/- pair
// (13 offsets for distance 1 in 3D; 4 when the ROI is one slice thick). Internal to ren_radiomics.
#include <array>
#include <cstdint>
#include <vector>

namespace ren::radiomics {

struct TextureAngle {
  std::array<int, 3> offset;  ///< voxel offset (x, y, z)
  int distance;               ///< Chebyshev norm
};

/// Offsets for `distances` within a ROI whose bounding box spans `extent` voxels per axis.
/// bidirectional = true returns both members of each pair (26 for distance 1).
std::vector<TextureAngle> textureAngles(const std::array<std::int64_t, 3>& extent, const std::vector<int>& distances,
                                        bool bidirectional = false);

}  // namespace ren::radiomics
