#pragma once
// Pipeline stages, registered by name. A stage is one call with explicit inputs (the typed config and
// the run directory) and outputs (files under the run directory), so `ren run`, a single stage
// command, an MPI rank or a Slurm job can all drive it the same way.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/core/Config.h"
#include "ren/core/ProcessGroup.h"

namespace ren {

/// What a stage receives.
struct StageContext {
  const Config& config;
  std::filesystem::path runDir;  ///< the run directory (config.run.dir)
  int threads = 1;               ///< resolved thread count for this process
  std::string configHash;        ///< hash of the whole effective config
  std::string fingerprint;       ///< hash of what this stage's outputs depend on
  ProcessGroup& group;           ///< the ranks running this stage together (size 1 without MPI)
};

struct StageDefinition {
  std::string name;                                  ///< e.g. "split"; also the CLI subcommand and log name
  std::string summary;                               ///< one line for --help and `ren status`
  /// Canonical text of every input its outputs depend on (config keys, input file hashes); hashed
  /// into the stage fingerprint.
  std::function<std::string(const Config&)> inputs;
  std::vector<std::string> dependsOn;                ///< upstream stages whose outputs it reads
  std::function<bool(const Config&)> enabled;        ///< null = always part of `ren run`
  std::function<std::vector<std::filesystem::path>(const Config&)> outputs;  ///< files proving completion
  std::function<void(const StageContext&)> run;      ///< does the work; writes outputs atomically
  bool distributed = false;  ///< run() is called on every rank (it divides the work); else on rank 0 only
};

class StageRegistry {
 public:
  static StageRegistry& instance();
  /// Registers a stage at the end of the pipeline order; throws if the name is taken.
  void add(StageDefinition stage);
  const StageDefinition* find(const std::string& name) const;
  const std::vector<StageDefinition>& stages() const { return stages_; }

 private:
  std::vector<StageDefinition> stages_;
};

/// The run id of tables and the manifest: run.name, or the run directory's name.
std::string runId(const Config& config);

/// Creates the run directory, writes RUN/config.toml and the manifest header (run id, config hash,
/// versions). `dependencies` is recorded as the manifest's "dependencies" object.
void prepareRun(const Config& config, const nlohmann::json& dependencies);

/// Fingerprint of a stage: the hash of its inputs chained with the fingerprints of the (enabled)
/// stages it depends on, so a change upstream invalidates everything downstream of it, and only that.
std::string stageFingerprint(const Config& config, const std::string& stageName);

/// Runs one stage unless the manifest says it is done with the same fingerprint and its outputs
/// exist (then it logs and returns false). Every rank of `group` calls it; rank 0 records
/// running/done/failed with times in the manifest. Logs go to RUN/logs/<stage>.log (rank 0) and
/// RUN/logs/<stage>-rank<r>.log. Rethrows the stage's error after recording it; when another rank
/// failed, throws an error saying so.
bool runStage(const StageDefinition& stage, const Config& config, bool force = false,
              ProcessGroup& group = singleProcess());

/// Runs every enabled registered stage in order (`ren run`).
void runPipeline(const Config& config, bool force = false, ProcessGroup& group = singleProcess());

}  // namespace ren
