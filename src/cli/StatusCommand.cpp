#include <iomanip>
#include <iostream>

#include "CliCommand.h"
#include "ren/core/Error.h"
#include "ren/core/RunManifest.h"
#include "ren/core/Stage.h"

namespace ren::cli {

std::vector<CliCommand> statusCommands() {
  return {{"status", "progress of a run: stages and their state, times", [](CLI::App& sub) -> Action {
             auto run = std::make_shared<std::string>();
             sub.add_option("run", *run, "run directory")->required();
             return [run] {
               const std::filesystem::path dir = *run;
               if (!std::filesystem::exists(dir / "manifest.json"))
                 throw InputError("'" + dir.string() + "' is not a run directory (no manifest.json)");
               const auto m = RunManifest(dir).read();
               const Config c = loadConfig(dir / "config.toml");
               std::cout << "run " << m.value("run_id", "?") << "  config " << m.value("config_hash", "?").substr(0, 12)
                         << "  updated " << m.value("updated", "?") << "\n";
               const auto stages = m.value("stages", nlohmann::json::object());
               for (const auto& s : StageRegistry::instance().stages()) {
                 std::string state = "pending";
                 std::string detail;
                 if (s.enabled && !s.enabled(c)) state = "skipped (not enabled)";
                 if (stages.contains(s.name)) {
                   const auto& r = stages[s.name];
                   state = r.value("status", "?");
                   if (state == "done") {
                     std::ostringstream t;
                     t << std::fixed << std::setprecision(1) << r.value("seconds", 0.0) << " s, finished " << r.value("finished", "");
                     detail = t.str();
                     if (r.value("fingerprint", "") != stageFingerprint(c, s.name)) detail += " (stale: config changed)";
                   } else if (state == "failed") {
                     detail = r.value("error", "");
                   } else if (state == "running") {
                     detail = "since " + r.value("started", "") + " on " + r.value("host", "");
                   }
                 }
                 std::cout << "  " << std::left << std::setw(12) << s.name << std::setw(10) << state << detail << "\n";
               }
               return 0;
             };
           }}};
}

}  // namespace ren::cli
