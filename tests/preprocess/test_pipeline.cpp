// Stage 1 for one scan: resampling, orientation, lobe conventions, fallback lung segmentation and
// the model-grid presets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "ren/core/CohortTable.h"
#include "ren/core/Error.h"
#include "ren/core/Regions.h"
#include "ren/io/NiftiImage.h"
#include "ren/preprocess/LobeMap.h"
#include "ren/preprocess/LungSegmentation.h"
#include "ren/preprocess/ModelGridPreset.h"
#include "ren/preprocess/Resample.h"
#include "ren/preprocess/ScanPipeline.h"
#include "ren/synth/SyntheticCohort.h"

namespace fs = std::filesystem;
using namespace ren;

namespace {

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("ren_test_pp_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// A small synthetic cohort shared by the tests of this binary (removed at exit).
struct Cohort {
  fs::path dir = tempDir("cohort");
  CohortTable table;
  Cohort() {
    SynthConfig c;
    c.patients = 2;
    c.maxScansPerPatient = 1;
    c.size = 48;
    c.spacing = 5.0;
    c.prevalence = 0.5;
    synth::writeSyntheticCohort(dir, c, 21, 2);
    table = readCohortTable(dir / "cohort.csv");
  }
  ~Cohort() { fs::remove_all(dir); }
};
const Cohort& cohort() {
  static const Cohort c;
  return c;
}

Config testConfig() {
  Config c;
  c.preprocess.isoSpacing = 2.5;
  c.preprocess.grid = 32;
  c.cohort.labels = "auto";
  return c;
}

double dice(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, std::uint8_t va, const Region& rb) {
  std::int64_t inter = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool x = a[i] == va, y = rb.contains(b[i]);
    inter += x && y;
    na += x;
    nb += y;
  }
  return 2.0 * static_cast<double>(inter) / static_cast<double>(na + nb);
}

}  // namespace

TEST(Resample, SphereVolumeIsKeptWithinTwoPercent) {
  // A 20 mm sphere on an anisotropic CT-like grid (0.7 x 0.7 x 2.5 mm), resampled to 1 mm.
  io::VolumeGeometry g;
  g.size = {90, 90, 30};
  g.spacing = {0.7, 0.7, 2.5};
  io::Volume<std::uint8_t> v(g, 0);
  const double r = 20.0, c[3] = {31.15, 31.15, 36.25};
  for (std::int64_t k = 0; k < g.size[2]; ++k)
    for (std::int64_t j = 0; j < g.size[1]; ++j)
      for (std::int64_t i = 0; i < g.size[0]; ++i) {
        const double x = i * g.spacing[0] - c[0], y = j * g.spacing[1] - c[1], z = k * g.spacing[2] - c[2];
        v.at(i, j, k) = x * x + y * y + z * z <= r * r;
      }
  const auto iso = preprocess::resampleNearest(v, 1.0);
  EXPECT_EQ(iso.geometry.size, (std::array<std::int64_t, 3>{63, 63, 73}));
  std::int64_t count = 0;
  for (auto x : iso.voxels) count += x;
  const double expected = 4.0 / 3.0 * M_PI * r * r * r;
  EXPECT_NEAR(static_cast<double>(count), expected, 0.02 * expected);
}

TEST(Resample, CubicInterpolatesSmoothDataAndKeepsSamples) {
  io::VolumeGeometry g;
  g.size = {20, 16, 12};
  g.spacing = {1.0, 2.0, 3.0};
  io::Volume<float> v(g);
  auto f = [](double x, double y, double z) { return 100.0 * std::sin(x / 9.0) + 50.0 * std::cos(y / 11.0) + 0.5 * z; };
  for (std::int64_t k = 0; k < g.size[2]; ++k)
    for (std::int64_t j = 0; j < g.size[1]; ++j)
      for (std::int64_t i = 0; i < g.size[0]; ++i) v.at(i, j, k) = static_cast<float>(f(i * 1.0, j * 2.0, k * 3.0));
  const auto iso = preprocess::resampleCubic(v, 1.0, 2);
  ASSERT_EQ(iso.geometry.size, (std::array<std::int64_t, 3>{20, 31, 34}));
  double worst = 0;
  for (std::int64_t k = 2; k < iso.geometry.size[2] - 3; ++k)
    for (std::int64_t j = 2; j < iso.geometry.size[1] - 3; ++j)
      for (std::int64_t i = 2; i < iso.geometry.size[0] - 3; ++i)
        worst = std::max(worst, std::fabs(iso.at(i, j, k) - f(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))));
  EXPECT_LT(worst, 0.5);  // cubic convolution on a smooth 200 HU-range field
  EXPECT_FLOAT_EQ(iso.at(4, 8, 9), v.at(4, 4, 3));  // grid points that coincide are reproduced exactly
}

TEST(LobeMap, EveryConventionMapsToTheCanonicalLobes) {
  io::VolumeGeometry g;
  g.size = {6, 1, 1};
  for (const auto& [name, labels] : std::vector<std::pair<std::string, std::array<int, 5>>>{
           {"lungmask", {1, 2, 3, 4, 5}}, {"totalseg-v2", {10, 11, 12, 13, 14}}, {"totalseg-v1", {13, 14, 15, 16, 17}}}) {
    io::Volume<std::int32_t> v(g, 0);
    for (int l = 0; l < 5; ++l) v.voxels[static_cast<std::size_t>(l + 1)] = labels[static_cast<std::size_t>(l)];
    CohortConfig declared;
    declared.labels = name;
    const auto mapped = preprocess::toCanonicalLobes(v, declared, "map");
    EXPECT_EQ(mapped.lobes.voxels, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5})) << name;
    CohortConfig automatic;
    automatic.labels = "auto";
    EXPECT_EQ(preprocess::toCanonicalLobes(v, automatic, "map").convention, name);
  }
  // A user mapping.
  io::Volume<std::int32_t> v(g, 0);
  v.voxels = {0, 25, 24, 23, 22, 21};
  CohortConfig custom;
  custom.labels = "custom";
  custom.lobeLabels = "25,24,23,22,21";
  EXPECT_EQ(preprocess::toCanonicalLobes(v, custom, "map").lobes.voxels, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5}));
}

TEST(LobeMap, AmbiguousWrongAndPartialMaps) {
  io::VolumeGeometry g;
  g.size = {9, 1, 1};
  io::Volume<std::int32_t> full(g, 0);
  full.voxels = {0, 10, 11, 12, 13, 14, 15, 16, 17};  // a multi-organ map: fits TotalSegmentator v1 and v2
  CohortConfig automatic;
  automatic.labels = "auto";
  try {
    preprocess::toCanonicalLobes(full, automatic, "ambiguous.nii.gz");
    FAIL() << "an ambiguous map must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ambiguous.nii.gz"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("ambiguous"), std::string::npos);
  }
  io::Volume<std::int32_t> ts(g, 0);
  ts.voxels = {0, 10, 11, 12, 13, 14, 0, 0, 0};
  CohortConfig lungmask;
  lungmask.labels = "lungmask";
  try {
    preprocess::toCanonicalLobes(ts, lungmask, "ts.nii.gz");
    FAIL() << "labels of another convention must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another convention"), std::string::npos);
  }
  io::Volume<std::int32_t> partial(g, 0);
  partial.voxels = {0, 1, 2, 3, 5, 0, 0, 0, 0};  // no RML: legal, recorded
  const auto mapped = preprocess::toCanonicalLobes(partial, lungmask, "partial");
  EXPECT_EQ(mapped.present, (std::array<bool, 5>{true, true, true, false, true}));
}

TEST(ScanPipeline, LpsAndRasStoredScansGiveTheSameResult) {
  const auto& scan = cohort().table.scans[0];
  const auto ct = io::readNifti<std::int16_t>(cohort().table.resolve(scan.image));
  const auto lobes = io::readNifti<std::uint8_t>(cohort().table.resolve(scan.lobes));
  // The same physical scan stored with its voxel axes pointing Left and Posterior (LPS order).
  auto flip = [](auto v) {
    auto out = v;
    const auto& n = v.geometry.size;
    for (std::int64_t k = 0; k < n[2]; ++k)
      for (std::int64_t j = 0; j < n[1]; ++j)
        for (std::int64_t i = 0; i < n[0]; ++i) out.at(n[0] - 1 - i, n[1] - 1 - j, k) = v.at(i, j, k);
    const auto last = v.geometry.worldOf(static_cast<double>(n[0] - 1), static_cast<double>(n[1] - 1), 0);
    out.geometry.origin = {last[0], last[1], v.geometry.origin[2]};
    out.geometry.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    return out;
  };
  const fs::path dir = tempDir("lps");
  io::writeNifti(dir / "ct.nii.gz", flip(ct));
  io::writeNifti(dir / "lobes.nii.gz", flip(lobes));
  CohortTable lps;
  lps.source = dir / "cohort.csv";
  lps.scans = {{scan.scanId, scan.patientId, scan.label, "ct.nii.gz", "lobes.nii.gz", scan.site}};
  const Config config = testConfig();
  const auto a = preprocess::preprocessScan(scan, cohort().table, config);
  const auto b = preprocess::preprocessScan(lps.scans[0], lps, config);
  EXPECT_EQ(a.lobes, b.lobes);
  ASSERT_EQ(a.image.size(), b.image.size());
  for (std::size_t i = 0; i < a.image.size(); ++i) ASSERT_NEAR(a.image[i], b.image[i], 1e-5) << i;
  EXPECT_EQ(a.regionVoxels1mm, b.regionVoxels1mm);
  for (int x = 0; x < 3; ++x) EXPECT_NEAR(a.isoGeometry.origin[x], b.isoGeometry.origin[x], 1e-6);
  fs::remove_all(dir);
}

TEST(ScanPipeline, RegionCountsAndPresets) {
  const auto& scan = cohort().table.scans[0];
  Config config = testConfig();
  const auto lung = preprocess::preprocessScan(scan, cohort().table, config);
  EXPECT_EQ(lung.image.size(), 32u * 32u * 32u);
  EXPECT_EQ(lung.labelConvention, "lungmask");
  for (int r = 0; r < 5; ++r) EXPECT_GT(lung.regionVoxels1mm[static_cast<std::size_t>(r)], 0) << r;
  EXPECT_EQ(lung.regionVoxels1mm[5], lung.regionVoxels1mm[0] + lung.regionVoxels1mm[1]);
  EXPECT_EQ(lung.regionVoxels1mm[6], lung.regionVoxels1mm[2] + lung.regionVoxels1mm[3] + lung.regionVoxels1mm[4]);
  // Lung preset: cropped to the lungs, so they fill much of the grid; background is air (0).
  const double lungFraction = static_cast<double>(lung.regionVoxelsGrid[5] + lung.regionVoxelsGrid[6]) / (32.0 * 32 * 32);
  EXPECT_GT(lungFraction, 0.12);
  EXPECT_EQ(lung.image[0], 0.0f);
  for (std::size_t i = 0; i < lung.image.size(); ++i) {
    ASSERT_GE(lung.image[i], 0.0f);
    ASSERT_LE(lung.image[i], 1.0f);
  }
  config.preprocess.preset = "paper";
  const auto paper = preprocess::preprocessScan(scan, cohort().table, config);
  EXPECT_EQ(paper.windowLow, -175.0);
  EXPECT_EQ(paper.box[0], 0);
  EXPECT_EQ(paper.box[1], paper.isoGeometry.size[0]);
  // Paper preset: the whole field of view; outside the lungs 0 HU -> 175/425 after windowing.
  EXPECT_NEAR(paper.image[0], 175.0 / 425.0, 1e-6);
  EXPECT_LT(static_cast<double>(paper.regionVoxelsGrid[5] + paper.regionVoxelsGrid[6]) / (32.0 * 32 * 32), lungFraction);
  // The lung preset's box is a cube (same edge on every axis) inside the wider field of view.
  const auto& b = lung.box;
  EXPECT_EQ(b[1] - b[0], b[3] - b[2]);
  EXPECT_EQ(b[1] - b[0], b[5] - b[4]);
}

TEST(LungSegmentation, FallbackFindsBothLungsOnTheRightSides) {
  const auto& scan = cohort().table.scans[0];
  Config config = testConfig();
  const auto truth = preprocess::loadIsotropicScan(scan, cohort().table, config);
  const auto seg = preprocess::segmentLungs(truth.hu);
  EXPECT_GT(dice(seg.voxels, truth.labels.voxels, kLeftLungUnknownLobe, kRegions[5]), 0.85);
  EXPECT_GT(dice(seg.voxels, truth.labels.voxels, kRightLungUnknownLobe, kRegions[6]), 0.85);
}

TEST(ScanPipeline, NoLobeMapUsesTheFallbackAndRecordsIt) {
  auto scan = cohort().table.scans[0];
  scan.lobes.clear();
  const auto out = preprocess::preprocessScan(scan, cohort().table, testConfig());
  EXPECT_TRUE(out.lobesAbsent);
  EXPECT_EQ(out.labelConvention, "lung-fallback");
  for (int r = 0; r < 5; ++r) EXPECT_EQ(out.regionVoxels1mm[static_cast<std::size_t>(r)], 0);
  EXPECT_GT(out.regionVoxels1mm[5], 0);
  EXPECT_GT(out.regionVoxels1mm[6], 0);
}

TEST(ScanPipeline, BadHounsfieldValuesAreRefused) {
  io::VolumeGeometry g;
  g.size = {4, 4, 4};
  io::Volume<float> v(g, -1000.0f);
  v.voxels[5] = 40.0f;
  EXPECT_NO_THROW(preprocess::checkHounsfield(v, "ok"));
  v.voxels[7] = std::nanf("");
  try {
    preprocess::checkHounsfield(v, "scan X (ct.nii)");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("ct.nii"), std::string::npos);
  }
  io::Volume<float> unitless(g, 0.2f);  // intensities in [0, 1]: not HU
  EXPECT_THROW(preprocess::checkHounsfield(unitless, "u"), InputError);
}
