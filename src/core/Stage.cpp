#include "ren/core/Stage.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>

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

namespace {
std::string hostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string runId(const Config& config) {
  if (!config.run.name.empty()) return config.run.name;
  fs::path dir = fs::path(config.run.dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  return dir.filename().string();
}

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
  std::string chain;
  for (const auto& s : StageRegistry::instance().stages()) {
    if (s.enabled && !s.enabled(config) && s.name != stageName) continue;
    chain = sha256Hex(chain + "|" + s.name + "|" + (s.inputs ? s.inputs(config) : std::string()));
    if (s.name == stageName) return chain;
  }
  throw std::logic_error("unknown stage '" + stageName + "'");
}

bool runStage(const StageDefinition& stage, const Config& config, bool force) {
  const fs::path runDir = config.run.dir;
  RunManifest manifest(runDir);
  StageContext ctx{config, runDir, resolveThreadCount(config.run.threads), configHash(config),
                   stageFingerprint(config, stage.name)};

  const nlohmann::json current = manifest.read();
  if (!force && current.contains("stages") && current["stages"].contains(stage.name)) {
    const auto& rec = current["stages"][stage.name];
    if (rec.value("status", "") == "done" && rec.value("fingerprint", "") == ctx.fingerprint &&
        outputsExist(stage, config)) {
      spdlog::info("stage {}: complete (fingerprint {}), skipping", stage.name, ctx.fingerprint.substr(0, 12));
      return false;
    }
    if (rec.value("status", "") == "done")
      spdlog::warn("stage {}: the config or upstream stages changed since it ran (or outputs are missing); running it again",
                   stage.name);
  }

  LogFileScope log(runDir / "logs" / (stage.name + ".log"));
  const auto start = std::chrono::steady_clock::now();
  manifest.update([&](nlohmann::json& m) {
    auto& rec = m["stages"][stage.name];
    rec["status"] = "running";
    rec["started"] = utcNow();
    rec["host"] = hostName();
    rec["attempts"] = rec.value("attempts", 0) + 1;
    rec.erase("finished");
    rec.erase("error");
  });
  spdlog::info("stage {}: started ({} threads)", stage.name, ctx.threads);
  try {
    stage.run(ctx);
  } catch (const std::exception& e) {
    manifest.update([&](nlohmann::json& m) {
      auto& rec = m["stages"][stage.name];
      rec["status"] = "failed";
      rec["finished"] = utcNow();
      rec["error"] = e.what();
    });
    spdlog::error("stage {}: failed: {}", stage.name, e.what());
    throw;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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

void runPipeline(const Config& config, bool force) {
  for (const auto& stage : StageRegistry::instance().stages()) {
    if (stage.enabled && !stage.enabled(config)) {
      spdlog::info("stage {}: not enabled by this config", stage.name);
      continue;
    }
    runStage(stage, config, force);
  }
}

}  // namespace ren
