#include "train/TrainFixture.h"


#include <fstream>
#include <stdexcept>

#include "ren/core/FileLock.h"
#include "ren/core/Logging.h"
#include "ren/core/Stage.h"
#include "ren/preprocess/PreprocessStage.h"
#include "ren/radiomics/RadiomicsStage.h"
#include "ren/split/SplitStage.h"
#include "ren/synth/SynthStage.h"

namespace ren::test {

namespace fs = std::filesystem;

namespace {

fs::path tinyConfig() { return fs::path(REN_SOURCE_DIR) / "configs" / "tiny.toml"; }

std::vector<ConfigOverride> parse(const std::vector<std::string>& texts) {
  std::vector<ConfigOverride> out;
  for (const auto& t : texts) out.push_back(parseOverride(t));
  return out;
}

void registerStagesOnce() {
  static bool done = false;
  if (done) return;
  auto& registry = StageRegistry::instance();
  synth::registerSynthStage(registry);
  split::registerSplitStage(registry);
  preprocess::registerPreprocessStage(registry);
  radiomics::registerRadiomicsStage(registry);
  done = true;
}


}  // namespace

std::vector<ConfigOverride> trainFixtureOverrides() {
  return parse({"synth.patients=40", "run.log_level=warn", "run.threads=2"});
}

const fs::path& trainFixtureRun() {
  static const fs::path run = [] {
    const fs::path root = fs::path(REN_TEST_FIXTURE_DIR);
    fs::create_directories(root);
    const fs::path dir = root / "train-run";
    FileLock lock(root / "train-run.lock");
    if (!fs::exists(dir / "complete")) {
      fs::remove_all(dir);
      auto overrides = trainFixtureOverrides();
      overrides.push_back(parseOverride("run.dir=" + dir.string()));
      const Config config = loadConfig(tinyConfig(), overrides);
      initLogging("warn");
      registerStagesOnce();
      prepareRun(config, nlohmann::json::object());
      for (const char* stage : {"synth", "split", "preprocess", "radiomics"})
        runStage(*StageRegistry::instance().find(stage), config);
      std::ofstream(dir / "complete") << "ok\n";
    }
    return dir;
  }();
  return run;
}

Config trainTestConfig(const fs::path& runDir, const std::vector<std::string>& overrides) {
  registerStagesOnce();  // task fingerprints chain the upstream stages' fingerprints
  const fs::path& shared = trainFixtureRun();
  fs::create_directories(runDir);
  for (const char* name : {"cohort", "split.csv", "data", "radiomics"})
    if (!fs::exists(runDir / name)) fs::create_symlink(shared / name, runDir / name);
  auto all = trainFixtureOverrides();
  all.push_back(parseOverride("run.dir=" + runDir.string()));
  for (const auto& o : parse(overrides)) all.push_back(o);
  return loadConfig(tinyConfig(), all);
}

}  // namespace ren::test
