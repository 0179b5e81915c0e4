#include "ren/synth/DiseaseModel.h"

#include <algorithm>
#include <cmath>

namespace ren::synth {

namespace {
double smoothstep(double e0, double e1, double x) {
  const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3.0 - 2.0 * t);
}
Vec3 scaled(const Vec3& p, double inv) { return {p[0] * inv, p[1] * inv, p[2] * inv}; }
}  // namespace

const char* confounderName(Confounder c) {
  switch (c) {
    case Confounder::Atelectasis: return "atelectasis";
    case Confounder::Emphysema: return "emphysema";
    default: return "none";
  }
}

double diseasePropensity(double severity, const LungPosition& w, double scaleMm) {
  const double subpleural = std::exp(-w.depthMm / (0.09 * scaleMm));
  const double basal = std::pow(std::clamp(1.0 - w.height, 0.0, 1.0), 1.8);
  return severity * (0.2 + 0.8 * subpleural) * (0.08 + 0.92 * basal) * 2.4;
}

DiseaseEffect applyDisease(const DiseaseState& s, const LungPosition& w, float hu, double scaleMm, double voxelMm) {
  DiseaseEffect e{hu};
  double value = hu;
  if (s.severity > 0.0) {
    const double p = diseasePropensity(s.severity, w, scaleMm);
    // Ground glass: hazy patches where a smooth field falls under the propensity.
    const double g = fractalNoise(s.patternSeed ^ 0x6601u, scaled(w.mm, 1.0 / (0.12 * scaleMm)), 3);
    const double ggoThreshold = 1.0 - 1.5 * p;
    const double ggo = smoothstep(ggoThreshold, ggoThreshold + 0.35, g);
    value += ggo * s.ggoAmplitude;
    e.groundGlass = ggo > 0.5;
    // Reticulation: a fine net of ridges in patches.
    const double region = fractalNoise(s.patternSeed ^ 0x7E71u, scaled(w.mm, 1.0 / (0.10 * scaleMm)), 2);
    const double active = smoothstep(1.1 - 1.7 * p, 1.3 - 1.7 * p, region);
    if (active > 0.0) {
      const double cell = std::max(2.6 * voxelMm, 0.035 * scaleMm);
      const double ridge = 1.0 - std::fabs(valueNoise(s.patternSeed ^ 0x11E5u, scaled(w.mm, 1.0 / cell)));
      const double line = smoothstep(0.78, 0.92, ridge) * active;
      value += line * 380.0;
      e.reticulation = line > 0.5;
    }
    // Honeycombing: clustered cysts with walls where the propensity is highest.
    const double hc = smoothstep(0.95, 1.15, p + 0.25 * g);
    if (hc > 0.0) {
      const double cell = std::max(3.2 * voxelMm, 0.05 * scaleMm);
      const CellDistances c = cellularNoise(s.patternSeed ^ 0x4C0Bu, scaled(w.mm, 1.0 / cell));
      const double wall = smoothstep(0.16, 0.04, c.f2 - c.f1);
      const double target = wall > 0.5 ? 150.0 : -970.0;
      value = value + hc * (target - value);
      e.honeycombing = hc > 0.5;
    }
  }
  if (s.confounder == Confounder::Atelectasis) {
    // Dependent atelectasis: a dense band along the posterior bases.
    const double band = smoothstep(0.16, 0.05, w.posterior) * smoothstep(0.45, 0.25, w.height) *
                        smoothstep(0.07 * scaleMm, 0.02 * scaleMm, w.depthMm);
    value += band * (-60.0 - value);
    e.confounder = band > 0.5;
  } else if (s.confounder == Confounder::Emphysema) {
    // Centrilobular emphysema: low-attenuation holes without walls in the upper zones.
    const double holes = smoothstep(0.35, 0.55, fractalNoise(s.patternSeed ^ 0xE3F1u, scaled(w.mm, 1.0 / (0.05 * scaleMm)), 2)) *
                         smoothstep(0.5, 0.7, w.height);
    value += holes * (-985.0 - value);
    e.confounder = holes > 0.5;
  }
  e.hu = static_cast<float>(value);
  return e;
}

}  // namespace ren::synth
