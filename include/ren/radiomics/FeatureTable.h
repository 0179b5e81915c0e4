#pragma once
// The radiomics feature table of a cohort: one row per (scan, region), the 107 features as columns.
// Written twice with the same content: RUN/radiomics/features.csv and RUN/radiomics/features.h5.
//
// CSV columns (INTERFACE.md): scan_id, region, the 107 original_<class>_<Feature> columns, then
//   status ("ok", or why the row's features are NaN: "empty", "too-small", "too-thin") and
//   voxel_count (voxels of the region at the isotropic spacing). Numbers in the shortest text that
//   reads back exactly; NaN as "nan". Rows in cohort order, regions in kRegions order.
// HDF5 layout (schema_version 1):
//   /features     float64 [rows, features]      /feature_names  string [features]
//   /scan_id, /region, /status                  string [rows]
//   /voxel_count  int64 [rows]
//   root attributes: schema_version (int), settings (string: describe()), fingerprint (string)
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ren::radiomics {

struct FeatureTableRow {
  std::string scanId;
  std::string region;
  std::string status = "ok";
  std::int64_t voxelCount = 0;
  std::vector<double> values;  ///< one per feature name
};

struct FeatureTable {
  std::vector<std::string> featureNames;
  std::vector<FeatureTableRow> rows;
  std::string settings;     ///< describe(settings)
  std::string fingerprint;  ///< the stage fingerprint that produced it
};

std::string formatFeatureCsv(const FeatureTable& table);
/// Reads a table written by formatFeatureCsv (InputError naming the file and line when malformed).
FeatureTable readFeatureCsv(const std::filesystem::path& path);

/// Writes the HDF5 form (temporary name, then rename).
void writeFeatureHdf5(const std::filesystem::path& path, const FeatureTable& table);
/// Reads it back (InputError naming the file when missing or malformed).
FeatureTable readFeatureHdf5(const std::filesystem::path& path);

}  // namespace ren::radiomics
