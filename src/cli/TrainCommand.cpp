// ren train-task: exactly one (region, architecture, fold) task of the stage-2 grid -- what a Slurm
// array element or an MPI worker runs. (`ren train`, the whole grid, is the registered stage.)
#include <iostream>

#include "CliCommand.h"
#include "MpiProcessGroup.h"
#include "ren/core/Error.h"
#include "ren/train/TaskData.h"
#include "ren/train/TaskRunner.h"

namespace ren::cli {

std::vector<CliCommand> trainCommands() {
  CliCommand task{
      "train-task", "one (region, architecture, fold) task of the expert grid -> RUN/tasks/<region>-<arch>-f<k>/",
      [](CLI::App& sub) -> Action {
        auto o = std::make_shared<ConfigOptions>();
        auto t = std::make_shared<train::TrainTask>();
        auto force = std::make_shared<bool>(false);
        o->addTo(sub, true);
        sub.add_option("--region", t->region, "LUL, LLL, RUL, RML, RLL, LEFT, RIGHT, or LUNG (whole-lung baselines)")
            ->required();
        sub.add_option("--arch", t->arch, "cnn, vit, mamba, xgb (experts); swinunetr, cnn, vit, mamba (LUNG baselines)")
            ->required();
        sub.add_option("--fold", t->fold, "fold of RUN/split.csv (0-based)")->required();
        sub.add_flag("--force", *force, "retrain even when the task is done with the same inputs");
        return [o, t, force] {
          auto group = launchProcessGroup();
          const Config c = o->startRun(*group);
          train::validateTask(*t, train::splitFoldCount(c));
          train::TaskRunOptions options;
          options.force = *force;
          options.rank = group->rank();
          const auto outcome = train::runTrainTask(c, *t, options);
          std::cout << "task " << t->name() << ": "
                    << (outcome == train::TaskOutcome::Trained ? "trained" : "already done (same inputs), skipped") << " -> "
                    << train::taskDir(c, *t).string() << "\n";
          return 0;
        };
      }};
  return {task};
}

}  // namespace ren::cli
