#pragma once
// Resampling onto an isotropic grid with the same orientation (METHOD.md section 2 step 2): CT with
// cubic convolution (Keys, a = -0.5: interpolating, C1), label maps with nearest neighbour. The
// volume is resampled separably along its own voxel axes, so the world position of the first voxel
// centre is kept and the new grid spans the same extent.
#include "ren/io/Volume.h"

namespace ren::preprocess {

/// The geometry of `g` resampled to `spacing` mm on every axis (same origin and direction; size
/// floor((n - 1) * s / spacing) + 1 per axis).
io::VolumeGeometry isotropicGeometry(const io::VolumeGeometry& g, double spacing);

/// CT: cubic convolution; samples beyond the edge repeat the edge voxel.
io::Volume<float> resampleCubic(const io::Volume<float>& v, double spacing, int threads = 1);

/// Labels: nearest neighbour (ties to the lower index).
io::Volume<std::uint8_t> resampleNearest(const io::Volume<std::uint8_t>& v, double spacing);

}  // namespace ren::preprocess
