#include "ren/reduce/ReduceStage.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <sstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/RunLayout.h"
#include "ren/reduce/AblationTables.h"
#include "ren/reduce/RunResults.h"

namespace fs = std::filesystem;

namespace ren::reduce {

fs::path tablesDir(const Config& config) { return layout::runDir(config) / "tables"; }

namespace {

const std::vector<std::string> kTableFiles = {
    "T1_region_architecture_auc", "T2_gating_strategies", "T3_ren_vs_baselines", "T4_region_set_ablation",
    "T5_radiomics_vs_deep_wins",  "T6_ensemble_vs_fusion", "T7_fusion_regulariser_ablation", "T8_cost_per_architecture"};

/// What the tables read, summarised so a stage rerun notices new task outputs or gating records.
std::string presentInputs(const Config& config) {
  std::ostringstream out;
  for (const auto* sub : {"tasks", "gating", "fusion"}) {
    const fs::path dir = layout::runDir(config) / sub;
    std::size_t files = 0;
    std::error_code ec;
    if (fs::exists(dir, ec))
      for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const auto name = it->path().filename().string();
        if (name == "predictions.csv" || it->path().extension() == ".json")
          out << it->path().lexically_relative(layout::runDir(config)).string() << ":"
              << fs::last_write_time(it->path(), ec).time_since_epoch().count() << ";";
        ++files;
      }
    out << sub << "=" << files << "|";
  }
  return out.str();
}

}  // namespace

std::vector<fs::path> runReduce(const Config& config) {
  const RunResults run = loadRunResults(config);
  std::vector<fs::path> written;
  std::ostringstream index;
  index << "# Tables of run " << run.info.runId << "\n\nConfig hash `" << run.info.configHash
        << "`. Each table is written as CSV, Markdown and LaTeX.\n\n";
  for (const auto& table : ablationTables(run, config)) {
    const auto paths = writeTable(tablesDir(config), table, run.info);
    written.insert(written.end(), paths.begin(), paths.end());
    index << "- [" << table.id << " " << table.title << "](" << paths[1].filename().string() << ")"
          << (table.missing.empty() ? "" : " -- not available: " + table.missing) << "\n";
    if (table.missing.empty()) {
      spdlog::info("reduce: {} {} ({} rows)", table.id, table.title, table.rows.size());
    } else {
      spdlog::warn("reduce: {} not available: {}", table.id, table.missing);
    }
  }
  writeFileAtomic(tablesDir(config) / "README.md", index.str());
  written.push_back(tablesDir(config) / "README.md");
  return written;
}

void registerReduceStage(StageRegistry& registry) {
  StageDefinition stage{
      "reduce",
      "tables T1-T8 with statistics -> RUN/tables/",
      [](const Config& c) { return sectionsHash(c, {"reduce"}) + "|" + presentInputs(c); },
      {"train", "gate"},
      nullptr,
      [](const Config& c) {
        std::vector<fs::path> out;
        for (const auto& stem : kTableFiles) out.push_back(tablesDir(c) / (stem + ".csv"));
        return out;
      },
      [](const StageContext& ctx) { runReduce(ctx.config); },
  };
  registry.add(std::move(stage));
}

}  // namespace ren::reduce
