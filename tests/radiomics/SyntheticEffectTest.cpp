// The features recover the synthetic cohort's disease: ILD there is subpleural and basal, so the
// lower lobes' density and texture features separate ILD scans from controls, and the upper lobes'
// much less. Runs the stage's per-scan path (loadIsotropicScan + regionFeatures) on the tests' tiny
// cohort (configs/tiny.toml: 10 patients, 35 scans, 4 mm).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "ren/core/CohortTable.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/RunLayout.h"
#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/RadiomicsStage.h"
#include "ren/synth/SyntheticCohort.h"
#include "support/TempDirTest.h"

namespace ren::radiomics {
namespace {

class SyntheticEffectTest : public test::TempDirTest {
 protected:
  SyntheticEffectTest() : TempDirTest("ren_radiomics_effect") {}
};

/// Mann-Whitney AUC of `positive` above `negative` (ties count one half).
double auc(const std::vector<double>& positive, const std::vector<double>& negative) {
  double wins = 0;
  for (double p : positive)
    for (double n : negative) wins += p > n ? 1.0 : (p == n ? 0.5 : 0.0);
  return wins / (static_cast<double>(positive.size()) * static_cast<double>(negative.size()));
}

TEST_F(SyntheticEffectTest, BasalLobeFeaturesSeparateIldFromControls) {
  const Config config = loadConfig(std::string(REN_SOURCE_DIR) + "/configs/tiny.toml");
  synth::writeSyntheticCohort(dir_ / "cohort", config.synth, layout::synthSeed(config), 2);
  const CohortTable cohort = readCohortTable(dir_ / "cohort" / "cohort.csv");
  const RadiomicsSettings settings = settingsFromConfig(config.radiomics);
  const auto names = featureNames(settings);
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  // feature values per (region, feature) for label 1 and label 0
  std::map<std::pair<std::string, std::string>, std::array<std::vector<double>, 2>> values;
  const std::vector<std::string> features{"original_firstorder_Mean", "original_glcm_JointEntropy"};
  int ill = 0;
  for (const ScanRecord& scan : cohort.scans) {
    const auto rows = regionFeatures(preprocess::loadIsotropicScan(scan, cohort, config, 2), scan, settings, 2);
    ill += scan.label;
    for (const auto& row : rows) {
      ASSERT_EQ(row.status, "ok") << scan.scanId << " " << row.region;
      for (const auto& f : features) values[{row.region, f}][scan.label].push_back(row.values[column(f)]);
    }
  }
  ASSERT_GE(ill, 5);
  ASSERT_GE(static_cast<int>(cohort.scans.size()) - ill, 5);
  for (const auto& f : features) {
    SCOPED_TRACE(f);
    const auto a = [&](const char* region) { return auc(values[{region, f}][1], values[{region, f}][0]); };
    // ILD raises density and heterogeneity in the lower lobes (measured: 0.99 / 0.99 for both).
    EXPECT_GT(a("LLL"), 0.9);
    EXPECT_GT(a("RLL"), 0.9);
    // The upper lobes carry much less of it (measured: RUL 0.77 for Mean, 0.46 for JointEntropy).
    EXPECT_GT(a("LLL") - a("RUL"), 0.15);
  }
}

}  // namespace
}  // namespace ren::radiomics
