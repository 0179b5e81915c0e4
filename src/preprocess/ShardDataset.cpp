// Trainer-side reader of the HDF5 shards with background prefetch (ShardDataset.h).
// The workers call readScan, which holds the process-wide HDF5 lock only while it fetches the
// attributes and the raw (compressed) chunks; inflating and converting run in parallel.
#include "ren/preprocess/ShardDataset.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "ren/core/Error.h"
#include "ren/core/Parallel.h"
#include "ren/preprocess/ScanShard.h"

namespace ren::preprocess {
namespace fs = std::filesystem;

struct ShardDataset::Prefetcher {
  struct Slot {
    std::optional<PreprocessedScan> scan;
    std::exception_ptr error;
  };

  const ShardDataset& owner;
  const std::vector<std::string> order;
  const std::size_t depth;

  std::mutex mutex;
  std::condition_variable changed;
  std::size_t claimed = 0;   // scans handed to a worker
  std::size_t consumed = 0;  // scans returned by next()
  bool stop = false;
  std::map<std::size_t, Slot> ready;  // finished, not yet returned
  std::vector<std::thread> workers;

  Prefetcher(const ShardDataset& o, std::vector<std::string> ids, std::size_t d, int threads)
      : owner(o), order(std::move(ids)), depth(d) {
    const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), order.size());
    try {
      for (std::size_t t = 0; t < count; ++t) workers.emplace_back([this] { work(); });
    } catch (...) {
      shutdown();
      throw;
    }
  }
  ~Prefetcher() { shutdown(); }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    changed.notify_all();
    for (auto& w : workers)
      if (w.joinable()) w.join();
  }

  void work() {
    for (;;) {
      std::size_t i = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || claimed >= order.size() || claimed < consumed + depth; });
        if (stop || claimed >= order.size()) return;
        i = claimed++;
      }
      Slot slot;
      try {
        slot.scan = owner.load(order[i]);
      } catch (...) {
        slot.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        ready.emplace(i, std::move(slot));
      }
      changed.notify_all();
    }
  }

  std::optional<PreprocessedScan> next() {
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (consumed >= order.size()) return std::nullopt;
      changed.wait(lock, [&] { return ready.count(consumed) > 0; });
      auto it = ready.find(consumed);
      slot = std::move(it->second);
      ready.erase(it);
      ++consumed;
    }
    changed.notify_all();  // a worker may claim the next scan now
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(slot.scan);
  }
};

ShardDataset::ShardDataset(const fs::path& dataDir, int threads)
    : dataDir_(dataDir), index_(readShardIndex(dataDir / "index.json")), threads_(resolveThreadCount(threads)) {
  std::map<std::string, std::vector<std::string>> idsOfShard;
  for (const auto& [id, shard] : index_.shardOf) {
    scanIds_.push_back(id);
    idsOfShard[shard].push_back(id);
  }
  for (const auto& [shard, ids] : idsOfShard) {
    const fs::path path = dataDir_ / shard;
    if (!shardIsComplete(path, index_.fingerprint))
      throw InputError("shard '" + path.string() + "' listed in '" + (dataDir_ / "index.json").string() +
                       "' is missing, incomplete, of another schema version or from another preprocessing run "
                       "(fingerprint); run the preprocess stage again");
    const auto stored = shardScanIds(path);
    const std::set<std::string> have(stored.begin(), stored.end());
    for (const auto& id : ids)
      if (!have.count(id))
        throw InputError("shard '" + path.string() + "' does not hold scan '" + id + "' that '" +
                         (dataDir_ / "index.json").string() + "' assigns to it");
  }
}

ShardDataset::~ShardDataset() = default;

bool ShardDataset::contains(const std::string& scanId) const { return index_.shardOf.count(scanId) > 0; }

fs::path ShardDataset::shardPath(const std::string& scanId) const {
  const auto it = index_.shardOf.find(scanId);
  if (it == index_.shardOf.end())
    throw InputError("scan '" + scanId + "' is not in the data set '" + (dataDir_ / "index.json").string() + "'");
  return dataDir_ / it->second;
}

PreprocessedScan ShardDataset::load(const std::string& scanId) const { return readScan(shardPath(scanId), scanId); }

void ShardDataset::prefetch(std::vector<std::string> order, int depth) {
  prefetcher_.reset();  // stops a previous prefetch first
  for (const auto& id : order)
    if (!contains(id))
      throw InputError("prefetch: scan '" + id + "' is not in the data set '" + (dataDir_ / "index.json").string() + "'");
  prefetcher_ = std::make_unique<Prefetcher>(*this, std::move(order), static_cast<std::size_t>(std::max(depth, 1)), threads_);
}

std::optional<PreprocessedScan> ShardDataset::next() {
  if (!prefetcher_) return std::nullopt;
  return prefetcher_->next();
}

std::vector<float> regionMask(const PreprocessedScan& scan, const Region& region) {
  std::array<float, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = region.contains(v) ? 1.0f : 0.0f;
  std::vector<float> mask(scan.lobes.size());
  for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = lut[scan.lobes[i]];
  return mask;
}

std::vector<float> maskedImage(const PreprocessedScan& scan, const Region& region) {
  if (scan.image.size() != scan.lobes.size())
    throw InputError("scan '" + scan.scanId + "': image and lobe map sizes differ");
  std::array<float, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = region.contains(v) ? 1.0f : 0.0f;
  std::vector<float> out(scan.image.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = scan.image[i] * lut[scan.lobes[i]];
  return out;
}

}  // namespace ren::preprocess
