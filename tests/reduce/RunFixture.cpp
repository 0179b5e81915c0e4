#include "RunFixture.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>


#include "ren/core/AtomicFile.h"
#include "ren/core/FileLock.h"
#include "ren/core/CohortTable.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/Random.h"
#include "ren/core/Regions.h"
#include "ren/core/RunLayout.h"
#include "ren/core/Stage.h"
#include "ren/gating/GateStage.h"
#include "ren/reduce/ReduceStage.h"
#include "ren/radiomics/FeatureTable.h"
#include "ren/split/PatientSplit.h"

namespace fs = std::filesystem;

namespace ren::test {

namespace {

/// Strength of a region's disease signal: basal lobes strong, the lungs (which contain them) medium,
/// the upper and middle lobes pure noise.
double regionSignal(const std::string& region) {
  if (region == "LLL" || region == "RLL") return 3.0;
  if (region == "LEFT" || region == "RIGHT") return 0.6;
  if (region == "LUNG") return 1.2;
  return 0.0;  // LUL, RUL, RML: noise
}

double archFactor(const std::string& arch) {
  if (arch == "cnn") return 0.7;
  if (arch == "vit") return 0.85;
  if (arch == "mamba") return 0.9;
  if (arch == "xgb") return 1.0;
  if (arch == "swinunetr") return 1.0;
  return 0.8;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::vector<ConfigOverride> parsedOverrides(const std::vector<std::string>& overrides) {
  std::vector<ConfigOverride> out;
  for (const auto& o : overrides) out.push_back(parseOverride(o));
  return out;
}

}  // namespace

double expertSignal(const std::string& region, const std::string& arch) { return regionSignal(region) * archFactor(arch); }

Config fakeRunConfig(const fs::path& runDir, const FakeRunOptions& options) {
  const std::string text = "[run]\ndir = " + quoted(runDir.string()) + "\nname = \"fake-run\"\nseed = 7\nthreads = 1\n" +
                           "log_level = \"warn\"\n\n[cohort]\nsource = \"table\"\ntable = " +
                           quoted((runDir / "cohort.csv").string()) + "\n\n[split]\nfolds = " +
                           std::to_string(options.folds) + "\n\n[train]\nexperts = " + quoted(options.experts) +
                           "\nregions = " + quoted(options.regions) + "\n\n[baseline]\narchitectures = " +
                           quoted(options.baselines) + "\n";
  return parseConfigText(text, "fake-run.toml", parsedOverrides(options.overrides));
}

Config withOverrides(const Config& config, const std::vector<std::string>& overrides) {
  return parseConfigText(formatConfig(config), "fake-run.toml", parsedOverrides(overrides));
}

nlohmann::json fakeMetrics(const train::TrainTask& task, std::size_t trainScans,
                           const std::vector<train::Prediction>& predictions) {
  nlohmann::json m = train::predictionMetrics(predictions);
  const auto region = findTaskRegion(task.region);
  const int regionIndex = region ? region->index : 0;
  const int epochs = 10 + task.fold + regionIndex;
  std::map<std::string, double> perEpoch{{"cnn", 30.0}, {"vit", 12.0}, {"mamba", 20.0}, {"xgb", 0.01}, {"swinunetr", 90.0}};
  const double trainTime = epochs * (perEpoch.at(task.arch) + 0.5 * regionIndex);
  std::size_t val = 0, test = 0;
  for (const auto& p : predictions) (p.role == "val" ? val : test) += 1;
  m["task"] = task.name();
  m["region"] = task.region;
  m["arch"] = task.arch;
  m["fold"] = task.fold;
  m["kind"] = task.isBaseline() ? "baseline" : "expert";
  m["epochs_run"] = epochs;
  m["train_time_s"] = trainTime;
  m["scans"] = {{"train", trainScans}, {"val", val}, {"test", test}};
  if (task.arch != "xgb") {  // as the XGBoost trainer: no parameter, FLOP, memory or device record
    const std::map<std::string, std::int64_t> parameters{
        {"cnn", 42641474}, {"vit", 635714}, {"mamba", 674434}, {"swinunetr", 62186708}};
    const std::map<std::string, double> flops{{"cnn", 5.0e10}, {"vit", 2.0e9}, {"mamba", 3.0e9}, {"swinunetr", 3.3e11}};
    m["parameters"] = parameters.at(task.arch);
    m["flops_per_volume"] = flops.at(task.arch);
    m["time_per_epoch_s"] = trainTime / epochs;
    m["peak_memory_bytes"] = (std::int64_t{1000} + 10 * task.fold + regionIndex) * 1024 * 1024;
    m["device"] = "cpu";
  }
  return m;
}

Config writeFakeRun(const fs::path& runDir, const FakeRunOptions& options) {
  spdlog::set_level(spdlog::level::err);  // the stages' expected warnings (missing stages) would flood the output
  fs::create_directories(runDir);
  const Config config = fakeRunConfig(runDir, options);
  prepareRun(config, nlohmann::json::object());
  Rng rng(options.seed);

  // Cohort: patients with 1-3 scans; an ILD patient's first scan is sometimes still label 0.
  CohortTable cohort;
  for (int p = 0; p < options.patients; ++p) {
    char pid[16];
    std::snprintf(pid, sizeof pid, "P%03d", p);
    const bool ild = rng.bernoulli(0.5);
    const int scans = static_cast<int>(rng.between(1, 3));
    for (int s = 0; s < scans; ++s) {
      ScanRecord r;
      r.scanId = std::string(pid) + "-S" + std::to_string(s);
      r.patientId = pid;
      r.label = ild && !(s == 0 && scans > 1 && rng.bernoulli(0.25)) ? 1 : 0;
      r.image = "images/" + r.scanId + ".nii.gz";
      cohort.scans.push_back(r);
    }
  }
  writeCohortTable(runDir / "cohort.csv", cohort);
  std::map<std::string, int> labelOf;
  for (const auto& s : cohort.scans) labelOf[s.scanId] = s.label;

  split::SplitOptions splitOptions;
  splitOptions.folds = options.folds;
  splitOptions.seed = static_cast<std::uint64_t>(config.run.seed);
  const split::PatientSplit split = split::makePatientSplit(cohort, splitOptions);
  split::writeSplitCsv(layout::splitCsv(config), split);

  // Per fold: training count and the validation and test scans in split order.
  struct FoldScans {
    std::size_t train = 0;
    std::vector<train::LabelledScan> val, test;
  };
  std::vector<FoldScans> folds(static_cast<std::size_t>(split.foldCount()));
  for (const auto& row : split.rows) {
    auto& f = folds[static_cast<std::size_t>(row.fold)];
    const train::LabelledScan scan{row.scanId, row.patientId, labelOf.at(row.scanId)};
    if (row.role == split::Role::Train) ++f.train;
    if (row.role == split::Role::Val) f.val.push_back(scan);
    if (row.role == split::Role::Test) f.test.push_back(scan);
  }
  for (std::size_t k = 0; k < folds.size(); ++k)
    for (const auto* role : {&folds[k].val, &folds[k].test}) {
      int positives = 0;
      for (const auto& s : *role) positives += s.label;
      if (positives == 0 || positives == static_cast<int>(role->size()))
        throw std::logic_error("fake run: fold " + std::to_string(k) + " has a validation or test half with one class; "
                               "change FakeRunOptions::seed");
    }

  if (options.radiomics) {
    radiomics::FeatureTable table;
    for (int j = 0; j < options.features; ++j) table.featureNames.push_back("original_firstorder_F" + std::to_string(j));
    Rng frng(deriveSeed(options.seed, "radiomics"));
    for (const auto& scan : cohort.scans)
      for (const Region& region : kRegions) {
        radiomics::FeatureTableRow row;
        row.scanId = scan.scanId;
        row.region = std::string(region.name);
        row.voxelCount = 50000;
        const std::string name(region.name);
        const double shift = name == "LLL" || name == "RLL" ? 2.0 : (name == "LEFT" || name == "RIGHT" ? 1.0 : 0.0);
        for (int j = 0; j < options.features; ++j) {
          // Half of the features carry the signal; the others are noise.
          const double effect = scan.label == 1 && j < options.features / 2 ? shift : 0.0;
          row.values.push_back(100.0 * (j + 1) + frng.normal(effect, 1.0));
        }
        table.rows.push_back(std::move(row));
      }
    writeFileAtomic(layout::radiomicsCsv(config), radiomics::formatFeatureCsv(table));
  }

  if (options.tasks) {
    for (const auto& task : train::gridTasks(config, split.foldCount())) {
      const auto& f = folds[static_cast<std::size_t>(task.fold)];
      Rng prng(deriveSeed(options.seed, task.name()));
      const double signal = expertSignal(task.region, task.arch);
      std::vector<train::Prediction> predictions;
      for (const auto& [role, scans] : {std::pair<const char*, const std::vector<train::LabelledScan>*>{"val", &f.val},
                                        {"test", &f.test}})
        for (const auto& scan : *scans) {
          const double logit = signal * (scan.label - 0.5) + prng.normal();
          predictions.push_back({scan, role, 1.0 / (1.0 + std::exp(-logit))});
        }
      const fs::path dir = train::taskDir(config, task);
      fs::create_directories(dir);
      train::writePredictions(dir / "predictions.csv", predictions);
      train::writeJsonAtomic(dir / "metrics.json", fakeMetrics(task, f.train, predictions));
    }
  }
  return config;
}

Config relocated(const Config& config, const fs::path& runDir, const std::vector<std::string>& overrides) {
  std::vector<std::string> all{"run.dir=" + runDir.string(), "cohort.table=" + (runDir / "cohort.csv").string()};
  all.insert(all.end(), overrides.begin(), overrides.end());
  return withOverrides(config, all);
}

Config copyRun(const Config& config, const fs::path& to, const std::vector<std::string>& overrides) {
  fs::remove_all(to);
  fs::create_directories(to.parent_path());
  fs::copy(config.run.dir, to, fs::copy_options::recursive);
  const Config copy = relocated(config, to, overrides);
  prepareRun(copy, nlohmann::json::object());  // the manifest records the copy's config hash
  return copy;
}

namespace {


/// The shared runs, cached next to this test executable (ctest runs every test in its own process):
/// built once per build of the executable -- a rebuilt executable rebuilds them, so they always come
/// from the code under test.
struct SharedRuns {
  Config gated, reduced;
  SharedRuns() {
    const fs::path exe = fs::read_symlink("/proc/self/exe");
    const fs::path root = exe.parent_path() / "reduce-fixture";
    fs::create_directories(root);
    const std::string key = exe.string() + " " + std::to_string(fs::file_size(exe)) + " " +
                            std::to_string(fs::last_write_time(exe).time_since_epoch().count()) + "\n";
    FileLock lock(root / "lock");
    gated = fakeRunConfig(root / "run");
    reduced = relocated(gated, root / "reduced");
    const fs::path stamp = root / "complete";
    if (fs::exists(stamp) && readFile(stamp) == key) return;
    fs::remove(stamp);
    fs::remove_all(root / "run");
    fs::remove_all(root / "reduced");
    gated = writeFakeRun(root / "run");
    gating::runGateStage(gated);
    reduced = copyRun(gated, root / "reduced");
    reduce::runReduce(reduced);
    writeFileAtomic(stamp, key);
  }
};

SharedRuns& sharedRuns() {
  static SharedRuns runs;
  return runs;
}

}  // namespace

const Config& gatedFakeRun() { return sharedRuns().gated; }

const Config& reducedFakeRun() { return sharedRuns().reduced; }

std::vector<fs::path> filesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path().lexically_relative(dir));
  std::sort(out.begin(), out.end());
  return out;
}

TestColumn readTestPredictions(const fs::path& predictionsCsv) {
  TestColumn c;
  for (const auto& p : train::readPredictions(predictionsCsv))
    if (p.role == "test") {
      c.scanIds.push_back(p.scan.scanId);
      c.labels.push_back(p.scan.label);
      c.probs.push_back(p.prob);
    }
  return c;
}

}  // namespace ren::test
