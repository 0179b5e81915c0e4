#pragma once
// The anatomy of one synthetic patient, shared by all of the patient's scans. Coordinates are
// normalised patient coordinates in RAS+ orientation (x to the patient's right, y anterior, z
// superior), with the field of view spanning [-1, 1] on each axis at scale 1.
#include <array>
#include <cstdint>
#include <vector>

#include "ren/synth/NoiseField.h"

namespace ren::synth {

/// A straight tube segment (vessel or airway) in normalised coordinates.
struct TubeSegment {
  Vec3 a;
  Vec3 b;
  double radius;
  int generation;
};

struct LungShape {
  double side;        ///< +1 right lung (x > 0), -1 left lung (x < 0)
  double cx, cy;      ///< centre of the axial cross-section
  double lx, ly;      ///< semi-axes of the cross-section
  double apex;        ///< z of the apex
  double baseLevel;   ///< z of the costophrenic base at the rim
  double dome;        ///< rise of the diaphragm dome at the centre
  // Oblique fissure: z = obliqueA - obliqueB * v + obliqueC * v^2 + wobble, v = (y - cy) / ly.
  double obliqueA, obliqueB, obliqueC;
  double horizontal;  ///< right lung only: z of the horizontal fissure (anterior part)
};

struct PatientAnatomy {
  double bodyAx, bodyAy, bodyCy, fat;       ///< body ellipse and subcutaneous fat thickness
  std::array<LungShape, 2> lungs;           ///< [0] right, [1] left
  Vec3 heartCentre, heartAxes;
  double aortaX, aortaY, aortaRadius;
  double spineY, spineAx, spineAy, discPeriod, discPhase;
  double ribAx, ribAy, ribRadius, ribSlope;
  std::vector<double> ribLevels;
  std::vector<TubeSegment> vessels;
  std::vector<TubeSegment> airways;         ///< trachea, main and lobar bronchi (lumen radius)
  std::uint64_t textureSeed;                ///< parenchymal texture and fissure wobble
};

/// Draws a patient's anatomy from a seed (deterministic).
PatientAnatomy makePatientAnatomy(std::uint64_t seed);

/// What the anatomy holds at a point (before disease, vessels, noise and blur).
struct AnatomySample {
  float hu;           ///< tissue HU (lung voxels: the parenchyma baseline)
  std::uint8_t lobe;  ///< canonical lobe 1..5, 0 outside the lungs
  bool fissure;       ///< within `fissureHalfWidth` of a fissure surface
};

/// Samples the anatomy at normalised point p. `fissureHalfWidth` is in normalised units.
AnatomySample sampleAnatomy(const PatientAnatomy& anatomy, const Vec3& p, double fissureHalfWidth);

/// Whether p lies inside the given lung's outer shape (ignoring mediastinal structures).
bool insideLungShape(const LungShape& lung, const Vec3& p);

}  // namespace ren::synth
