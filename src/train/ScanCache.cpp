#include "ren/train/ScanCache.h"

#include <torch/torch.h>

#include "ren/core/Error.h"
#include "ren/preprocess/ShardDataset.h"

namespace ren::train {

namespace {
std::shared_ptr<const CachedScan> toTensors(const preprocess::PreprocessedScan& scan, std::int64_t grid) {
  const auto& g = scan.grid;
  if (g[0] != grid || g[1] != grid || g[2] != grid)
    throw InputError("scan " + scan.scanId + ": model grid " + std::to_string(g[0]) + "x" + std::to_string(g[1]) + "x" +
                     std::to_string(g[2]) + " is not the index's " + std::to_string(grid) + "^3");
  const auto n = static_cast<std::size_t>(grid * grid * grid);
  if (scan.image.size() != n || scan.lobes.size() != n)
    throw InputError("scan " + scan.scanId + ": model-grid data has the wrong number of voxels");
  auto out = std::make_shared<CachedScan>();
  // Our vectors are x fastest, i.e. C order [z][y][x].
  out->image = torch::from_blob(const_cast<float*>(scan.image.data()), {1, grid, grid, grid}, torch::kFloat).clone();
  out->labels =
      torch::from_blob(const_cast<std::uint8_t*>(scan.lobes.data()), {1, grid, grid, grid}, torch::kUInt8).clone();
  return out;
}

std::int64_t bytesOf(const CachedScan& s) {
  return static_cast<std::int64_t>(s.image.nbytes() + s.labels.nbytes());
}
}  // namespace

ScanCache::ScanCache(const std::filesystem::path& dataDir, std::int64_t byteBudget, int threads, int prefetchDepth)
    : dataset_(std::make_unique<preprocess::ShardDataset>(dataDir, threads)),
      grid_(dataset_->index().grid),
      fingerprint_(dataset_->index().fingerprint),
      budget_(byteBudget),
      prefetchDepth_(prefetchDepth) {}

ScanCache::~ScanCache() = default;

void ScanCache::require(const std::vector<std::string>& scanIds) const {
  for (const auto& id : scanIds)
    if (!dataset_->contains(id))
      throw InputError("scan '" + id + "' of the split is not in the preprocessed data (" +
                       dataset_->shardPath(dataset_->scanIds().front()).parent_path().string() +
                       "/index.json): rerun `ren preprocess`");
}

void ScanCache::plan(const std::vector<std::string>& order) {
  std::lock_guard<std::mutex> lock(mutex_);
  planned_.clear();
  plannedNext_ = 0;
  for (const auto& id : order)
    if (!cache_.count(id)) planned_.push_back(id);
  if (!planned_.empty()) dataset_->prefetch(planned_, prefetchDepth_);
}

std::shared_ptr<const CachedScan> ScanCache::keep(const std::string& id, std::shared_ptr<const CachedScan> scan) {
  const auto size = bytesOf(*scan);
  if (bytes_ + size <= budget_) {
    cache_.emplace(id, scan);
    bytes_ += size;
  }
  return scan;
}

std::vector<std::shared_ptr<const CachedScan>> ScanCache::get(const std::vector<std::string>& scanIds) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<const CachedScan>> out;
  out.reserve(scanIds.size());
  for (const auto& id : scanIds) {
    if (auto it = cache_.find(id); it != cache_.end()) {
      out.push_back(it->second);
      continue;
    }
    if (plannedNext_ < planned_.size() && planned_[plannedNext_] == id) {
      ++plannedNext_;
      auto scan = dataset_->next();
      if (!scan || scan->scanId != id) throw InputError("scan stream out of order at '" + id + "'");
      out.push_back(keep(id, toTensors(*scan, grid_)));
      continue;
    }
    out.push_back(keep(id, toTensors(dataset_->load(id), grid_)));
  }
  return out;
}

}  // namespace ren::train
