#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "itkGDCMImageIO.h"
#include "itkGDCMImageIOFactory.h"
#include "itkImage.h"
#include "itkImageFileWriter.h"
#include "itkImageSeriesWriter.h"
#include "itkMetaDataObject.h"
#include "itkMetaImageIOFactory.h"
#include "itkNiftiImageIOFactory.h"
#include "itkNrrdImageIOFactory.h"
#include "itkNumericSeriesFileNames.h"
#include "ren/core/Error.h"
#include "ren/core/Sha256.h"
#include "ren/io/ImageFile.h"
#include "ren/io/NiftiImage.h"
#include "support/TempDirTest.h"

namespace fs = std::filesystem;
using ren::io::Volume;
using ren::io::VolumeGeometry;

namespace {

// ---- helpers ----

class ImageFileTest : public ren::test::TempDirTest {
 protected:
  static void SetUpTestSuite() {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
    itk::MetaImageIOFactory::RegisterOneFactory();
    itk::GDCMImageIOFactory::RegisterOneFactory();
  }
  ImageFileTest() : ren::test::TempDirTest("ren_test_image_file") {}
};

const std::array<double, 9> kIdentity{1, 0, 0, 0, 1, 0, 0, 0, 1};
const std::array<double, 9> kLps{-1, 0, 0, 0, -1, 0, 0, 0, 1};  // ITK identity, in RAS terms
const double kFlip[3] = {-1.0, -1.0, 1.0};                      // RAS+ <-> LPS+

// A small rotation (a few degrees about each axis): residual obliquity.
std::array<double, 9> smallRotation() {
  const double ax = 0.05, ay = -0.08, az = 0.11;
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

std::array<double, 9> matMul(const std::array<double, 9>& a, const std::array<double, 9>& b) {
  std::array<double, 9> c{};
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 3; ++j) c[3 * r + k] += a[3 * r + j] * b[3 * j + k];
  return c;
}

VolumeGeometry geometry(std::array<std::int64_t, 3> size, std::array<double, 3> spacing, std::array<double, 3> origin,
                        std::array<double, 9> direction) {
  VolumeGeometry g;
  g.size = size;
  g.spacing = spacing;
  g.origin = origin;
  g.direction = direction;
  return g;
}

// Voxel n holds a distinct integer-valued float (exact in float and int16).
Volume<float> rampVolume(const VolumeGeometry& g) {
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(static_cast<int>(n * 7 % 1001) - 300);
  return v;
}

Volume<float> indexVolume(const VolumeGeometry& g) {
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(n);
  return v;
}

// An ITK image holding a RAS volume (geometry converted to ITK's LPS+).
template <class Pixel>
typename itk::Image<Pixel, 3>::Pointer toItk(const Volume<float>& v) {
  using Image = itk::Image<Pixel, 3>;
  auto image = Image::New();
  typename Image::SizeType size;
  typename Image::SpacingType spacing;
  typename Image::PointType origin;
  typename Image::DirectionType direction;
  for (unsigned a = 0; a < 3; ++a) {
    size[a] = static_cast<itk::SizeValueType>(v.geometry.size[a]);
    spacing[a] = v.geometry.spacing[a];
    origin[a] = kFlip[a] * v.geometry.origin[a];
    for (unsigned c = 0; c < 3; ++c) direction[a][c] = kFlip[a] * v.geometry.direction[3 * a + c];
  }
  typename Image::RegionType region;
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  Pixel* buffer = image->GetBufferPointer();
  for (std::size_t n = 0; n < v.voxels.size(); ++n) buffer[n] = static_cast<Pixel>(v.voxels[n]);
  return image;
}

template <class Image>
void writeWithItk(const fs::path& path, const Image* image) {
  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetFileName(path.string());
  writer->SetInput(image);
  writer->Update();
}

template <class Pixel = float>
void writeItk(const fs::path& path, const Volume<float>& v) {
  const auto image = toItk<Pixel>(v);
  writeWithItk(path, image.GetPointer());
}

// Writes a RAS volume as a DICOM series (one int16 file per z slice) with ITK + GDCM.
void writeDicomSeries(const fs::path& dir, const std::string& prefix, const Volume<float>& v,
                      const std::vector<std::string>& rescale = {}, bool compressed = false) {
  using Image3 = itk::Image<short, 3>;
  using Image2 = itk::Image<short, 2>;
  fs::create_directories(dir);
  const auto image = toItk<short>(v);
  auto io = itk::GDCMImageIO::New();
  auto& dict = io->GetMetaDataDictionary();
  itk::EncapsulateMetaData<std::string>(dict, "0008|0060", "CT");
  itk::EncapsulateMetaData<std::string>(dict, "0008|0016", "1.2.840.10008.5.1.4.1.1.2");  // CT Image Storage
  itk::EncapsulateMetaData<std::string>(dict, "0028|0004", "MONOCHROME2");
  if (!rescale.empty()) {
    itk::EncapsulateMetaData<std::string>(dict, "0028|1052", rescale[0]);  // intercept
    itk::EncapsulateMetaData<std::string>(dict, "0028|1053", rescale[1]);  // slope
  }
  auto names = itk::NumericSeriesFileNames::New();
  names->SetSeriesFormat((dir / (prefix + "%03d.dcm")).string());
  names->SetStartIndex(1);
  names->SetEndIndex(static_cast<itk::SizeValueType>(v.geometry.size[2]));
  names->SetIncrementIndex(1);
  auto writer = itk::ImageSeriesWriter<Image3, Image2>::New();
  writer->SetInput(image);
  writer->SetImageIO(io);
  writer->SetFileNames(names->GetFileNames());
  if (compressed) {
    io->SetCompressionType(itk::GDCMImageIO::JPEG2000);
    writer->SetUseCompression(true);
  }
  writer->Update();
}

void expectGeometryNear(const VolumeGeometry& got, const VolumeGeometry& want, double tol) {
  EXPECT_EQ(got.size, want.size);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(got.spacing[i], want.spacing[i], tol) << "spacing " << i;
    EXPECT_NEAR(got.origin[i], want.origin[i], tol) << "origin " << i;
  }
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(got.direction[i], want.direction[i], tol) << "direction " << i;
}

// Runs `f` and returns the InputError message (fails the test if none is thrown).
template <class F>
std::string inputErrorOf(F&& f) {
  try {
    f();
  } catch (const ren::InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ren::InputError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected ren::InputError";
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- reading NIfTI, NRRD and MetaImage written by ITK ----

TEST_F(ImageFileTest, ReadsFilesWrittenByItkInRas) {
  // ITK direction identity (LPS axes), ITK origin (10, -20, 30).
  using Image = itk::Image<float, 3>;
  auto image = Image::New();
  Image::RegionType region;
  Image::SizeType size;
  size[0] = 6;
  size[1] = 5;
  size[2] = 4;
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  Image::SpacingType spacing;
  spacing[0] = 0.75;
  spacing[1] = 1.25;
  spacing[2] = 2.5;
  image->SetSpacing(spacing);
  Image::PointType origin;
  origin[0] = 10.0;
  origin[1] = -20.0;
  origin[2] = 30.0;
  image->SetOrigin(origin);
  for (std::size_t n = 0; n < 120; ++n) image->GetBufferPointer()[n] = static_cast<float>(n) * 0.5f - 17.0f;

  const VolumeGeometry want = geometry({6, 5, 4}, {0.75, 1.25, 2.5}, {-10.0, 20.0, 30.0}, kLps);
  for (const std::string name : {"a.nii.gz", "a.nii", "a.nrrd", "a.mha", "a.mhd"}) {
    SCOPED_TRACE(name);
    writeWithItk(dir_ / name, image.GetPointer());
    const Volume<float> v = ren::io::readImage(dir_ / name);
    expectGeometryNear(v.geometry, want, 1e-6);
    ASSERT_EQ(v.voxels.size(), 120u);
    for (std::size_t n = 0; n < 120; ++n) ASSERT_EQ(v.voxels[n], static_cast<float>(n) * 0.5f - 17.0f) << n;
  }
}

TEST_F(ImageFileTest, ReadsObliqueGeometryAndIntegerVoxels) {
  const VolumeGeometry g =
      geometry({6, 5, 4}, {0.7, 1.1, 2.3}, {-12.5, 33.25, -101.0}, matMul(smallRotation(), kLps));
  const Volume<float> v = rampVolume(g);
  for (const std::string name : {"b.nii.gz", "b.nrrd", "b.mha"}) {
    SCOPED_TRACE(name);
    writeItk<short>(dir_ / name, v);
    const Volume<float> r = ren::io::readImage(dir_ / name);
    expectGeometryNear(r.geometry, g, name == "b.nii.gz" ? 1e-5 : 1e-9);
    EXPECT_EQ(r.voxels, v.voxels);
  }
}

TEST_F(ImageFileTest, AgreesWithOurNiftiReader) {
  const VolumeGeometry g = geometry({7, 4, 3}, {1.5, 0.8, 3.0}, {100.0, -50.0, 20.0}, smallRotation());
  Volume<std::int16_t> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<std::int16_t>(n * 31 % 500 - 250);
  ren::io::writeNifti(dir_ / "ours.nii.gz", v);
  const Volume<float> itkRead = ren::io::readImage(dir_ / "ours.nii.gz");
  const Volume<std::int16_t> ours = ren::io::readNifti<std::int16_t>(dir_ / "ours.nii.gz");
  expectGeometryNear(itkRead.geometry, ours.geometry, 1e-5);
  expectGeometryNear(itkRead.geometry, g, 1e-5);
  ASSERT_EQ(itkRead.voxels.size(), ours.voxels.size());
  for (std::size_t n = 0; n < ours.voxels.size(); ++n) ASSERT_EQ(itkRead.voxels[n], static_cast<float>(ours.voxels[n]));
}

// ---- LPS vs RAS storage of the same physical volume, reorientation ----

TEST_F(ImageFileTest, LpsAndRasStorageGiveTheSameVolume) {
  const std::int64_t nx = 6, ny = 5, nz = 4;
  const double sx = 0.5, sy = 1.25, sz = 2.0;
  // (a) ITK direction identity: voxel axes along LPS; ITK origin (10, -20, 30).
  const VolumeGeometry ga = geometry({nx, ny, nz}, {sx, sy, sz}, {-10.0, 20.0, 30.0}, kLps);
  const Volume<float> a = indexVolume(ga);
  // (b) the voxel array flipped in x and y; ITK direction diag(-1,-1,1) = RAS identity; its first
  // voxel is voxel (nx-1, ny-1, 0) of (a).
  const auto cornerB = ga.worldOf(static_cast<double>(nx - 1), static_cast<double>(ny - 1), 0.0);
  const VolumeGeometry gb = geometry({nx, ny, nz}, {sx, sy, sz}, cornerB, kIdentity);
  Volume<float> b(gb);
  for (std::int64_t k = 0; k < nz; ++k)
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) b.at(i, j, k) = a.at(nx - 1 - i, ny - 1 - j, k);

  writeItk(dir_ / "a.mha", a);
  writeItk(dir_ / "b.mha", b);
  const Volume<float> ra = ren::io::readImage(dir_ / "a.mha");
  const Volume<float> rb = ren::io::readImage(dir_ / "b.mha");
  expectGeometryNear(ra.geometry, ga, 1e-12);
  expectGeometryNear(rb.geometry, gb, 1e-12);
  // ITK stored (b) with direction diag(-1, -1, 1).
  const auto itkB = toItk<float>(b);
  EXPECT_EQ(itkB->GetDirection()[0][0], -1.0);
  EXPECT_EQ(itkB->GetDirection()[1][1], -1.0);
  EXPECT_EQ(itkB->GetDirection()[2][2], 1.0);

  const Volume<float> oa = ren::io::reorientToRas(ra);
  const Volume<float> ob = ren::io::reorientToRas(rb);
  expectGeometryNear(oa.geometry, ob.geometry, 1e-9);
  expectGeometryNear(oa.geometry, gb, 1e-9);
  EXPECT_EQ(oa.voxels, ob.voxels);
  EXPECT_EQ(ob.voxels, b.voxels);  // already RAS: unchanged
}

TEST_F(ImageFileTest, SagittalAcquisitionReorientsToTheSameVolume) {
  // Reference: RAS-aligned volume R (identity direction).
  const std::int64_t nx = 4, ny = 5, nz = 6;
  const VolumeGeometry gr = geometry({nx, ny, nz}, {0.5, 0.75, 1.5}, {-30.0, 12.0, 7.5}, kIdentity);
  const Volume<float> r = indexVolume(gr);
  // Sagittal storage S: axis 0 runs inferior (along -z), axis 1 anterior (+y), axis 2 towards the
  // patient's left (-x): S(i, j, k) = R(nx-1-k, j, nz-1-i).
  const std::array<double, 9> dirS{0, 0, -1, 0, 1, 0, -1, 0, 0};
  const auto firstS = gr.worldOf(static_cast<double>(nx - 1), 0.0, static_cast<double>(nz - 1));
  const VolumeGeometry gs = geometry({nz, ny, nx}, {1.5, 0.75, 0.5}, firstS, dirS);
  Volume<float> s(gs);
  for (std::int64_t k = 0; k < nx; ++k)
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nz; ++i) s.at(i, j, k) = r.at(nx - 1 - k, j, nz - 1 - i);

  writeItk(dir_ / "r.nrrd", r);
  writeItk(dir_ / "s.nrrd", s);
  const Volume<float> rs = ren::io::readImage(dir_ / "s.nrrd");
  expectGeometryNear(rs.geometry, gs, 1e-12);
  const Volume<float> os = ren::io::reorientToRas(rs);
  const Volume<float> orr = ren::io::reorientToRas(ren::io::readImage(dir_ / "r.nrrd"));
  expectGeometryNear(os.geometry, orr.geometry, 1e-9);
  expectGeometryNear(os.geometry, gr, 1e-9);
  EXPECT_EQ(os.voxels, orr.voxels);
  EXPECT_EQ(os.voxels, r.voxels);
}

TEST_F(ImageFileTest, ReorientKeepsTheWorldPositionOfEveryVoxel) {
  // Permuted, flipped and slightly oblique: voxel axes ≈ (-z, +x, -y).
  const std::array<double, 9> perm{0, 1, 0, 0, 0, -1, -1, 0, 0};
  const VolumeGeometry g = geometry({5, 3, 4}, {0.9, 1.7, 2.2}, {3.0, -4.0, 5.0}, matMul(smallRotation(), perm));
  Volume<float> v(g, 0.0f);
  v.at(2, 1, 3) = 100.0f;  // the marked voxel
  const auto before = g.worldOf(2, 1, 3);
  const Volume<float> o = ren::io::reorientToRas(v);
  const auto it = std::find(o.voxels.begin(), o.voxels.end(), 100.0f);
  ASSERT_NE(it, o.voxels.end());
  const auto n = static_cast<std::int64_t>(it - o.voxels.begin());
  const auto& og = o.geometry;
  const auto after = og.worldOf(static_cast<double>(n % og.size[0]), static_cast<double>((n / og.size[0]) % og.size[1]),
                                static_cast<double>(n / (og.size[0] * og.size[1])));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(after[i], before[i], 1e-9);

  // Every voxel, and the RAS properties of the result.
  const Volume<float> idx = indexVolume(g);
  const Volume<float> oi = ren::io::reorientToRas(idx);
  EXPECT_EQ(oi.geometry.size, (std::array<std::int64_t, 3>{3, 4, 5}));
  EXPECT_EQ(oi.geometry.spacing, (std::array<double, 3>{1.7, 2.2, 0.9}));
  for (int a = 0; a < 3; ++a) {
    EXPECT_GT(oi.geometry.direction[3 * a + a], 0.9) << a;  // axis a points along +world a
    EXPECT_LT(oi.geometry.direction[3 * a + a], 1.0) << a;  // residual obliquity is kept
  }
  std::vector<bool> seen(idx.voxels.size(), false);
  for (std::int64_t k = 0; k < og.size[2]; ++k)
    for (std::int64_t j = 0; j < og.size[1]; ++j)
      for (std::int64_t i = 0; i < og.size[0]; ++i) {
        const auto old = static_cast<std::int64_t>(oi.at(i, j, k));
        seen[static_cast<std::size_t>(old)] = true;
        const auto w0 = g.worldOf(static_cast<double>(old % 5), static_cast<double>((old / 5) % 3),
                                  static_cast<double>(old / 15));
        const auto w1 = oi.geometry.worldOf(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
        for (int c = 0; c < 3; ++c) ASSERT_NEAR(w1[c], w0[c], 1e-9) << i << "," << j << "," << k;
      }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](bool b) { return b; }));
}

TEST_F(ImageFileTest, ReorientOtherVoxelTypesAndEdgeCases) {
  // Already RAS: an exact copy.
  const VolumeGeometry g = geometry({3, 2, 2}, {1, 2, 3}, {1, 2, 3}, smallRotation());
  Volume<std::int16_t> s(g);
  for (std::size_t n = 0; n < s.voxels.size(); ++n) s.voxels[n] = static_cast<std::int16_t>(n);
  const auto os = ren::io::reorientToRas(s);
  EXPECT_EQ(os.voxels, s.voxels);
  EXPECT_EQ(os.geometry.origin, g.origin);
  EXPECT_EQ(os.geometry.direction, g.direction);

  // x mirrored: uint8 and int32 voxels are reversed along x.
  const VolumeGeometry gm = geometry({3, 1, 1}, {2, 1, 1}, {10, 0, 0}, {-1, 0, 0, 0, 1, 0, 0, 0, 1});
  Volume<std::uint8_t> u(gm);
  u.voxels = {1, 2, 3};
  const auto ou = ren::io::reorientToRas(u);
  EXPECT_EQ(ou.voxels, (std::vector<std::uint8_t>{3, 2, 1}));
  EXPECT_EQ(ou.geometry.origin, (std::array<double, 3>{6, 0, 0}));
  EXPECT_EQ(ou.geometry.direction, kIdentity);
  Volume<std::int32_t> i32(gm);
  i32.voxels = {-7, 0, 70000};
  EXPECT_EQ(ren::io::reorientToRas(i32).voxels, (std::vector<std::int32_t>{70000, 0, -7}));

  // 45 degrees in the xy plane: both axes are dominated by x (tie → lowest component).
  const double c = std::sqrt(0.5);
  const VolumeGeometry g45 = geometry({2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {c, c, 0, c, -c, 0, 0, 0, 1});
  const std::string msg = inputErrorOf([&] { ren::io::reorientToRas(Volume<float>(g45)); });
  EXPECT_TRUE(contains(msg, "RAS")) << msg;
  // Two parallel axes.
  const VolumeGeometry gpar = geometry({2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {1, 1, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_THROW(ren::io::reorientToRas(Volume<float>(gpar)), ren::InputError);

  Volume<float> bad(g);
  bad.voxels.pop_back();
  EXPECT_THROW(ren::io::reorientToRas(bad), std::invalid_argument);
}

// ---- DICOM series ----

TEST_F(ImageFileTest, ReadsDicomSeries) {
  const VolumeGeometry g = geometry({8, 6, 3}, {0.8, 0.9, 2.5}, {50.0, 60.0, -100.0}, kLps);
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(static_cast<int>(n * 37 % 2000) - 1024);
  const fs::path series = dir_ / "series";
  writeDicomSeries(series, "slice", v);
  const Volume<float> r = ren::io::readImage(series);
  EXPECT_EQ(r.geometry.size, g.size);
  expectGeometryNear(r.geometry, g, 1e-3);
  EXPECT_EQ(r.voxels, v.voxels);
  // As a label map (integral HU values).
  const Volume<std::int32_t> labels = ren::io::readLabelMap(series);
  ASSERT_EQ(labels.voxels.size(), v.voxels.size());
  for (std::size_t n = 0; n < v.voxels.size(); ++n) ASSERT_EQ(static_cast<float>(labels.voxels[n]), v.voxels[n]);

  // The same series with slices stored in reverse name order: sorted by position, not name.
  const fs::path reversed = dir_ / "reversed";
  writeDicomSeries(reversed, "s", v);
  fs::rename(reversed / "s001.dcm", reversed / "tmp.dcm");
  fs::rename(reversed / "s003.dcm", reversed / "s001.dcm");
  fs::rename(reversed / "tmp.dcm", reversed / "s003.dcm");
  const Volume<float> rr = ren::io::readImage(reversed);
  expectGeometryNear(rr.geometry, g, 1e-3);
  EXPECT_EQ(rr.voxels, v.voxels);
}

TEST_F(ImageFileTest, DicomRescaleIsApplied) {
  const VolumeGeometry g = geometry({4, 4, 3}, {0.7, 0.7, 1.25}, {0, 0, 0}, kLps);
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(static_cast<int>(n * 10) - 1000);
  // Rescale intercept -1024: GDCM stores value + 1024 and the reader gives HU back.
  const fs::path ct = dir_ / "ct";
  writeDicomSeries(ct, "s", v, {"-1024", "1"});
  EXPECT_EQ(ren::io::readImage(ct).voxels, v.voxels);
  // Patch the intercept to 0 in every file: the reader must then return the stored values.
  for (const char* name : {"s001.dcm", "s002.dcm", "s003.dcm"}) {
    std::ifstream in(ct / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    const std::size_t at = bytes.find("-1024");
    ASSERT_NE(at, std::string::npos) << name;
    ASSERT_EQ(bytes.find("-1024", at + 1), std::string::npos) << name;
    bytes.replace(at, 5, "0    ");  // same length (DS values may be space-padded)
    std::ofstream(ct / name, std::ios::binary | std::ios::trunc) << bytes;
  }
  const Volume<float> stored = ren::io::readImage(ct);
  ASSERT_EQ(stored.voxels.size(), v.voxels.size());
  for (std::size_t n = 0; n < v.voxels.size(); ++n) ASSERT_EQ(stored.voxels[n], v.voxels[n] + 1024.0f) << n;
}

TEST_F(ImageFileTest, DicomDirectoryProblems) {
  // No DICOM files.
  const fs::path empty = dir_ / "no_dicom";
  fs::create_directories(empty);
  std::ofstream(empty / "readme.txt") << "not an image\n";
  std::string msg = inputErrorOf([&] { ren::io::readImage(empty); });
  EXPECT_TRUE(contains(msg, empty.string())) << msg;

  // Two series in one directory.
  const VolumeGeometry g = geometry({4, 4, 2}, {1, 1, 2}, {0, 0, 0}, kLps);
  const Volume<float> v = rampVolume(g);
  const fs::path two = dir_ / "two";
  writeDicomSeries(two, "a", v);
  writeDicomSeries(two, "b", v);
  msg = inputErrorOf([&] { ren::io::readImage(two); });
  EXPECT_TRUE(contains(msg, two.string())) << msg;
  EXPECT_TRUE(contains(msg, "2 DICOM series")) << msg;

  // A single slice is a 2D image.
  const fs::path single = dir_ / "single";
  writeDicomSeries(single, "x", rampVolume(geometry({4, 4, 1}, {1, 1, 2}, {0, 0, 0}, kLps)));
  msg = inputErrorOf([&] { ren::io::readImage(single); });
  EXPECT_TRUE(contains(msg, "2D")) << msg;

  // A single DICOM file given as a path is 2D as well.
  msg = inputErrorOf([&] { ren::io::readImage(single / "x001.dcm"); });
  EXPECT_TRUE(contains(msg, "2D")) << msg;
  EXPECT_TRUE(contains(msg, (single / "x001.dcm").string())) << msg;

  // Gantry tilt: slice positions step along a direction that is not the slice normal.
  const double t = 0.2 / std::sqrt(1.04), u = 1.0 / std::sqrt(1.04);
  const fs::path tilt = dir_ / "tilt";
  writeDicomSeries(tilt, "t", rampVolume(geometry({4, 4, 3}, {1, 1, 2}, {0, 0, 0}, {-1, 0, 0, 0, -1, t, 0, 0, u})));
  msg = inputErrorOf([&] { ren::io::readImage(tilt); });
  EXPECT_TRUE(contains(msg, tilt.string())) << msg;
  EXPECT_TRUE(contains(msg, "slice normal")) << msg;

  // A truncated slice file (GDCM alone would read it, filling the missing pixels), plain or
  // JPEG 2000-compressed (encapsulated pixel data), cut inside the pixel data or inside the header.
  for (const bool jpeg2000 : {false, true}) {
    for (const bool half : {false, true}) {
      SCOPED_TRACE(std::string(jpeg2000 ? "jpeg2000" : "plain") + (half ? " half" : " end"));
      const fs::path cut = dir_ / ("cut" + std::to_string(jpeg2000) + "_" + std::to_string(half));
      const Volume<float> cv = rampVolume(geometry({16, 16, 3}, {1, 1, 2}, {0, 0, 0}, kLps));
      writeDicomSeries(cut, "c", cv, {}, jpeg2000);
      EXPECT_EQ(ren::io::readImage(cut).voxels, cv.voxels);  // intact
      const std::uintmax_t bytes = fs::file_size(cut / "c002.dcm");
      fs::resize_file(cut / "c002.dcm", half ? bytes / 2 : bytes - 20);
      msg = inputErrorOf([&] { ren::io::readImage(cut); });
      EXPECT_TRUE(contains(msg, cut.string())) << msg;
      EXPECT_TRUE(contains(msg, "'c002.dcm' is truncated")) << msg;
      msg = inputErrorOf([&] { ren::io::readImage(cut / "c002.dcm"); });
      EXPECT_TRUE(contains(msg, (cut / "c002.dcm").string())) << msg;
    }
  }

  // A missing slice (uneven spacing) is refused.
  const fs::path gap = dir_ / "gap";
  writeDicomSeries(gap, "g", rampVolume(geometry({4, 4, 4}, {1, 1, 2}, {0, 0, 0}, kLps)));
  fs::remove(gap / "g002.dcm");
  msg = inputErrorOf([&] { ren::io::readImage(gap); });
  EXPECT_TRUE(contains(msg, gap.string())) << msg;
  EXPECT_TRUE(contains(msg, "evenly")) << msg;
}

// ---- label maps, dimensionality, bad files ----

TEST_F(ImageFileTest, LabelMaps) {
  const VolumeGeometry g = geometry({4, 3, 2}, {1, 1, 1}, {0, 0, 0}, kLps);
  Volume<float> v(g);
  for (std::size_t n = 0; n < v.voxels.size(); ++n) v.voxels[n] = static_cast<float>(n % 6);
  writeItk<unsigned char>(dir_ / "u8.nii.gz", v);
  writeItk<float>(dir_ / "f.nrrd", v);
  writeItk<double>(dir_ / "d.mha", v);
  for (const std::string name : {"u8.nii.gz", "f.nrrd", "d.mha"}) {
    SCOPED_TRACE(name);
    const Volume<std::int32_t> l = ren::io::readLabelMap(dir_ / name);
    expectGeometryNear(l.geometry, g, 1e-6);
    ASSERT_EQ(l.voxels.size(), v.voxels.size());
    for (std::size_t n = 0; n < v.voxels.size(); ++n) ASSERT_EQ(l.voxels[n], static_cast<std::int32_t>(n % 6));
  }
  v.at(2, 1, 1) = 2.5f;
  writeItk<float>(dir_ / "frac.nrrd", v);
  const std::string msg = inputErrorOf([&] { ren::io::readLabelMap(dir_ / "frac.nrrd"); });
  EXPECT_TRUE(contains(msg, (dir_ / "frac.nrrd").string())) << msg;
  EXPECT_TRUE(contains(msg, "(2, 1, 1)")) << msg;
  EXPECT_TRUE(contains(msg, "2.5")) << msg;
  // readImage accepts the same file.
  EXPECT_EQ(ren::io::readImage(dir_ / "frac.nrrd").at(2, 1, 1), 2.5f);
}

TEST_F(ImageFileTest, TwoDimensionalImagesAreRefused) {
  using Image2 = itk::Image<short, 2>;
  auto image = Image2::New();
  Image2::RegionType region;
  Image2::SizeType size;
  size[0] = 5;
  size[1] = 4;
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  image->FillBuffer(3);
  for (const std::string name : {"flat.nrrd", "flat.nii.gz", "flat.mha"}) {
    SCOPED_TRACE(name);
    writeWithItk(dir_ / name, image.GetPointer());
    const std::string msg = inputErrorOf([&] { ren::io::readImage(dir_ / name); });
    EXPECT_TRUE(contains(msg, "2D")) << msg;
    EXPECT_TRUE(contains(msg, (dir_ / name).string())) << msg;
    EXPECT_TRUE(contains(inputErrorOf([&] { ren::io::readLabelMap(dir_ / name); }), "2D"));
  }
  // A 3D file with a single slice is 3D.
  const Volume<float> one = rampVolume(geometry({4, 3, 1}, {1, 1, 5}, {0, 0, 0}, kLps));
  writeItk(dir_ / "one.nrrd", one);
  EXPECT_EQ(ren::io::readImage(dir_ / "one.nrrd").geometry.size, one.geometry.size);
}

TEST_F(ImageFileTest, FourDimensionalFiles) {
  using Image4 = itk::Image<float, 4>;
  for (const itk::SizeValueType frames : {1u, 2u}) {
    auto image = Image4::New();
    Image4::RegionType region;
    Image4::SizeType size;
    size[0] = 4;
    size[1] = 3;
    size[2] = 2;
    size[3] = frames;
    region.SetSize(size);
    image->SetRegions(region);
    image->Allocate();
    Image4::SpacingType spacing;
    Image4::PointType origin;
    for (unsigned a = 0; a < 4; ++a) {
      spacing[a] = 0.5 + a;
      origin[a] = 10.0 * (a + 1);
    }
    image->SetSpacing(spacing);
    image->SetOrigin(origin);
    for (std::size_t n = 0; n < 24 * frames; ++n) image->GetBufferPointer()[n] = static_cast<float>(n);
    for (const std::string name : {"t.nii.gz", "t.mha", "t.nrrd"}) {
      SCOPED_TRACE(name + " frames " + std::to_string(frames));
      const fs::path path = dir_ / (std::to_string(frames) + name);
      writeWithItk(path, image.GetPointer());
      if (frames == 1) {
        const Volume<float> v = ren::io::readImage(path);
        expectGeometryNear(v.geometry, geometry({4, 3, 2}, {0.5, 1.5, 2.5}, {-10, -20, 30}, kLps), 1e-6);
        ASSERT_EQ(v.voxels.size(), 24u);
        for (std::size_t n = 0; n < 24; ++n) ASSERT_EQ(v.voxels[n], static_cast<float>(n));
      } else {
        const std::string msg = inputErrorOf([&] { ren::io::readImage(path); });
        EXPECT_TRUE(contains(msg, path.string())) << msg;
        EXPECT_TRUE(contains(msg, "3D image is needed")) << msg;
      }
    }
  }
}

TEST_F(ImageFileTest, MissingAndGarbageFiles) {
  for (const std::string name : {"missing.nii.gz", "missing_dir/"}) {
    const fs::path path = dir_ / name;
    const std::string msg = inputErrorOf([&] { ren::io::readImage(path); });
    EXPECT_TRUE(contains(msg, path.string())) << msg;
    EXPECT_TRUE(contains(inputErrorOf([&] { ren::io::readLabelMap(path); }), path.string()));
  }
  for (const std::string name : {"garbage.nii.gz", "garbage.nii", "garbage.nrrd", "garbage.mha", "garbage.bin"}) {
    SCOPED_TRACE(name);
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << "this is not a medical image, just some bytes\n" << std::string(400, 'x');
    const std::string msg = inputErrorOf([&] { ren::io::readImage(path); });
    EXPECT_TRUE(contains(msg, path.string())) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;  // ITK's description is cut to one line
  }
}

TEST_F(ImageFileTest, TruncatedFilesAreRefused) {
  // ITK itself fills the missing voxels of raw NIfTI and MetaImage data silently: checked here.
  const Volume<float> v = rampVolume(geometry({20, 20, 20}, {1, 1, 1}, {0, 0, 0}, kLps));
  struct Case {
    std::string name, dataFile;
    bool compress;
    std::uintmax_t cut;  // bytes removed from the end of the data file (0: half the file)
  };
  for (const Case& c : {Case{"cut.nii", "cut.nii", false, 1}, Case{"gzcut.nii.gz", "gzcut.nii.gz", false, 0},
                        Case{"cut.nrrd", "cut.nrrd", false, 1}, Case{"cut.mha", "cut.mha", false, 1},
                        Case{"zcut.mha", "zcut.mha", true, 10}, Case{"cut.mhd", "cut.raw", false, 1},
                        Case{"zcut.mhd", "zcut.zraw", true, 10}}) {
    SCOPED_TRACE(c.name);
    const fs::path path = dir_ / c.name;
    const auto image = toItk<float>(v);
    auto writer = itk::ImageFileWriter<itk::Image<float, 3>>::New();
    writer->SetFileName(path.string());
    writer->SetInput(image);
    writer->SetUseCompression(c.compress);
    writer->Update();
    EXPECT_EQ(ren::io::readImage(path).voxels, v.voxels);  // intact
    const std::uintmax_t bytes = fs::file_size(dir_ / c.dataFile);
    fs::resize_file(dir_ / c.dataFile, c.cut == 0 ? bytes / 2 : bytes - c.cut);
    const std::string msg = inputErrorOf([&] { ren::io::readImage(path); });
    EXPECT_TRUE(contains(msg, path.string())) << msg;
  }
}

TEST_F(ImageFileTest, NiftiGzWithPlainSiblingIsRefused) {
  // ITK's NIfTI library would open "x.nii" when asked for "x.nii.gz".
  const VolumeGeometry g = geometry({3, 3, 3}, {1, 1, 1}, {0, 0, 0}, kLps);
  writeItk(dir_ / "x.nii.gz", Volume<float>(g, 1.0f));
  EXPECT_EQ(ren::io::readImage(dir_ / "x.nii.gz").voxels[0], 1.0f);
  writeItk(dir_ / "x.nii", Volume<float>(g, 2.0f));
  const std::string msg = inputErrorOf([&] { ren::io::readImage(dir_ / "x.nii.gz"); });
  EXPECT_TRUE(contains(msg, (dir_ / "x.nii").string())) << msg;
  EXPECT_EQ(ren::io::readImage(dir_ / "x.nii").voxels[0], 2.0f);
}

// ---- geometry comparison ----

TEST(GeometryMismatch, EqualWithinToleranceAndDifferences) {
  const VolumeGeometry a = geometry({7, 5, 3}, {1.5, 1.25, 2.5}, {-10.0, 20.0, 30.5}, smallRotation());
  EXPECT_FALSE(ren::io::geometryMismatch(a, a).has_value());
  VolumeGeometry b = a;
  b.spacing[0] += 1e-4;                   // relative 7e-5
  b.origin[2] += 2e-3;                    // within 1e-3 * 2.5 mm
  b.direction[1] += 5e-4;
  EXPECT_FALSE(ren::io::geometryMismatch(a, b).has_value());

  VolumeGeometry o = a;
  o.origin = {-10.0, 20.0, 31.5};
  auto msg = ren::io::geometryMismatch(a, o);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(contains(*msg, "origin")) << *msg;
  EXPECT_TRUE(contains(*msg, "(-10, 20, 30.5)")) << *msg;
  EXPECT_TRUE(contains(*msg, "(-10, 20, 31.5)")) << *msg;

  VolumeGeometry s = a;
  s.size[2] = 4;
  msg = ren::io::geometryMismatch(a, s);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(contains(*msg, "size")) << *msg;
  EXPECT_TRUE(contains(*msg, "7x5x3")) << *msg;
  EXPECT_TRUE(contains(*msg, "7x5x4")) << *msg;

  VolumeGeometry sp = a;
  sp.spacing[1] = 1.3;
  EXPECT_TRUE(ren::io::geometryMismatch(a, sp).has_value());
  VolumeGeometry d = a;
  d.direction = kIdentity;
  msg = ren::io::geometryMismatch(a, d);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(contains(*msg, "direction")) << *msg;
  VolumeGeometry nan = a;
  nan.origin[0] = std::nan("");
  EXPECT_TRUE(ren::io::geometryMismatch(a, nan).has_value());
  // A looser tolerance accepts the origin shift of 1 mm.
  EXPECT_FALSE(ren::io::geometryMismatch(a, o, 0.5).has_value());
}

// ---- provenance hashes ----

TEST_F(ImageFileTest, ProvenanceHashes) {
  const fs::path file = dir_ / "img.mha";
  writeItk(file, rampVolume(geometry({4, 3, 2}, {1, 1, 1}, {0, 0, 0}, kLps)));
  EXPECT_EQ(ren::io::fileProvenanceHash(file), ren::sha256File(file));

  const fs::path series = dir_ / "first" / "series";
  writeDicomSeries(series, "slice", rampVolume(geometry({4, 4, 3}, {1, 1, 2}, {0, 0, 0}, kLps)));
  const std::string h1 = ren::io::fileProvenanceHash(series);
  EXPECT_EQ(h1.size(), 64u);
  const fs::path copy = dir_ / "elsewhere" / "deeper" / "copy";
  fs::create_directories(copy.parent_path());
  fs::copy(series, copy, fs::copy_options::recursive);
  EXPECT_EQ(ren::io::fileProvenanceHash(copy), h1);
  // Definition: sorted "<name>\t<sha256>\n" lines.
  std::string text;
  for (const char* name : {"slice001.dcm", "slice002.dcm", "slice003.dcm"}) {
    text += std::string(name) + '\t' + ren::sha256File(series / name) + '\n';
  }
  EXPECT_EQ(h1, ren::sha256Hex(text));
  // Content and names matter.
  fs::rename(copy / "slice003.dcm", copy / "slice004.dcm");
  EXPECT_NE(ren::io::fileProvenanceHash(copy), h1);

  EXPECT_THROW(ren::io::fileProvenanceHash(dir_ / "nope"), ren::InputError);
}

}  // namespace
