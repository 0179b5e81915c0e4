// HDF5 shards of stage 1 (ScanShard.h), their index (ShardIndex.h) and the trainer-side reader
// with prefetch (ShardDataset.h).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/core/Regions.h"
#include "ren/core/Sha256.h"
#include "ren/preprocess/ScanShard.h"
#include "ren/preprocess/ShardDataset.h"
#include "ren/preprocess/ShardIndex.h"

namespace fs = std::filesystem;
using namespace ren::preprocess;

namespace {

const std::string kFingerprint = "f00dfeedcafe0123456789abcdef";

/// A synthetic scan with non-trivial values everywhere. A non-cubic grid catches axis-order bugs.
PreprocessedScan makeScan(const std::string& id, unsigned seed, std::array<std::int64_t, 3> grid = {12, 10, 8}) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::uniform_int_distribution<int> label(0, 7);
  std::uniform_int_distribution<std::int64_t> count(0, 1'000'000);
  std::uniform_real_distribution<double> real(-300.0, 300.0);
  PreprocessedScan s;
  s.scanId = id;
  s.patientId = "P-" + std::to_string(seed);
  s.label = static_cast<int>(seed % 3);
  s.site = "site-" + std::to_string(seed % 4) + " (Zürich)";
  s.grid = grid;
  const std::size_t n = static_cast<std::size_t>(grid[0] * grid[1] * grid[2]);
  s.image.resize(n);
  s.lobes.resize(n);
  for (auto& v : s.image) v = unit(rng);
  for (auto& v : s.lobes) v = static_cast<std::uint8_t>(label(rng));
  for (auto& c : s.regionVoxels1mm) c = count(rng);
  for (auto& c : s.regionVoxelsGrid) c = count(rng);
  s.sourceGeometry.size = {512, 512, 100 + static_cast<std::int64_t>(seed)};
  s.sourceGeometry.spacing = {0.7 + seed * 0.01, 0.71, 1.25};
  s.sourceGeometry.origin = {real(rng), real(rng), real(rng)};
  s.sourceGeometry.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  s.isoGeometry.size = {358, 363, 125};
  s.isoGeometry.spacing = {1, 1, 1};
  s.isoGeometry.origin = {real(rng), real(rng), real(rng)};
  s.isoGeometry.direction = {0.999, 0.01, 0, -0.01, 0.999, 0, 0, 0, 1};
  s.box = {-3, 20, 5, 300, 310, 125};
  s.preset = seed % 2 ? "lung" : "paper";
  s.windowLow = seed % 2 ? -1000.0 : -175.0;
  s.windowHigh = seed % 2 ? 400.0 : 250.0;
  s.labelConvention = seed % 2 ? "lungmask" : "lung-fallback";
  s.lobesAbsent = seed % 2 == 0;
  s.imageSha256 = ren::sha256Hex("image" + std::to_string(seed));
  s.lobesSha256 = seed % 2 ? ren::sha256Hex("lobes" + std::to_string(seed)) : "";
  return s;
}

void expectSameScan(const PreprocessedScan& a, const PreprocessedScan& b, double tolerance = 1e-4) {
  EXPECT_EQ(a.scanId, b.scanId);
  EXPECT_EQ(a.patientId, b.patientId);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.site, b.site);
  EXPECT_EQ(a.grid, b.grid);
  ASSERT_EQ(a.image.size(), b.image.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.image.size(); ++i) worst = std::max(worst, std::abs(double(a.image[i]) - b.image[i]));
  EXPECT_LE(worst, tolerance) << a.scanId;
  EXPECT_EQ(a.lobes, b.lobes);
  EXPECT_EQ(a.regionVoxels1mm, b.regionVoxels1mm);
  EXPECT_EQ(a.regionVoxelsGrid, b.regionVoxelsGrid);
  for (const auto* pair : {&a.sourceGeometry, &a.isoGeometry}) {
    const auto& other = pair == &a.sourceGeometry ? b.sourceGeometry : b.isoGeometry;
    EXPECT_EQ(pair->size, other.size);
    EXPECT_EQ(pair->spacing, other.spacing);
    EXPECT_EQ(pair->origin, other.origin);
    EXPECT_EQ(pair->direction, other.direction);
  }
  EXPECT_EQ(a.box, b.box);
  EXPECT_EQ(a.preset, b.preset);
  EXPECT_EQ(a.windowLow, b.windowLow);
  EXPECT_EQ(a.windowHigh, b.windowHigh);
  EXPECT_EQ(a.labelConvention, b.labelConvention);
  EXPECT_EQ(a.lobesAbsent, b.lobesAbsent);
  EXPECT_EQ(a.imageSha256, b.imageSha256);
  EXPECT_EQ(a.lobesSha256, b.lobesSha256);
}

/// The InputError message of `f`, or "<no InputError>".
template <class F>
std::string inputErrorOf(F&& f) {
  try {
    f();
  } catch (const ren::InputError& e) {
    return e.what();
  }
  return "<no InputError>";
}

std::string commandOutput(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

class ShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ren-test-shard-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    scans_ = {makeScan("scan-c", 3), makeScan("scan-a", 1), makeScan("scan-b", 2)};
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Files in dir_ whose name contains ".tmp." (left-over temporary files).
  std::vector<std::string> temporaries() const {
    std::vector<std::string> t;
    for (const auto& e : fs::recursive_directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) t.push_back(e.path().string());
    return t;
  }

  /// Rewrites an int attribute of the root group of a shard (in place, with HDF5 directly).
  void setRootIntAttribute(const fs::path& shard, const char* name, int value) {
    const hid_t file = H5Fopen(shard.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    if (H5Aexists(file, name) > 0) {
      ASSERT_GE(H5Adelete(file, name), 0);
    }
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(file, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(attr, 0);
    ASSERT_GE(H5Awrite(attr, H5T_NATIVE_INT, &value), 0);
    H5Aclose(attr);
    H5Sclose(space);
    ASSERT_GE(H5Fclose(file), 0);
  }

  fs::path dir_;
  std::vector<PreprocessedScan> scans_;
};

// ---------------------------------------------------------------------------------------------
// ScanShard

TEST_F(ShardTest, RoundTripOfThreeScans) {
  const fs::path shard = dir_ / "shard-0000.h5";
  writeShard(shard, scans_, kFingerprint, 4);
  ASSERT_TRUE(fs::exists(shard));
  EXPECT_TRUE(temporaries().empty());
  EXPECT_TRUE(shardIsComplete(shard, kFingerprint));
  // In the order written, not sorted.
  EXPECT_EQ(shardScanIds(shard), (std::vector<std::string>{"scan-c", "scan-a", "scan-b"}));
  for (const auto& s : scans_) expectSameScan(s, readScan(shard, s.scanId));
}

TEST_F(ShardTest, RoundTripUncompressedAndLargerGrid) {
  std::vector<PreprocessedScan> scans{makeScan("big", 7, {40, 33, 21}), makeScan("small", 8, {1, 1, 1})};
  for (const int level : {0, 1, 9}) {
    const fs::path shard = dir_ / ("level" + std::to_string(level) + ".h5");
    writeShard(shard, scans, kFingerprint, level);
    for (const auto& s : scans) expectSameScan(s, readScan(shard, s.scanId));
  }
}

TEST_F(ShardTest, ImageIsClampedAndQuantisedTo16Bits) {
  PreprocessedScan s = makeScan("q", 5, {4, 2, 1});
  s.image = {-0.5f, 1.5f, 0.0f, 1.0f, 12345.0f / 65535.0f, 0.5f, 1e-6f, 0.999999f};
  const fs::path shard = dir_ / "q.h5";
  writeShard(shard, {s}, kFingerprint, 6);
  const auto back = readScan(shard, "q");
  const std::vector<float> expected{0.0f, 1.0f, 0.0f, 1.0f, 12345.0f / 65535.0f, 32768.0f / 65535.0f, 0.0f, 1.0f};
  ASSERT_EQ(back.image.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(back.image[i], expected[i]) << i;
  // Random values: the quantisation error is at most half a step.
  const auto r = makeScan("r", 9);
  writeShard(dir_ / "r.h5", {r}, kFingerprint, 4);
  const auto rb = readScan(dir_ / "r.h5", "r");
  for (std::size_t i = 0; i < r.image.size(); ++i) ASSERT_LE(std::abs(r.image[i] - rb.image[i]), 0.5 / 65535 + 1e-7) << i;
}

TEST_F(ShardTest, OnDiskLayoutIsOneDeflatedChunkInZyxOrder) {
  const fs::path shard = dir_ / "layout.h5";
  writeShard(shard, scans_, kFingerprint, 5);
  const hid_t file = H5Fopen(shard.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  for (const char* name : {"/scans/scan-a/image", "/scans/scan-a/lobes"}) {
    const hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
    ASSERT_GE(dset, 0) << name;
    const hid_t space = H5Dget_space(dset);
    hsize_t dims[3] = {0, 0, 0};
    ASSERT_EQ(H5Sget_simple_extent_dims(space, dims, nullptr), 3);
    EXPECT_EQ(dims[0], 8u);  // z
    EXPECT_EQ(dims[1], 10u);
    EXPECT_EQ(dims[2], 12u);  // x
    const hid_t type = H5Dget_type(dset);
    EXPECT_GT(H5Tequal(type, std::string(name).find("image") != std::string::npos ? H5T_STD_U16LE : H5T_STD_U8LE), 0);
    const hid_t dcpl = H5Dget_create_plist(dset);
    ASSERT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
    hsize_t chunk[3] = {0, 0, 0};
    ASSERT_EQ(H5Pget_chunk(dcpl, 3, chunk), 3);
    EXPECT_EQ(chunk[0], 8u);
    EXPECT_EQ(chunk[1], 10u);
    EXPECT_EQ(chunk[2], 12u);
    ASSERT_EQ(H5Pget_nfilters(dcpl), 1);
    unsigned flags = 0, level = 0;
    std::size_t nValues = 1;
    EXPECT_EQ(H5Pget_filter2(dcpl, 0, &flags, &nValues, &level, 0, nullptr, nullptr), H5Z_FILTER_DEFLATE);
    EXPECT_EQ(level, 5u);
    // x is fastest in the file as in memory: read with HDF5's own pipeline and compare.
    if (std::string(name).find("lobes") != std::string::npos) {
      std::vector<std::uint8_t> lobes(8 * 10 * 12);
      ASSERT_GE(H5Dread(dset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, lobes.data()), 0);
      EXPECT_EQ(lobes, scans_[1].lobes);
    } else {
      std::vector<std::uint16_t> image(8 * 10 * 12);
      ASSERT_GE(H5Dread(dset, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, image.data()), 0);
      for (std::size_t i = 0; i < image.size(); ++i)
        ASSERT_EQ(image[i], static_cast<std::uint16_t>(std::lround(scans_[1].image[i] * 65535.0))) << i;
    }
    H5Pclose(dcpl);
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(dset);
  }
  H5Fclose(file);
  // Level 0: chunked, no filter.
  writeShard(dir_ / "raw.h5", scans_, kFingerprint, 0);
  const hid_t raw = H5Fopen((dir_ / "raw.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t dset = H5Dopen2(raw, "/scans/scan-b/image", H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(dset);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  EXPECT_EQ(H5Pget_nfilters(dcpl), 0);
  H5Pclose(dcpl);
  H5Dclose(dset);
  H5Fclose(raw);
}

TEST_F(ShardTest, ReadsDatasetsWrittenThroughHdf5sOwnFilters) {
  // Images stored by other writers: HDF5's deflate filter (direct chunk path), shuffle + deflate in
  // smaller chunks and a contiguous dataset (both read through H5Dread).
  const fs::path shard = dir_ / "foreign.h5";
  writeShard(shard, scans_, kFingerprint, 4);
  const auto& s = scans_[0];
  std::vector<std::uint16_t> q(s.image.size());
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = static_cast<std::uint16_t>(std::lround(s.image[i] * 65535.0));
  for (const int variant : {0, 1, 2}) {
    const hid_t file = H5Fopen(shard.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, "/scans/scan-c/image", H5P_DEFAULT), 0);
    const hsize_t dims[3] = {8, 10, 12};
    const hid_t space = H5Screate_simple(3, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (variant == 0) {
      ASSERT_GE(H5Pset_chunk(dcpl, 3, dims), 0);
      ASSERT_GE(H5Pset_deflate(dcpl, 3), 0);
    } else if (variant == 1) {
      const hsize_t chunk[3] = {3, 4, 5};
      ASSERT_GE(H5Pset_chunk(dcpl, 3, chunk), 0);
      ASSERT_GE(H5Pset_shuffle(dcpl), 0);
      ASSERT_GE(H5Pset_deflate(dcpl, 3), 0);
    }
    const hid_t dset = H5Dcreate2(file, "/scans/scan-c/image", H5T_STD_U16LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ASSERT_GE(dset, 0);
    ASSERT_GE(H5Dwrite(dset, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, q.data()), 0);
    H5Dclose(dset);
    H5Pclose(dcpl);
    H5Sclose(space);
    ASSERT_GE(H5Fclose(file), 0);
    expectSameScan(s, readScan(shard, "scan-c"));
  }
}

TEST_F(ShardTest, IdenticalInputGivesByteIdenticalShards) {
  for (const int level : {0, 4}) {
    const fs::path a = dir_ / ("a" + std::to_string(level) + ".h5");
    const fs::path b = dir_ / "sub" / ("b" + std::to_string(level) + ".h5");
    writeShard(a, scans_, kFingerprint, level);
    writeShard(b, scans_, kFingerprint, level);  // also creates the parent directory
    EXPECT_EQ(ren::sha256File(a), ren::sha256File(b)) << "level " << level;
    // Overwriting an existing shard gives the same bytes again.
    writeShard(a, scans_, kFingerprint, level);
    EXPECT_EQ(ren::sha256File(a), ren::sha256File(b)) << "level " << level;
  }
  auto changed = scans_;
  changed[1].image[7] = 0.25f;
  writeShard(dir_ / "c.h5", changed, kFingerprint, 4);
  EXPECT_NE(ren::sha256File(dir_ / "c.h5"), ren::sha256File(dir_ / "a4.h5"));
}

TEST_F(ShardTest, ShardsOfManyScansKeepOrderAndBytes) {
  // 40 scans: /scans switches to dense link storage (fractal heap + creation-order index).
  std::vector<PreprocessedScan> many;
  std::vector<std::string> ids;
  for (unsigned i = 0; i < 40; ++i) {
    many.push_back(makeScan("id-" + std::to_string((i * 17) % 40), 200 + i, {5, 4, 3}));
    ids.push_back(many.back().scanId);
  }
  writeShard(dir_ / "a.h5", many, kFingerprint, 4);
  writeShard(dir_ / "b.h5", many, kFingerprint, 4);
  EXPECT_EQ(ren::sha256File(dir_ / "a.h5"), ren::sha256File(dir_ / "b.h5"));
  EXPECT_TRUE(shardIsComplete(dir_ / "a.h5", kFingerprint));
  EXPECT_EQ(shardScanIds(dir_ / "a.h5"), ids);
  for (const auto& s : many) expectSameScan(s, readScan(dir_ / "a.h5", s.scanId));
}

TEST_F(ShardTest, ShardIsCompleteRejectsDamagedAndForeignShards) {
  const fs::path shard = dir_ / "shard.h5";
  writeShard(shard, scans_, kFingerprint, 4);
  EXPECT_TRUE(shardIsComplete(shard, kFingerprint));
  EXPECT_FALSE(shardIsComplete(shard, "another-fingerprint"));
  EXPECT_FALSE(shardIsComplete(dir_ / "missing.h5", kFingerprint));
  EXPECT_FALSE(shardIsComplete(dir_, kFingerprint));  // a directory

  // Truncated: the first half of a valid shard.
  const std::string bytes = ren::readFile(shard);
  const fs::path half = dir_ / "half.h5";
  ren::writeFileAtomic(half, std::string_view(bytes).substr(0, bytes.size() / 2));
  EXPECT_FALSE(shardIsComplete(half, kFingerprint));
  EXPECT_NE(inputErrorOf([&] { readScan(half, "scan-a"); }).find(half.string()), std::string::npos);

  // Not HDF5 at all / empty.
  ren::writeFileAtomic(dir_ / "text.h5", "hello, not a shard\n");
  EXPECT_FALSE(shardIsComplete(dir_ / "text.h5", kFingerprint));
  ren::writeFileAtomic(dir_ / "empty.h5", "");
  EXPECT_FALSE(shardIsComplete(dir_ / "empty.h5", kFingerprint));

  // Without the complete attribute / with complete = 0.
  const fs::path unfinished = dir_ / "unfinished.h5";
  fs::copy_file(shard, unfinished);
  {
    const hid_t file = H5Fopen(unfinished.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Adelete(file, "complete"), 0);
    ASSERT_GE(H5Fclose(file), 0);
  }
  EXPECT_FALSE(shardIsComplete(unfinished, kFingerprint));
  setRootIntAttribute(unfinished, "complete", 0);
  EXPECT_FALSE(shardIsComplete(unfinished, kFingerprint));
  setRootIntAttribute(unfinished, "complete", 1);
  EXPECT_TRUE(shardIsComplete(unfinished, kFingerprint));  // the probe itself is sound

  // Another schema version.
  const fs::path future = dir_ / "future.h5";
  fs::copy_file(shard, future);
  setRootIntAttribute(future, "schema_version", kShardSchemaVersion + 1);
  EXPECT_FALSE(shardIsComplete(future, kFingerprint));

  // A scan count that does not match the scans stored.
  const fs::path miscounted = dir_ / "miscounted.h5";
  fs::copy_file(shard, miscounted);
  setRootIntAttribute(miscounted, "scan_count", 4);
  EXPECT_FALSE(shardIsComplete(miscounted, kFingerprint));
}

TEST_F(ShardTest, ShardIsCompletePrintsNoHdf5ErrorStack) {
  const std::string bytes = "HDF5 this is not";
  ren::writeFileAtomic(dir_ / "junk.h5", bytes);
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(shardIsComplete(dir_ / "junk.h5", kFingerprint));
  EXPECT_FALSE(shardIsComplete(dir_ / "missing.h5", kFingerprint));
  EXPECT_ANY_THROW(readScan(dir_ / "junk.h5", "x"));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
}

TEST_F(ShardTest, ReadScanErrorsNameShardAndScan) {
  const fs::path shard = dir_ / "shard.h5";
  writeShard(shard, scans_, kFingerprint, 4);
  for (const std::string id : {"scan-zz", "", "scan-a/image", ".."}) {
    const std::string msg = inputErrorOf([&] { readScan(shard, id); });
    EXPECT_NE(msg.find(shard.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("'" + id + "'"), std::string::npos) << msg;
  }
  const std::string missing = inputErrorOf([&] { readScan(dir_ / "nope.h5", "scan-a"); });
  EXPECT_NE(missing.find("nope.h5"), std::string::npos) << missing;
  EXPECT_NE(missing.find("scan-a"), std::string::npos) << missing;
  EXPECT_NE(inputErrorOf([&] { shardScanIds(dir_ / "nope.h5"); }).find("nope.h5"), std::string::npos);

  // A scan whose lobe dataset went missing.
  {
    const hid_t file = H5Fopen(shard.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(file, "/scans/scan-b/lobes", H5P_DEFAULT), 0);
    ASSERT_GE(H5Fclose(file), 0);
  }
  const std::string noLobes = inputErrorOf([&] { readScan(shard, "scan-b"); });
  EXPECT_NE(noLobes.find("scan-b"), std::string::npos) << noLobes;
  EXPECT_NE(noLobes.find("lobes"), std::string::npos) << noLobes;
}

TEST_F(ShardTest, WriteShardRefusesBadInputAndLeavesNoFile) {
  const fs::path shard = dir_ / "bad.h5";
  auto wrongSize = scans_;
  wrongSize[2].image.pop_back();
  std::string msg = inputErrorOf([&] { writeShard(shard, wrongSize, kFingerprint, 4); });
  EXPECT_NE(msg.find(shard.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("scan-b"), std::string::npos) << msg;

  auto duplicate = scans_;
  duplicate[2].scanId = "scan-c";
  msg = inputErrorOf([&] { writeShard(shard, duplicate, kFingerprint, 4); });
  EXPECT_NE(msg.find("twice"), std::string::npos) << msg;

  auto badLabel = scans_;
  badLabel[0].lobes[3] = 8;
  EXPECT_NE(inputErrorOf([&] { writeShard(shard, badLabel, kFingerprint, 4); }).find("scan-c"), std::string::npos);

  auto nan = scans_;
  nan[1].image[0] = std::nanf("");
  EXPECT_NE(inputErrorOf([&] { writeShard(shard, nan, kFingerprint, 4); }).find("not finite"), std::string::npos);

  auto slash = scans_;
  slash[1].scanId = "a/b";
  EXPECT_NE(inputErrorOf([&] { writeShard(shard, slash, kFingerprint, 4); }).find("a/b"), std::string::npos);

  EXPECT_NE(inputErrorOf([&] { writeShard(shard, scans_, kFingerprint, 10); }).find("compression"), std::string::npos);

  // An unwritable destination (a directory with the shard's name).
  fs::create_directories(dir_ / "taken.h5");
  msg = inputErrorOf([&] { writeShard(dir_ / "taken.h5", scans_, kFingerprint, 4); });
  EXPECT_NE(msg.find("taken.h5"), std::string::npos) << msg;

  EXPECT_FALSE(fs::exists(shard));
  EXPECT_TRUE(temporaries().empty());
}

TEST_F(ShardTest, EmptyShardIsValid) {
  const fs::path shard = dir_ / "empty.h5";
  writeShard(shard, {}, kFingerprint, 4);
  EXPECT_TRUE(shardIsComplete(shard, kFingerprint));
  EXPECT_TRUE(shardScanIds(shard).empty());
}

TEST(Hdf5Library, InfoNamesVersionAndThreadSafety) {
  const std::string info = hdf5LibraryInfo();
  EXPECT_EQ(info.rfind("HDF5 " + std::to_string(H5_VERS_MAJOR) + "." + std::to_string(H5_VERS_MINOR) + ".", 0), 0u) << info;
  hbool_t threadSafe = 0;
  H5is_library_threadsafe(&threadSafe);
  EXPECT_NE(info.find(threadSafe ? "(thread-safe build)" : "(not thread-safe)"), std::string::npos) << info;
}

TEST_F(ShardTest, H5dumpShowsTheDocumentedLayout) {
  if (std::system("h5dump --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "h5dump is not installed";
  const fs::path shard = dir_ / "shard-0000.h5";
  writeShard(shard, scans_, kFingerprint, 4);
  const std::string header = commandOutput("h5dump -H '" + shard.string() + "' 2>&1");
  for (const std::string& expected :
       {std::string("GROUP \"/\""), std::string("GROUP \"scans\""), std::string("GROUP \"scan-a\""),
        std::string("DATASET \"image\""), std::string("DATASET \"lobes\""), std::string("ATTRIBUTE \"complete\""),
        std::string("ATTRIBUTE \"schema_version\""), std::string("ATTRIBUTE \"fingerprint\""),
        std::string("ATTRIBUTE \"scan_count\""), std::string("ATTRIBUTE \"region_voxels_1mm\""),
        std::string("ATTRIBUTE \"iso_direction\""), std::string("H5T_STD_U16LE"), std::string("H5T_STD_U8LE"),
        std::string("DATASPACE  SIMPLE { ( 8, 10, 12 ) / ( 8, 10, 12 ) }")})
    EXPECT_NE(header.find(expected), std::string::npos) << expected << "\n" << header;
  // Full paths resolve.
  for (const std::string path : {"/scans/scan-a/image", "/scans/scan-b/lobes"}) {
    const std::string one = commandOutput("h5dump -H -d " + path + " '" + shard.string() + "' 2>&1");
    EXPECT_NE(one.find("DATASET \"" + path + "\""), std::string::npos) << one;
  }
  const std::string attr = commandOutput("h5dump -a /complete '" + shard.string() + "' 2>&1");
  EXPECT_NE(attr.find("(0): 1"), std::string::npos) << attr;
  const std::string counts = commandOutput("h5dump -a /scans/scan-a/region_voxels_1mm '" + shard.string() + "' 2>&1");
  EXPECT_NE(counts.find("H5T_STD_I64LE"), std::string::npos) << counts;
  EXPECT_NE(counts.find(std::to_string(scans_[1].regionVoxels1mm[0])), std::string::npos) << counts;
  const std::string fp = commandOutput("h5dump -a /fingerprint '" + shard.string() + "' 2>&1");
  EXPECT_NE(fp.find(kFingerprint), std::string::npos) << fp;
  EXPECT_NE(fp.find("H5T_VARIABLE"), std::string::npos) << fp;
}

// ---------------------------------------------------------------------------------------------
// ShardIndex

TEST_F(ShardTest, ShardIndexRoundTrip) {
  ShardIndex index;
  index.fingerprint = kFingerprint;
  index.preset = "paper";
  index.grid = 64;
  index.regionSetLimit = "lungs";
  index.shardOf = {{"scan-a", "shard-0000.h5"}, {"scan-b", "shard-0001.h5"}, {"z", "shard-0001.h5"}};
  const fs::path path = dir_ / "data" / "index.json";
  writeShardIndex(path, index);
  const ShardIndex back = readShardIndex(path);
  EXPECT_EQ(back.schemaVersion, kShardSchemaVersion);
  EXPECT_EQ(back.fingerprint, index.fingerprint);
  EXPECT_EQ(back.preset, index.preset);
  EXPECT_EQ(back.grid, index.grid);
  EXPECT_EQ(back.regionSetLimit, index.regionSetLimit);
  EXPECT_EQ(back.shardOf, index.shardOf);
  const std::string text = ren::readFile(path);
  for (const char* key : {"\"schema_version\"", "\"fingerprint\"", "\"preset\"", "\"grid\"", "\"region_set_limit\"", "\"scans\""})
    EXPECT_NE(text.find(key), std::string::npos) << key;
  EXPECT_TRUE(temporaries().empty());
}

TEST_F(ShardTest, CorruptShardIndexIsAnErrorNamingTheFile) {
  const fs::path path = dir_ / "index.json";
  const std::string good =
      R"({"schema_version":1,"fingerprint":"x","preset":"lung","grid":96,"region_set_limit":"","scans":{"a":"shard-0000.h5"}})";
  ren::writeFileAtomic(path, good);
  EXPECT_EQ(readShardIndex(path).shardOf.at("a"), "shard-0000.h5");
  for (const std::string& bad : std::vector<std::string>{
           good.substr(0, good.size() / 2), "[1,2]", "",
        R"({"schema_version":1,"fingerprint":"x","preset":"lung","grid":96,"region_set_limit":""})",
        R"({"schema_version":2,"fingerprint":"x","preset":"lung","grid":96,"region_set_limit":"","scans":{}})",
        R"({"schema_version":1,"fingerprint":"x","preset":"lung","grid":"96","region_set_limit":"","scans":{}})",
        R"({"schema_version":1,"fingerprint":"x","preset":"lung","grid":96,"region_set_limit":"","scans":{"a":3}})",
        R"({"schema_version":1,"fingerprint":"x","preset":"lung","grid":96,"region_set_limit":"","scans":{"a":"../x.h5"}})"}) {
    ren::writeFileAtomic(path, bad);
    const std::string msg = inputErrorOf([&] { readShardIndex(path); });
    EXPECT_NE(msg.find(path.string()), std::string::npos) << bad << " -> " << msg;
  }
  EXPECT_NE(inputErrorOf([&] { readShardIndex(dir_ / "absent.json"); }).find("absent.json"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// ShardDataset

class ShardDatasetTest : public ShardTest {
 protected:
  void SetUp() override {
    ShardTest::SetUp();
    for (unsigned i = 0; i < 7; ++i) all_.push_back(makeScan("s" + std::to_string(i), 100 + i, {16, 12, 9}));
    ShardIndex index;
    index.fingerprint = kFingerprint;
    index.preset = "lung";
    index.grid = 16;
    writeShard(dir_ / "shard-0000.h5", {all_[3], all_[0], all_[1], all_[2]}, kFingerprint, 3);
    writeShard(dir_ / "shard-0001.h5", {all_[4], all_[5], all_[6]}, kFingerprint, 3);
    for (int i = 0; i < 7; ++i) index.shardOf["s" + std::to_string(i)] = i < 4 ? "shard-0000.h5" : "shard-0001.h5";
    writeShardIndex(dir_ / "index.json", index);
  }
  std::vector<PreprocessedScan> all_;
};

TEST_F(ShardDatasetTest, LoadsEveryScan) {
  ShardDataset data(dir_);
  EXPECT_EQ(data.scanIds(), (std::vector<std::string>{"s0", "s1", "s2", "s3", "s4", "s5", "s6"}));
  EXPECT_TRUE(data.contains("s4"));
  EXPECT_FALSE(data.contains("s7"));
  EXPECT_EQ(data.shardPath("s5"), dir_ / "shard-0001.h5");
  for (const auto& s : all_) expectSameScan(s, data.load(s.scanId));
  const std::string msg = inputErrorOf([&] { data.load("s7"); });
  EXPECT_NE(msg.find("s7"), std::string::npos) << msg;
  EXPECT_FALSE(data.next().has_value());  // no prefetch started
}

TEST_F(ShardDatasetTest, PrefetchReturnsTheRequestedOrderWithAnyThreadCount) {
  const std::vector<std::string> order{"s5", "s0", "s6", "s3", "s0", "s2", "s4", "s1", "s5", "s6", "s3"};
  std::vector<std::vector<float>> images[2];
  int run = 0;
  for (const int threads : {1, 3}) {
    ShardDataset data(dir_, threads);
    EXPECT_EQ(data.threads(), threads);
    for (const int depth : {1, 2, 8, 100}) {
      data.prefetch(order, depth);
      std::vector<std::string> got;
      while (auto s = data.next()) {
        got.push_back(s->scanId);
        const auto& original = all_[static_cast<std::size_t>(std::stoi(s->scanId.substr(1)))];
        expectSameScan(original, *s);
        if (depth == 8) images[run].push_back(s->image);
      }
      EXPECT_EQ(got, order) << "threads " << threads << " depth " << depth;
      EXPECT_FALSE(data.next().has_value());
    }
    ++run;
  }
  EXPECT_EQ(images[0], images[1]);
}

TEST_F(ShardDatasetTest, PrefetchRethrowsAWorkersErrorAtTheMatchingNext) {
  ShardDataset data(dir_, 3);
  // Damage the second shard after the data set was opened.
  const std::string bytes = ren::readFile(dir_ / "shard-0001.h5");
  ren::writeFileAtomic(dir_ / "shard-0001.h5", std::string_view(bytes).substr(0, bytes.size() / 3));
  data.prefetch({"s0", "s5", "s1", "s4", "s2"}, 2);
  auto a = data.next();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->scanId, "s0");
  std::string msg = inputErrorOf([&] { data.next(); });
  EXPECT_NE(msg.find("s5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shard-0001.h5"), std::string::npos) << msg;
  auto b = data.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->scanId, "s1");
  msg = inputErrorOf([&] { data.next(); });
  EXPECT_NE(msg.find("s4"), std::string::npos) << msg;
  auto c = data.next();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->scanId, "s2");
  EXPECT_FALSE(data.next().has_value());

  // Unknown ids are refused before anything starts.
  msg = inputErrorOf([&] { data.prefetch({"s0", "nope"}); });
  EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
  EXPECT_FALSE(data.next().has_value());
}

TEST_F(ShardDatasetTest, StopsCleanlyWithWorkPending) {
  std::vector<std::string> order;
  for (int i = 0; i < 40; ++i) order.push_back("s" + std::to_string(i % 7));
  {
    ShardDataset data(dir_, 3);
    data.prefetch(order, 4);
    ASSERT_TRUE(data.next().has_value());
    data.prefetch({"s6", "s1"}, 1);  // replaces the running prefetch
    EXPECT_EQ(data.next()->scanId, "s6");
    data.prefetch(order, 8);
  }  // destroyed with 40 scans pending
  SUCCEED();
}

TEST_F(ShardDatasetTest, OpeningChecksTheShards) {
  // A shard of another preprocessing run.
  writeShard(dir_ / "shard-0001.h5", {all_[4], all_[5], all_[6]}, "other-fingerprint", 3);
  std::string msg = inputErrorOf([&] { ShardDataset data(dir_); });
  EXPECT_NE(msg.find("shard-0001.h5"), std::string::npos) << msg;
  // A shard that lacks a scan the index puts there.
  writeShard(dir_ / "shard-0001.h5", {all_[4], all_[6]}, kFingerprint, 3);
  msg = inputErrorOf([&] { ShardDataset data(dir_); });
  EXPECT_NE(msg.find("s5"), std::string::npos) << msg;
  // A missing shard.
  fs::remove(dir_ / "shard-0001.h5");
  msg = inputErrorOf([&] { ShardDataset data(dir_); });
  EXPECT_NE(msg.find("shard-0001.h5"), std::string::npos) << msg;
  // No index.
  fs::remove(dir_ / "index.json");
  msg = inputErrorOf([&] { ShardDataset data(dir_); });
  EXPECT_NE(msg.find("index.json"), std::string::npos) << msg;
}

TEST(RegionInputs, MaskAndMaskedImageFollowTheCanonicalLabels) {
  PreprocessedScan s;
  s.grid = {9, 1, 1};
  s.lobes = {0, 1, 2, 3, 4, 5, 6, 7, 0};
  s.image = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
  const std::map<std::string, std::vector<int>> members{{"LUL", {1}}, {"LLL", {2}}, {"RUL", {3}}, {"RML", {4}},
                                                        {"RLL", {5}}, {"LEFT", {1, 2, 6}}, {"RIGHT", {3, 4, 5, 7}}};
  for (const auto& region : ren::kRegions) {
    const auto& in = members.at(std::string(region.name));
    const auto mask = regionMask(s, region);
    const auto masked = maskedImage(s, region);
    ASSERT_EQ(mask.size(), 9u);
    ASSERT_EQ(masked.size(), 9u);
    for (std::size_t i = 0; i < 9; ++i) {
      const bool inside = std::find(in.begin(), in.end(), s.lobes[i]) != in.end();
      EXPECT_EQ(mask[i], inside ? 1.0f : 0.0f) << region.name << " voxel " << i;
      EXPECT_EQ(masked[i], inside ? s.image[i] : 0.0f) << region.name << " voxel " << i;
    }
  }
}

}  // namespace

namespace {

// Two prefetch passes over one data set return the same scans, and load() gives every field that
// readScan gives (metadata included).
TEST_F(ShardDatasetTest, RepeatedPrefetchPassesAreIdenticalAndLoadEqualsReadScan) {
  ShardDataset data(dir_, 2);
  const std::vector<std::string> order{"s4", "s0", "s6", "s1", "s3", "s2", "s5", "s0"};
  std::vector<PreprocessedScan> passes[2];
  for (auto& pass : passes) {
    data.prefetch(order, 3);
    while (auto s = data.next()) pass.push_back(std::move(*s));
  }
  ASSERT_EQ(passes[0].size(), order.size());
  ASSERT_EQ(passes[1].size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    expectSameScan(passes[0][i], passes[1][i], 0.0);
    EXPECT_EQ(passes[0][i].image, passes[1][i].image);
  }
  for (const auto& id : data.scanIds()) {
    const PreprocessedScan loaded = data.load(id);
    const PreprocessedScan direct = readScan(data.shardPath(id), id);
    expectSameScan(direct, loaded, 0.0);
    EXPECT_EQ(direct.image, loaded.image);
  }
}

// Lung-preset-like volumes (long runs of zeros, noisy regions, short periodic patterns) decode
// exactly at every compression level; this exercises stored, fixed and dynamic deflate blocks and
// overlapping matches of many distances.
TEST_F(ShardTest, MostlyZeroVolumesDecodeExactlyAtEveryLevel) {
  std::vector<PreprocessedScan> scans;
  for (unsigned seed = 0; seed < 3; ++seed) {
    PreprocessedScan s = makeScan("z" + std::to_string(seed), 500 + seed, {40, 36, 30});
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    for (std::size_t i = 0; i < s.image.size(); ++i) {
      const std::size_t z = i / (40 * 36);
      if (z < 8 || (i % 40) < 10) {
        s.image[i] = 0.0f;  // background runs
        s.lobes[i] = 0;
      } else if (z < 14) {
        s.image[i] = (i % (2 + seed)) ? 0.25f : 0.75f;  // periodic, distances 2..4
        s.lobes[i] = static_cast<std::uint8_t>(1 + i % 3);
      } else {
        s.image[i] = 0.1f + 0.05f * unit(rng);  // noise: literals
        s.lobes[i] = static_cast<std::uint8_t>(1 + (i / 97) % 7);
      }
    }
    scans.push_back(std::move(s));
  }
  for (int level = 0; level <= 9; ++level) {
    const fs::path path = dir_ / ("zeros-" + std::to_string(level) + ".h5");
    writeShard(path, scans, kFingerprint, level);
    for (const auto& s : scans) {
      const PreprocessedScan back = readScan(path, s.scanId);
      ASSERT_EQ(back.image.size(), s.image.size());
      for (std::size_t i = 0; i < s.image.size(); ++i) {
        const float expected = static_cast<float>(std::lround(s.image[i] * 65535.0)) / 65535.0f;
        ASSERT_EQ(back.image[i], expected) << "level " << level << " voxel " << i;
      }
      EXPECT_EQ(back.lobes, s.lobes) << "level " << level;
    }
  }
}

}  // namespace
