#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "itkImage.h"
#include "itkImageFileReader.h"
#include "itkNiftiImageIOFactory.h"
#include "ren/core/Error.h"
#include "ren/io/NiftiImage.h"
#include "support/TempDirTest.h"

namespace fs = std::filesystem;
using ren::io::Volume;
using ren::io::VolumeGeometry;

namespace {

// ---- helpers ----

class NiftiTest : public ren::test::TempDirTest {
 protected:
  NiftiTest() : ren::test::TempDirTest("ren_test_nifti") {}
};

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// One gzip member holding `data` (zlib, default settings).
std::string gzipMember(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Row-major product of 3x3 rotations about x, y and z: a proper rotation with no zero entries.
std::array<double, 9> rotation() {
  const double ax = -0.35, ay = 0.5, az = 0.8;
  const double rx[9] = {1, 0, 0, 0, std::cos(ax), -std::sin(ax), 0, std::sin(ax), std::cos(ax)};
  const double ry[9] = {std::cos(ay), 0, std::sin(ay), 0, 1, 0, -std::sin(ay), 0, std::cos(ay)};
  const double rz[9] = {std::cos(az), -std::sin(az), 0, std::sin(az), std::cos(az), 0, 0, 0, 1};
  auto mul = [](const double* a, const double* b) {
    std::array<double, 9> c{};
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 3; ++j) c[3 * r + k] += a[3 * r + j] * b[3 * j + k];
    return c;
  };
  const auto zy = mul(rz, ry);
  return mul(zy.data(), rx);
}

VolumeGeometry testGeometry(const std::array<double, 9>& direction) {
  VolumeGeometry g;
  g.size = {7, 5, 3};
  g.spacing = {1.5, 1.25, 2.5};
  g.origin = {-10.0, 20.0, 30.5};
  g.direction = direction;
  return g;
}

const std::array<double, 9> kFlipXY{-1, 0, 0, 0, -1, 0, 0, 0, 1};
const std::array<double, 9> kMirrorZ{1, 0, 0, 0, 1, 0, 0, 0, -1};  // det < 0: qfac = -1

Volume<std::int16_t> int16Volume(const VolumeGeometry& g) {
  Volume<std::int16_t> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) {
    v.voxels[n] = static_cast<std::int16_t>(static_cast<int>(n * 2711 % 60001) - 30000);
  }
  v.voxels[0] = std::numeric_limits<std::int16_t>::min();
  v.voxels[1] = std::numeric_limits<std::int16_t>::max();
  return v;
}

Volume<std::uint8_t> uint8Volume(const VolumeGeometry& g) {
  Volume<std::uint8_t> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<std::uint8_t>(n * 37 % 256);
  v.voxels[2] = 255;
  return v;
}

Volume<float> floatVolume(const VolumeGeometry& g) {
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(std::sin(0.1 * n) * 1000.0);
  v.voxels[0] = -0.0f;
  v.voxels[1] = std::numeric_limits<float>::denorm_min();
  v.voxels[2] = std::numeric_limits<float>::max();
  v.voxels[3] = std::numeric_limits<float>::quiet_NaN();
  return v;
}

void expectGeometryNear(const VolumeGeometry& a, const VolumeGeometry& b, double tol) {
  EXPECT_EQ(a.size, b.size);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(a.spacing[i], b.spacing[i], tol) << "spacing " << i;
    EXPECT_NEAR(a.origin[i], b.origin[i], tol) << "origin " << i;
  }
  for (std::size_t i = 0; i < 9; ++i) EXPECT_NEAR(a.direction[i], b.direction[i], tol) << "direction " << i;
}

template <class T>
void expectVoxelsIdentical(const Volume<T>& a, const Volume<T>& b) {
  ASSERT_EQ(a.voxels.size(), b.voxels.size());
  EXPECT_EQ(std::memcmp(a.voxels.data(), b.voxels.data(), a.voxels.size() * sizeof(T)), 0);
}

template <class T>
void expectThrowsContaining(const fs::path& file, const std::string& needle) {
  try {
    (void)ren::io::readNifti<T>(file);
    ADD_FAILURE() << "expected InputError for " << file;
  } catch (const ren::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.filename().string()), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

// Patches little-endian header fields of an uncompressed .nii written by writeNifti.
void patchShort(std::string& bytes, std::size_t offset, std::int16_t v) {
  bytes[offset] = static_cast<char>(v & 0xff);
  bytes[offset + 1] = static_cast<char>((v >> 8) & 0xff);
}

// Builds a NIfTI-1 header plus data by hand, in either byte order.
class HandMade {
 public:
  explicit HandMade(bool bigEndian) : big_(bigEndian), bytes_(352, '\0') {
    put32(0, 348);
    put16(40, 3);
    for (int i = 1; i < 8; ++i) put16(40 + 2 * i, 1);
    for (int i = 0; i < 8; ++i) putFloat(76 + 4 * i, 1.0f);
    putFloat(108, 352.0f);
    bytes_[344] = 'n';
    bytes_[345] = '+';
    bytes_[346] = '1';
  }
  HandMade& dims(int d0, int d1, int d2, int d3, int d4 = 1) {
    put16(40, d0);
    put16(42, d1);
    put16(44, d2);
    put16(46, d3);
    put16(48, d4);
    return *this;
  }
  HandMade& type(int datatype, int bitpix) {
    put16(70, datatype);
    put16(72, bitpix);
    return *this;
  }
  HandMade& pixdim(float qfac, float dx, float dy, float dz) {
    putFloat(76, qfac);
    putFloat(80, dx);
    putFloat(84, dy);
    putFloat(88, dz);
    return *this;
  }
  HandMade& scaling(float slope, float inter) {
    putFloat(112, slope);
    putFloat(116, inter);
    return *this;
  }
  HandMade& sform(const std::array<float, 12>& rows) {
    put16(254, 1);
    for (int i = 0; i < 12; ++i) putFloat(280 + 4 * static_cast<std::size_t>(i), rows[static_cast<std::size_t>(i)]);
    return *this;
  }
  template <class S>
  HandMade& value(S v) {
    unsigned char raw[sizeof(S)];
    std::memcpy(raw, &v, sizeof(S));  // host (little-endian) order
    for (std::size_t i = 0; i < sizeof(S); ++i) bytes_.push_back(static_cast<char>(raw[big_ ? sizeof(S) - 1 - i : i]));
    return *this;
  }
  void save(const fs::path& p) const { writeBytes(p, bytes_); }

 private:
  void putRaw(std::size_t at, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      bytes_[at + (big_ ? n - 1 - i : i)] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
  }
  void put16(std::size_t at, int v) { putRaw(at, static_cast<std::uint16_t>(v), 2); }
  void put32(std::size_t at, std::uint32_t v) { putRaw(at, v, 4); }
  void putFloat(std::size_t at, float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    putRaw(at, u, 4);
  }
  bool big_;
  std::string bytes_;
};

static_assert(sizeof(float) == 4);

// ---- round trips ----

TEST_F(NiftiTest, RoundTripAllTypesAndDirections) {
  for (const auto& direction : {rotation(), kFlipXY, kMirrorZ}) {
    const VolumeGeometry g = testGeometry(direction);
    for (const char* ext : {".nii", ".nii.gz"}) {
      const auto i16 = int16Volume(g);
      const auto u8 = uint8Volume(g);
      const auto f32 = floatVolume(g);
      const fs::path pi = dir_ / (std::string("i16") + ext);
      const fs::path pu = dir_ / (std::string("u8") + ext);
      const fs::path pf = dir_ / (std::string("f32") + ext);
      ren::io::writeNifti(pi, i16);
      ren::io::writeNifti(pu, u8);
      ren::io::writeNifti(pf, f32);

      const auto ri = ren::io::readNifti<std::int16_t>(pi);
      const auto ru = ren::io::readNifti<std::uint8_t>(pu);
      const auto rf = ren::io::readNifti<float>(pf);
      expectGeometryNear(ri.geometry, g, 1e-6);
      expectGeometryNear(ru.geometry, g, 1e-6);
      expectGeometryNear(rf.geometry, g, 1e-6);
      EXPECT_EQ(ri.voxels, i16.voxels);
      EXPECT_EQ(ru.voxels, u8.voxels);
      expectVoxelsIdentical(rf, f32);  // bitwise: -0, denormal, max and NaN survive
    }
  }
}

TEST_F(NiftiTest, HeaderFieldsAsDocumented) {
  const VolumeGeometry g = testGeometry(kMirrorZ);
  ren::io::writeNifti(dir_ / "a.nii", int16Volume(g));
  const std::string b = readBytes(dir_ / "a.nii");
  ASSERT_EQ(b.size(), 352u + 7 * 5 * 3 * 2);
  auto i16 = [&](std::size_t at) {
    return static_cast<std::int16_t>((static_cast<unsigned char>(b[at + 1]) << 8) | static_cast<unsigned char>(b[at]));
  };
  auto f32 = [&](std::size_t at) {
    std::uint32_t u = 0;
    for (int i = 3; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  EXPECT_EQ(i16(0), 348);
  EXPECT_EQ(i16(40), 3);
  EXPECT_EQ(i16(42), 7);
  EXPECT_EQ(i16(44), 5);
  EXPECT_EQ(i16(46), 3);
  EXPECT_EQ(i16(70), 4);      // INT16
  EXPECT_EQ(i16(72), 16);     // bitpix
  EXPECT_EQ(f32(76), -1.0f);  // qfac for det < 0
  EXPECT_EQ(f32(80), 1.5f);
  EXPECT_EQ(f32(84), 1.25f);
  EXPECT_EQ(f32(88), 2.5f);
  EXPECT_EQ(f32(108), 352.0f);
  EXPECT_EQ(f32(112), 1.0f);
  EXPECT_EQ(f32(116), 0.0f);
  EXPECT_EQ(b[123], 2);  // mm
  EXPECT_EQ(std::string(b.data() + 148), "REN-HPC");
  EXPECT_EQ(i16(252), 1);
  EXPECT_EQ(i16(254), 1);
  EXPECT_EQ(f32(280 + 12), -10.0f);
  EXPECT_EQ(f32(296 + 12), 20.0f);
  EXPECT_EQ(f32(312 + 8), -2.5f);  // srow_z[2] = direction(2,2) * spacing_z
  EXPECT_EQ(f32(312 + 12), 30.5f);
  EXPECT_EQ(std::string(b.data() + 344, 4), std::string("n+1\0", 4));
  EXPECT_EQ(std::string(b.data() + 348, 4), std::string(4, '\0'));

  const auto info = ren::io::readNiftiInfo(dir_ / "a.nii");
  EXPECT_EQ(info.datatype, ren::io::kNiftiInt16);
  EXPECT_EQ(info.bitpix, 16);
  expectGeometryNear(info.geometry, g, 1e-6);
}

TEST_F(NiftiTest, GzipOutputIsDeterministicAndMatchesPlain) {
  const VolumeGeometry g = testGeometry(rotation());
  const auto v = floatVolume(g);
  ren::io::writeNifti(dir_ / "a.nii.gz", v);
  ren::io::writeNifti(dir_ / "sub" / "b.nii.gz", v);  // parent directory is created
  const std::string a = readBytes(dir_ / "a.nii.gz");
  const std::string b = readBytes(dir_ / "sub" / "b.nii.gz");
  ASSERT_GT(a.size(), 10u);
  EXPECT_EQ(a, b);
  // gzip header: magic, deflate, no flags, mtime 0, OS byte fixed (255).
  EXPECT_EQ(static_cast<unsigned char>(a[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(a[1]), 0x8b);
  EXPECT_EQ(a[2], 8);
  EXPECT_EQ(a[3], 0);
  EXPECT_EQ(a.substr(4, 4), std::string(4, '\0'));
  EXPECT_EQ(static_cast<unsigned char>(a[9]), 255);
  ren::io::writeNifti(dir_ / "a.nii.gz", v);  // overwrite: same bytes again
  EXPECT_EQ(readBytes(dir_ / "a.nii.gz"), a);

  ren::io::writeNifti(dir_ / "a.nii", v);
  const auto fromGz = ren::io::readNifti<float>(dir_ / "a.nii.gz");
  const auto fromNii = ren::io::readNifti<float>(dir_ / "a.nii");
  expectVoxelsIdentical(fromGz, fromNii);
  expectGeometryNear(fromGz.geometry, fromNii.geometry, 0.0);

  // No temporary files are left behind.
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_F(NiftiTest, GzipDetectedByMagicNotName) {
  const VolumeGeometry g = testGeometry(kFlipXY);
  const auto v = int16Volume(g);
  ren::io::writeNifti(dir_ / "a.nii.gz", v);
  fs::copy_file(dir_ / "a.nii.gz", dir_ / "compressed_but_named.nii");
  const auto r = ren::io::readNifti<std::int16_t>(dir_ / "compressed_but_named.nii");
  EXPECT_EQ(r.voxels, v.voxels);
  ren::io::writeNifti(dir_ / "b.nii", v);
  fs::copy_file(dir_ / "b.nii", dir_ / "plain_but_named.nii.gz");
  EXPECT_EQ(ren::io::readNifti<std::int16_t>(dir_ / "plain_but_named.nii.gz").voxels, v.voxels);
}

TEST_F(NiftiTest, ConcatenatedGzipMembersAndTrailingPaddingAreRead) {
  // A gzip file made of several members is valid gzip (as `cat a.gz b.gz` produces); zero
  // padding after the last member is ignored, as gzip(1) does.
  const VolumeGeometry g = testGeometry(kFlipXY);
  const auto v = uint8Volume(g);
  ren::io::writeNifti(dir_ / "a.nii", v);
  const std::string plain = readBytes(dir_ / "a.nii");
  ASSERT_EQ(plain.size(), 352u + v.voxels.size());
  const std::string twoMembers = gzipMember(plain.substr(0, 200)) + gzipMember(plain.substr(200));
  writeBytes(dir_ / "two.nii.gz", twoMembers + std::string(16, '\0'));
  const auto r = ren::io::readNifti<std::uint8_t>(dir_ / "two.nii.gz");
  EXPECT_EQ(r.voxels, v.voxels);
  expectGeometryNear(r.geometry, g, 1e-6);
}

TEST_F(NiftiTest, SizeOneAxisIsStill3D) {
  VolumeGeometry g = testGeometry(rotation());
  g.size = {7, 5, 1};
  const auto v = int16Volume(g);
  ren::io::writeNifti(dir_ / "thin.nii", v);
  const auto r = ren::io::readNifti<std::int16_t>(dir_ / "thin.nii");
  expectGeometryNear(r.geometry, g, 1e-6);
  EXPECT_EQ(r.voxels, v.voxels);
}

// ---- geometry sources ----

TEST_F(NiftiTest, QformUsedWhenSformAbsent) {
  for (const auto& direction : {rotation(), kFlipXY, kMirrorZ}) {
    const VolumeGeometry g = testGeometry(direction);
    ren::io::writeNifti(dir_ / "a.nii", uint8Volume(g));
    std::string b = readBytes(dir_ / "a.nii");
    patchShort(b, 254, 0);  // sform_code = 0
    writeBytes(dir_ / "qform.nii", b);
    const auto r = ren::io::readNifti<std::uint8_t>(dir_ / "qform.nii");
    expectGeometryNear(r.geometry, g, 1e-6);
  }
}

TEST_F(NiftiTest, PixdimUsedWhenNoTransform) {
  const VolumeGeometry g = testGeometry(rotation());
  ren::io::writeNifti(dir_ / "a.nii", uint8Volume(g));
  std::string b = readBytes(dir_ / "a.nii");
  patchShort(b, 252, 0);
  patchShort(b, 254, 0);
  writeBytes(dir_ / "none.nii", b);
  const auto info = ren::io::readNiftiInfo(dir_ / "none.nii");
  VolumeGeometry expected = g;
  expected.origin = {0, 0, 0};
  expected.direction = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  expectGeometryNear(info.geometry, expected, 1e-12);
}

TEST_F(NiftiTest, SformWithNonUnitColumns) {
  // Columns (0, 2, 0), (-3, 0, 0), (0, 0, 4): spacing 2, 3, 4 and a permuted direction.
  HandMade h(false);
  h.dims(3, 2, 1, 1).type(ren::io::kNiftiUint8, 8).sform({0, -3, 0, 5, 2, 0, 0, 6, 0, 0, 4, 7});
  h.value<std::uint8_t>(1).value<std::uint8_t>(2);
  h.save(dir_ / "s.nii");
  const auto v = ren::io::readNifti<std::uint8_t>(dir_ / "s.nii");
  EXPECT_EQ(v.geometry.spacing, (std::array<double, 3>{2, 3, 4}));
  EXPECT_EQ(v.geometry.origin, (std::array<double, 3>{5, 6, 7}));
  EXPECT_EQ(v.geometry.direction, (std::array<double, 9>{0, -1, 0, 1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(v.voxels, (std::vector<std::uint8_t>{1, 2}));
}

// ---- datatypes, byte order, scaling ----

TEST_F(NiftiTest, BigEndianIsByteSwapped) {
  HandMade h(true);
  h.dims(3, 2, 2, 1).type(ren::io::kNiftiInt16, 16).pixdim(1, 0.5f, 0.75f, 3.0f);
  for (std::int16_t x : {-1234, 0, 258, 32767}) h.value(x);
  h.save(dir_ / "be.nii");
  const auto v = ren::io::readNifti<std::int16_t>(dir_ / "be.nii");
  EXPECT_EQ(v.voxels, (std::vector<std::int16_t>{-1234, 0, 258, 32767}));
  EXPECT_EQ(v.geometry.spacing, (std::array<double, 3>{0.5, 0.75, 3.0}));

  HandMade f(true);
  f.dims(3, 1, 1, 3).type(ren::io::kNiftiFloat64, 64);
  for (double x : {1.5, -2.25, 1e30}) f.value(x);
  f.save(dir_ / "be64.nii");
  const auto fv = ren::io::readNifti<float>(dir_ / "be64.nii");
  EXPECT_EQ(fv.voxels, (std::vector<float>{1.5f, -2.25f, 1e30f}));
}

TEST_F(NiftiTest, OtherDatatypesConvertExactly) {
  {
    HandMade h(false);
    h.dims(3, 3, 1, 1).type(ren::io::kNiftiInt8, 8);
    for (std::int8_t x : {-128, 0, 127}) h.value(x);
    h.save(dir_ / "i8.nii");
    EXPECT_EQ(ren::io::readNifti<std::int16_t>(dir_ / "i8.nii").voxels, (std::vector<std::int16_t>{-128, 0, 127}));
    expectThrowsContaining<std::uint8_t>(dir_ / "i8.nii", "range");  // -128 is not a uint8
  }
  {
    HandMade h(false);
    h.dims(3, 3, 1, 1).type(ren::io::kNiftiUint16, 16);
    for (std::uint16_t x : {0, 32767, 40000}) h.value(x);
    h.save(dir_ / "u16.nii");
    EXPECT_EQ(ren::io::readNifti<float>(dir_ / "u16.nii").voxels, (std::vector<float>{0, 32767, 40000}));
    expectThrowsContaining<std::int16_t>(dir_ / "u16.nii", "outside the range of int16");
  }
  {
    HandMade h(false);
    h.dims(3, 2, 1, 1).type(ren::io::kNiftiInt32, 32);
    for (std::int32_t x : {-32768, 255}) h.value(x);
    h.save(dir_ / "i32.nii");
    EXPECT_EQ(ren::io::readNifti<std::int16_t>(dir_ / "i32.nii").voxels, (std::vector<std::int16_t>{-32768, 255}));
  }
  {
    HandMade h(false);
    h.dims(3, 2, 1, 1).type(ren::io::kNiftiFloat32, 32);
    for (float x : {3.0f, 3.5f}) h.value(x);
    h.save(dir_ / "f32.nii");
    expectThrowsContaining<std::int16_t>(dir_ / "f32.nii", "non-integral");
    EXPECT_EQ(ren::io::readNifti<float>(dir_ / "f32.nii").voxels, (std::vector<float>{3.0f, 3.5f}));
  }
}

TEST_F(NiftiTest, ScalingApplied) {
  HandMade h(false);
  h.dims(3, 3, 1, 1).type(ren::io::kNiftiUint16, 16).scaling(1.0f, -1024.0f);
  for (std::uint16_t x : {0, 1024, 4095}) h.value(x);
  h.save(dir_ / "ct.nii");
  EXPECT_EQ(ren::io::readNifti<std::int16_t>(dir_ / "ct.nii").voxels, (std::vector<std::int16_t>{-1024, 0, 3071}));

  HandMade half(false);
  half.dims(3, 2, 1, 1).type(ren::io::kNiftiInt16, 16).scaling(0.5f, 0.0f);
  for (std::int16_t x : {4, 5}) half.value(x);
  half.save(dir_ / "half.nii");
  EXPECT_EQ(ren::io::readNifti<float>(dir_ / "half.nii").voxels, (std::vector<float>{2.0f, 2.5f}));
  expectThrowsContaining<std::int16_t>(dir_ / "half.nii", "non-integral");

  // Slope 0 means "no scaling".
  HandMade none(false);
  none.dims(3, 1, 1, 1).type(ren::io::kNiftiInt16, 16).scaling(0.0f, 100.0f);
  none.value<std::int16_t>(7);
  none.save(dir_ / "none.nii");
  EXPECT_EQ(ren::io::readNifti<std::int16_t>(dir_ / "none.nii").voxels, (std::vector<std::int16_t>{7}));
}

// ---- refusals ----

TEST_F(NiftiTest, TruncatedFileRefused) {
  ren::io::writeNifti(dir_ / "full.nii", int16Volume(testGeometry(rotation())));
  writeBytes(dir_ / "cut.nii", readBytes(dir_ / "full.nii").substr(0, 400));
  expectThrowsContaining<std::int16_t>(dir_ / "cut.nii", "truncated");
  // The header alone is still readable.
  EXPECT_EQ(ren::io::readNiftiInfo(dir_ / "cut.nii").geometry.size, (std::array<std::int64_t, 3>{7, 5, 3}));

  writeBytes(dir_ / "short.nii", readBytes(dir_ / "full.nii").substr(0, 100));
  expectThrowsContaining<std::int16_t>(dir_ / "short.nii", "348");
}

TEST_F(NiftiTest, TruncatedOrCorruptGzipRefused) {
  VolumeGeometry g = testGeometry(rotation());
  g.size = {40, 30, 20};
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(std::sin(0.37 * n) * 1e4);
  ren::io::writeNifti(dir_ / "full.nii.gz", v);
  const std::string full = readBytes(dir_ / "full.nii.gz");

  writeBytes(dir_ / "cut.nii.gz", full.substr(0, full.size() / 2));
  expectThrowsContaining<float>(dir_ / "cut.nii.gz", "gzip");

  writeBytes(dir_ / "notrailer.nii.gz", full.substr(0, full.size() - 4));  // CRC present, length missing
  expectThrowsContaining<float>(dir_ / "notrailer.nii.gz", "gzip");

  std::string corrupt = full;
  for (std::size_t i = full.size() / 2; i < full.size() / 2 + 64; ++i)
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  writeBytes(dir_ / "corrupt.nii.gz", corrupt);
  EXPECT_THROW(ren::io::readNifti<float>(dir_ / "corrupt.nii.gz"), ren::InputError);
}

TEST_F(NiftiTest, TwoDimensionalRefused) {
  HandMade h(false);
  h.dims(2, 4, 3, 1).type(ren::io::kNiftiInt16, 16);
  for (int i = 0; i < 12; ++i) h.value<std::int16_t>(static_cast<std::int16_t>(i));
  h.save(dir_ / "flat.nii");
  expectThrowsContaining<std::int16_t>(dir_ / "flat.nii", "image is 2D");
  EXPECT_THROW(ren::io::readNiftiInfo(dir_ / "flat.nii"), ren::InputError);
}

TEST_F(NiftiTest, FourDimensionalOnlyWithOneVolume) {
  HandMade one(false);
  one.dims(4, 2, 1, 1, 1).type(ren::io::kNiftiUint8, 8).value<std::uint8_t>(9).value<std::uint8_t>(8);
  one.save(dir_ / "one.nii");
  EXPECT_EQ(ren::io::readNifti<std::uint8_t>(dir_ / "one.nii").voxels, (std::vector<std::uint8_t>{9, 8}));

  HandMade two(false);
  two.dims(4, 1, 1, 1, 2).type(ren::io::kNiftiUint8, 8).value<std::uint8_t>(9).value<std::uint8_t>(8);
  two.save(dir_ / "two.nii");
  expectThrowsContaining<std::uint8_t>(dir_ / "two.nii", "4D");

  HandMade five(false);
  five.dims(5, 1, 1, 1).type(ren::io::kNiftiUint8, 8).value<std::uint8_t>(9);
  five.save(dir_ / "five.nii");
  expectThrowsContaining<std::uint8_t>(dir_ / "five.nii", "dim[0] = 5");
}

TEST_F(NiftiTest, BadHeadersRefused) {
  // Garbage.
  std::string garbage(2000, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7 + 3) % 251);
  writeBytes(dir_ / "garbage.nii", garbage);
  expectThrowsContaining<float>(dir_ / "garbage.nii", "not a NIfTI-1 file");
  writeBytes(dir_ / "empty.nii", "");
  expectThrowsContaining<float>(dir_ / "empty.nii", "not a NIfTI-1 file");

  // Bad magic.
  HandMade h(false);
  h.dims(3, 1, 1, 1).type(ren::io::kNiftiUint8, 8).value<std::uint8_t>(1);
  h.save(dir_ / "ok.nii");
  std::string b = readBytes(dir_ / "ok.nii");
  b[345] = 'X';
  writeBytes(dir_ / "magic.nii", b);
  expectThrowsContaining<float>(dir_ / "magic.nii", "magic");

  // Unsupported datatype and inconsistent bitpix.
  HandMade rgb(false);
  rgb.dims(3, 1, 1, 1).type(128, 24).value<std::uint8_t>(1).value<std::uint8_t>(1).value<std::uint8_t>(1);
  rgb.save(dir_ / "rgb.nii");
  expectThrowsContaining<float>(dir_ / "rgb.nii", "unsupported datatype");
  HandMade bits(false);
  bits.dims(3, 1, 1, 1).type(ren::io::kNiftiInt16, 8).value<std::int16_t>(1);
  bits.save(dir_ / "bits.nii");
  expectThrowsContaining<float>(dir_ / "bits.nii", "bitpix");

  // Zero spacing without a transform.
  HandMade zero(false);
  zero.dims(3, 1, 1, 1).type(ren::io::kNiftiUint8, 8).pixdim(1, 0, 1, 1).value<std::uint8_t>(1);
  zero.save(dir_ / "zero.nii");
  expectThrowsContaining<float>(dir_ / "zero.nii", "spacing");
}

TEST_F(NiftiTest, MissingFileRefused) {
  const fs::path missing = dir_ / "nope.nii.gz";
  try {
    (void)ren::io::readNifti<float>(missing);
    FAIL() << "expected InputError";
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(ren::io::readNiftiInfo(missing), ren::InputError);
}

TEST_F(NiftiTest, WriteFailuresRefusedWithoutLeftovers) {
  const VolumeGeometry g = testGeometry(rotation());
  Volume<float> wrongCount(g);
  wrongCount.voxels.pop_back();
  EXPECT_THROW(ren::io::writeNifti(dir_ / "w.nii", wrongCount), ren::InputError);
  EXPECT_FALSE(fs::exists(dir_ / "w.nii"));

  writeBytes(dir_ / "afile", "x");
  const fs::path impossible = dir_ / "afile" / "x.nii.gz";  // parent is a regular file
  try {
    ren::io::writeNifti(impossible, floatVolume(g));
    FAIL() << "expected InputError";
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(impossible.string()), std::string::npos) << e.what();
  }
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);  // only "afile"
}

// ---- cross-check against ITK's own NIfTI reader ----

TEST_F(NiftiTest, ItkReadsTheSameImage) {
  itk::NiftiImageIOFactory::RegisterOneFactory();
  using ImageType = itk::Image<short, 3>;
  int variant = 0;
  for (const auto& dir : {rotation(), kMirrorZ}) {
    const VolumeGeometry g = testGeometry(dir);
    const auto v = int16Volume(g);
    const fs::path gz = dir_ / ("itk" + std::to_string(variant) + ".nii.gz");
    ren::io::writeNifti(gz, v);
    // The same image with only the qform (sform_code = 0): checks our quaternion and qfac
    // against ITK's NIfTI library independently of the sform.
    const fs::path qformOnly = dir_ / ("itk_qform" + std::to_string(variant) + ".nii");
    ren::io::writeNifti(qformOnly, v);
    std::string bytes = readBytes(qformOnly);
    patchShort(bytes, 254, 0);
    writeBytes(qformOnly, bytes);
    ++variant;

    for (const fs::path& file : {gz, qformOnly}) {
      SCOPED_TRACE(file.filename().string());
      auto reader = itk::ImageFileReader<ImageType>::New();
      reader->SetFileName(file.string());
      reader->Update();
      ImageType::Pointer image = reader->GetOutput();

      const auto size = image->GetLargestPossibleRegion().GetSize();
      for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(static_cast<std::int64_t>(size[i]), g.size[i]);
      const auto spacing = image->GetSpacing();
      const auto origin = image->GetOrigin();
      const auto direction = image->GetDirection();
      const double lps[3] = {-1, -1, 1};  // ITK world is LPS+: negate the x and y rows
      for (unsigned r = 0; r < 3; ++r) {
        EXPECT_NEAR(spacing[r], g.spacing[r], 1e-5);
        EXPECT_NEAR(origin[r], lps[r] * g.origin[r], 1e-5);
        for (unsigned c = 0; c < 3; ++c) {
          EXPECT_NEAR(direction[r][c], lps[r] * g.direction[3 * r + c], 1e-5) << r << "," << c;
        }
      }
      ASSERT_EQ(v.voxels.size(), image->GetLargestPossibleRegion().GetNumberOfPixels());
      EXPECT_TRUE(std::equal(v.voxels.begin(), v.voxels.end(), image->GetBufferPointer()));
    }
  }
}

}  // namespace
