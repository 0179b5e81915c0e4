#include "ren/gating/GatingRecord.h"

#include <cmath>

#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/RunLayout.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/train/TaskOutputs.h"

namespace fs = std::filesystem;

namespace ren::gating {

fs::path gatingDir(const Config& config) { return layout::runDir(config) / "gating"; }

std::string primaryRegionSet(const Config& config) {
  const auto sets = configList(config.gating.regionSets);
  return sets.empty() ? std::string("all7") : sets.front();
}

namespace {
fs::path recordBase(const Config& config, const std::string& regionSet, const std::string& arch, int fold) {
  const fs::path dir = regionSet == primaryRegionSet(config) ? gatingDir(config) : gatingDir(config) / regionSet;
  return dir / (arch + "-f" + std::to_string(fold));
}
}  // namespace

fs::path gatingJsonPath(const Config& config, const std::string& regionSet, const std::string& arch, int fold) {
  return recordBase(config, regionSet, arch, fold).string() + ".json";
}

fs::path gatingPredictionsPath(const Config& config, const std::string& regionSet, const std::string& arch, int fold) {
  return recordBase(config, regionSet, arch, fold).string() + ".predictions.csv";
}

nlohmann::json gatingJson(const GatingProblem& problem, const GatingOutcome& outcome, const GatingOptions& options) {
  const auto& registry = GatingStrategyRegistry::instance();
  nlohmann::json j;
  j["arch"] = problem.arch;
  j["region_set"] = problem.regionSet;
  j["fold"] = problem.fold;
  j["hierarchical"] = options.hierarchical;
  j["inner_folds"] = options.innerFolds;
  j["experts"] = problem.experts.names;
  j["radiomics_auc"] = problem.experts.radiomicsAuc;
  std::int64_t positives = 0;
  for (int l : problem.val.labels) positives += l;
  j["validation"] = {{"scans", problem.val.size()}, {"positives", positives}};
  j["selection"] = "highest validation AUC; fitted strategies scored on pooled inner cross-validation predictions over "
                   "validation patients; ties keep the earlier strategy";
  nlohmann::json list = nlohmann::json::array();
  for (const auto& o : outcome.strategies) {
    nlohmann::json s;
    s["name"] = o.name;
    s["group"] = o.group;
    s["formula"] = registry.get(o.name).formula;
    s["dynamic"] = o.dynamic;
    s["fitted"] = o.fitted;
    s["available"] = o.available;
    if (!o.available) s["unavailable_reason"] = o.unavailableReason;
    s["scoring"] = o.scoring;
    s["val_score"] = o.valScore;
    s["val_auc"] = o.valAuc;
    s["weights"] = o.weights;
    s["parameters"] = o.parameters;
    list.push_back(std::move(s));
  }
  j["strategies"] = std::move(list);
  const auto& sel = outcome.strategies.at(outcome.selected);
  j["selected"] = {{"name", sel.name}, {"group", sel.group}, {"val_score", sel.valScore}, {"weights", sel.weights},
                   {"dynamic", sel.dynamic}};
  // Test metrics: computed from the frozen fits only; nothing above depends on test labels.
  nlohmann::json test = nlohmann::json::object();
  for (const auto& o : outcome.strategies) {
    if (!o.available) continue;
    const double youden = stats::youdenThreshold(problem.val.labels, o.valProbs);
    auto m = stats::toJson(stats::binaryMetrics(problem.test.labels, o.testProbs, youden));
    m["youden_threshold"] = youden;
    test[o.name] = std::move(m);
  }
  j["test"] = std::move(test);
  return j;
}

void writeGatingRecord(const Config& config, const GatingProblem& problem, const GatingOutcome& outcome,
                       const GatingOptions& options) {
  const auto jsonPath = gatingJsonPath(config, problem.regionSet, problem.arch, problem.fold);
  fs::create_directories(jsonPath.parent_path());
  CsvTable t;
  t.header = {"scan_id", "patient_id", "role", "label"};
  std::vector<const StrategyOutcome*> available;
  for (const auto& o : outcome.strategies)
    if (o.available) {
      t.header.push_back(o.name);
      available.push_back(&o);
    }
  t.header.push_back("selected");
  const auto& sel = outcome.strategies.at(outcome.selected);
  for (const auto* role : {"val", "test"}) {
    const ScanRows& rows = std::string(role) == "val" ? problem.val : problem.test;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<std::string> r{rows.scanIds[i], rows.patientIds[i], role, std::to_string(rows.labels[i])};
      for (const auto* o : available) r.push_back(formatDouble((std::string(role) == "val" ? o->valProbs : o->testProbs)[i]));
      r.push_back(formatDouble((std::string(role) == "val" ? sel.valProbs : sel.testProbs)[i]));
      t.rows.push_back(std::move(r));
    }
  }
  writeFileAtomic(gatingPredictionsPath(config, problem.regionSet, problem.arch, problem.fold), formatCsv(t));
  train::writeJsonAtomic(jsonPath, gatingJson(problem, outcome, options));
}

GatingPredictions readGatingPredictions(const fs::path& path) {
  if (!fs::exists(path)) throw InputError(path.string() + " is missing: run `ren gate`");
  const CsvTable t = readCsv(path);
  const int scan = t.column("scan_id"), patient = t.column("patient_id"), role = t.column("role"), label = t.column("label");
  if (scan != 0 || patient != 1 || role != 2 || label != 3 || t.header.size() < 5) {
    throw InputError(path.string() + ": expected columns scan_id,patient_id,role,label,<strategy>...,selected");
  }
  GatingPredictions g;
  for (std::size_t c = 4; c < t.header.size(); ++c) g.probs[t.header[c]];
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    if (r.size() != t.header.size()) throw InputError(path.string() + ": line " + std::to_string(t.lineOf(i)) + " has the wrong number of fields");
    g.scanIds.push_back(r[0]);
    g.patientIds.push_back(r[1]);
    g.roles.push_back(r[2]);
    const auto l = parseInt(r[3]);
    if (!l || (*l != 0 && *l != 1)) throw InputError(path.string() + ": line " + std::to_string(t.lineOf(i)) + ": label must be 0 or 1");
    g.labels.push_back(static_cast<int>(*l));
    for (std::size_t c = 4; c < r.size(); ++c) {
      const auto v = parseDouble(r[c]);
      if (!v) throw InputError(path.string() + ": line " + std::to_string(t.lineOf(i)) + ": '" + r[c] + "' is not a number");
      g.probs[t.header[c]].push_back(*v);
    }
  }
  return g;
}

}  // namespace ren::gating
