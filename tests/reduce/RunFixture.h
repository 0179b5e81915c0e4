#pragma once
// A complete FAKE run directory for the run-level tests of the gate stage and the reduce step: no
// network is trained, every file a real run would hold for those stages is generated.
//
//   RUN/cohort.csv                 ~80 patients with 1-3 scans each, binary label per scan
//   RUN/split.csv                  makePatientSplit (5 folds by default), as `ren split` writes it
//   RUN/radiomics/features.csv     12 features per (scan, region); label-1 scans are shifted in the
//                                  basal lobes (LLL, RLL) and, by half as much, in LEFT and RIGHT
//   RUN/tasks/<region>-<arch>-f<k>/{predictions.csv,metrics.json}
//                                  every expert task (7 regions x cnn, vit, mamba, xgb x folds) and
//                                  the whole-lung baselines (LUNG-swinunetr ...)
//   RUN/manifest.json, RUN/config.toml (prepareRun)
//
// Predictions: logit = signal(region, arch) * (label - 1/2) + N(0, 1), prob = sigmoid(logit), from a
// ren::Rng seeded by (fixture seed, task name): the basal experts are informative, the upper lobes
// noise, the lungs in between, the whole-lung baselines weaker than the good experts.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/core/Config.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/TrainTask.h"

namespace ren::test {

struct FakeRunOptions {
  int patients = 80;
  int folds = 5;
  std::uint64_t seed = 2024;
  std::string experts = "cnn,vit,mamba,xgb";
  std::string regions = "all7";
  std::string baselines = "swinunetr";
  int features = 12;        ///< radiomics features per region row
  bool radiomics = true;    ///< write RUN/radiomics/features.csv
  bool tasks = true;        ///< write the task outputs
  std::vector<std::string> overrides;  ///< extra "section.key=value" config overrides
};

/// The separation (in logit units between the two classes' means) of an expert or baseline.
double expertSignal(const std::string& region, const std::string& arch);

/// The config of the fake run in `runDir`: run.dir = runDir, cohort.table = runDir/cohort.csv,
/// run.name = "fake-run" (so copies keep the run id), the options' experts, regions, baselines, folds.
Config fakeRunConfig(const std::filesystem::path& runDir, const FakeRunOptions& options = {});

/// Writes the whole fake run (see above) and returns its config. Throws when the generated split has
/// a fold whose validation or test scans lack a class (the fixture's seed must then be changed).
Config writeFakeRun(const std::filesystem::path& runDir, const FakeRunOptions& options = {});

/// The metrics.json the fixture writes for a task with `trainScans` training scans: parameters and
/// FLOPs per architecture, train_time_s, epochs_run, time_per_epoch_s, scans, peak_memory_bytes,
/// device, and the prediction metrics of `predictions`.
nlohmann::json fakeMetrics(const train::TrainTask& task, std::size_t trainScans,
                           const std::vector<train::Prediction>& predictions);

/// Copies the run directory of `config` to `to` (replaced) and returns the config pointing there
/// (run.dir and cohort.table), with `overrides` ("section.key=value") applied; the copy's manifest
/// and config.toml are rewritten for that config (prepareRun).
Config copyRun(const Config& config, const std::filesystem::path& to, const std::vector<std::string>& overrides = {});

/// `config` moved to `runDir` (run.dir and cohort.table), with `overrides` applied.
Config relocated(const Config& config, const std::filesystem::path& runDir, const std::vector<std::string>& overrides = {});

/// A config with overrides ("section.key=value") applied on top of `config` (through the schema).
Config withOverrides(const Config& config, const std::vector<std::string>& overrides);

/// The default fake run, gated (runGateStage), and a copy of it on which runReduce has run
/// (RUN/tables). Built once per build of the test executable and cached next to it (in
/// <build>/tests/reduce-fixture/, under a file lock, as ctest runs each test in its own process);
/// a rebuilt executable rebuilds them. Tests must not modify them (copy them with copyRun).
const Config& gatedFakeRun();
const Config& reducedFakeRun();

/// Every regular file under `dir`, as paths relative to it, sorted.
std::vector<std::filesystem::path> filesUnder(const std::filesystem::path& dir);

/// Test labels of one task's predictions.csv, in file order.
struct TestColumn {
  std::vector<std::string> scanIds;
  std::vector<int> labels;
  std::vector<double> probs;
};
TestColumn readTestPredictions(const std::filesystem::path& predictionsCsv);

}  // namespace ren::test
