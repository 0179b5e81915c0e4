#include <ATen/Parallel.h>

#include "CliCommand.h"
#include "DependencyVersions.h"
#include "ren/core/Error.h"
#include "ren/core/Logging.h"
#include "ren/core/Parallel.h"
#include "ren/core/Stage.h"

namespace ren::cli {

void ConfigOptions::addTo(CLI::App& sub, bool configRequired) {
  auto* opt = sub.add_option("--config,-c", file, "TOML config file (configs/*.toml, jobs/*.toml)");
  if (configRequired) opt->required();
  sub.add_option("--set", sets, "override a config key: --set section.key=value (repeatable)")->take_all();
}

Config ConfigOptions::load() const {
  std::vector<ConfigOverride> overrides;
  for (const auto& s : sets) overrides.push_back(parseOverride(s));
  return loadConfig(file, overrides);
}

Config ConfigOptions::startRun(ProcessGroup& group) const {
  const Config c = load();
  // Other ranks keep the console for warnings; their full logs go to RUN/logs/<stage>-rank<r>.log.
  initLogging(c.run.logLevel, group.rank() == 0 ? "" : (c.run.logLevel == "error" ? "error" : "warn"));
  // LibTorch starts with one intra-op thread on these machines: give it the run's allocation.
  at::set_num_threads(resolveThreadCount(c.run.threads));
  std::string error;
  if (group.rank() == 0) {
    try {
      prepareRun(c, dependencyVersions());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (!group.allTrue(error.empty())) throw InputError(error.empty() ? "rank 0 could not prepare the run directory" : error);
  return c;
}

}  // namespace ren::cli
