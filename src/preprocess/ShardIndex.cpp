// RUN/data/index.json (ShardIndex.h):
//   {"schema_version": 1, "fingerprint": "...", "preset": "lung", "grid": 96, "region_set_limit": "",
//    "scans": {"<scan_id>": "shard-0000.h5", ...}}
#include <cstdint>

#include "ren/preprocess/ShardIndex.h"

#include <nlohmann/json.hpp>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/preprocess/ScanShard.h"

namespace ren::preprocess {
namespace fs = std::filesystem;

namespace {

/// A shard file name must stay inside the data directory: relative, no "..".
bool validShardName(const std::string& name) {
  if (name.empty()) return false;
  const fs::path p(name);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return p.has_filename();
}

}  // namespace

void writeShardIndex(const fs::path& path, const ShardIndex& index) {
  nlohmann::json scans = nlohmann::json::object();
  for (const auto& [id, shard] : index.shardOf) {
    if (id.empty()) throw InputError("cannot write shard index '" + path.string() + "': empty scan id");
    if (!validShardName(shard))
      throw InputError("cannot write shard index '" + path.string() + "': scan '" + id + "' has invalid shard name '" + shard +
                       "'");
    scans[id] = shard;
  }
  nlohmann::json j = nlohmann::json::object();
  j["schema_version"] = index.schemaVersion;
  j["fingerprint"] = index.fingerprint;
  j["preset"] = index.preset;
  j["grid"] = index.grid;
  j["region_set_limit"] = index.regionSetLimit;
  j["scans"] = std::move(scans);
  writeFileAtomic(path, j.dump(2) + "\n");
}

ShardIndex readShardIndex(const fs::path& path) {
  const std::string where = "shard index '" + path.string() + "': ";
  const std::string text = readFile(path);  // InputError naming the path
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where + "not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw InputError(where + "expected a JSON object");
  auto field = [&](const char* key) -> const nlohmann::json& {
    if (!j.contains(key)) throw InputError(where + "missing key '" + key + "'");
    return j.at(key);
  };
  auto str = [&](const char* key) {
    const auto& v = field(key);
    if (!v.is_string()) throw InputError(where + "'" + key + "' must be a string");
    return v.get<std::string>();
  };
  auto integer = [&](const char* key) {
    const auto& v = field(key);
    if (!v.is_number_integer()) throw InputError(where + "'" + key + "' must be an integer");
    return v.get<std::int64_t>();
  };

  ShardIndex index;
  const std::int64_t version = integer("schema_version");
  if (version != kShardSchemaVersion)
    throw InputError(where + "schema_version " + std::to_string(version) + " is not supported (this build reads " +
                     std::to_string(kShardSchemaVersion) + "); run the preprocess stage again");
  index.schemaVersion = static_cast<int>(version);
  index.fingerprint = str("fingerprint");
  index.preset = str("preset");
  index.grid = integer("grid");
  if (index.grid <= 0) throw InputError(where + "'grid' must be positive");
  index.regionSetLimit = str("region_set_limit");
  const auto& scans = field("scans");
  if (!scans.is_object()) throw InputError(where + "'scans' must be an object of scan id -> shard file");
  for (const auto& [id, shard] : scans.items()) {
    if (id.empty()) throw InputError(where + "empty scan id in 'scans'");
    if (!shard.is_string() || !validShardName(shard.get<std::string>()))
      throw InputError(where + "scan '" + id + "' must map to a shard file name relative to the index");
    index.shardOf.emplace(id, shard.get<std::string>());
  }
  return index;
}

}  // namespace ren::preprocess
