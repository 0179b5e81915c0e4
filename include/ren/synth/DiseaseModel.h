#pragma once
// ILD patterns and control confounders of the synthetic cohort. Disease propensity has a
// subpleural and basal predominance; its spatial layout is fixed per patient (so longitudinal
// scans show the same regions), and its extent grows with severity (progression).
#include <cstdint>
#include <string>

#include "ren/synth/NoiseField.h"

namespace ren::synth {

enum class Confounder { None, Atelectasis, Emphysema };
const char* confounderName(Confounder c);

/// The disease state of one scan.
struct DiseaseState {
  double severity = 0.0;         ///< 0 = healthy; ILD scans ~0.3..1
  Confounder confounder = Confounder::None;
  std::uint64_t patternSeed = 0; ///< per patient: the same pattern layout in every scan
  double ggoAmplitude = 300.0;   ///< HU added by ground glass (200..400)
};

/// Where a lung voxel is, as the disease model needs it.
struct LungPosition {
  Vec3 mm;             ///< patient-frame position in mm (noise fields are defined in mm)
  double depthMm;      ///< distance to the pleura (lung boundary)
  double height;       ///< 0 at the lung bases .. 1 at the apices
  double posterior;    ///< 0 at the most posterior lung edge .. 1 at the most anterior
};

/// The effect of disease and confounders on one lung voxel.
struct DiseaseEffect {
  float hu;            ///< the voxel's HU after the effect
  bool groundGlass = false;
  bool reticulation = false;
  bool honeycombing = false;
  bool confounder = false;
};

/// Applies disease/confounders to a lung voxel of baseline `hu`. `scaleMm` is the half field of
/// view in mm (feature sizes scale with it); `voxelMm` the in-plane voxel size (the finest pattern
/// is kept at least ~2.5 voxels wide so it survives sampling).
DiseaseEffect applyDisease(const DiseaseState& state, const LungPosition& where, float hu, double scaleMm, double voxelMm);

/// The disease propensity at a position (severity x subpleural x basal), exposed for tests.
double diseasePropensity(double severity, const LungPosition& where, double scaleMm);

}  // namespace ren::synth
