#include "ren/gating/GatingProblem.h"

#include <cmath>
#include <map>

#include "ren/core/Error.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/TrainTask.h"

namespace ren::gating {

namespace {

struct ExpertPredictions {
  std::map<std::string, std::pair<int, double>> val, test;  ///< scan id -> (label, prob)
  std::vector<train::Prediction> rows;
};

ExpertPredictions readExpert(const Config& config, const train::TrainTask& task) {
  const auto path = train::taskDir(config, task) / "predictions.csv";
  if (!std::filesystem::exists(path)) {
    throw InputError("gating needs " + path.string() + ", which is missing: run `ren train` (or `ren train-task --region " +
                     task.region + " --arch " + task.arch + " --fold " + std::to_string(task.fold) + "`)");
  }
  ExpertPredictions e;
  e.rows = train::readPredictions(path);
  for (const auto& p : e.rows) (p.role == "val" ? e.val : e.test)[p.scan.scanId] = {p.scan.label, p.prob};
  return e;
}

/// Fills `rows` (scan order of the first expert) and column k of its probabilities.
void addExpert(ScanRows& rows, const std::map<std::string, std::pair<int, double>>& preds, std::size_t k,
               std::size_t K, const std::string& role, const std::string& task,
               const std::vector<train::Prediction>& order) {
  if (k == 0) {
    for (const auto& p : order)
      if (p.role == role) {
        rows.scanIds.push_back(p.scan.scanId);
        rows.patientIds.push_back(p.scan.patientId);
        rows.labels.push_back(p.scan.label);
      }
    rows.probs = Matrix(rows.scanIds.size(), K);
  }
  if (preds.size() != rows.scanIds.size()) {
    throw InputError("gating: task " + task + " has " + std::to_string(preds.size()) + " " + role + " predictions, the first expert " +
                     std::to_string(rows.scanIds.size()) + ": the tasks were trained on different splits; retrain them");
  }
  for (std::size_t i = 0; i < rows.scanIds.size(); ++i) {
    const auto it = preds.find(rows.scanIds[i]);
    if (it == preds.end() || it->second.first != rows.labels[i]) {
      throw InputError("gating: task " + task + " has no " + role + " prediction (or another label) for scan " +
                       rows.scanIds[i] + ": the tasks were trained on different splits; retrain them");
    }
    rows.probs(i, k) = it->second.second;
  }
}

void attachRadiomics(ScanRows& rows, const ExpertSet& experts, const FoldRadiomics& radiomics) {
  if (radiomics.empty()) return;
  rows.abnormality = Matrix(rows.size(), experts.size());
  rows.gateInputs = Matrix(rows.size(), radiomics.dims);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto it = radiomics.rowOf.find(rows.scanIds[i]);
    if (it == radiomics.rowOf.end()) throw InputError("radiomics/features.csv has no rows for scan " + rows.scanIds[i]);
    for (std::size_t k = 0; k < experts.size(); ++k)
      rows.abnormality(i, k) = radiomics.abnormality(it->second, static_cast<std::size_t>(experts.regionIndex[k]));
    for (std::size_t c = 0; c < radiomics.dims; ++c) rows.gateInputs(i, c) = radiomics.gateInputs(it->second, c);
  }
}

}  // namespace

std::vector<Region> resolveRegionSet(const Config& config, const std::string& name) {
  return name == "grid" ? train::gridRegions(config) : regionSet(name);
}

GatingProblem loadGatingProblem(const Config& config, const std::string& archName, const std::vector<std::string>& archs,
                                const std::string& regionSetName, int fold, const FoldRadiomics& radiomics) {
  GatingProblem problem;
  problem.arch = archName;
  problem.regionSet = regionSetName;
  problem.fold = fold;
  const auto regions = resolveRegionSet(config, regionSetName);
  std::size_t K = archs.size() * regions.size();
  std::size_t k = 0;
  // The radiomics AUC of each region: the validation AUC of its xgb expert, when trained.
  std::map<int, double> radiomicsAuc;
  for (const auto& region : regions) {
    const train::TrainTask xgbTask{std::string(region.name), "xgb", fold};
    const auto path = train::taskDir(config, xgbTask) / "predictions.csv";
    double auc = std::nan("");
    if (std::filesystem::exists(path)) {
      std::vector<int> labels;
      std::vector<double> probs;
      for (const auto& p : train::readPredictions(path))
        if (p.role == "val") {
          labels.push_back(p.scan.label);
          probs.push_back(p.prob);
        }
      auc = stats::rocAuc(labels, probs);
    }
    radiomicsAuc[region.index] = auc;
  }
  for (const auto& arch : archs)
    for (const auto& region : regions) {
      const train::TrainTask task{std::string(region.name), arch, fold};
      const auto preds = readExpert(config, task);
      problem.experts.names.push_back(std::string(region.name) + "-" + arch);
      problem.experts.regionIndex.push_back(region.index);
      problem.experts.radiomicsAuc.push_back(radiomicsAuc[region.index]);
      addExpert(problem.val, preds.val, k, K, "val", task.name(), preds.rows);
      addExpert(problem.test, preds.test, k, K, "test", task.name(), preds.rows);
      ++k;
    }
  attachRadiomics(problem.val, problem.experts, radiomics);
  attachRadiomics(problem.test, problem.experts, radiomics);
  return problem;
}

}  // namespace ren::gating
