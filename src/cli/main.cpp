// ren: the single REN-HPC binary. Exit codes (INTERFACE.md): 0 success, 2 bad usage or config,
// 1 a failed run; on failure the last line printed names the cause.
#include <spdlog/spdlog.h>

#include <iostream>

#include "CliCommand.h"
#include "ren/core/Error.h"
#include "ren/gating/GateStage.h"
#include "ren/preprocess/PreprocessStage.h"
#include "ren/radiomics/RadiomicsStage.h"
#include "ren/reduce/ReduceStage.h"
#include "ren/split/SplitStage.h"
#include "ren/train/TrainGrid.h"
#include "ren/synth/SynthStage.h"

namespace {

void registerStages() {
  auto& registry = ren::StageRegistry::instance();
  ren::synth::registerSynthStage(registry);
  ren::split::registerSplitStage(registry);
  ren::preprocess::registerPreprocessStage(registry);
  ren::radiomics::registerRadiomicsStage(registry);
  ren::train::registerTrainStage(registry);
  ren::gating::registerGateStage(registry);
  ren::reduce::registerReduceStage(registry);
}

std::vector<ren::cli::CliCommand> allCommands() {
  std::vector<ren::cli::CliCommand> all;
  for (auto group : {ren::cli::versionCommands, ren::cli::configCommands, ren::cli::synthCommands,
                     ren::cli::radiomicsCommands, ren::cli::trainCommands, ren::cli::stageCommands, ren::cli::statusCommands}) {
    auto commands = group();
    all.insert(all.end(), commands.begin(), commands.end());
  }
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  registerStages();
  CLI::App app{"ren: REN-HPC, regional experts for interstitial lung disease on chest CT"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, ren::cli::Action>> actions;
  try {
    for (const auto& command : allCommands()) {
      CLI::App* sub = app.add_subcommand(command.name, command.help);
      actions.emplace_back(sub, command.setup(*sub));
    }
    // Name an unknown subcommand (CLI11 would only say that one is required).
    if (argc > 1 && argv[1][0] != '-') {
      std::string names;
      bool known = false;
      for (const auto& [sub, action] : actions) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
        known = known || sub->get_name() == argv[1];
      }
      if (!known) {
        std::cerr << "ren: usage error: unknown subcommand '" << argv[1] << "'; available: " << names << "\n";
        return 2;
      }
    }
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    std::cerr << "ren: usage error: " << e.what() << "\n";
    return 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const ren::UsageError& e) {
    std::cerr << "ren: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ren: failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
