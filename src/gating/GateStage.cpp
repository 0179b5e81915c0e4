#include "ren/gating/GateStage.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>
#include <filesystem>

#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/core/RunLayout.h"
#include "ren/gating/GatingProblem.h"
#include "ren/gating/GatingRecord.h"
#include "ren/radiomics/FeatureTable.h"
#include "ren/train/TaskData.h"
#include "ren/train/TrainTask.h"

namespace fs = std::filesystem;

namespace ren::gating {

GatingOptions gatingOptions(const Config& config) {
  GatingOptions o;
  o.softmaxTaus.clear();
  for (const auto& item : configList(config.gating.softmaxTaus)) o.softmaxTaus.push_back(std::strtod(item.c_str(), nullptr));
  o.learnedL2 = config.gating.learnedL2;
  o.stackingC = config.gating.stackingC;
  o.gateL2 = config.gating.gateL2;
  o.magnitudeEps = config.gating.magnitudeEps;
  o.hierarchical = config.gating.hierarchical;
  o.innerFolds = config.gating.innerFolds;
  o.seed = deriveSeed(static_cast<std::uint64_t>(config.run.seed), "gating");
  return o;
}

std::vector<std::string> gatingStrategyNames(const Config& config) {
  const auto& registry = GatingStrategyRegistry::instance();
  if (trimView(config.gating.strategies) == "all") return registry.names();
  auto names = configList(config.gating.strategies);
  for (const auto& n : names) registry.get(n);  // ConfigError naming the allowed ones
  return names;
}

std::vector<std::string> gatedArchitectures(const Config& config) {
  auto archs = configList(config.train.experts);
  if (config.gating.crossArchitecture && archs.size() > 1) archs.push_back("all");
  return archs;
}

namespace {

/// The region sets of gating.region_sets whose regions the grid trains (others are skipped with a warning).
std::vector<std::string> gatedRegionSets(const Config& config) {
  std::vector<std::string> out;
  const auto trained = train::gridRegions(config);
  for (const auto& set : configList(config.gating.regionSets)) {
    bool covered = true;
    for (const auto& r : resolveRegionSet(config, set)) {
      bool found = false;
      for (const auto& t : trained) found = found || t.index == r.index;
      covered = covered && found;
    }
    if (covered) {
      out.push_back(set);
    } else if (set == primaryRegionSet(config)) {
      throw ConfigError("gating.region_sets = \"" + config.gating.regionSets + "\": the primary set '" + set +
                        "' needs experts of regions that train.regions = \"" + config.train.regions + "\" does not train");
    } else {
      spdlog::warn("gate: region set '{}' skipped: train.regions = \"{}\" does not train all its regions", set,
                   config.train.regions);
    }
  }
  return out;
}

/// The problems of the stage, in order: per fold, per region set, per architecture.
struct ProblemKey {
  int fold;
  std::string regionSet, arch;
};

std::vector<ProblemKey> problemKeys(const Config& config, int foldCount) {
  std::vector<ProblemKey> keys;
  const auto sets = gatedRegionSets(config);
  for (int fold : train::gridFolds(config, foldCount))
    for (const auto& set : sets)
      for (const auto& arch : gatedArchitectures(config))
        if (arch != "all" || set == primaryRegionSet(config)) keys.push_back({fold, set, arch});
  return keys;
}

}  // namespace

void runGateStage(const Config& config) {
  const auto names = gatingStrategyNames(config);
  const GatingOptions baseOptions = gatingOptions(config);
  const int foldCount = train::splitFoldCount(config);
  const auto keys = problemKeys(config, foldCount);
  const auto expertArchs = configList(config.train.experts);
  if (expertArchs.empty()) throw ConfigError("train.experts is empty: there are no experts to gate");

  // Every expert task the stage reads must be done before anything is written.
  {
    std::vector<std::string> missing;
    fs::path first;
    for (int fold : train::gridFolds(config, foldCount))
      for (const auto& arch : expertArchs)
        for (const auto& region : train::gridRegions(config)) {
          const train::TrainTask task{std::string(region.name), arch, fold};
          const fs::path file = train::taskDir(config, task) / "predictions.csv";
          if (fs::exists(file)) continue;
          if (missing.empty()) first = file;
          missing.push_back(task.name());
        }
    if (!missing.empty()) {
      std::string list;
      for (std::size_t i = 0; i < missing.size() && i < 6; ++i) list += (i ? ", " : "") + missing[i];
      if (missing.size() > 6) list += " and " + std::to_string(missing.size() - 6) + " more";
      throw InputError("gate needs the predictions of every expert task; " + std::to_string(missing.size()) +
                       " are not done (" + list + "): " + first.string() + " is missing; run `ren train`");
    }
  }
  std::optional<radiomics::FeatureTable> table;
  const fs::path featuresCsv = layout::radiomicsCsv(config);
  if (fs::exists(featuresCsv)) {
    table = radiomics::readFeatureCsv(featuresCsv);
  } else {
    spdlog::warn("gate: {} is missing: radiomics_power's AUCs remain, magnitude_based and radiomics_gate are unavailable",
                 featuresCsv.string());
  }
  int currentFold = -1;
  FoldRadiomics foldSignals;
  std::size_t done = 0;
  for (const auto& key : keys) {
    if (key.fold != currentFold) {
      currentFold = key.fold;
      foldSignals = FoldRadiomics{};
      if (table) {
        const auto data = train::loadTaskData(config, train::TrainTask{"LUL", expertArchs.front(), key.fold});
        foldSignals = foldRadiomics(*table, data, config.gating.gateDims);
      }
    }
    const std::vector<std::string> archs = key.arch == "all" ? expertArchs : std::vector<std::string>{key.arch};
    const GatingProblem problem = loadGatingProblem(config, key.arch, archs, key.regionSet, key.fold, foldSignals);
    GatingOptions options = baseOptions;
    options.seed = deriveSeed(baseOptions.seed, {static_cast<std::uint64_t>(key.fold)});
    GatingOutcome outcome;
    try {
      outcome = selectGating(problem.val, problem.test, problem.experts, options, names);
    } catch (const InputError& e) {
      throw InputError("gate, fold " + std::to_string(key.fold) + " (region set " + key.regionSet + ", architecture " +
                       key.arch + "): " + e.what());
    }
    writeGatingRecord(config, problem, outcome, options);
    const auto& sel = outcome.strategies[outcome.selected];
    ++done;
    spdlog::info("gate [{}/{}] {} {}-f{}: {} experts, {} val scans -> {} (val AUC {:.4f}, {})", done, keys.size(),
                 key.regionSet, key.arch, key.fold, problem.experts.size(), problem.val.size(), sel.name, sel.valScore,
                 sel.scoring);
  }
}

void registerGateStage(StageRegistry& registry) {
  StageDefinition stage{
      "gate",
      "the 11 gating strategies, validation-only selection -> RUN/gating/<arch>-f<k>.json",
      [](const Config& c) {
        return "seed=" + std::to_string(c.run.seed) + "|" + sectionsHash(c, {"gating"}) + "|experts=" + c.train.experts +
               "|regions=" + c.train.regions + "|folds=" + c.train.folds;
      },
      {"train", "radiomics"},
      [](const Config& c) { return !configList(c.train.experts).empty(); },  // no experts, nothing to gate
      [](const Config& c) {
        std::vector<fs::path> out;
        int folds = c.split.folds * (c.split.rotateValTest ? 2 : 1);
        try {
          folds = train::splitFoldCount(c);
        } catch (const std::exception&) {
        }
        for (int fold : train::gridFolds(c, folds))
          for (const auto& arch : gatedArchitectures(c)) out.push_back(gatingJsonPath(c, primaryRegionSet(c), arch, fold));
        return out;
      },
      [](const StageContext& ctx) { runGateStage(ctx.config); },
  };
  registry.add(std::move(stage));
}

}  // namespace ren::gating
