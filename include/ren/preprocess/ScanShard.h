#pragma once
// HDF5 shards of preprocessed scans (RUN/data/shard-NNNN.h5) and the reader the trainer uses.
// Layout of a shard (schema version kShardSchemaVersion), readable with h5dump/h5py:
//   /                      attributes: schema_version (int), fingerprint (string), complete (int, 1 when
//                          the shard is whole; written last), scan_count (int)
//   /scans/<scan_id>/image   uint16 [z][y][x] = round(windowed intensity * 65535); one chunk, deflate
//   /scans/<scan_id>/lobes   uint8  [z][y][x] canonical label map 0..7; one chunk, deflate
//   /scans/<scan_id>         attributes: patient_id, label, site, preset, window_low, window_high,
//                          label_convention, lobes_absent, image_sha256, lobes_sha256,
//                          region_voxels_1mm (int64[7]), region_voxels_grid (int64[7]),
//                          source_size/spacing/origin/direction, iso_size/spacing/origin/direction, box
// A shard is written under a temporary name and renamed when complete.
#include <filesystem>
#include <string>
#include <vector>

#include "ren/preprocess/PreprocessedScan.h"

namespace ren::preprocess {

constexpr int kShardSchemaVersion = 1;

/// Writes all `scans` into one shard at `path` (temp file + rename). `compression` is the deflate
/// level 0..9. Throws InputError naming the path on failure.
void writeShard(const std::filesystem::path& path, const std::vector<PreprocessedScan>& scans,
                const std::string& fingerprint, int compression);

/// True if `path` is a readable shard of this schema version whose `complete` attribute is 1 and
/// whose fingerprint equals `fingerprint`. Never throws for a damaged file (returns false).
bool shardIsComplete(const std::filesystem::path& path, const std::string& fingerprint);

/// Scan ids stored in a shard, in the order written.
std::vector<std::string> shardScanIds(const std::filesystem::path& path);

/// Reads one scan back completely. Throws InputError naming the shard and scan when missing/corrupt.
PreprocessedScan readScan(const std::filesystem::path& shard, const std::string& scanId);

/// The HDF5 library in use, for logs and the run manifest, e.g. "HDF5 1.10.8 (thread-safe build)".
/// Whatever the build, the project serialises its HDF5 calls with one process-wide mutex
/// (hdf5Mutex(), declared with the shared HDF5 helpers in ren/preprocess/Hdf5Objects.h).
std::string hdf5LibraryInfo();

}  // namespace ren::preprocess
