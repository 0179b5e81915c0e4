#include "ren/synth/ScanRenderer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ren/core/Random.h"
#include "ren/synth/DistanceTransform.h"
#include "ren/synth/GaussianBlur.h"

namespace ren::synth {

namespace {

double sq(double v) { return v * v; }

/// Distance from p to segment [a, b].
double segmentDistance(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 ab{b[0] - a[0], b[1] - a[1], b[2] - a[2]};
  const Vec3 ap{p[0] - a[0], p[1] - a[1], p[2] - a[2]};
  const double len2 = sq(ab[0]) + sq(ab[1]) + sq(ab[2]);
  const double t = len2 > 0 ? std::clamp((ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2, 0.0, 1.0) : 0.0;
  return std::sqrt(sq(ap[0] - t * ab[0]) + sq(ap[1] - t * ab[1]) + sq(ap[2] - t * ab[2]));
}

/// Maps scan voxels to normalised patient coordinates and back.
struct Frame {
  io::VolumeGeometry geometry;
  double halfFov;  // mm
  Vec3 shift;
  double scale;

  Vec3 patientOf(std::int64_t i, std::int64_t j, std::int64_t k) const {
    const auto w = geometry.worldOf(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
    return {(w[0] / halfFov - shift[0]) / scale, (w[1] / halfFov - shift[1]) / scale, (w[2] / halfFov - shift[2]) / scale};
  }
  /// Continuous voxel index of a patient point (identity direction).
  Vec3 indexOf(const Vec3& p) const {
    Vec3 idx;
    for (int a = 0; a < 3; ++a) idx[a] = ((p[a] * scale + shift[a]) * halfFov - geometry.origin[a]) / geometry.spacing[a];
    return idx;
  }
};

/// Rasterises tubes into `field` (max of partial-volume fractions), restricted by `allow`.
template <class Allow>
void rasteriseTubes(const std::vector<TubeSegment>& tubes, double radiusScale, const Frame& f, std::vector<float>& field,
                    Allow allow) {
  const auto& g = f.geometry;
  const double voxelNorm = g.spacing[0] / f.halfFov / f.scale;  // one in-plane voxel in patient units
  for (const TubeSegment& t : tubes) {
    const double r = t.radius * radiusScale;
    const Vec3 ia = f.indexOf(t.a), ib = f.indexOf(t.b);
    std::int64_t lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
      const double pad = (r + voxelNorm) * f.halfFov * f.scale / g.spacing[a] + 1.0;
      lo[a] = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(std::min(ia[a], ib[a]) - pad)));
      hi[a] = std::min<std::int64_t>(g.size[a] - 1, static_cast<std::int64_t>(std::ceil(std::max(ia[a], ib[a]) + pad)));
    }
    for (std::int64_t k = lo[2]; k <= hi[2]; ++k)
      for (std::int64_t j = lo[1]; j <= hi[1]; ++j)
        for (std::int64_t i = lo[0]; i <= hi[0]; ++i) {
          const std::size_t idx = g.index(i, j, k);
          if (!allow(idx)) continue;
          const double d = segmentDistance(f.patientOf(i, j, k), t.a, t.b);
          // Partial volume: a tube thinner than a voxel covers at most ~its diameter / voxel of it.
          const double fraction = std::clamp((r - d) / voxelNorm + 0.5, 0.0, 1.0) * std::min(1.0, 2.0 * r / voxelNorm);
          if (fraction > field[idx]) field[idx] = static_cast<float>(fraction);
        }
  }
}

}  // namespace

RenderedScan renderScan(const PatientAnatomy& anatomy, const DiseaseState& disease, const ScannerProfile& scanner,
                        const ScanSpec& spec) {
  io::VolumeGeometry g;
  const double fov = spec.size * spec.spacingMm;
  const auto nz = std::max<std::int64_t>(8, std::llround(fov / scanner.sliceThicknessMm));
  g.size = {spec.size, spec.size, nz};
  g.spacing = {spec.spacingMm, spec.spacingMm, scanner.sliceThicknessMm};
  for (int a = 0; a < 3; ++a) g.origin[a] = -0.5 * static_cast<double>(g.size[a] - 1) * g.spacing[a];
  const Frame frame{g, fov / 2.0, spec.shift, spec.scale};
  const std::size_t n = g.voxelCount();

  RenderedScan out;
  out.lobes = io::Volume<std::uint8_t>(g, 0);
  std::vector<float> hu(n);
  std::vector<std::uint8_t> fissure(n, 0);

  // Pass 1: anatomy and lobes.
  const double fissureHalfWidth = 0.6 * g.spacing[2] / frame.halfFov / spec.scale;
  for (std::int64_t k = 0; k < g.size[2]; ++k)
    for (std::int64_t j = 0; j < g.size[1]; ++j)
      for (std::int64_t i = 0; i < g.size[0]; ++i) {
        const std::size_t idx = g.index(i, j, k);
        const AnatomySample s = sampleAnatomy(anatomy, frame.patientOf(i, j, k), fissureHalfWidth);
        hu[idx] = s.hu;
        out.lobes.voxels[idx] = s.lobe;
        fissure[idx] = s.fissure;
      }

  // Pass 2: airways (everywhere) and vessels (inside the lungs).
  std::vector<float> vessel(n, 0.0f), lumen(n, 0.0f), wall(n, 0.0f);
  const auto& lobes = out.lobes.voxels;
  rasteriseTubes(anatomy.vessels, 1.0, frame, vessel, [&](std::size_t idx) { return lobes[idx] != 0; });
  rasteriseTubes(anatomy.airways, 1.25, frame, wall, [](std::size_t) { return true; });
  rasteriseTubes(anatomy.airways, 1.0, frame, lumen, [](std::size_t) { return true; });

  // Pass 3: parenchyma texture, disease, confounders, with truth per lobe.
  const std::vector<float> depth = distanceToOutside(lobes, g.size, g.spacing);
  double lungTop = -1e9, lungBottom = 1e9, lungFront = -1e9, lungBack = 1e9;
  for (const LungShape& l : anatomy.lungs) {
    lungTop = std::max(lungTop, l.apex);
    lungBottom = std::min(lungBottom, l.baseLevel);
    lungFront = std::max(lungFront, l.cy + l.ly);
    lungBack = std::min(lungBack, l.cy - l.ly);
  }
  const double scaleMm = frame.halfFov * spec.scale;
  // A ~1 mm fissure partial-volumed into the slice: fainter in thick slices.
  const double fissureContrast = 300.0 * std::min(1.0, 1.0 / g.spacing[2]);
  for (std::int64_t k = 0; k < g.size[2]; ++k)
    for (std::int64_t j = 0; j < g.size[1]; ++j)
      for (std::int64_t i = 0; i < g.size[0]; ++i) {
        const std::size_t idx = g.index(i, j, k);
        const int lobe = lobes[idx];
        if (lobe == 0) continue;
        const Vec3 p = frame.patientOf(i, j, k);
        LungPosition where{{p[0] * scaleMm, p[1] * scaleMm, p[2] * scaleMm},
                           depth[idx],
                           std::clamp((p[2] - lungBottom) / (lungTop - lungBottom), 0.0, 1.0),
                           std::clamp((p[1] - lungBack) / (lungFront - lungBack), 0.0, 1.0)};
        // Parenchyma: texture plus a gravity-dependent density gradient (posterior denser).
        double base = hu[idx] + 18.0 * fractalNoise(anatomy.textureSeed, {where.mm[0] / 6.0, where.mm[1] / 6.0, where.mm[2] / 6.0}, 3) +
                      45.0 * std::clamp(1.0 - where.posterior / 0.35, 0.0, 1.0);
        if (fissure[idx]) base += fissureContrast;
        base += vessel[idx] * (40.0 - base);
        const DiseaseEffect e = applyDisease(disease, where, static_cast<float>(base), scaleMm, g.spacing[0]);
        hu[idx] = e.hu;
        LobeTruth& t = out.truth[static_cast<std::size_t>(lobe - 1)];
        ++t.voxels;
        t.groundGlass += e.groundGlass;
        t.reticulation += e.reticulation;
        t.honeycombing += e.honeycombing;
        t.affected += (e.groundGlass || e.reticulation || e.honeycombing);
        t.confounder += e.confounder;
      }
  for (std::size_t idx = 0; idx < n; ++idx) {
    if (wall[idx] > 0.0f) hu[idx] += wall[idx] * (10.0f - hu[idx]);
    if (lumen[idx] > 0.0f) hu[idx] += lumen[idx] * (-1000.0f - hu[idx]);
  }

  // Scanner: kernel and slice profile blur, calibration offset, noise, quantisation.
  gaussianBlur(hu, g.size, {scanner.kernelSigmaVoxels, scanner.kernelSigmaVoxels, 0.4});
  out.ct = io::Volume<std::int16_t>(g, 0);
  for (std::size_t idx = 0; idx < n; ++idx) {
    double u1 = hashUniform(spec.noiseSeed, 2 * idx);
    const double u2 = hashUniform(spec.noiseSeed, 2 * idx + 1);
    if (u1 < 1e-300) u1 = 1e-300;
    const double noise = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    const double value = hu[idx] + scanner.huOffset + scanner.noiseSd * noise;
    out.ct.voxels[idx] = static_cast<std::int16_t>(std::lround(std::clamp(value, -1024.0, 3071.0)));
  }
  return out;
}

}  // namespace ren::synth
