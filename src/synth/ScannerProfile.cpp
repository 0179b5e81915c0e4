#include "ren/synth/ScannerProfile.h"

#include "ren/core/Random.h"

namespace ren::synth {

ScannerProfile makeScannerProfile(std::uint64_t cohortSeed, int site, double spacingMm) {
  Rng rng(deriveSeed(cohortSeed, {0x5173u, static_cast<std::uint64_t>(site)}));
  ScannerProfile p;
  p.site = site;
  p.noiseSd = rng.uniform(10.0, 30.0);
  p.kernelSigmaVoxels = rng.uniform(0.3, 0.9);
  static const double factors[3] = {1.0, 1.25, 1.5};
  p.sliceThicknessMm = spacingMm * factors[rng.below(3)];
  p.huOffset = rng.uniform(-8.0, 8.0);
  return p;
}

}  // namespace ren::synth
