// The cohort feature table (CSV + HDF5) and the per-scan region rows of the radiomics stage.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/core/Regions.h"
#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/FeatureTable.h"
#include "ren/radiomics/RadiomicsStage.h"
#include "support/TempDirTest.h"

namespace ren::radiomics {
namespace {

class FeatureTableTest : public test::TempDirTest {
 protected:
  FeatureTableTest() : TempDirTest("ren_feature_table") {}
  static FeatureTable sample() {
    FeatureTable t;
    t.featureNames = {"original_firstorder_Mean", "original_glcm_Idmn"};
    t.settings = "binWidth=25";
    t.fingerprint = "abc123";
    t.rows.push_back({"S-1", "LUL", "ok", 1234, {-812.25, 0.1 + 0.2}});
    t.rows.push_back({"S-1", "LLL", "empty", 0, {std::nan(""), std::nan("")}});
    t.rows.push_back({"S,2", "RIGHT", "ok", 5, {1e-300, -0.0}});
    return t;
  }
  static void expectEqual(const FeatureTable& a, const FeatureTable& b) {
    EXPECT_EQ(a.featureNames, b.featureNames);
    ASSERT_EQ(a.rows.size(), b.rows.size());
    for (std::size_t r = 0; r < a.rows.size(); ++r) {
      EXPECT_EQ(a.rows[r].scanId, b.rows[r].scanId);
      EXPECT_EQ(a.rows[r].region, b.rows[r].region);
      EXPECT_EQ(a.rows[r].status, b.rows[r].status);
      EXPECT_EQ(a.rows[r].voxelCount, b.rows[r].voxelCount);
      ASSERT_EQ(a.rows[r].values.size(), b.rows[r].values.size());
      for (std::size_t c = 0; c < a.rows[r].values.size(); ++c) {
        const double x = a.rows[r].values[c], y = b.rows[r].values[c];
        if (std::isnan(x)) EXPECT_TRUE(std::isnan(y));
        else EXPECT_EQ(x, y);  // exact round trip
      }
    }
  }
};

TEST_F(FeatureTableTest, CsvHasTheInterfaceColumnsAndRoundTripsExactly) {
  const FeatureTable t = sample();
  const std::string text = formatFeatureCsv(t);
  EXPECT_EQ(text.substr(0, text.find('\n')), "scan_id,region,original_firstorder_Mean,original_glcm_Idmn,status,voxel_count");
  EXPECT_NE(text.find("S-1,LLL,nan,nan,empty,0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"S,2\",RIGHT"), std::string::npos) << text;
  writeFileAtomic(dir_ / "f.csv", text);
  expectEqual(t, readFeatureCsv(dir_ / "f.csv"));
}

TEST_F(FeatureTableTest, HdfRoundTripsAndIsDeterministic) {
  const FeatureTable t = sample();
  writeFeatureHdf5(dir_ / "a.h5", t);
  writeFeatureHdf5(dir_ / "b.h5", t);
  const FeatureTable back = readFeatureHdf5(dir_ / "a.h5");
  expectEqual(t, back);
  EXPECT_EQ(back.settings, "binWidth=25");
  EXPECT_EQ(back.fingerprint, "abc123");
  std::ifstream a(dir_ / "a.h5", std::ios::binary), b(dir_ / "b.h5", std::ios::binary);
  const std::string bytesA((std::istreambuf_iterator<char>(a)), {}), bytesB((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(bytesA, bytesB);
  EXPECT_FALSE(std::filesystem::exists(temporaryPathFor(dir_ / "a.h5")));
}

TEST_F(FeatureTableTest, MalformedFilesAreNamed) {
  writeFileAtomic(dir_ / "bad.csv", "scan_id,region,x,status,voxel_count\nS,LUL,abc,ok,3\n");
  try {
    readFeatureCsv(dir_ / "bad.csv");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'abc'"), std::string::npos) << e.what();
  }
  writeFileAtomic(dir_ / "other.csv", "a,b\n1,2\n");
  EXPECT_THROW(readFeatureCsv(dir_ / "other.csv"), InputError);
  writeFileAtomic(dir_ / "junk.h5", "not hdf5");
  try {
    readFeatureHdf5(dir_ / "junk.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.h5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(readFeatureHdf5(dir_ / "missing.h5"), InputError);
}

TEST(RadiomicsStage, ConfigSectionMapsToEngineSettings) {
  RadiomicsConfig rc;
  RadiomicsSettings s = settingsFromConfig(rc);
  EXPECT_EQ(s.binWidth, 25);
  EXPECT_FALSE(s.binCount);
  EXPECT_EQ(s.distances, std::vector<int>{1});
  EXPECT_FALSE(s.resegmentRange);
  EXPECT_FALSE(s.minimumRoiSize);
  rc.binCount = 32;
  rc.distances = "1,3";
  rc.weightingNorm = "manhattan";
  rc.resegmentRange = "-1000,400";
  rc.minimumRoiSize = 50;
  s = settingsFromConfig(rc);
  EXPECT_EQ(*s.binCount, 32);
  EXPECT_EQ(s.distances, (std::vector<int>{1, 3}));
  EXPECT_EQ(s.weightingNorm, WeightingNorm::Manhattan);
  EXPECT_EQ(s.resegmentRange->second, 400);
  EXPECT_EQ(*s.minimumRoiSize, 50);
}

// Two lobes of a tiny scan: every region gets a row in kRegions order; a lung is the union of its
// lobes (its firstorder features are those of the union); absent lobes are NaN rows marked empty.
TEST(RadiomicsStage, RegionRowsFollowTheRegionDefinitions) {
  preprocess::IsotropicScan scan;
  io::VolumeGeometry g;
  g.size = {12, 10, 8};
  scan.hu = io::Volume<float>(g, -1000.0f);
  scan.labels = io::Volume<std::uint8_t>(g, 0);
  for (std::int64_t k = 1; k < 7; ++k)
    for (std::int64_t j = 1; j < 9; ++j)
      for (std::int64_t i = 1; i < 11; ++i) {
        scan.labels.at(i, j, k) = i < 6 ? 1 : 2;  // LUL left half, LLL right half
        scan.hu.at(i, j, k) = static_cast<float>(-900 + 37 * ((i * 7 + j * 3 + k * 5) % 11));
      }
  ScanRecord record;
  record.scanId = "S1";
  const RadiomicsSettings settings;
  const auto rows = regionFeatures(scan, record, settings, 2);
  ASSERT_EQ(rows.size(), 7u);
  for (const Region& r : kRegions) EXPECT_EQ(rows[static_cast<std::size_t>(r.index)].region, r.name);
  EXPECT_EQ(rows[0].status, "ok");
  EXPECT_EQ(rows[0].voxelCount, 5 * 8 * 6);
  EXPECT_EQ(rows[1].voxelCount, 5 * 8 * 6);
  EXPECT_EQ(rows[5].voxelCount, 10 * 8 * 6);  // LEFT = LUL + LLL
  for (int r : {2, 3, 4, 6}) {
    EXPECT_EQ(rows[static_cast<std::size_t>(r)].status, "empty");
    EXPECT_TRUE(std::isnan(rows[static_cast<std::size_t>(r)].values[0]));
  }
  // LEFT's mean is the mean of the two lobes' means (equal sizes).
  const auto names = featureNames(settings);
  const auto mean = static_cast<std::size_t>(std::find(names.begin(), names.end(), "original_firstorder_Mean") - names.begin());
  EXPECT_NEAR(rows[5].values[mean], (rows[0].values[mean] + rows[1].values[mean]) / 2, 1e-9);
  // The same rows on one thread.
  const auto single = regionFeatures(scan, record, settings, 1);
  for (std::size_t r = 0; r < 7; ++r)
    for (std::size_t c = 0; c < names.size(); ++c)
      if (!std::isnan(rows[r].values[c])) EXPECT_EQ(rows[r].values[c], single[r].values[c]) << names[c];
}

}  // namespace
}  // namespace ren::radiomics
