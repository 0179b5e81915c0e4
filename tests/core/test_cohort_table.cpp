#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ren/core/CohortTable.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"

namespace fs = std::filesystem;

namespace {

class CohortTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ren-test-cohort-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text, const std::string& name = "cohort.csv") {
    const fs::path p = dir_ / name;
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p;
  }

  /// The InputError message of reading `text`, or "<no InputError>".
  std::string errorOf(const std::string& text) {
    const fs::path p = write(text);
    try {
      ren::readCohortTable(p);
    } catch (const ren::InputError& e) {
      return e.what();
    }
    return "<no InputError>";
  }

  fs::path dir_;
};

}  // namespace

TEST_F(CohortTableTest, ValidTableRoundTrips) {
  const fs::path p = write(
      "scan_id,patient_id,label,image,lobes,site,extra\n"
      "S1,P1,0,images/S1.nii.gz,lobes/S1.nii.gz,A,x\n"
      "S2,P1,1,images/S2.nii.gz,,B,y\n"
      "\"S,3\",P2,1,/abs/S3.nii.gz,lobes/S3.nii.gz,,z\n");
  const ren::CohortTable t = ren::readCohortTable(p);
  ASSERT_EQ(t.scans.size(), 3u);
  EXPECT_EQ(t.source, p);
  EXPECT_EQ(t.patientCount(), 2u);
  EXPECT_EQ(t.scans[0].scanId, "S1");
  EXPECT_EQ(t.scans[0].patientId, "P1");
  EXPECT_EQ(t.scans[0].label, 0);
  EXPECT_EQ(t.scans[1].label, 1);
  EXPECT_EQ(t.scans[1].lobes, "");
  EXPECT_EQ(t.scans[2].scanId, "S,3");
  EXPECT_EQ(t.scans[2].site, "");

  EXPECT_EQ(t.resolve("images/S1.nii.gz"), dir_ / "images/S1.nii.gz");
  EXPECT_EQ(t.resolve("/abs/S3.nii.gz"), fs::path("/abs/S3.nii.gz"));
  EXPECT_EQ(t.resolve(""), fs::path());

  const fs::path out = dir_ / "sub" / "copy.csv";
  ren::writeCohortTable(out, t);
  const ren::CsvTable raw = ren::readCsv(out);
  EXPECT_EQ(raw.header,
            (std::vector<std::string>{"scan_id", "patient_id", "label", "image", "lobes", "site"}));
  const ren::CohortTable back = ren::readCohortTable(out);
  ASSERT_EQ(back.scans.size(), t.scans.size());
  for (std::size_t i = 0; i < t.scans.size(); ++i) {
    EXPECT_EQ(back.scans[i].scanId, t.scans[i].scanId);
    EXPECT_EQ(back.scans[i].patientId, t.scans[i].patientId);
    EXPECT_EQ(back.scans[i].label, t.scans[i].label);
    EXPECT_EQ(back.scans[i].image, t.scans[i].image);
    EXPECT_EQ(back.scans[i].lobes, t.scans[i].lobes);
    EXPECT_EQ(back.scans[i].site, t.scans[i].site);
  }
  // No temporary files left behind by the atomic write.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "sub")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(CohortTableTest, OptionalColumnsMayBeAbsent) {
  const fs::path p = write("image,label,patient_id,scan_id\na.nii,1,P,S\n");
  const ren::CohortTable t = ren::readCohortTable(p);
  ASSERT_EQ(t.scans.size(), 1u);
  EXPECT_EQ(t.scans[0].scanId, "S");
  EXPECT_EQ(t.scans[0].image, "a.nii");
  EXPECT_EQ(t.scans[0].lobes, "");
  EXPECT_EQ(t.scans[0].site, "");
}

TEST_F(CohortTableTest, ResolveWithoutDirectory) {
  ren::CohortTable t;
  t.source = "cohort.csv";
  EXPECT_EQ(t.resolve("img.nii"), fs::path("img.nii"));
}

TEST_F(CohortTableTest, MissingFileNamesIt) {
  try {
    ren::readCohortTable(dir_ / "absent.csv");
    FAIL() << "no InputError";
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.csv"), std::string::npos) << e.what();
  }
}

TEST_F(CohortTableTest, MissingRequiredColumnListsColumnsFound) {
  // A typo ("lable") is not guessed.
  const std::string msg = errorOf("scan_id,patient_id,lable,image\nS1,P1,0,a.nii\n");
  EXPECT_NE(msg.find("cohort.csv"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing required column 'label'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("columns found: scan_id, patient_id, lable, image"), std::string::npos) << msg;
}

TEST_F(CohortTableTest, EmptyScanId) {
  const std::string msg = errorOf("scan_id,patient_id,label,image\nS1,P1,0,a\n,P2,1,b\n");
  EXPECT_NE(msg.find("cohort.csv"), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 2 (line 3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty scan_id"), std::string::npos) << msg;
}

TEST_F(CohortTableTest, EmptyPatientId) {
  const std::string msg = errorOf("scan_id,patient_id,label,image\n\nS1,  ,0,a\n");
  EXPECT_NE(msg.find("row 1 (line 3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty patient_id"), std::string::npos) << msg;
}

TEST_F(CohortTableTest, DuplicateScanIdNamesBothRows) {
  const std::string msg =
      errorOf("scan_id,patient_id,label,image\nS1,P1,0,a\nS2,P1,0,b\nS1,P2,1,c\n");
  EXPECT_NE(msg.find("duplicate scan_id 'S1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 3 (line 4)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 1 (line 2)"), std::string::npos) << msg;
}

TEST_F(CohortTableTest, BadLabelShowsValue) {
  for (const std::string bad : {"2", "yes", "", "0.5", "-1"}) {
    const std::string msg = errorOf("scan_id,patient_id,label,image\nS1,P1,0,a\nS2,P2," + bad + ",b\n");
    EXPECT_NE(msg.find("row 2 (line 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("label must be 0 or 1, found '" + bad + "'"), std::string::npos) << msg;
  }
}

TEST_F(CohortTableTest, EmptyTable) {
  EXPECT_NE(errorOf("scan_id,patient_id,label,image\n").find("no scans"), std::string::npos);
  EXPECT_NE(errorOf("").find("empty"), std::string::npos);
}

TEST_F(CohortTableTest, RaggedRowNamesLine) {
  const std::string msg = errorOf("scan_id,patient_id,label,image\nS1,P1,0\n");
  EXPECT_NE(msg.find("cohort.csv:2: expected 4 fields, found 3"), std::string::npos) << msg;
}
