#pragma once
// Scans for the trainer, read from the HDF5 shards (ren::preprocess::ShardDataset) and kept in memory
// as tensors across epochs and tasks up to a byte budget (train.cache_gb). Scans beyond the budget are
// streamed: plan() starts decoding them in the background, in the order the trainer will ask for them.
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ren::preprocess {
class ShardDataset;
}

namespace ren::train {

struct CachedScan {
  at::Tensor image;   ///< [1, D, H, W] float32, windowed intensities in [0, 1]
  at::Tensor labels;  ///< [1, D, H, W] uint8, canonical label map 0..7
};

class ScanCache {
 public:
  /// Opens RUN/data. `byteBudget` bytes of scans are kept; `threads` decode, `prefetchDepth` ahead.
  ScanCache(const std::filesystem::path& dataDir, std::int64_t byteBudget, int threads, int prefetchDepth);
  ~ScanCache();

  /// Edge of the model grid (cubic) of the shards.
  std::int64_t grid() const { return grid_; }
  /// The shard index's fingerprint (what the data depend on).
  const std::string& dataFingerprint() const { return fingerprint_; }
  /// InputError naming the scan when the shards do not hold it.
  void require(const std::vector<std::string>& scanIds) const;

  /// Announces the scans that get() will be asked for next, in order: the ones not in memory start
  /// decoding in the background.
  void plan(const std::vector<std::string>& order);
  /// The scans, in order: from memory, from the planned stream (in plan order), or loaded now.
  /// Kept in memory while the budget allows.
  std::vector<std::shared_ptr<const CachedScan>> get(const std::vector<std::string>& scanIds);

  std::int64_t cachedBytes() const { return bytes_; }
  std::size_t cachedScans() const { return cache_.size(); }

 private:
  std::shared_ptr<const CachedScan> keep(const std::string& id, std::shared_ptr<const CachedScan> scan);
  std::unique_ptr<preprocess::ShardDataset> dataset_;
  std::int64_t grid_ = 0;
  std::string fingerprint_;
  std::int64_t budget_ = 0;
  std::int64_t bytes_ = 0;
  int prefetchDepth_ = 8;
  std::map<std::string, std::shared_ptr<const CachedScan>> cache_;
  std::vector<std::string> planned_;  ///< the uncached scans being streamed, in order
  std::size_t plannedNext_ = 0;
  std::mutex mutex_;
};

}  // namespace ren::train
