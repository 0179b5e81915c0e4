#pragma once
// Exact Euclidean distance transform (separable lower-envelope algorithm of Felzenszwalb and
// Huttenlocher), in mm with anisotropic spacing.
#include <array>
#include <cstdint>
#include <vector>

namespace ren::synth {

/// For every voxel with inside[i] != 0, the distance in mm to the nearest voxel with inside == 0
/// (voxels outside the grid do not count as outside); 0 for outside voxels. If no outside voxel
/// exists, inside voxels get a large value (1e30). Layout x fastest.
std::vector<float> distanceToOutside(const std::vector<std::uint8_t>& inside, const std::array<std::int64_t, 3>& size,
                                     const std::array<double, 3>& spacing);

}  // namespace ren::synth
