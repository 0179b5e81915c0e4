#pragma once
// The scans of one task: the fold's training, validation and test scans from RUN/split.csv, with
// their patient ids and labels from the cohort table. Every model reads the same split.
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/train/TrainTask.h"

namespace ren::train {

struct LabelledScan {
  std::string scanId;
  std::string patientId;
  int label = 0;
};

struct TaskData {
  int foldCount = 0;
  std::vector<LabelledScan> train, val, test;  ///< split.csv order within each role
  /// Warnings for the log (e.g. "validation has no label-1 scans: val AUC is undefined").
  std::vector<std::string> warnings;
};

/// Number of folds of RUN/split.csv. InputError naming the file when it is missing ("run `ren split`").
int splitFoldCount(const Config& config);

/// Reads the split and the cohort labels for `task.fold`. InputError naming the file and fold when
/// the split is missing, a scan has no cohort row, or the training scans lack a class.
TaskData loadTaskData(const Config& config, const TrainTask& task);

/// Class weights w_c = N / (2 N_c) of METHOD.md section 5 from the training scans (index = class).
std::vector<double> classWeights(const std::vector<LabelledScan>& train);

}  // namespace ren::train
