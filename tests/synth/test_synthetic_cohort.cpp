// The synthetic ILD cohort: determinism, anatomy and disease properties the rest of the project
// (and its tests) rely on.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "ren/core/AtomicFile.h"
#include "ren/core/CohortTable.h"
#include "ren/core/Regions.h"
#include "ren/core/Sha256.h"
#include "ren/io/NiftiImage.h"
#include "ren/synth/DiseaseModel.h"
#include "ren/synth/SyntheticCohort.h"

namespace fs = std::filesystem;
using ren::Lobe;

namespace {

ren::SynthConfig smallCohort() {
  ren::SynthConfig c;
  c.patients = 6;
  c.size = 40;
  c.spacing = 6.0;
  c.sites = 2;
  c.prevalence = 0.5;
  c.converters = 0.0;
  c.confounders = 0.5;
  return c;
}

fs::path freshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("ren_test_synth_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

/// SHA-256 of every file under dir, keyed by relative path.
std::map<std::string, std::string> hashTree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = ren::sha256File(e.path());
  return out;
}

/// The cohort every anatomy test reads: generated once per test binary, removed at exit.
struct SharedCohort {
  fs::path dir = freshDir("shared");
  SharedCohort() { ren::synth::writeSyntheticCohort(dir, smallCohort(), 11, 2); }
  ~SharedCohort() { fs::remove_all(dir); }
};
const fs::path& sharedCohort() {
  static const SharedCohort cohort;
  return cohort.dir;
}

struct LobeStats {
  std::int64_t voxels = 0;
  double x = 0, y = 0, z = 0;  // world (RAS) centroid
};

std::map<int, LobeStats> lobeCentroids(const ren::io::Volume<std::uint8_t>& lobes) {
  std::map<int, LobeStats> stats;
  const auto& g = lobes.geometry;
  for (std::int64_t k = 0; k < g.size[2]; ++k)
    for (std::int64_t j = 0; j < g.size[1]; ++j)
      for (std::int64_t i = 0; i < g.size[0]; ++i) {
        const int l = lobes.at(i, j, k);
        if (!l) continue;
        const auto w = g.worldOf(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
        LobeStats& s = stats[l];
        ++s.voxels;
        s.x += w[0];
        s.y += w[1];
        s.z += w[2];
      }
  for (auto& [l, s] : stats) {
    s.x /= static_cast<double>(s.voxels);
    s.y /= static_cast<double>(s.voxels);
    s.z /= static_cast<double>(s.voxels);
  }
  return stats;
}

nlohmann::json readTruth(const fs::path& dir) { return nlohmann::json::parse(ren::readFile(dir / "truth.json")); }

}  // namespace

TEST(SyntheticCohort, SameSeedSameBytesWhateverTheThreadCount) {
  const fs::path a = freshDir("det1"), b = freshDir("det2"), c = freshDir("det3");
  auto config = smallCohort();
  config.patients = 3;
  ren::synth::writeSyntheticCohort(a, config, 99, 1);
  ren::synth::writeSyntheticCohort(b, config, 99, 2);
  ren::synth::writeSyntheticCohort(c, config, 100, 2);
  const auto ha = hashTree(a), hb = hashTree(b), hc = hashTree(c);
  ASSERT_GE(ha.size(), 5u);  // cohort.csv, truth.json, >= 1 image + 1 lobe map per scan
  EXPECT_EQ(ha, hb);
  EXPECT_NE(ha.at("truth.json"), hc.at("truth.json"));
  EXPECT_NE(ha.at("images/P0001-T1.nii.gz"), hc.at("images/P0001-T1.nii.gz"));
  for (const auto& d : {a, b, c}) fs::remove_all(d);
}

TEST(SyntheticCohort, ReusesACompleteCohortAndReplacesAStaleOne) {
  const fs::path dir = freshDir("reuse");
  auto config = smallCohort();
  config.patients = 2;
  EXPECT_FALSE(ren::synth::writeSyntheticCohort(dir, config, 5, 2).reused);
  EXPECT_TRUE(ren::synth::writeSyntheticCohort(dir, config, 5, 2).reused);
  EXPECT_FALSE(ren::synth::writeSyntheticCohort(dir, config, 6, 2).reused);  // other seed: regenerated
  EXPECT_EQ(readTruth(dir)["generator"]["seed"].get<std::uint64_t>(), 6u);
  fs::remove_all(dir);
}

TEST(SyntheticCohort, CohortTableListsEveryScanWithExistingFiles) {
  const auto table = ren::readCohortTable(sharedCohort() / "cohort.csv");
  const auto truth = readTruth(sharedCohort());
  ASSERT_EQ(table.scans.size(), truth["scans"].size());
  EXPECT_EQ(table.patientCount(), 6u);
  int positives = 0;
  for (std::size_t i = 0; i < table.scans.size(); ++i) {
    const auto& s = table.scans[i];
    EXPECT_TRUE(fs::exists(table.resolve(s.image))) << s.image;
    EXPECT_TRUE(fs::exists(table.resolve(s.lobes))) << s.lobes;
    EXPECT_EQ(truth["scans"][i]["scan_id"], s.scanId);
    EXPECT_EQ(truth["scans"][i]["label"].get<int>(), s.label);
    positives += s.label;
  }
  EXPECT_GT(positives, 0);
  EXPECT_LT(positives, static_cast<int>(table.scans.size()));
}

TEST(SyntheticCohort, FiveNonEmptyLobesInAnatomicalPositions) {
  const auto table = ren::readCohortTable(sharedCohort() / "cohort.csv");
  for (const auto& s : table.scans) {
    const auto lobes = ren::io::readNifti<std::uint8_t>(table.resolve(s.lobes));
    const auto c = lobeCentroids(lobes);
    ASSERT_EQ(c.size(), 5u) << s.scanId << ": expected exactly the five lobe labels";
    for (int l = 1; l <= 5; ++l) EXPECT_GT(c.at(l).voxels, 200) << s.scanId << " lobe " << l;
    const auto& lul = c.at(int(Lobe::LUL));
    const auto& lll = c.at(int(Lobe::LLL));
    const auto& rul = c.at(int(Lobe::RUL));
    const auto& rml = c.at(int(Lobe::RML));
    const auto& rll = c.at(int(Lobe::RLL));
    // RAS world: the patient's left is -x. Left lobes lie on the left of the midline, right lobes on the right.
    EXPECT_LT(lul.x, 0.0) << s.scanId;
    EXPECT_LT(lll.x, 0.0) << s.scanId;
    EXPECT_GT(rul.x, 0.0) << s.scanId;
    EXPECT_GT(rml.x, 0.0) << s.scanId;
    EXPECT_GT(rll.x, 0.0) << s.scanId;
    // Lower lobes are inferior (and posterior) to the upper lobes; the middle lobe is anterior.
    EXPECT_LT(lll.z, lul.z) << s.scanId;
    EXPECT_LT(rll.z, rul.z) << s.scanId;
    EXPECT_LT(lll.y, lul.y) << s.scanId;
    EXPECT_LT(rll.y, rml.y) << s.scanId;
    EXPECT_GT(rml.y, rul.y) << s.scanId;
  }
}

TEST(SyntheticCohort, HounsfieldRangesOfLungBodyAndAir) {
  const auto table = ren::readCohortTable(sharedCohort() / "cohort.csv");
  const auto truth = readTruth(sharedCohort());
  double healthySum = 0, diseasedSum = 0;
  int healthy = 0, diseased = 0;
  for (std::size_t n = 0; n < table.scans.size(); ++n) {
    const auto& s = table.scans[n];
    const auto ct = ren::io::readNifti<std::int16_t>(table.resolve(s.image));
    const auto lobes = ren::io::readNifti<std::uint8_t>(table.resolve(s.lobes));
    ASSERT_EQ(ct.geometry.size, lobes.geometry.size);
    double lungSum = 0, cornerSum = 0;
    std::int64_t lungCount = 0, cornerCount = 0;
    const auto& g = ct.geometry;
    for (std::int64_t k = 0; k < g.size[2]; ++k)
      for (std::int64_t j = 0; j < g.size[1]; ++j)
        for (std::int64_t i = 0; i < g.size[0]; ++i) {
          if (lobes.at(i, j, k)) {
            lungSum += ct.at(i, j, k);
            ++lungCount;
          }
          if (i < 2 && j < 2) {  // a corner column of the field of view: air outside the body
            cornerSum += ct.at(i, j, k);
            ++cornerCount;
          }
        }
    const double lungMean = lungSum / static_cast<double>(lungCount);
    EXPECT_NEAR(cornerSum / static_cast<double>(cornerCount), -1000.0, 20.0) << s.scanId;
    EXPECT_GT(lungMean, -920.0) << s.scanId;
    EXPECT_LT(lungMean, -600.0) << s.scanId;
    const double severity = truth["scans"][n]["severity"].get<double>();
    if (severity == 0.0 && truth["scans"][n]["confounder"] == "none") {
      // Healthy aerated lung: about -850 HU (partial volume with vessels and walls raises the mean
      // at this coarse 6 mm test resolution).
      EXPECT_LT(lungMean, -760.0) << s.scanId;
      healthySum += lungMean;
      ++healthy;
    } else if (severity >= 0.5) {
      diseasedSum += lungMean;
      ++diseased;
    }
    const auto maxValue = *std::max_element(ct.voxels.begin(), ct.voxels.end());
    EXPECT_GT(maxValue, 300) << s.scanId << ": no bone";
  }
  ASSERT_GT(healthy, 0) << "the shared cohort should hold a healthy control";
  ASSERT_GT(diseased, 0) << "the shared cohort should hold a moderate/severe ILD scan";
  EXPECT_GT(diseasedSum / diseased, healthySum / healthy + 15.0) << "ILD raises mean lung attenuation";
}

TEST(SyntheticCohort, DiseaseIsBasalAndOnlyInIldScans) {
  const auto truth = readTruth(sharedCohort());
  double lower = 0, upper = 0;
  int ild = 0;
  for (const auto& s : truth["scans"]) {
    const auto& r = s["regions"];
    if (s["label"].get<int>() == 0) {
      for (const auto& region : {"LUL", "LLL", "RUL", "RML", "RLL"}) EXPECT_EQ(r[region]["burden"].get<double>(), 0.0);
      continue;
    }
    ++ild;
    const double lowerBurden = r["LLL"]["burden"].get<double>() + r["RLL"]["burden"].get<double>();
    const double upperBurden = r["LUL"]["burden"].get<double>() + r["RUL"]["burden"].get<double>();
    EXPECT_GT(lowerBurden, upperBurden) << s["scan_id"];
    EXPECT_GT(lowerBurden, 0.0) << s["scan_id"];
    lower += lowerBurden;
    upper += upperBurden;
  }
  ASSERT_GT(ild, 0);
  EXPECT_GT(lower, 2.0 * upper) << "basal predominance over the cohort";
}

TEST(SyntheticCohort, TotalSegmentatorLabelsAreWrittenInItsConvention) {
  const fs::path dir = freshDir("ts");
  auto config = smallCohort();
  config.patients = 2;
  config.labels = "totalseg-v2";
  ren::synth::writeSyntheticCohort(dir, config, 3, 2);
  const auto table = ren::readCohortTable(dir / "cohort.csv");
  const auto lobes = ren::io::readNifti<std::uint8_t>(table.resolve(table.scans[0].lobes));
  std::set<int> values(lobes.voxels.begin(), lobes.voxels.end());
  EXPECT_EQ(values, (std::set<int>{0, 10, 11, 12, 13, 14}));
  fs::remove_all(dir);
}

TEST(SyntheticCohortPlan, LongitudinalStructureLikeThePaper) {
  ren::SynthConfig config;
  config.patients = 600;
  config.prevalence = 0.4;
  const auto plans = ren::synth::planSyntheticCohort(config, 1);
  std::map<std::string, std::vector<const ren::synth::ScanPlan*>> byPatient;
  for (const auto& p : plans) byPatient[p.patientId].push_back(&p);
  ASSERT_EQ(byPatient.size(), 600u);
  const double mean = static_cast<double>(plans.size()) / 600.0;
  EXPECT_GT(mean, 2.9);  // the paper: 1,898 scans / 597 patients = 3.18
  EXPECT_LT(mean, 3.4);
  int ildPatients = 0;
  for (const auto& [patient, scans] : byPatient) {
    ASSERT_GE(scans.size(), 1u);
    ASSERT_LE(scans.size(), 4u);
    bool anyIld = false;
    for (std::size_t t = 0; t < scans.size(); ++t) {
      // Shared anatomy and disease layout, same site; severity never decreases.
      EXPECT_EQ(scans[t]->anatomySeed, scans[0]->anatomySeed);
      EXPECT_EQ(scans[t]->disease.patternSeed, scans[0]->disease.patternSeed);
      EXPECT_EQ(scans[t]->site, scans[0]->site);
      if (t > 0) EXPECT_GE(scans[t]->disease.severity, scans[t - 1]->disease.severity);
      if (t > 0) EXPECT_GE(scans[t]->label, scans[t - 1]->label);  // disease can progress, never regress
      EXPECT_EQ(scans[t]->label == 1, scans[t]->disease.severity >= 0.3) << scans[t]->scanId;
      anyIld = anyIld || scans[t]->label == 1;
    }
    ildPatients += anyIld;
  }
  EXPECT_EQ(ildPatients, 240);  // exactly round(prevalence * N)
}

TEST(DiseaseModel, PropensityIsSubpleuralAndBasal) {
  const double scale = 120.0;
  ren::synth::LungPosition pleuralBase{{0, 0, 0}, 2.0, 0.1, 0.5};
  ren::synth::LungPosition deepBase{{0, 0, 0}, 40.0, 0.1, 0.5};
  ren::synth::LungPosition pleuralApex{{0, 0, 0}, 2.0, 0.9, 0.5};
  EXPECT_GT(ren::synth::diseasePropensity(0.6, pleuralBase, scale), 2.0 * ren::synth::diseasePropensity(0.6, deepBase, scale));
  EXPECT_GT(ren::synth::diseasePropensity(0.6, pleuralBase, scale), 5.0 * ren::synth::diseasePropensity(0.6, pleuralApex, scale));
  EXPECT_EQ(ren::synth::diseasePropensity(0.0, pleuralBase, scale), 0.0);
}
