#include "ren/core/Stage.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <optional>

#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/core/Logging.h"
#include "ren/core/Parallel.h"
#include "ren/core/RunManifest.h"
#include "ren/core/Sha256.h"

#ifndef REN_VERSION
#define REN_VERSION "unknown"
#endif

namespace ren {
namespace fs = std::filesystem;

std::string runId(const Config& config) {
  if (!config.run.name.empty()) return config.run.name;
  fs::path dir = fs::path(config.run.dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  return dir.filename().string();
}

namespace {

bool outputsExist(const StageDefinition& stage, const Config& config) {
  if (!stage.outputs) return true;
  for (const auto& p : stage.outputs(config))
    if (!fs::exists(p)) return false;
  return true;
}
}  // namespace

StageRegistry& StageRegistry::instance() {
  static StageRegistry registry;
  return registry;
}

void StageRegistry::add(StageDefinition stage) {
  if (find(stage.name)) throw std::logic_error("stage '" + stage.name + "' registered twice");
  stages_.push_back(std::move(stage));
}

const StageDefinition* StageRegistry::find(const std::string& name) const {
  for (const auto& s : stages_)
    if (s.name == name) return &s;
  return nullptr;
}

void prepareRun(const Config& config, const nlohmann::json& dependencies) {
  const fs::path runDir = config.run.dir;
  const std::string hash = configHash(config);
  writeFileAtomic(runDir / "config.toml", "# effective config of run '" + runId(config) + "' (config hash " + hash +
                                              ")\n" + formatConfig(config, true));
  RunManifest(runDir).update([&](nlohmann::json& m) {
    if (!m.contains("created")) m["created"] = utcNow();
    m["schema_version"] = 1;
    m["run_id"] = runId(config);
    m["ren_version"] = REN_VERSION;
    m["config_hash"] = hash;
    m["dependencies"] = dependencies;
    if (!m.contains("stages")) m["stages"] = nlohmann::json::object();
  });
}

std::string stageFingerprint(const Config& config, const std::string& stageName) {
  const StageDefinition* stage = StageRegistry::instance().find(stageName);
  if (!stage) throw std::logic_error("unknown stage '" + stageName + "'");
  std::string text = stage->name + "|" + (stage->inputs ? stage->inputs(config) : std::string());
  for (const auto& upstream : stage->dependsOn) {
    const StageDefinition* u = StageRegistry::instance().find(upstream);
    if (!u) throw std::logic_error("stage '" + stageName + "' depends on unknown stage '" + upstream + "'");
    if (u->enabled && !u->enabled(config)) continue;
    text += "|" + upstream + "=" + stageFingerprint(config, upstream);
  }
  return sha256Hex(text);
}

bool runStage(const StageDefinition& stage, const Config& config, bool force, ProcessGroup& group) {
  const fs::path runDir = config.run.dir;
  RunManifest manifest(runDir);
  StageContext ctx{config, runDir, resolveThreadCount(config.run.threads), configHash(config),
                   stageFingerprint(config, stage.name), group};
  const bool leader = group.rank() == 0;

  // Every rank decides from the manifest as it is before anyone writes to it, then they meet.
  bool skip = false;
  const nlohmann::json current = manifest.read();
  if (!force && current.contains("stages") && current["stages"].contains(stage.name)) {
    const auto& rec = current["stages"][stage.name];
    skip = rec.value("status", "") == "done" && rec.value("fingerprint", "") == ctx.fingerprint &&
           outputsExist(stage, config);
    if (!skip && leader && rec.value("status", "") == "done")
      spdlog::warn("stage {}: the config or upstream stages changed since it ran (or outputs are missing); running it again",
                   stage.name);
  }
  if (!group.allTrue(true)) throw InputError("stage " + stage.name + ": a rank failed before the stage started");
  if (skip) {
    if (leader) spdlog::info("stage {}: complete (fingerprint {}), skipping", stage.name, ctx.fingerprint.substr(0, 12));
    return false;
  }

  // One log per stage, plus one per further rank of a distributed stage.
  const std::string logName = group.size() == 1 || leader ? stage.name : stage.name + "-rank" + std::to_string(group.rank());
  std::optional<LogFileScope> log;
  if (stage.distributed || leader) log.emplace(runDir / "logs" / (logName + ".log"));
  const auto start = std::chrono::steady_clock::now();
  if (leader)
    manifest.update([&](nlohmann::json& m) {
      auto& rec = m["stages"][stage.name];
      rec["status"] = "running";
      rec["started"] = utcNow();
      rec["host"] = hostName();
      rec["ranks"] = group.size();
      rec["attempts"] = rec.value("attempts", 0) + 1;
      rec.erase("finished");
      rec.erase("error");
    });
  spdlog::info("stage {}: started ({} threads{})", stage.name, ctx.threads,
               group.size() > 1 ? ", rank " + std::to_string(group.rank()) + " of " + std::to_string(group.size()) : "");
  std::string error;
  std::exception_ptr failure;
  try {
    if (stage.distributed || leader) stage.run(ctx);
  } catch (const std::exception& e) {
    error = e.what();
    failure = std::current_exception();
    spdlog::error("stage {}: failed: {}", stage.name, error);
  }
  const bool allOk = group.allTrue(error.empty());
  if (!allOk) {
    const std::string message = error.empty() ? "stage " + stage.name + " failed on another rank (see RUN/logs)" : error;
    if (leader)
      manifest.update([&](nlohmann::json& m) {
        auto& rec = m["stages"][stage.name];
        rec["status"] = "failed";
        rec["finished"] = utcNow();
        rec["error"] = message;
      });
    if (failure) std::rethrow_exception(failure);
    throw StageFailure(message);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (leader)
    manifest.update([&](nlohmann::json& m) {
      auto& rec = m["stages"][stage.name];
      rec["status"] = "done";
      rec["finished"] = utcNow();
      rec["seconds"] = seconds;
      rec["fingerprint"] = ctx.fingerprint;
      rec["config_hash"] = ctx.configHash;
    });
  spdlog::info("stage {}: done in {:.2f} s", stage.name, seconds);
  return true;
}

void runPipeline(const Config& config, bool force, ProcessGroup& group) {
  for (const auto& stage : StageRegistry::instance().stages()) {
    if (stage.enabled && !stage.enabled(config)) {
      if (group.rank() == 0) spdlog::info("stage {}: not enabled by this config", stage.name);
      continue;
    }
    runStage(stage, config, force, group);
  }
}

}  // namespace ren
