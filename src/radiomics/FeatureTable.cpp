#include "ren/radiomics/FeatureTable.h"

#include "ren/core/AtomicFile.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/preprocess/Hdf5Objects.h"

namespace ren::radiomics {
namespace fs = std::filesystem;
namespace h5 = preprocess::hdf5;

namespace {
const std::vector<std::string> kLeadColumns{"scan_id", "region"};
const std::vector<std::string> kTrailColumns{"status", "voxel_count"};
constexpr int kSchemaVersion = 1;
}  // namespace

std::string formatFeatureCsv(const FeatureTable& table) {
  CsvTable csv;
  csv.header = kLeadColumns;
  csv.header.insert(csv.header.end(), table.featureNames.begin(), table.featureNames.end());
  csv.header.insert(csv.header.end(), kTrailColumns.begin(), kTrailColumns.end());
  for (const auto& row : table.rows) {
    if (row.values.size() != table.featureNames.size())
      throw std::invalid_argument("feature row of " + row.scanId + "/" + row.region + " has the wrong width");
    std::vector<std::string> cells{row.scanId, row.region};
    for (double v : row.values) cells.push_back(formatDouble(v));
    cells.push_back(row.status);
    cells.push_back(std::to_string(row.voxelCount));
    csv.rows.push_back(std::move(cells));
  }
  return formatCsv(csv);
}

FeatureTable readFeatureCsv(const fs::path& path) {
  const CsvTable csv = readCsv(path);
  const std::size_t lead = kLeadColumns.size(), trail = kTrailColumns.size();
  if (csv.header.size() < lead + trail || !std::equal(kLeadColumns.begin(), kLeadColumns.end(), csv.header.begin()) ||
      !std::equal(kTrailColumns.begin(), kTrailColumns.end(), csv.header.end() - static_cast<long>(trail)))
    throw InputError(path.string() + ": not a radiomics feature table (expected the columns scan_id, region, the "
                     "features, status, voxel_count)");
  FeatureTable table;
  table.featureNames.assign(csv.header.begin() + static_cast<long>(lead), csv.header.end() - static_cast<long>(trail));
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    const auto& cells = csv.rows[r];
    const std::string where = path.string() + ":" + std::to_string(csv.lineOf(r)) + ": ";
    FeatureTableRow row{cells[0], cells[1], cells[cells.size() - 2], 0, {}};
    const auto voxels = parseInt(cells.back());
    if (!voxels) throw InputError(where + "voxel_count is not an integer");
    row.voxelCount = *voxels;
    for (std::size_t c = lead; c < cells.size() - trail; ++c) {
      const auto v = parseDouble(cells[c]);
      if (!v) throw InputError(where + csv.header[c] + " = '" + cells[c] + "' is not a number");
      row.values.push_back(*v);
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

void writeFeatureHdf5(const fs::path& path, const FeatureTable& table) {
  const fs::path temporary = temporaryPathFor(path);
  try {
    h5::Hdf5Lock lock;
    {
      h5::Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "cannot create file creation list");
      h5::check(H5Pset_obj_track_times(fcpl.get(), 0), "cannot disable time tracking");
      const h5::Hid fapl = h5::fileAccessList();
      h5::Hid file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose, "cannot create file");
      const hid_t root = file.get();
      h5::writeIntAttr(root, "schema_version", kSchemaVersion);
      h5::writeStringAttr(root, "settings", table.settings);
      h5::writeStringAttr(root, "fingerprint", table.fingerprint);
      const std::size_t rows = table.rows.size(), cols = table.featureNames.size();
      std::vector<double> values;
      values.reserve(rows * cols);
      std::vector<std::string> scanIds, regions, statuses;
      std::vector<std::int64_t> voxels;
      for (const auto& row : table.rows) {
        if (row.values.size() != cols)
          throw std::invalid_argument("feature row of " + row.scanId + "/" + row.region + " has the wrong width");
        values.insert(values.end(), row.values.begin(), row.values.end());
        scanIds.push_back(row.scanId);
        regions.push_back(row.region);
        statuses.push_back(row.status);
        voxels.push_back(row.voxelCount);
      }
      h5::writeDoubleDataset(root, "features", values, {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)});
      h5::writeStringDataset(root, "feature_names", table.featureNames);
      h5::writeStringDataset(root, "scan_id", scanIds);
      h5::writeStringDataset(root, "region", regions);
      h5::writeStringDataset(root, "status", statuses);
      h5::writeInt64Dataset(root, "voxel_count", voxels, {static_cast<hsize_t>(rows)});
      file.close("cannot close file");
    }
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(temporary, ec);
    throw InputError("cannot write " + path.string() + ": " + e.what());
  }
  commitTemporary(temporary, path);
}

FeatureTable readFeatureHdf5(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw InputError("radiomics feature table " + path.string() + " does not exist");
  try {
    h5::Hdf5Lock lock;
    const h5::Hid fapl = h5::fileAccessList();
    const h5::Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "cannot open file");
    const hid_t root = file.get();
    if (h5::readIntAttr(root, "schema_version") != kSchemaVersion)
      throw h5::Hdf5Failure("schema_version is not " + std::to_string(kSchemaVersion));
    FeatureTable table;
    table.settings = h5::readStringAttr(root, "settings");
    table.fingerprint = h5::readStringAttr(root, "fingerprint");
    table.featureNames = h5::readStringDataset(root, "feature_names");
    std::vector<hsize_t> dims;
    const std::vector<double> values = h5::readDoubleDataset(root, "features", &dims);
    const auto scanIds = h5::readStringDataset(root, "scan_id");
    const auto regions = h5::readStringDataset(root, "region");
    const auto statuses = h5::readStringDataset(root, "status");
    const auto voxels = h5::readInt64Dataset(root, "voxel_count");
    const std::size_t rows = scanIds.size(), cols = table.featureNames.size();
    if (dims.size() != 2 || dims[0] != rows || dims[1] != cols || regions.size() != rows ||
        statuses.size() != rows || voxels.size() != rows)
      throw h5::Hdf5Failure("datasets have inconsistent sizes");
    for (std::size_t r = 0; r < rows; ++r)
      table.rows.push_back({scanIds[r], regions[r], statuses[r], voxels[r],
                            std::vector<double>(values.begin() + static_cast<long>(r * cols),
                                                values.begin() + static_cast<long>((r + 1) * cols))});
    return table;
  } catch (const h5::Hdf5Failure& e) {
    throw InputError("radiomics feature table " + path.string() + ": " + e.what());
  }
}

}  // namespace ren::radiomics
