#pragma once
// Stage 1b (METHOD.md section 3): the features of every scan and region of the cohort ->
// RUN/radiomics/features.csv + features.h5 (FeatureTable.h). Each scan is loaded as stage 1 loads it
// (ScanPipeline: isotropic preprocess.iso_spacing HU and canonical labels). A process runs as many
// scans at once as it has threads (loading a scan is mostly serial); when it has fewer scans left
// than threads, the spare threads run a scan's 7 regions in parallel. Under MPI, rank r takes scans
// r, r + size, ...; each scan's rows
// are kept in RUN/radiomics/parts-<fingerprint>/ until rank 0 merges them in cohort order, so an
// interrupted stage resumes where it stopped and the table does not depend on the number of ranks.
#include <vector>

#include "ren/core/CohortTable.h"
#include "ren/core/Config.h"
#include "ren/core/Stage.h"
#include "ren/preprocess/ScanPipeline.h"
#include "ren/radiomics/FeatureTable.h"
#include "ren/radiomics/RadiomicsSettings.h"

namespace ren::radiomics {

/// The engine settings of a [radiomics] config section.
RadiomicsSettings settingsFromConfig(const RadiomicsConfig& config);

/// The 7 region rows (kRegions order) of one loaded scan; regions run on up to `threads` threads,
/// the largest first.
std::vector<FeatureTableRow> regionFeatures(const preprocess::IsotropicScan& scan, const ScanRecord& record,
                                            const RadiomicsSettings& settings, int threads);

void registerRadiomicsStage(StageRegistry& registry);

}  // namespace ren::radiomics
