#pragma once
// One scan after stage 1 (METHOD.md section 2): the model-grid image and label map that the
// trainer reads from the HDF5 shards, with the per-region voxel counts, geometry and provenance.
// Never any patient-identifying metadata beyond the pseudonymous ids of the cohort table.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ren/core/Regions.h"
#include "ren/io/Volume.h"

namespace ren::preprocess {

struct PreprocessedScan {
  // Identity (from the cohort table).
  std::string scanId;
  std::string patientId;
  int label = 0;
  std::string site;

  // Model grid: grid[0] x grid[1] x grid[2] voxels, x fastest (like io::Volume).
  std::array<std::int64_t, 3> grid{96, 96, 96};
  std::vector<float> image;          ///< windowed intensities in [0, 1]
  std::vector<std::uint8_t> lobes;   ///< canonical label map 0..7 (Regions.h: 1..5 lobes, 6/7 lung without lobes)

  // Region voxel counts (index = Region::index), at 1 mm and on the model grid.
  std::array<std::int64_t, kRegionCount> regionVoxels1mm{};
  std::array<std::int64_t, kRegionCount> regionVoxelsGrid{};

  // Geometry: the source image (RAS), the 1 mm resampled volume, and the box of the 1 mm volume
  // (voxel indices, [lo, hi) per axis, may extend outside it when padded to a cube) that was
  // resized onto the model grid.
  io::VolumeGeometry sourceGeometry;
  io::VolumeGeometry isoGeometry;
  std::array<std::int64_t, 6> box{};

  // How it was made.
  std::string preset;                ///< "lung" or "paper"
  double windowLow = -1000.0;        ///< HU mapped to 0
  double windowHigh = 400.0;         ///< HU mapped to 1
  std::string labelConvention;       ///< convention of the source lobe map ("lung-fallback" without one)
  bool lobesAbsent = false;          ///< no lobe map: lungs from the fallback segmentation only
  std::string imageSha256;           ///< provenance: hash of the source image file(s), not the path
  std::string lobesSha256;           ///< provenance: hash of the source lobe map ("" when absent)
};

}  // namespace ren::preprocess
