#pragma once
// The built-in synthetic ILD cohort (`ren synth`): patients with 1..N longitudinal scans sharing
// anatomy, disease that progresses, controls with confounders, several scanner sites.
// Output: DIR/cohort.csv, DIR/images/<scan>.nii.gz (int16 HU, RAS), DIR/lobes/<scan>.nii.gz
// (uint8 lobe map in the chosen convention), DIR/truth.json (per scan and lobe: disease burden).
// Deterministic for a seed: byte-identical output whatever the thread count.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/synth/DiseaseModel.h"
#include "ren/synth/ScanRenderer.h"

namespace ren::synth {

/// The plan of one scan: everything needed to render it.
struct ScanPlan {
  std::string scanId;
  std::string patientId;
  int timepoint = 0;
  int label = 0;
  int site = 0;
  std::uint64_t anatomySeed = 0;
  DiseaseState disease;
  ScanSpec spec;
};

/// Plans the whole cohort (cheap; no rendering). Scans ordered by patient, then timepoint.
std::vector<ScanPlan> planSyntheticCohort(const SynthConfig& config, std::uint64_t seed);

struct SyntheticCohortResult {
  int patients = 0;
  int scans = 0;
  double seconds = 0.0;
  bool reused = false;  ///< the directory already held this exact cohort
};

/// Writes the cohort to `outDir` using `threads` threads (scans in parallel). If `outDir` already
/// holds a complete cohort made with the same parameters, nothing is rewritten (reused = true).
/// cohort.csv is written last: its presence marks a complete cohort.
/// `configHash`, when given, is recorded in truth.json as the provenance of the cohort.
SyntheticCohortResult writeSyntheticCohort(const std::filesystem::path& outDir, const SynthConfig& config,
                                           std::uint64_t seed, int threads, const std::string& configHash = "");

}  // namespace ren::synth
