#include "ren/train/TaskData.h"

#include <filesystem>
#include <map>

#include "ren/core/CohortTable.h"
#include "ren/core/Error.h"
#include "ren/core/RunLayout.h"
#include "ren/split/PatientSplit.h"

namespace ren::train {

namespace {
split::PatientSplit readSplit(const Config& config) {
  const auto path = layout::splitCsv(config);
  if (!std::filesystem::exists(path))
    throw InputError(path.string() + " does not exist: run `ren split --config ...` (or `ren run`) first");
  return split::readSplitCsv(path);
}
}  // namespace

int splitFoldCount(const Config& config) { return readSplit(config).foldCount(); }

TaskData loadTaskData(const Config& config, const TrainTask& task) {
  const split::PatientSplit s = readSplit(config);
  TaskData data;
  data.foldCount = s.foldCount();
  if (task.fold < 0 || task.fold >= data.foldCount)
    throw UsageError("fold " + std::to_string(task.fold) + " does not exist: " + layout::splitCsv(config).string() +
                     " has folds 0.." + std::to_string(data.foldCount - 1));
  const auto cohortPath = layout::cohortTable(config);
  const CohortTable cohort = readCohortTable(cohortPath);
  std::map<std::string, int> labels;
  for (const auto& scan : cohort.scans) labels[scan.scanId] = scan.label;
  for (const auto& row : s.rows) {
    if (row.fold != task.fold) continue;
    const auto it = labels.find(row.scanId);
    if (it == labels.end())
      throw InputError(layout::splitCsv(config).string() + ": scan '" + row.scanId + "' is not in the cohort table " +
                       cohortPath.string());
    LabelledScan scan{row.scanId, row.patientId, it->second};
    (row.role == split::Role::Train ? data.train : row.role == split::Role::Val ? data.val : data.test).push_back(scan);
  }
  auto count = [](const std::vector<LabelledScan>& v, int label) {
    int n = 0;
    for (const auto& s : v) n += s.label == label;
    return n;
  };
  const std::string where = layout::splitCsv(config).string() + " fold " + std::to_string(task.fold);
  for (int label : {0, 1})
    if (count(data.train, label) == 0)
      throw InputError(where + ": the training scans have no label-" + std::to_string(label) +
                       " scan; every class must be present to train (check the cohort's labels or use fewer folds)");
  for (const auto& [name, role] : {std::pair<const char*, const std::vector<LabelledScan>*>{"validation", &data.val},
                                   {"test", &data.test}})
    for (int label : {0, 1})
      if (count(*role, label) == 0)
        data.warnings.push_back(where + ": " + name + " has no label-" + std::to_string(label) + " scan; its AUC is undefined");
  if (data.val.empty()) throw InputError(where + ": no validation scans");
  return data;
}

std::vector<double> classWeights(const std::vector<LabelledScan>& train) {
  double n[2] = {0, 0};
  for (const auto& s : train) n[s.label != 0] += 1;
  const double total = n[0] + n[1];
  return {n[0] > 0 ? total / (2 * n[0]) : 1.0, n[1] > 0 ? total / (2 * n[1]) : 1.0};
}

}  // namespace ren::train
