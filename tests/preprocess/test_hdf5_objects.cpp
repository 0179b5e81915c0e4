// The shared HDF5 helpers (Hdf5Objects.h): dataset round trips, errors and deterministic bytes.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "ren/preprocess/Hdf5Objects.h"
#include "support/TempDirTest.h"

namespace {

namespace fs = std::filesystem;
using namespace ren::preprocess::hdf5;

class Hdf5ObjectsTest : public ren::test::TempDirTest {
 protected:
  Hdf5ObjectsTest() : TempDirTest("ren_hdf5_objects") {}
};

/// A new file without time tracking (the caller holds the lock).
Hid createFile(const fs::path& path) {
  const Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "fcpl");
  check(H5Pset_obj_track_times(fcpl.get(), 0), "track times");
  const Hid fapl = fileAccessList();
  return Hid(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose, "create " + path.string());
}

Hid openFile(const fs::path& path) {
  const Hid fapl = fileAccessList();
  return Hid(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "open " + path.string());
}

std::string fileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// True if the object at `name` records modification / change times (time tracking on).
bool storesTimes(hid_t loc, const char* name) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  check(H5Oget_info_by_name3(loc, name, &info, H5O_INFO_TIME, H5P_DEFAULT), "object info");
#elif H5_VERSION_GE(1, 10, 3)
  H5O_info_t info;
  check(H5Oget_info_by_name2(loc, name, &info, H5O_INFO_TIME, H5P_DEFAULT), "object info");
#else
  H5O_info_t info;
  check(H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT), "object info");
#endif
  return info.atime != 0 || info.mtime != 0 || info.ctime != 0 || info.btime != 0;
}

std::uint64_t bitsOf(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

TEST_F(Hdf5ObjectsTest, StringDatasetRoundTripKeepsUtf8AndEmptyStrings) {
  const std::vector<std::string> values = {"original_firstorder_Mean", "", "Zürich", "肺叶 lobe", "emoji \xF0\x9F\xAB\x81",
                                           std::string(1000, 'x')};
  const fs::path path = dir_ / "strings.h5";
  {
    Hdf5Lock lock;
    Hid file = createFile(path);
    writeStringDataset(file.get(), "names", values);
    writeStringDataset(file.get(), "none", {});
    file.close("close");
  }
  Hdf5Lock lock;
  const Hid file = openFile(path);
  EXPECT_EQ(readStringDataset(file.get(), "names"), values);
  EXPECT_TRUE(readStringDataset(file.get(), "none").empty());
  // Stored as variable-length UTF-8 strings (what h5py reads as str).
  const Hid dset(H5Dopen2(file.get(), "names", H5P_DEFAULT), H5Dclose, "open names");
  const Hid type(H5Dget_type(dset.get()), H5Tclose, "type");
  EXPECT_EQ(H5Tget_class(type.get()), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(type.get()), 0);
  EXPECT_EQ(H5Tget_cset(type.get()), H5T_CSET_UTF8);
  EXPECT_FALSE(storesTimes(file.get(), "names"));
  const Hid space(H5Dget_space(dset.get()), H5Sclose, "space");
  EXPECT_EQ(H5Sget_simple_extent_ndims(space.get()), 1);
  EXPECT_EQ(H5Sget_simple_extent_npoints(space.get()), static_cast<hssize_t>(values.size()));
}

TEST_F(Hdf5ObjectsTest, ReadsFixedLengthStringDatasets) {
  const fs::path path = dir_ / "fixed.h5";
  {
    Hdf5Lock lock;
    Hid file = createFile(path);
    for (const auto& [name, pad] : {std::pair{"nullpad", H5T_STR_NULLPAD}, std::pair{"spacepad", H5T_STR_SPACEPAD}}) {
      const Hid type(H5Tcopy(H5T_C_S1), H5Tclose, "type");
      check(H5Tset_size(type.get(), 6), "size");
      check(H5Tset_strpad(type.get(), pad), "pad");
      const hsize_t dims[1] = {3};
      const Hid space(H5Screate_simple(1, dims, nullptr), H5Sclose, "space");
      const Hid dset(H5Dcreate2(file.get(), name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose, "create");
      const char filler = pad == H5T_STR_SPACEPAD ? ' ' : '\0';
      std::string raw = std::string("ab") + std::string(4, filler) + "sixsix" + std::string(6, filler);
      check(H5Dwrite(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "write");
    }
    file.close("close");
  }
  Hdf5Lock lock;
  const Hid file = openFile(path);
  const std::vector<std::string> expected = {"ab", "sixsix", ""};
  EXPECT_EQ(readStringDataset(file.get(), "nullpad"), expected);
  EXPECT_EQ(readStringDataset(file.get(), "spacepad"), expected);
  // Control for storesTimes: these were created with the default (time-tracking) creation list.
  EXPECT_TRUE(storesTimes(file.get(), "nullpad"));
}

TEST_F(Hdf5ObjectsTest, DoubleDatasetRoundTripKeepsShapeNanAndEveryBit) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> values = {1.5, -0.0, nan, std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::denorm_min(), 1e300};
  const fs::path path = dir_ / "doubles.h5";
  {
    Hdf5Lock lock;
    Hid file = createFile(path);
    writeDoubleDataset(file.get(), "matrix", values, {2, 3});
    writeDoubleDataset(file.get(), "empty", {}, {0});
    writeDoubleDataset(file.get(), "empty2d", {}, {4, 0});
    file.close("close");
  }
  Hdf5Lock lock;
  const Hid file = openFile(path);
  std::vector<hsize_t> dims;
  const std::vector<double> back = readDoubleDataset(file.get(), "matrix", &dims);
  EXPECT_EQ(dims, (std::vector<hsize_t>{2, 3}));
  ASSERT_EQ(back.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(bitsOf(back[i]), bitsOf(values[i])) << "value " << i;
  EXPECT_TRUE(std::isnan(back[2]));
  EXPECT_TRUE(readDoubleDataset(file.get(), "matrix").size() == values.size());  // dims are optional

  EXPECT_TRUE(readDoubleDataset(file.get(), "empty", &dims).empty());
  EXPECT_EQ(dims, (std::vector<hsize_t>{0}));
  EXPECT_TRUE(readDoubleDataset(file.get(), "empty2d", &dims).empty());
  EXPECT_EQ(dims, (std::vector<hsize_t>{4, 0}));

  // float64 little-endian, chunked, deflate level 4, no modification times.
  const Hid dset(H5Dopen2(file.get(), "matrix", H5P_DEFAULT), H5Dclose, "open matrix");
  const Hid type(H5Dget_type(dset.get()), H5Tclose, "type");
  EXPECT_GT(H5Tequal(type.get(), H5T_IEEE_F64LE), 0);
  const Hid dcpl(H5Dget_create_plist(dset.get()), H5Pclose, "dcpl");
  EXPECT_EQ(H5Pget_layout(dcpl.get()), H5D_CHUNKED);
  ASSERT_EQ(H5Pget_nfilters(dcpl.get()), 1);
  unsigned flags = 0;
  unsigned level = 0;
  std::size_t nValues = 1;
  EXPECT_EQ(H5Pget_filter2(dcpl.get(), 0, &flags, &nValues, &level, 0, nullptr, nullptr), H5Z_FILTER_DEFLATE);
  EXPECT_EQ(level, 4u);
  EXPECT_FALSE(storesTimes(file.get(), "matrix"));
  EXPECT_FALSE(storesTimes(file.get(), "empty"));
}

TEST_F(Hdf5ObjectsTest, Int64DatasetRoundTrip) {
  const std::vector<std::int64_t> values = {0, -1, 42, std::numeric_limits<std::int64_t>::min(),
                                            std::numeric_limits<std::int64_t>::max(), 1ll << 53};
  const fs::path path = dir_ / "ints.h5";
  {
    Hdf5Lock lock;
    Hid file = createFile(path);
    writeInt64Dataset(file.get(), "counts", values, {6});
    writeInt64Dataset(file.get(), "cube", {1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
    writeDoubleDataset(file.get(), "reals", {0.5}, {1});
    file.close("close");
  }
  Hdf5Lock lock;
  const Hid file = openFile(path);
  std::vector<hsize_t> dims;
  EXPECT_EQ(readInt64Dataset(file.get(), "counts", &dims), values);
  EXPECT_EQ(dims, (std::vector<hsize_t>{6}));
  EXPECT_EQ(readInt64Dataset(file.get(), "cube", &dims), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(dims, (std::vector<hsize_t>{2, 2, 2}));
  const Hid dset(H5Dopen2(file.get(), "counts", H5P_DEFAULT), H5Dclose, "open counts");
  const Hid type(H5Dget_type(dset.get()), H5Tclose, "type");
  EXPECT_GT(H5Tequal(type.get(), H5T_STD_I64LE), 0);
  // Integers read as doubles are converted; floats are not read as integers.
  EXPECT_EQ(readDoubleDataset(file.get(), "cube"), (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_THROW(readInt64Dataset(file.get(), "reals"), Hdf5Failure);
  EXPECT_THROW(readStringDataset(file.get(), "counts"), Hdf5Failure);
}

/// Runs `f` and returns the Hdf5Failure message it throws ("" when it does not throw).
template <class F>
std::string failureOf(F&& f) {
  try {
    f();
  } catch (const Hdf5Failure& e) {
    return e.what();
  }
  return "";
}

TEST_F(Hdf5ObjectsTest, ErrorsNameTheDataset) {
  const fs::path path = dir_ / "errors.h5";
  Hdf5Lock lock;
  Hid file = createFile(path);
  const hid_t f = file.get();
  for (const std::string& message :
       {failureOf([&] { readDoubleDataset(f, "no_such_features"); }),
        failureOf([&] { readInt64Dataset(f, "no_such_features"); }),
        failureOf([&] { readStringDataset(f, "no_such_features"); })}) {
    EXPECT_NE(message.find("no_such_features"), std::string::npos) << message;
    EXPECT_NE(message.find("missing"), std::string::npos) << message;
  }
  // A path through a missing group: named, with HDF5's own message.
  const std::string nested = failureOf([&] { readDoubleDataset(f, "no_group/values"); });
  EXPECT_NE(nested.find("no_group/values"), std::string::npos) << nested;

  // Shape and content checks.
  const std::string shape = failureOf([&] { writeDoubleDataset(f, "bad_shape", {1, 2, 3}, {2, 2}); });
  EXPECT_NE(shape.find("bad_shape"), std::string::npos) << shape;
  EXPECT_NE(failureOf([&] { writeInt64Dataset(f, "no_rank", {1}, {}); }).find("no_rank"), std::string::npos);
  const std::string nul = failureOf([&] { writeStringDataset(f, "with_nul", {std::string("a\0b", 3)}); });
  EXPECT_NE(nul.find("with_nul"), std::string::npos) << nul;

  // Creating an existing dataset fails with the name and HDF5's error text.
  writeDoubleDataset(f, "twice", {1.0}, {1});
  const std::string twice = failureOf([&] { writeDoubleDataset(f, "twice", {1.0}, {1}); });
  EXPECT_NE(twice.find("cannot create dataset twice: "), std::string::npos) << twice;
  EXPECT_GT(twice.size(), std::string("cannot create dataset twice: ").size()) << twice;
  file.close("close");
}

void writeSample(const fs::path& path) {
  Hdf5Lock lock;
  Hid file = createFile(path);
  const hid_t f = file.get();
  writeStringAttr(f, "title", "feature table");
  writeIntAttr(f, "version", 1);
  std::vector<std::string> rows;
  for (int i = 0; i < 500; ++i) rows.push_back("case-" + std::to_string(i) + "-é");
  writeStringDataset(f, "rows", rows);
  // Large enough for several chunks.
  std::vector<double> matrix(500 * 700);
  for (std::size_t i = 0; i < matrix.size(); ++i)
    matrix[i] = i % 97 == 0 ? std::nan("") : std::sin(static_cast<double>(i)) * 1000.0;
  writeDoubleDataset(f, "values", matrix, {500, 700});
  std::vector<std::int64_t> labels(500);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(i % 3);
  writeInt64Dataset(f, "labels", labels, {500});
  file.close("close");
}

TEST_F(Hdf5ObjectsTest, WritingTwiceGivesByteIdenticalFiles) {
  writeSample(dir_ / "a.h5");
  writeSample(dir_ / "b.h5");
  const std::string a = fileBytes(dir_ / "a.h5");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == fileBytes(dir_ / "b.h5"));
  writeSample(dir_ / "a.h5");  // overwritten in place
  EXPECT_TRUE(a == fileBytes(dir_ / "a.h5"));

  Hdf5Lock lock;
  const Hid file = openFile(dir_ / "a.h5");
  std::vector<hsize_t> dims;
  const std::vector<double> values = readDoubleDataset(file.get(), "values", &dims);
  EXPECT_EQ(dims, (std::vector<hsize_t>{500, 700}));
  ASSERT_EQ(values.size(), 500u * 700u);
  EXPECT_TRUE(std::isnan(values[97]));
  EXPECT_EQ(values[1], std::sin(1.0) * 1000.0);
  EXPECT_EQ(readStringDataset(file.get(), "rows").at(499), "case-499-é");
  EXPECT_EQ(readStringAttr(file.get(), "title"), "feature table");
  EXPECT_EQ(readIntAttr(file.get(), "version"), 1);
  EXPECT_TRUE(linkExists(file.get(), "labels"));
  EXPECT_FALSE(linkExists(file.get(), "nothing"));
}

}  // namespace
