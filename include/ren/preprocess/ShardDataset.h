#pragma once
// The trainer-side reader of the stage 1 output (RUN/data: index.json + shard-NNNN.h5): synchronous
// loads, and a background prefetch that decodes scans on worker threads while the trainer works.
// Also the expert inputs of METHOD.md section 2 step 5 (windowed image x region mask, full grid).
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ren/core/Regions.h"
#include "ren/preprocess/PreprocessedScan.h"
#include "ren/preprocess/ShardIndex.h"

namespace ren::preprocess {

class ShardDataset {
 public:
  /// Opens `dataDir`/index.json and checks that every shard it names is complete, has the index's
  /// fingerprint and holds the scans the index assigns to it. Throws InputError naming the file.
  /// `threads` (<= 0: resolveThreadCount) is the number of prefetch workers.
  explicit ShardDataset(const std::filesystem::path& dataDir, int threads = 2);
  ~ShardDataset();  ///< stops the prefetch workers (a scan being decoded is finished first)
  ShardDataset(const ShardDataset&) = delete;
  ShardDataset& operator=(const ShardDataset&) = delete;

  /// Every scan of the index, sorted by id.
  const std::vector<std::string>& scanIds() const { return scanIds_; }
  bool contains(const std::string& scanId) const;
  const ShardIndex& index() const { return index_; }
  int threads() const { return threads_; }
  /// The shard file holding `scanId`; InputError when the index does not list it.
  std::filesystem::path shardPath(const std::string& scanId) const;

  /// Loads one scan synchronously (thread-safe). InputError naming the scan (and shard) on failure.
  PreprocessedScan load(const std::string& scanId) const;

  /// Starts loading `order` (ids may repeat) in the background on `threads` worker threads, with at
  /// most `depth` (>= 1) scans loaded or being loaded that next() has not returned yet. Replaces a
  /// prefetch still running (its remaining scans are dropped). Throws InputError before starting
  /// anything when `order` names a scan that the index does not list.
  void prefetch(std::vector<std::string> order, int depth = 8);
  /// The next scan of the prefetch order, blocking until it is ready; nullopt when the order is
  /// exhausted or no prefetch was started. A worker's error for scan i is rethrown by the i-th call;
  /// the following calls go on with the following scans.
  std::optional<PreprocessedScan> next();

 private:
  struct Prefetcher;
  std::filesystem::path dataDir_;
  ShardIndex index_;
  std::vector<std::string> scanIds_;
  int threads_ = 1;
  std::unique_ptr<Prefetcher> prefetcher_;
};

/// Mask of `region` on the model grid of a loaded scan: 1 where the label map value belongs to the
/// region (Region::contains, canonical values 1..7), else 0.
std::vector<float> regionMask(const PreprocessedScan& scan, const Region& region);

/// Expert input for `region` (METHOD.md section 2 step 5): the windowed image times the region mask,
/// on the full model grid.
std::vector<float> maskedImage(const PreprocessedScan& scan, const Region& region);

}  // namespace ren::preprocess
