#include "ren/preprocess/PreprocessStage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <mutex>

#include "ren/core/CohortTable.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/core/Parallel.h"
#include "ren/core/RunLayout.h"
#include "ren/core/Sha256.h"
#include "ren/preprocess/ScanPipeline.h"
#include "ren/preprocess/ScanShard.h"
#include "ren/preprocess/ShardIndex.h"

namespace ren::preprocess {
namespace fs = std::filesystem;

namespace {

fs::path dataDir(const Config& c) { return layout::dataDir(c); }

/// "size:mtime" of a file ("-" when it does not exist or the path is empty).
std::string fileStamp(const fs::path& p) {
  std::error_code ec;
  if (p.empty() || !fs::exists(p, ec)) return "-";
  if (fs::is_directory(p, ec)) {  // a DICOM series: the stamps of its files
    std::vector<std::string> parts;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file()) parts.push_back(e.path().filename().string() + "=" + fileStamp(e.path()));
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (const auto& part : parts) out += part + ",";
    return out;
  }
  const auto size = fs::file_size(p, ec);
  const auto time = fs::last_write_time(p, ec).time_since_epoch().count();
  return std::to_string(size) + ":" + std::to_string(time);
}

std::string shardName(std::size_t s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shard-%04zu.h5", s);
  return buf;
}

void runPreprocess(const StageContext& ctx) {
  const Config& c = ctx.config;
  const fs::path tablePath = layout::cohortTable(c);
  if (!fs::exists(tablePath)) throw InputError("cohort table '" + tablePath.string() + "' does not exist");
  const CohortTable cohort = readCohortTable(tablePath);
  const auto perShard = static_cast<std::size_t>(c.preprocess.shardScans);
  const std::size_t shards = (cohort.scans.size() + perShard - 1) / perShard;
  const fs::path dir = dataDir(c);
  const int rank = ctx.group.rank(), size = ctx.group.size();
  if (rank == 0) fs::remove(dir / "index.json");  // nothing may claim completeness while we work
  fs::create_directories(dir);

  std::string error;
  try {
    for (std::size_t s = static_cast<std::size_t>(rank); s < shards; s += static_cast<std::size_t>(size)) {
      const fs::path path = dir / shardName(s);
      if (shardIsComplete(path, ctx.fingerprint)) {
        spdlog::info("preprocess: {} is complete, keeping it", path.filename().string());
        continue;
      }
      const std::size_t first = s * perShard, last = std::min(cohort.scans.size(), first + perShard);
      std::vector<PreprocessedScan> scans(last - first);
      std::vector<std::string> errors(scans.size());
      parallelFor(scans.size(), ctx.threads, [&](std::size_t i) {
        try {
          scans[i] = preprocessScan(cohort.scans[first + i], cohort, c, 1);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
      // Report the first bad scan in cohort order, whichever thread met it first.
      for (const auto& e : errors)
        if (!e.empty()) throw InputError(e);
      writeShard(path, scans, ctx.fingerprint, c.preprocess.compression);
      spdlog::info("preprocess: wrote {} ({} scans)", path.filename().string(), scans.size());
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!ctx.group.allTrue(error.empty())) {
    if (!error.empty()) throw InputError(error);
    throw StageFailure("preprocess failed on another rank (see RUN/logs/preprocess-rank*.log)");
  }
  if (rank != 0) return;

  ShardIndex index;
  index.fingerprint = ctx.fingerprint;
  index.preset = c.preprocess.preset;
  index.grid = c.preprocess.grid;
  bool anyWithoutLobes = false;
  for (std::size_t s = 0; s < shards; ++s) {
    const fs::path path = dir / shardName(s);
    if (!shardIsComplete(path, ctx.fingerprint)) throw InputError("preprocess: shard " + path.string() + " is not complete");
    const std::size_t first = s * perShard, last = std::min(cohort.scans.size(), first + perShard);
    for (std::size_t i = first; i < last; ++i) {
      index.shardOf[cohort.scans[i].scanId] = shardName(s);
      anyWithoutLobes = anyWithoutLobes || cohort.scans[i].lobes.empty();
    }
  }
  if (anyWithoutLobes) {
    index.regionSetLimit = "lungs";
    spdlog::warn("preprocess: some scans have no lobe map: lobe regions are absent for them and this run is limited "
                 "to the lungs region set (LEFT, RIGHT)");
  }
  // Remove shards left over from a larger cohort or another shard size.
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const bool numbered = name.size() == 13 && name.rfind("shard-", 0) == 0 && name.compare(10, 3, ".h5") == 0 &&
                          std::all_of(name.begin() + 6, name.begin() + 10, [](char ch) { return ch >= '0' && ch <= '9'; });
    if (numbered && std::stoul(name.substr(6, 4)) >= shards) fs::remove(entry.path());
  }
  writeShardIndex(dir / "index.json", index);
  spdlog::info("preprocess: {} scans in {} shards -> {}", cohort.scans.size(), shards, (dir / "index.json").string());
}

}  // namespace

std::string scanInputsFingerprint(const Config& c) {
  std::string text = "|labels=" + c.cohort.labels + "|" + c.cohort.lobeLabels;
  const auto table = layout::cohortTable(c);
  if (!fs::exists(table)) return text;
  if (c.cohort.source == "table") text += "|table=" + sha256File(table);
  // The source files: size and modification time (hashing every image on each run would be
  // too slow), so replacing an image in place reruns the stage.
  try {
    const CohortTable cohort = readCohortTable(table);
    for (const auto& scan : cohort.scans)
      for (const auto& file : {scan.image, scan.lobes}) text += "|" + fileStamp(cohort.resolve(file));
  } catch (const InputError&) {
    text += "|unreadable cohort table";  // the stage itself reports the error
  }
  return text;
}

void registerPreprocessStage(StageRegistry& registry) {
  StageDefinition stage{
      "preprocess",
      "images + lobe maps -> RUN/data/shard-*.h5 + index.json (MPI-parallel under mpirun)",
      [](const Config& c) { return sectionsHash(c, {"preprocess"}) + scanInputsFingerprint(c); },
      {"synth"},
      nullptr,
      [](const Config& c) {
        // The index and every shard it names: a deleted shard makes the stage incomplete.
        std::vector<fs::path> files{dataDir(c) / "index.json"};
        if (fs::exists(files[0])) {
          try {
            std::set<std::string> shards;
            for (const auto& [scan, shard] : readShardIndex(files[0]).shardOf) shards.insert(shard);
            for (const auto& shard : shards) files.push_back(dataDir(c) / shard);
          } catch (const InputError&) {
            files.push_back(dataDir(c) / "index.json (unreadable)");
          }
        }
        return files;
      },
      runPreprocess,
  };
  stage.distributed = true;
  registry.add(std::move(stage));
}

}  // namespace ren::preprocess
