#pragma once
// Paths of the run directory (INTERFACE.md "The run directory"), in one place.
#include <filesystem>

#include "ren/core/Config.h"

namespace ren::layout {

inline std::filesystem::path runDir(const Config& c) { return c.run.dir; }
/// Where `ren run` generates the synthetic cohort (cohort.source = synthetic).
inline std::filesystem::path syntheticCohortDir(const Config& c) { return runDir(c) / "cohort"; }
/// The cohort table the run reads.
inline std::filesystem::path cohortTable(const Config& c) {
  return c.cohort.source == "synthetic" ? syntheticCohortDir(c) / "cohort.csv" : std::filesystem::path(c.cohort.table);
}
inline std::filesystem::path splitCsv(const Config& c) { return runDir(c) / "split.csv"; }
inline std::filesystem::path splitSummary(const Config& c) { return runDir(c) / "split.json"; }
inline std::filesystem::path dataDir(const Config& c) { return runDir(c) / "data"; }
inline std::filesystem::path tasksDir(const Config& c) { return runDir(c) / "tasks"; }
inline std::filesystem::path logsDir(const Config& c) { return runDir(c) / "logs"; }
inline std::filesystem::path radiomicsDir(const Config& c) { return runDir(c) / "radiomics"; }
inline std::filesystem::path radiomicsCsv(const Config& c) { return radiomicsDir(c) / "features.csv"; }
inline std::filesystem::path radiomicsHdf5(const Config& c) { return radiomicsDir(c) / "features.h5"; }

/// The cohort seed of the synthetic generator: synth.seed, or derived from run.seed when 0.
std::uint64_t synthSeed(const Config& c);

}  // namespace ren::layout
