#pragma once
// The radiomics signals the feature-based and learned strategies read, for one fold, computed from
// RUN/radiomics/features.csv with statistics of the fold's TRAINING scans only:
//  - abnormality (magnitude_based): per scan and region, mean_j |z_j| with z standardised by the
//    training controls (label 0) of that region; features constant or missing among them are left out;
//  - gate inputs (radiomics_gate): all regions' features standardised by the training scans, reduced
//    by PCA fitted on the training scans to <= gating.gate_dims dimensions.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "ren/gating/ScanRows.h"
#include "ren/radiomics/FeatureTable.h"
#include "ren/train/TaskData.h"

namespace ren::gating {

struct FoldRadiomics {
  std::map<std::string, std::size_t> rowOf;  ///< scan id -> row of the matrices (every scan of the table)
  Matrix abnormality;                          ///< scans x 7 regions
  Matrix gateInputs;                           ///< scans x dims
  std::size_t dims = 0;
  bool empty() const { return rowOf.empty(); }
};

/// InputError naming the scan and region when the table lacks a row for a scan of the fold, or the
/// training scans are too few (< 3) to standardise.
FoldRadiomics foldRadiomics(const radiomics::FeatureTable& table, const train::TaskData& fold, int gateDims);

}  // namespace ren::gating
