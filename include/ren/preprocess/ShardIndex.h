#pragma once
// RUN/data/index.json: which shard holds which scan, plus what the data set was made with.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace ren::preprocess {

struct ShardIndex {
  int schemaVersion = 1;
  std::string fingerprint;                     ///< the preprocess stage fingerprint
  std::string preset;
  std::int64_t grid = 96;
  std::string regionSetLimit;                  ///< "" or "lungs" when some scans have no lobe map
  std::map<std::string, std::string> shardOf;  ///< scan id -> shard file name (relative to the index)
};

void writeShardIndex(const std::filesystem::path& path, const ShardIndex& index);  // atomic
ShardIndex readShardIndex(const std::filesystem::path& path);  // InputError naming the file on error

}  // namespace ren::preprocess
