#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

#include "CliCommand.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Logging.h"
#include "ren/core/Parallel.h"
#include "ren/core/RunLayout.h"
#include "ren/core/Stage.h"
#include "ren/synth/SyntheticCohort.h"

namespace ren::cli {

namespace {
struct SynthOptions {
  ConfigOptions config;
  std::string out;
  std::optional<int> patients, size, sites, threads;
  std::optional<std::int64_t> seed;
  std::optional<double> spacing;
  std::optional<std::string> labels;
};
}  // namespace

std::vector<CliCommand> synthCommands() {
  return {{"synth",
           "write a synthetic ILD cohort: DIR/cohort.csv, DIR/images/*.nii.gz, DIR/lobes/*.nii.gz, DIR/truth.json",
           [](CLI::App& sub) -> Action {
             auto o = std::make_shared<SynthOptions>();
             o->config.addTo(sub, false);
             sub.add_option("--out,-o", o->out, "output directory (default: RUN/cohort of the config)");
             sub.add_option("--patients", o->patients, "number of patients (synth.patients)");
             sub.add_option("--seed", o->seed, "cohort seed (synth.seed)");
             sub.add_option("--size", o->size, "in-plane voxels (synth.size)");
             sub.add_option("--spacing", o->spacing, "in-plane spacing in mm (synth.spacing)");
             sub.add_option("--sites", o->sites, "scanner sites (synth.sites)");
             sub.add_option("--labels", o->labels, "lobe convention: lungmask | totalseg-v2 (synth.labels)");
             sub.add_option("--threads", o->threads, "threads (run.threads; 0 = all allocated)");
             return [o] {
               // Flags are --set overrides of the [synth] keys, so they are validated like the file.
               ConfigOptions effective = o->config;
               auto set = [&](const char* key, const std::string& value) { effective.sets.push_back(std::string(key) + "=" + value); };
               if (o->patients) set("synth.patients", std::to_string(*o->patients));
               if (o->seed) set("synth.seed", std::to_string(*o->seed));
               if (o->size) set("synth.size", std::to_string(*o->size));
               if (o->spacing) set("synth.spacing", formatDouble(*o->spacing));
               if (o->sites) set("synth.sites", std::to_string(*o->sites));
               if (o->labels) {
                 set("synth.labels", *o->labels);
                 set("cohort.labels", "auto");
               }
               if (o->threads) set("run.threads", std::to_string(*o->threads));
               if (o->out.empty()) {
                 // Stage mode: the cohort of the run, recorded in the manifest.
                 runStage(*StageRegistry::instance().find("synth"), effective.startRun(singleProcess()));
                 return 0;
               }
               const Config c = effective.load();
               initLogging(c.run.logLevel);
               const auto r = synth::writeSyntheticCohort(o->out, c.synth, layout::synthSeed(c), resolveThreadCount(c.run.threads));
               std::cout << o->out << ": " << r.patients << " patients, " << r.scans << " scans"
                         << (r.reused ? " (already complete)" : "") << "\n";
               return 0;
             };
           }}};
}

}  // namespace ren::cli
