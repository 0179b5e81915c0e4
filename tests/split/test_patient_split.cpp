#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ren/core/CohortTable.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/split/PatientSplit.h"

namespace fs = std::filesystem;
using ren::split::Role;

namespace {

/// `patients` patients with 1..4 scans each and random labels; scan rows in shuffled order.
ren::CohortTable makeCohort(int patients, std::uint64_t seed) {
  ren::Rng rng(seed);
  ren::CohortTable c;
  for (int p = 0; p < patients; ++p) {
    char pid[16];
    std::snprintf(pid, sizeof pid, "P%03d", p);
    const int scans = static_cast<int>(rng.between(1, 4));
    for (int s = 0; s < scans; ++s) {
      ren::ScanRecord r;
      r.patientId = pid;
      r.scanId = std::string(pid) + "_s" + std::to_string(s);
      r.label = rng.bernoulli(0.4) ? 1 : 0;
      r.image = "images/" + r.scanId + ".nii.gz";
      c.scans.push_back(r);
    }
  }
  rng.shuffle(c.scans);
  return c;
}

/// A cohort from (patient id, scan count) pairs; labels alternate 0,1.
ren::CohortTable cohortOf(const std::vector<std::pair<std::string, int>>& patients) {
  ren::CohortTable c;
  int n = 0;
  for (const auto& [pid, count] : patients) {
    for (int s = 0; s < count; ++s) {
      ren::ScanRecord r;
      r.patientId = pid;
      r.scanId = pid + "_" + std::to_string(s);
      r.label = (n++) % 2;
      r.image = r.scanId;
      c.scans.push_back(r);
    }
  }
  return c;
}

/// role[fold][patient] (checks that a patient has a single role per fold).
std::vector<std::map<std::string, Role>> rolesByFold(const ren::split::PatientSplit& s) {
  std::vector<std::map<std::string, Role>> out(static_cast<std::size_t>(s.foldCount()));
  for (const auto& r : s.rows) {
    auto [it, fresh] = out.at(static_cast<std::size_t>(r.fold)).emplace(r.patientId, r.role);
    EXPECT_TRUE(fresh || it->second == r.role)
        << "patient " << r.patientId << " has two roles in fold " << r.fold;
  }
  return out;
}

/// Held-out fold of each patient (the base fold where it is not training).
std::map<std::string, int> heldOutFold(const ren::split::PatientSplit& s) {
  std::map<std::string, int> out;
  for (const auto& r : s.rows) {
    if (r.fold < s.baseFolds && r.role != Role::Train) out[r.patientId] = r.fold;
  }
  return out;
}

fs::path scratchDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("ren-test-split-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST(PatientSplit, RoleNames) {
  EXPECT_STREQ(ren::split::roleName(Role::Train), "train");
  EXPECT_STREQ(ren::split::roleName(Role::Val), "val");
  EXPECT_STREQ(ren::split::roleName(Role::Test), "test");
  EXPECT_EQ(ren::split::parseRole("train"), Role::Train);
  EXPECT_EQ(ren::split::parseRole("val"), Role::Val);
  EXPECT_EQ(ren::split::parseRole("test"), Role::Test);
  EXPECT_THROW(ren::split::parseRole("Test"), ren::InputError);
  EXPECT_THROW(ren::split::parseRole("validation"), ren::InputError);
}

TEST(PatientSplit, EveryPatientHeldOutInExactlyOneBaseFold) {
  const auto cohort = makeCohort(60, 7);
  const auto s = ren::split::makePatientSplit(cohort, {});
  EXPECT_EQ(s.baseFolds, 5);
  EXPECT_FALSE(s.rotated);
  EXPECT_EQ(s.foldCount(), 5);
  std::map<std::string, int> heldCount;
  for (const auto& roles : rolesByFold(s)) {
    for (const auto& [pid, role] : roles) {
      if (role != Role::Train) ++heldCount[pid];
    }
  }
  EXPECT_EQ(heldCount.size(), cohort.patientCount());
  for (const auto& [pid, n] : heldCount) EXPECT_EQ(n, 1) << pid;

  // The greedy balance keeps fold sizes within the largest patient's scan count (4).
  std::vector<int> foldScans(5, 0);
  for (const auto& r : s.rows) {
    if (r.role != Role::Train) ++foldScans[static_cast<std::size_t>(r.fold)];
  }
  const auto [lo, hi] = std::minmax_element(foldScans.begin(), foldScans.end());
  EXPECT_LE(*hi - *lo, 4);
}

TEST(PatientSplit, EachScanOncePerFoldAndPatientsShareRole) {
  const auto cohort = makeCohort(60, 11);
  const auto s = ren::split::makePatientSplit(cohort, {});
  ASSERT_EQ(s.rows.size(), cohort.scans.size() * 5);
  // Sorted by fold, then cohort scan order.
  for (int f = 0; f < 5; ++f) {
    for (std::size_t i = 0; i < cohort.scans.size(); ++i) {
      const auto& r = s.rows[static_cast<std::size_t>(f) * cohort.scans.size() + i];
      EXPECT_EQ(r.fold, f);
      EXPECT_EQ(r.scanId, cohort.scans[i].scanId);
      EXPECT_EQ(r.patientId, cohort.scans[i].patientId);
    }
  }
  std::vector<std::set<std::string>> seen(5);
  for (const auto& r : s.rows) EXPECT_TRUE(seen[static_cast<std::size_t>(r.fold)].insert(r.scanId).second);
  for (const auto& set : seen) EXPECT_EQ(set.size(), cohort.scans.size());
  rolesByFold(s);  // fails the test if a patient has two roles in one fold
}

TEST(PatientSplit, ValGetsFloorHalfOfTheFoldsPatients) {
  for (int patients : {5, 6, 13, 60}) {
    const auto cohort = makeCohort(patients, 100 + static_cast<std::uint64_t>(patients));
    const auto s = ren::split::makePatientSplit(cohort, {5, false, 9});
    const auto roles = rolesByFold(s);
    for (int f = 0; f < 5; ++f) {
      std::size_t val = 0, test = 0;
      for (const auto& [pid, role] : roles[static_cast<std::size_t>(f)]) {
        val += role == Role::Val;
        test += role == Role::Test;
      }
      EXPECT_GE(val + test, 1u);
      EXPECT_EQ(val, (val + test) / 2) << "fold " << f << " of " << patients << " patients";
    }
  }
}

TEST(PatientSplit, ValTestHalvesFollowTheSeededShuffle) {
  // METHOD.md §4: the fold's patients sorted by id, shuffled with Rng(seed + k), first half val.
  const auto cohort = makeCohort(60, 3);
  const std::uint64_t seed = 1234;
  const auto s = ren::split::makePatientSplit(cohort, {5, false, seed});
  const auto held = heldOutFold(s);
  const auto roles = rolesByFold(s);
  for (int k = 0; k < 5; ++k) {
    std::vector<std::string> pts;
    for (const auto& [pid, f] : held) {
      if (f == k) pts.push_back(pid);  // std::map iterates in id order
    }
    ren::Rng rng(seed + static_cast<std::uint64_t>(k));
    rng.shuffle(pts);
    for (std::size_t i = 0; i < pts.size(); ++i) {
      EXPECT_EQ(roles[static_cast<std::size_t>(k)].at(pts[i]), i < pts.size() / 2 ? Role::Val : Role::Test);
    }
  }
}

TEST(PatientSplit, DeterministicAndSeedOnlyChangesHalves) {
  const auto cohort = makeCohort(60, 5);
  const auto a = ren::split::makePatientSplit(cohort, {5, false, 42});
  const auto b = ren::split::makePatientSplit(cohort, {5, false, 42});
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].scanId, b.rows[i].scanId);
    EXPECT_EQ(a.rows[i].patientId, b.rows[i].patientId);
    EXPECT_EQ(a.rows[i].fold, b.rows[i].fold);
    EXPECT_EQ(a.rows[i].role, b.rows[i].role);
  }
  const auto c = ren::split::makePatientSplit(cohort, {5, false, 43});
  EXPECT_EQ(heldOutFold(a), heldOutFold(c));  // fold membership does not depend on the seed
  bool anyDifferent = false;
  ASSERT_EQ(a.rows.size(), c.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].role == Role::Train, c.rows[i].role == Role::Train);
    anyDifferent = anyDifferent || a.rows[i].role != c.rows[i].role;
  }
  EXPECT_TRUE(anyDifferent) << "a different seed should change some val/test halves";
}

TEST(PatientSplit, GreedyBalancingHandExample) {
  // Six patients, 3 folds. Order: scan count descending, ties by id ascending:
  //   F(4), A(3), C(2), D(2), B(1), E(1).
  // Fold scan totals start at [0,0,0]; each patient goes to the fold with the fewest scans
  // (ties -> lowest fold index):
  //   F -> 0 (all 0)            [4,0,0]
  //   A -> 1 (folds 1,2 tie 0)  [4,3,0]
  //   C -> 2                    [4,3,2]
  //   D -> 2 (2 < 3 < 4)        [4,3,4]
  //   B -> 1 (3 is smallest)    [4,4,4]
  //   E -> 0 (three-way tie)    [5,4,4]
  const auto cohort = cohortOf({{"A", 3}, {"B", 1}, {"C", 2}, {"D", 2}, {"E", 1}, {"F", 4}});
  const auto s = ren::split::makePatientSplit(cohort, {3, false, 42});
  const std::map<std::string, int> expected = {{"F", 0}, {"A", 1}, {"C", 2},
                                               {"D", 2}, {"B", 1}, {"E", 0}};
  EXPECT_EQ(heldOutFold(s), expected);
  // Fold 2 holds C and D: one val, one test. Fold 0 holds F and E: one val, one test.
  const auto roles = rolesByFold(s);
  EXPECT_NE(roles[2].at("C"), roles[2].at("D"));
  EXPECT_NE(roles[0].at("F"), roles[0].at("E"));
}

TEST(PatientSplit, TiesBrokenByByteWiseId) {
  // Equal scan counts: byte-wise order is "P1" < "p10" < "p9" (upper case before lower case,
  // '1' before '9'), so they take folds 0, 1, 2.
  const auto cohort = cohortOf({{"p9", 2}, {"p10", 2}, {"P1", 2}});
  const auto s = ren::split::makePatientSplit(cohort, {3, false, 1});
  const std::map<std::string, int> expected = {{"P1", 0}, {"p10", 1}, {"p9", 2}};
  EXPECT_EQ(heldOutFold(s), expected);
  // One patient per fold: floor(1/2) = 0 val patients, the patient is test.
  for (const auto& r : s.rows) {
    if (r.role != Role::Train) {
      EXPECT_EQ(r.role, Role::Test);
    }
  }
}

TEST(PatientSplit, RotationTestsEveryPatientOnce) {
  const auto cohort = makeCohort(60, 21);
  const auto plain = ren::split::makePatientSplit(cohort, {5, false, 8});
  const auto s = ren::split::makePatientSplit(cohort, {5, true, 8});
  EXPECT_TRUE(s.rotated);
  EXPECT_EQ(s.baseFolds, 5);
  EXPECT_EQ(s.foldCount(), 10);
  ASSERT_EQ(s.rows.size(), cohort.scans.size() * 10);
  // The first 5 folds are the unrotated split.
  for (std::size_t i = 0; i < plain.rows.size(); ++i) {
    EXPECT_EQ(s.rows[i].fold, plain.rows[i].fold);
    EXPECT_EQ(s.rows[i].role, plain.rows[i].role);
  }
  std::map<std::string, int> tests, vals;
  const auto roles = rolesByFold(s);
  for (const auto& foldRoles : roles) {
    for (const auto& [pid, role] : foldRoles) {
      tests[pid] += role == Role::Test;
      vals[pid] += role == Role::Val;
    }
  }
  ASSERT_EQ(tests.size(), cohort.patientCount());
  for (const auto& [pid, n] : tests) EXPECT_EQ(n, 1) << pid;
  for (const auto& [pid, n] : vals) EXPECT_EQ(n, 1) << pid;
  // Fold 5 + k is fold k with val and test swapped.
  for (int k = 0; k < 5; ++k) {
    for (const auto& [pid, role] : roles[static_cast<std::size_t>(k)]) {
      const Role other = roles[static_cast<std::size_t>(5 + k)].at(pid);
      const Role expected = role == Role::Train ? Role::Train
                            : role == Role::Val ? Role::Test
                                                : Role::Val;
      EXPECT_EQ(other, expected) << pid << " fold " << k;
    }
  }
}

TEST(PatientSplit, CsvRoundTrip) {
  const auto dir = scratchDir("roundtrip");
  const auto cohort = makeCohort(30, 4);
  for (bool rotate : {false, true}) {
    const auto s = ren::split::makePatientSplit(cohort, {4, rotate, 77});
    const fs::path p = dir / (rotate ? "rot.csv" : "plain.csv");
    ren::split::writeSplitCsv(p, s);
    {
      std::ifstream in(p);
      std::string header;
      std::getline(in, header);
      EXPECT_EQ(header, "scan_id,patient_id,fold,role");
    }
    const auto back = ren::split::readSplitCsv(p);
    EXPECT_EQ(back.baseFolds, 4);
    EXPECT_EQ(back.rotated, rotate);
    EXPECT_EQ(back.foldCount(), s.foldCount());
    ASSERT_EQ(back.rows.size(), s.rows.size());
    for (std::size_t i = 0; i < s.rows.size(); ++i) {
      EXPECT_EQ(back.rows[i].scanId, s.rows[i].scanId);
      EXPECT_EQ(back.rows[i].patientId, s.rows[i].patientId);
      EXPECT_EQ(back.rows[i].fold, s.rows[i].fold);
      EXPECT_EQ(back.rows[i].role, s.rows[i].role);
    }
    EXPECT_NO_THROW(ren::split::checkSplitMatchesCohort(back, cohort));
  }
  // A 2-fold split is not mistaken for a rotated one.
  {
    const auto s = ren::split::makePatientSplit(cohort, {2, false, 1});
    ren::split::writeSplitCsv(dir / "two.csv", s);
    const auto back = ren::split::readSplitCsv(dir / "two.csv");
    EXPECT_FALSE(back.rotated);
    EXPECT_EQ(back.baseFolds, 2);
  }
  fs::remove_all(dir);
}

TEST(PatientSplit, ReadSplitCsvRejectsBadFiles) {
  const auto dir = scratchDir("bad");
  auto errorOf = [&](const std::string& text) -> std::string {
    const fs::path p = dir / "split.csv";
    {
      std::ofstream out(p, std::ios::binary);
      out << text;
    }
    try {
      ren::split::readSplitCsv(p);
    } catch (const ren::InputError& e) {
      return e.what();
    }
    return "<no InputError>";
  };
  const std::string file = (dir / "split.csv").string();
  std::string msg = errorOf("scan,patient_id,fold,role\nS1,P1,0,train\n");
  EXPECT_NE(msg.find(file + ":1: split header"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,0,test\nS2,P2,0,training\n");
  EXPECT_NE(msg.find(file + ":3: unknown role 'training'"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,x,test\n");
  EXPECT_NE(msg.find(file + ":2: fold"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,0,test\nS2,P1,0,val\n");
  EXPECT_NE(msg.find(":3: patient 'P1' is both test and val"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,0,test\nS1,P1,0,test\n");
  EXPECT_NE(msg.find("appears twice in fold 0"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,0,test\nS2,P2,0,train\nS1,P1,1,train\n");
  EXPECT_NE(msg.find("'S2' is missing from fold 1"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,0,test\nS1,P1,2,test\n");
  EXPECT_NE(msg.find("fold 1 has no rows"), std::string::npos) << msg;
  msg = errorOf("scan_id,patient_id,fold,role\nS1,P1,0,test\nS1,P2,1,test\n");
  EXPECT_NE(msg.find("patient 'P2' here but 'P1'"), std::string::npos) << msg;
  fs::remove_all(dir);
}

TEST(PatientSplit, CheckSplitMatchesCohort) {
  const auto cohort = makeCohort(20, 2);
  auto s = ren::split::makePatientSplit(cohort, {4, false, 1});
  auto smaller = cohort;
  smaller.scans.pop_back();
  EXPECT_THROW(ren::split::checkSplitMatchesCohort(s, smaller), ren::InputError);
  s.rows[0].patientId = "someone-else";
  EXPECT_THROW(ren::split::checkSplitMatchesCohort(s, cohort), ren::InputError);
}

TEST(PatientSplit, BadFoldCounts) {
  const auto cohort = cohortOf({{"A", 1}, {"B", 2}, {"C", 1}});
  EXPECT_THROW(ren::split::makePatientSplit(cohort, {4, false, 1}), ren::InputError);
  EXPECT_THROW(ren::split::makePatientSplit(cohort, {1, false, 1}), ren::InputError);
  EXPECT_THROW(ren::split::makePatientSplit(ren::CohortTable{}, {2, false, 1}), ren::InputError);
  try {
    ren::split::makePatientSplit(cohort, {4, false, 1});
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("4 folds but only 3 patients"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(ren::split::makePatientSplit(cohort, {3, false, 1}));
}

TEST(PatientSplit, SummaryCountsAndWarnsOnMissingClass) {
  // Patients A..D each with 2 scans; A and B all label 1, C and D all label 0. Two folds:
  // greedy puts A, C in fold 0 and B, D in fold 1 (ties by id, lowest fold).
  ren::CohortTable cohort;
  for (const auto& [pid, label] : std::vector<std::pair<std::string, int>>{{"A", 1}, {"B", 1}, {"C", 0}, {"D", 0}}) {
    for (int i = 0; i < 2; ++i) {
      cohort.scans.push_back({pid + std::to_string(i), pid, label, "img", "", ""});
    }
  }
  const auto s = ren::split::makePatientSplit(cohort, {2, false, 5});
  const auto j = ren::split::splitSummary(s, cohort);
  EXPECT_EQ(j["folds"], 2);
  EXPECT_EQ(j["scans"], 8);
  EXPECT_EQ(j["patients"], 4);
  ASSERT_EQ(j["per_fold"].size(), 2u);
  for (const auto& f : j["per_fold"]) {
    EXPECT_EQ(f["train"]["scans"], 4);
    EXPECT_EQ(f["train"]["patients"], 2);
    EXPECT_EQ(f["train"]["label0"], 2);
    EXPECT_EQ(f["train"]["label1"], 2);
    EXPECT_EQ(f["val"]["patients"], 1);
    EXPECT_EQ(f["test"]["patients"], 1);
    EXPECT_EQ(f["val"]["scans"], 2);
  }
  // Each fold's val and test hold a single patient, so each lacks one class: 4 warnings.
  const auto& w = j["warnings"];
  ASSERT_EQ(w.size(), 4u) << j.dump(2);
  std::set<std::string> msgs;
  for (const auto& m : w) msgs.insert(m.get<std::string>());
  // Fold 0 holds A (label 1) and C (label 0): whichever is val, one of these two appears.
  const bool fold0 = msgs.count("fold 0 val has no label-1 scans") + msgs.count("fold 0 val has no label-0 scans") == 1;
  EXPECT_TRUE(fold0) << j.dump(2);

  // A balanced cohort gives no warnings for a large random cohort's train sets.
  const auto big = makeCohort(60, 9);
  const auto js = ren::split::splitSummary(ren::split::makePatientSplit(big, {}), big);
  for (const auto& m : js["warnings"]) {
    EXPECT_EQ(m.get<std::string>().find("train"), std::string::npos) << m;
  }
  std::size_t total = 0;
  for (const auto& f : js["per_fold"]) {
    total += f["val"]["scans"].get<std::size_t>() + f["test"]["scans"].get<std::size_t>();
  }
  EXPECT_EQ(total, big.scans.size());
}

TEST(PatientSplit, SummaryWarnsOnEmptyRole) {
  const auto cohort = cohortOf({{"A", 1}, {"B", 1}});
  const auto s = ren::split::makePatientSplit(cohort, {2, false, 1});
  const auto j = ren::split::splitSummary(s, cohort);
  std::set<std::string> msgs;
  for (const auto& m : j["warnings"]) msgs.insert(m.get<std::string>());
  EXPECT_TRUE(msgs.count("fold 0 val has no scans")) << j.dump(2);
  EXPECT_TRUE(msgs.count("fold 1 val has no scans")) << j.dump(2);
}
