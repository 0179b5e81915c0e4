#pragma once
// Everything the reduce step reads from a run directory, loaded once: the trained tasks'
// predictions and metrics, and the gate stage's records. What is absent is recorded (not an error):
// the tables say which stage is missing.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/core/Config.h"
#include "ren/gating/GatingRecord.h"
#include "ren/reduce/ResultTable.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/TrainTask.h"

namespace ren::reduce {

/// Predictions of one model on one fold's test (and validation) scans, in file order.
struct FoldPredictions {
  std::vector<std::string> testScanIds;
  std::vector<int> testLabels;
  std::vector<double> testProbs;
};

struct TaskResult {
  train::TrainTask task;
  FoldPredictions predictions;
  nlohmann::json metrics;  ///< metrics.json
};

struct GatingResult {
  nlohmann::json record;                ///< <arch>-f<k>.json
  gating::GatingPredictions predictions;  ///< <arch>-f<k>.predictions.csv
};

struct RunResults {
  RunInfo info;
  std::vector<int> folds;                       ///< the grid's folds
  std::vector<std::string> expertArchs;         ///< train.experts
  std::vector<std::string> baselineArchs;       ///< baseline.architectures
  std::vector<std::string> regions;             ///< train.regions, canonical order
  std::map<std::string, TaskResult> tasks;      ///< by task name, only those with outputs
  std::vector<std::string> missingTasks;        ///< grid tasks without predictions
  std::vector<std::string> gatedArchs;          ///< the gate stage's architectures (incl. "all")
  std::vector<std::string> regionSets;          ///< gating.region_sets (primary first)
  std::map<std::string, GatingResult> gating;   ///< key gatingKey(set, arch, fold), only those present
  std::vector<std::string> missingGating;       ///< expected gating records that are absent
  bool splitPresent = false;

  const TaskResult* task(const std::string& region, const std::string& arch, int fold) const;
  const GatingResult* gatingResult(const std::string& set, const std::string& arch, int fold) const;
};

std::string gatingKey(const std::string& set, const std::string& arch, int fold);

/// Loads what the run holds. InputError only for files that exist but are corrupt.
RunResults loadRunResults(const Config& config);

}  // namespace ren::reduce
