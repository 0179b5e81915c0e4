#include <iostream>

#include "CliCommand.h"
#include "ren/core/Error.h"
#include "MpiProcessGroup.h"
#include "ren/core/Stage.h"

namespace ren::cli {

namespace {

CliCommand stageCommand(const std::string& name, const std::string& help) {
  return {name, help, [name](CLI::App& sub) -> Action {
            auto o = std::make_shared<ConfigOptions>();
            auto force = std::make_shared<bool>(false);
            o->addTo(sub, true);
            sub.add_flag("--force", *force, "run even if the manifest says the stage is complete");
            return [o, force, name] {
              auto group = launchProcessGroup();
              const Config c = o->startRun(*group);
              runStage(*StageRegistry::instance().find(name), c, *force, *group);
              return 0;
            };
          }};
}

/// A stage of INTERFACE.md that this build does not provide yet: exits 2, writes nothing.
CliCommand unavailableCommand(const std::string& name, const std::string& help) {
  return {name, help + " [not available in this build]", [name](CLI::App& sub) -> Action {
            sub.allow_extras();
            return [name]() -> int { throw UnavailableError("stage " + name + " is not available in this build"); };
          }};
}

}  // namespace

std::vector<CliCommand> stageCommands() {
  std::vector<CliCommand> commands;
  // Registered stages get a command of their own (synth and radiomics have their own, richer commands).
  for (const auto& stage : StageRegistry::instance().stages())
    if (stage.name != "synth" && stage.name != "radiomics") commands.push_back(stageCommand(stage.name, stage.summary));
  const std::vector<std::pair<std::string, std::string>> later = {
      {"preprocess", "images + lobe maps -> RUN/data/shard-*.h5 + index.json"},
      {"radiomics", "107 radiomics features x 7 regions per scan -> RUN/radiomics/"},
      {"train", "the whole expert grid and baselines"},
      {"gate", "the 11 gating strategies with validation selection -> RUN/gating/"},
      {"fuse", "stage-4 fusion fine-tuning -> RUN/fusion/"},
      {"reduce", "tables and statistics -> RUN/tables/"},
      {"submit", "render and submit the Slurm chain for this run"},
  };
  for (const auto& [name, help] : later)
    if (!StageRegistry::instance().find(name)) commands.push_back(unavailableCommand(name, help));

  commands.push_back({"run", "every stage in order, skipping completed work (resumable)", [](CLI::App& sub) -> Action {
                        auto o = std::make_shared<ConfigOptions>();
                        auto force = std::make_shared<bool>(false);
                        o->addTo(sub, true);
                        sub.add_flag("--force", *force, "rerun stages even if complete");
                        return [o, force] {
                          auto group = launchProcessGroup();
                          const Config c = o->startRun(*group);
                          runPipeline(c, *force, *group);
                          if (group->rank() == 0) std::cout << "run " << c.run.dir << ": all available stages complete\n";
                          return 0;
                        };
                      }});
  return commands;
}

}  // namespace ren::cli
