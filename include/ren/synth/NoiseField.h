#pragma once
// Procedural noise for the synthetic phantom: counter-based, so a value depends only on the seed
// and the position (never on evaluation order or thread count).
#include <array>
#include <cstdint>

namespace ren::synth {

using Vec3 = std::array<double, 3>;

/// Smooth value noise in [-1, 1] with unit lattice spacing (quintic interpolation of hashed
/// lattice values). Scale positions to choose the feature size.
double valueNoise(std::uint64_t seed, const Vec3& p);

/// Fractal sum of `octaves` value-noise layers (lacunarity 2, gain 0.5), normalised to ~[-1, 1].
double fractalNoise(std::uint64_t seed, const Vec3& p, int octaves);

/// Cellular (Worley) distances: F1 and F2 to the nearest and second-nearest jittered lattice points
/// (one per unit cell), in lattice units.
struct CellDistances {
  double f1;
  double f2;
};
CellDistances cellularNoise(std::uint64_t seed, const Vec3& p);

}  // namespace ren::synth
