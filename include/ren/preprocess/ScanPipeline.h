#pragma once
// Stage 1 for one scan (METHOD.md section 2): read and check the CT and its lobe map, reorient to
// RAS, resample to isotropic spacing (CT cubic, labels nearest), build the canonical label map (lobes,
// or the fallback lung segmentation without a lobe map), count region voxels, apply the model-grid
// preset. Bad input throws InputError naming the scan and the file.
#include "ren/core/CohortTable.h"
#include "ren/core/Config.h"
#include "ren/io/Volume.h"
#include "ren/preprocess/PreprocessedScan.h"

namespace ren::preprocess {

/// The isotropic HU volume and canonical label map of one scan (radiomics works on these).
struct IsotropicScan {
  io::Volume<float> hu;
  io::Volume<std::uint8_t> labels;  ///< canonical 0..7
  io::VolumeGeometry sourceGeometry;
  std::string labelConvention;
  bool lobesAbsent = false;
  std::string imageSha256;
  std::string lobesSha256;
};

/// Steps 1-3: read, check, reorient, resample, canonical labels.
IsotropicScan loadIsotropicScan(const ScanRecord& scan, const CohortTable& cohort, const Config& config, int threads = 1);

/// Checks HU values: NaN/inf voxels and ranges no CT in HU has are errors naming `source`.
void checkHounsfield(const io::Volume<float>& hu, const std::string& source);
/// NaN/inf voxels are errors naming `source` and the voxel.
void checkHounsfieldFinite(const io::Volume<float>& hu, const std::string& source);

/// Voxels per region (index = Region::index) of a canonical label map.
std::array<std::int64_t, kRegionCount> regionVoxelCounts(const std::vector<std::uint8_t>& labels);

/// All of stage 1 for one scan.
PreprocessedScan preprocessScan(const ScanRecord& scan, const CohortTable& cohort, const Config& config, int threads = 1);

}  // namespace ren::preprocess
