#include "ren/synth/NoiseField.h"

#include <cmath>

#include "ren/core/Random.h"

namespace ren::synth {

namespace {
inline std::uint64_t latticeHash(std::uint64_t seed, std::int64_t x, std::int64_t y, std::int64_t z) {
  std::uint64_t h = mix64(seed ^ static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ull);
  h = mix64(h ^ static_cast<std::uint64_t>(y) * 0xC2B2AE3D27D4EB4Full);
  return mix64(h ^ static_cast<std::uint64_t>(z) * 0x165667B19E3779F9ull);
}
inline double latticeValue(std::uint64_t seed, std::int64_t x, std::int64_t y, std::int64_t z) {
  return static_cast<double>(latticeHash(seed, x, y, z) >> 11) * 0x1.0p-52 - 1.0;
}
inline double fade(double t) { return t * t * t * (t * (t * 6 - 15) + 10); }
inline double lerp(double a, double b, double t) { return a + (b - a) * t; }
}  // namespace

double valueNoise(std::uint64_t seed, const Vec3& p) {
  const double fx = std::floor(p[0]), fy = std::floor(p[1]), fz = std::floor(p[2]);
  const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy), iz = static_cast<std::int64_t>(fz);
  const double tx = fade(p[0] - fx), ty = fade(p[1] - fy), tz = fade(p[2] - fz);
  double c[2][2];
  for (int dz = 0; dz < 2; ++dz)
    for (int dy = 0; dy < 2; ++dy)
      c[dz][dy] = lerp(latticeValue(seed, ix, iy + dy, iz + dz), latticeValue(seed, ix + 1, iy + dy, iz + dz), tx);
  return lerp(lerp(c[0][0], c[0][1], ty), lerp(c[1][0], c[1][1], ty), tz);
}

double fractalNoise(std::uint64_t seed, const Vec3& p, int octaves) {
  double sum = 0.0, amplitude = 1.0, norm = 0.0, scale = 1.0;
  for (int o = 0; o < octaves; ++o) {
    sum += amplitude * valueNoise(seed + static_cast<std::uint64_t>(o) * 0x51ED27ull,
                                  {p[0] * scale + 17.3 * o, p[1] * scale - 5.1 * o, p[2] * scale + 9.7 * o});
    norm += amplitude;
    amplitude *= 0.5;
    scale *= 2.0;
  }
  return sum / norm * 1.6;  // fractal sums concentrate near 0: rescale to span ~[-1, 1]
}

CellDistances cellularNoise(std::uint64_t seed, const Vec3& p) {
  const auto ix = static_cast<std::int64_t>(std::floor(p[0]));
  const auto iy = static_cast<std::int64_t>(std::floor(p[1]));
  const auto iz = static_cast<std::int64_t>(std::floor(p[2]));
  double f1 = 1e9, f2 = 1e9;
  for (std::int64_t dz = -1; dz <= 1; ++dz)
    for (std::int64_t dy = -1; dy <= 1; ++dy)
      for (std::int64_t dx = -1; dx <= 1; ++dx) {
        const std::uint64_t h = latticeHash(seed, ix + dx, iy + dy, iz + dz);
        const double jx = static_cast<double>(h & 0xFFFFF) / 0x100000;
        const double jy = static_cast<double>((h >> 20) & 0xFFFFF) / 0x100000;
        const double jz = static_cast<double>((h >> 40) & 0xFFFFF) / 0x100000;
        const double ddx = static_cast<double>(ix + dx) + jx - p[0];
        const double ddy = static_cast<double>(iy + dy) + jy - p[1];
        const double ddz = static_cast<double>(iz + dz) + jz - p[2];
        const double d = std::sqrt(ddx * ddx + ddy * ddy + ddz * ddz);
        if (d < f1) {
          f2 = f1;
          f1 = d;
        } else if (d < f2) {
          f2 = d;
        }
      }
  return {f1, f2};
}

}  // namespace ren::synth
