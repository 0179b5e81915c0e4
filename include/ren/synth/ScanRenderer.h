#pragma once
// Renders one synthetic CT scan (HU, int16) and its canonical lobe map from a patient's anatomy,
// the scan's disease state and the site's scanner.
#include <array>
#include <cstdint>

#include "ren/io/Volume.h"
#include "ren/synth/DiseaseModel.h"
#include "ren/synth/PatientAnatomy.h"
#include "ren/synth/ScannerProfile.h"

namespace ren::synth {

struct ScanSpec {
  int size = 96;             ///< in-plane voxels; the field of view is size * spacing (cubic)
  double spacingMm = 2.5;    ///< in-plane spacing; slice spacing comes from the scanner
  Vec3 shift{0, 0, 0};       ///< patient position in the scanner (normalised units)
  double scale = 1.0;        ///< patient size / inspiration (normalised units per patient unit)
  std::uint64_t noiseSeed = 0;
};

/// Per canonical lobe: voxel counts of each pattern (ground truth for tests and studies).
struct LobeTruth {
  std::int64_t voxels = 0;
  std::int64_t groundGlass = 0;
  std::int64_t reticulation = 0;
  std::int64_t honeycombing = 0;
  std::int64_t affected = 0;     ///< any ILD pattern
  std::int64_t confounder = 0;   ///< atelectasis or emphysema
};

struct RenderedScan {
  io::Volume<std::int16_t> ct;       ///< HU
  io::Volume<std::uint8_t> lobes;    ///< canonical lobes 1..5 (LUL, LLL, RUL, RML, RLL), 0 elsewhere
  std::array<LobeTruth, 5> truth;    ///< index = canonical lobe - 1
};

RenderedScan renderScan(const PatientAnatomy& anatomy, const DiseaseState& disease, const ScannerProfile& scanner,
                        const ScanSpec& spec);

}  // namespace ren::synth
