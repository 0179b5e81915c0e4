#pragma once
// The `ren` subcommands. Each command file provides one factory returning its CliCommand; main.cpp
// lists them. A command's setup() adds its options to its CLI11 subcommand and returns the action
// run when that subcommand is chosen (returning the process exit code).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/ProcessGroup.h"

namespace ren::cli {

using Action = std::function<int()>;

struct CliCommand {
  std::string name;
  std::string help;
  std::function<Action(CLI::App& sub)> setup;
};

/// Options shared by every stage command: --config FILE and repeated --set section.key=value.
struct ConfigOptions {
  std::string file;
  std::vector<std::string> sets;

  void addTo(CLI::App& sub, bool configRequired);
  /// Loads and validates the effective config (throws ConfigError).
  Config load() const;
  /// load(), then logging and the run directory (RUN/config.toml, manifest header with versions,
  /// written by rank 0 of `group`; every rank waits for it).
  Config startRun(ProcessGroup& group) const;
};

std::vector<CliCommand> versionCommands();
std::vector<CliCommand> configCommands();
std::vector<CliCommand> synthCommands();
std::vector<CliCommand> radiomicsCommands();
std::vector<CliCommand> stageCommands();
std::vector<CliCommand> trainCommands();
std::vector<CliCommand> statusCommands();

}  // namespace ren::cli
