#pragma once
// Separable Gaussian smoothing of a float volume (the scanner's reconstruction kernel and slice
// profile). Borders are handled by clamping to the edge voxel.
#include <array>
#include <cstdint>
#include <vector>

namespace ren::synth {

/// Smooths `data` (x fastest, dimensions `size`) in place with a Gaussian of standard deviation
/// `sigmaVoxels[a]` along axis a; axes with sigma < 0.05 voxels are left untouched.
void gaussianBlur(std::vector<float>& data, const std::array<std::int64_t, 3>& size, const std::array<double, 3>& sigmaVoxels);

}  // namespace ren::synth
