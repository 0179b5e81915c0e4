#pragma once
// Per-site scanner characteristics of the synthetic cohort (multi-site studies).
#include <cstdint>

namespace ren::synth {

struct ScannerProfile {
  int site = 0;
  double noiseSd = 20.0;         ///< image noise, HU
  double kernelSigmaVoxels = 0.6;///< in-plane reconstruction blur (smooth vs sharp kernel)
  double sliceThicknessMm = 2.5; ///< slice spacing = thickness
  double huOffset = 0.0;         ///< calibration offset, HU
};

/// Draws site `site`'s scanner from the cohort seed; slice thickness is a multiple (1, 1.25 or 1.5)
/// of the in-plane spacing.
ScannerProfile makeScannerProfile(std::uint64_t cohortSeed, int site, double spacingMm);

}  // namespace ren::synth
