#pragma once
// A prepared run for the trainer's tests: the tests' tiny config (configs/tiny.toml) with 40 patients
// (about 130 scans), synthesised, split, preprocessed (32^3 model grid) and with radiomics. It is built
// once per build tree under a file lock (ctest runs every test in its own process, several at once)
// and shared read-only: each test gets its own run directory whose inputs link to it.
#include <filesystem>
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/ConfigSchema.h"

namespace ren::test {

/// The overrides every trainer test starts from (on top of configs/tiny.toml).
std::vector<ConfigOverride> trainFixtureOverrides();

/// The shared prepared run directory (built on first use).
const std::filesystem::path& trainFixtureRun();

/// A config whose run directory `runDir` (created) links cohort/, split.csv, data/ and radiomics/ to
/// the shared run, with `overrides` applied after trainFixtureOverrides().
Config trainTestConfig(const std::filesystem::path& runDir, const std::vector<std::string>& overrides = {});

}  // namespace ren::test
