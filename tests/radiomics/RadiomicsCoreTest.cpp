// The shared pieces of the radiomics engine: settings, ROI cropping and discretisation.
#include <gtest/gtest.h>

#include <cmath>

#include "radiomics/AnchorData.h"
#include "ren/core/Error.h"
#include "ren/radiomics/FeatureClass.h"
#include "ren/radiomics/FeatureExtractor.h"
#include "ren/radiomics/GreyLevels.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"

namespace ren::radiomics {
namespace {

io::Volume<float> imageOf(std::int64_t nx, std::int64_t ny, std::int64_t nz, float fill = 0) {
  io::VolumeGeometry g;
  g.size = {nx, ny, nz};
  g.spacing = {0.5, 0.75, 2.0};
  return io::Volume<float>(g, fill);
}

TEST(RadiomicsSettings, DefaultsArePyRadiomicsDefaults) {
  const RadiomicsSettings s;
  EXPECT_EQ(s.binWidth, 25.0);
  EXPECT_FALSE(s.binCount.has_value());
  EXPECT_EQ(s.voxelArrayShift, 0.0);
  EXPECT_EQ(s.distances, std::vector<int>{1});
  EXPECT_TRUE(s.symmetricalGlcm);
  EXPECT_EQ(s.weightingNorm, WeightingNorm::None);
  EXPECT_EQ(s.gldmAlpha, 0.0);
  EXPECT_EQ(s.minimumRoiDimensions, 2);
  EXPECT_EQ(s.label, 1);
}

TEST(RadiomicsSettings, ParsesKeyValuesAndNamesBadKeys) {
  RadiomicsSettings s;
  applySetting(s, "binCount", "64");
  applySetting(s, "distances", "[1, 2]");
  applySetting(s, "weightingNorm", "euclidean");
  applySetting(s, "resegmentRange", "-1000,400");
  applySetting(s, "voxelArrayShift", "2000");
  EXPECT_EQ(*s.binCount, 64);
  EXPECT_EQ(s.distances, (std::vector<int>{1, 2}));
  EXPECT_EQ(s.weightingNorm, WeightingNorm::Euclidean);
  EXPECT_EQ(s.resegmentRange->first, -1000);
  EXPECT_EQ(s.resegmentRange->second, 400);
  EXPECT_EQ(s.voxelArrayShift, 2000);
  try {
    applySetting(s, "binwidth", "5");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("binWidth"), std::string::npos) << e.what();
  }
  EXPECT_THROW(applySetting(s, "binWidth", "0"), UsageError);
  EXPECT_THROW(applySetting(s, "weightingNorm", "l2"), UsageError);
  EXPECT_THROW(applySetting(s, "distances", "0"), UsageError);
}

TEST(Roi, CropsThePaddedBoundingBoxAndRecordsRoiVoxels) {
  auto image = imageOf(10, 8, 6);
  io::Volume<std::uint8_t> labels(image.geometry, 0);
  for (std::size_t v = 0; v < image.voxels.size(); ++v) image.voxels[v] = static_cast<float>(v);
  labels.at(2, 3, 1) = 4;
  labels.at(5, 3, 2) = 4;
  labels.at(7, 7, 2) = 9;  // other label
  std::array<bool, 256> selected{};
  selected[4] = true;
  const Roi roi = cropRoi(image, labels, selected, RadiomicsSettings{});
  EXPECT_EQ(roi.pad, 1);
  EXPECT_EQ(roi.size, (std::array<std::int64_t, 3>{6, 3, 4}));
  EXPECT_EQ(roi.boxStart, (std::array<std::int64_t, 3>{1, 2, 0}));
  EXPECT_EQ(roi.voxelCount, 2);
  EXPECT_EQ(roi.labelVoxelCount, 2);
  ASSERT_EQ(roi.values.size(), 2u);
  EXPECT_EQ(roi.values[0], image.at(2, 3, 1));
  EXPECT_EQ(roi.values[1], image.at(5, 3, 2));
  EXPECT_EQ(roi.mask[roi.index(1, 1, 1)], kInRoi | kInLabel);
  EXPECT_EQ(roi.roiExtent(), (std::array<std::int64_t, 3>{4, 1, 2}));
  EXPECT_EQ(roi.spacing, image.geometry.spacing);
}

TEST(Roi, LabelBoxesInOnePassGiveTheSameCrops) {
  auto image = imageOf(12, 9, 7);
  io::Volume<std::uint8_t> labels(image.geometry, 0);
  for (std::size_t v = 0; v < image.voxels.size(); ++v) image.voxels[v] = static_cast<float>(v % 17);
  labels.at(1, 2, 3) = 3;
  labels.at(4, 8, 1) = 3;
  labels.at(11, 0, 6) = 5;
  const LabelBoxes found = labelBoxes(labels);
  const auto& boxes = found.box;
  EXPECT_EQ(found.count[3], 2);
  EXPECT_EQ(found.count[5], 1);
  EXPECT_EQ(found.count[0], 12 * 9 * 7 - 3);
  EXPECT_EQ(found.count[4], 0);
  EXPECT_EQ(boxes[3].lo, (std::array<std::int64_t, 3>{1, 2, 1}));
  EXPECT_EQ(boxes[3].hi, (std::array<std::int64_t, 3>{4, 8, 3}));
  EXPECT_TRUE(boxes[4].empty());
  const IndexBox both = boxes[3].united(boxes[5]).united(boxes[4]);
  EXPECT_EQ(both.lo, (std::array<std::int64_t, 3>{1, 0, 1}));
  EXPECT_EQ(both.hi, (std::array<std::int64_t, 3>{11, 8, 6}));
  std::array<bool, 256> selected{};
  selected[3] = selected[5] = true;
  const Roi full = cropRoi(image, labels, selected, RadiomicsSettings{});
  const Roi boxed = cropRoi(image, labels, selected, RadiomicsSettings{}, both);
  EXPECT_EQ(boxed.size, full.size);
  EXPECT_EQ(boxed.boxStart, full.boxStart);
  EXPECT_EQ(boxed.mask, full.mask);
  EXPECT_EQ(boxed.values, full.values);
  EXPECT_EQ(cropRoi(image, labels, selected, RadiomicsSettings{}, boxes[4]).voxelCount, 0);  // empty search box
}

TEST(Roi, ResegmentationKeepsTheShapeMaskAndNonFiniteValuesAreErrors) {
  auto image = imageOf(4, 4, 4, 10);
  io::Volume<std::int32_t> labels(image.geometry, 1);
  image.at(0, 0, 0) = 500;
  RadiomicsSettings s;
  s.resegmentRange = std::make_pair(0.0, 100.0);
  const Roi roi = cropRoi(image, labels, 1, s);
  EXPECT_EQ(roi.labelVoxelCount, 64);
  EXPECT_EQ(roi.voxelCount, 63);
  EXPECT_EQ(roi.mask[roi.index(1, 1, 1)], kInLabel);  // image (0,0,0) is at box (1,1,1)
  image.at(1, 2, 3) = std::nanf("");
  try {
    cropRoi(image, labels, 1, s);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(1, 2, 3)"), std::string::npos) << e.what();
  }
  io::Volume<std::int32_t> wrongSize(imageOf(4, 4, 5).geometry, 1);
  EXPECT_THROW(cropRoi(image, wrongSize, 1, s), InputError);
}

TEST(GreyLevels, FixedBinWidthCountsEdgesFromZero) {
  // PyRadiomics' docstring example: ROI 54..166, binWidth 25 -> edges 50, 75, ..., levels 1..5.
  auto image = imageOf(5, 1, 1);
  const float values[] = {54, 74.99f, 75, 150, 166};
  for (int i = 0; i < 5; ++i) image.voxels[static_cast<std::size_t>(i)] = values[i];
  io::Volume<std::int32_t> labels(image.geometry, 1);
  const Roi roi = cropRoi(image, labels, 1, RadiomicsSettings{});
  const GreyLevels grey = discretise(roi, RadiomicsSettings{});
  EXPECT_EQ(grey.binCount, 5);
  EXPECT_EQ(grey.lowEdge, 50);
  std::vector<int> levels;
  for (auto l : grey.level)
    if (l) levels.push_back(l);
  EXPECT_EQ(levels, (std::vector<int>{1, 1, 2, 5, 5}));
  EXPECT_EQ(grey.present, (std::vector<int>{1, 2, 5}));
  EXPECT_EQ(grey.histogram[1], 2);
  // Negative values: edges still multiples of the width (floor), the lowest value is level 1.
  image.voxels = {-1024, -1000, -976, -975.5f, -900};
  const GreyLevels hu = discretise(cropRoi(image, labels, 1, RadiomicsSettings{}), RadiomicsSettings{});
  levels.clear();
  for (auto l : hu.level)
    if (l) levels.push_back(l);
  EXPECT_EQ(hu.lowEdge, -1025);
  EXPECT_EQ(levels, (std::vector<int>{1, 2, 2, 2, 6}));
}

TEST(GreyLevels, FixedBinCountAndFlatRois) {
  auto image = imageOf(5, 1, 1);
  image.voxels = {0, 1, 2, 3, 4};
  io::Volume<std::int32_t> labels(image.geometry, 1);
  RadiomicsSettings s;
  s.binCount = 4;
  GreyLevels grey = discretise(cropRoi(image, labels, 1, s), s);
  std::vector<int> levels;
  for (auto l : grey.level)
    if (l) levels.push_back(l);
  EXPECT_EQ(levels, (std::vector<int>{1, 2, 3, 4, 4}));  // max goes to the last bin
  // A flat ROI has one grey level: 1 with a bin width; with a bin count, numpy.histogram's range
  // (v - 0.5, v + 0.5) puts v in the middle bin, as in PyRadiomics (level 3 of 4).
  image.voxels.assign(5, 7.5f);
  grey = discretise(cropRoi(image, labels, 1, RadiomicsSettings{}), RadiomicsSettings{});
  EXPECT_EQ(grey.present, std::vector<int>{1});
  grey = discretise(cropRoi(image, labels, 1, s), s);
  EXPECT_EQ(grey.present, std::vector<int>{3});
  // Thousands of bins are fine; more than 65535 is a clear error.
  image.voxels = {0, 1000, 2000, 3000, 4000};
  RadiomicsSettings fine;
  fine.binWidth = 1;
  EXPECT_EQ(discretise(cropRoi(image, labels, 1, fine), fine).binCount, 4001);
  fine.binWidth = 0.01;
  EXPECT_THROW(discretise(cropRoi(image, labels, 1, fine), fine), InputError);
}

TEST(FeatureExtractor, NamesThe107FeaturesInRegistryOrder) {
  const auto names = featureNames(RadiomicsSettings{});
  ASSERT_EQ(names.size(), 107u);
  EXPECT_EQ(names.front(), "original_firstorder_Energy");
  EXPECT_EQ(names.back(), "original_ngtdm_Strength");
  const std::vector<std::pair<std::string, std::size_t>> counts{{"firstorder", 18}, {"shape", 14}, {"glcm", 24},
                                                                {"glrlm", 16},      {"glszm", 16}, {"gldm", 14},
                                                                {"ngtdm", 5}};
  for (const auto& [cls, n] : counts) EXPECT_EQ(FeatureClassRegistry::instance().get(cls).featureNames.size(), n) << cls;
  RadiomicsSettings only;
  only.featureClasses = {"glcm", "firstorder"};
  EXPECT_EQ(featureNames(only).size(), 42u);
  only.featureClasses = {"glcmx"};
  EXPECT_THROW(featureNames(only), UsageError);
}

TEST(FeatureExtractor, EmptyAndTooSmallRoisGiveNaNRowsWithAStatus) {
  auto image = imageOf(6, 6, 6, 3);
  io::Volume<std::int32_t> labels(image.geometry, 0);
  RadiomicsSettings s;
  FeatureVector f = extractFeatures(cropRoi(image, labels, 1, s), s);
  EXPECT_EQ(f.status, "empty");
  ASSERT_EQ(f.values.size(), 107u);
  for (double v : f.values) EXPECT_TRUE(std::isnan(v));
  labels.at(2, 2, 2) = 1;
  labels.at(3, 2, 2) = 1;
  f = extractFeatures(cropRoi(image, labels, 1, s), s);  // one axis only, minimumROIDimensions 2
  EXPECT_EQ(f.status, "too-thin");
  s.minimumRoiDimensions = 1;
  s.minimumRoiSize = 3;
  EXPECT_EQ(extractFeatures(cropRoi(image, labels, 1, s), s).status, "too-small");
}

TEST(AnchorData, ReadsTheGoldenFixtures) {
  const Roi phantom = anchors::ibsiPhantomRoi(anchors::ibsiSettings());
  EXPECT_EQ(phantom.voxelCount, 74);  // IBSI: 74 ROI voxels, counts {1:50, 3:1, 4:16, 6:7}
  EXPECT_EQ(phantom.spacing, (std::array<double, 3>{2.0, 2.0, 2.0}));
  const GreyLevels grey = discretise(phantom, anchors::ibsiSettings());
  EXPECT_EQ(grey.present, (std::vector<int>{1, 3, 4, 6}));
  EXPECT_EQ(grey.histogram[1], 50);
  EXPECT_EQ(grey.histogram[4], 16);
  EXPECT_EQ(anchors::ibsiReference("RNU0").value, 556);
  EXPECT_EQ(anchors::ibsiReference("RNU0").tolerance, 4);
  EXPECT_DOUBLE_EQ(anchors::ibsiReference("GYBY", "3D, averaged").value, 0.503);  // joint maximum
  EXPECT_DOUBLE_EQ(anchors::ibsiReference("GYBY", "3D, averaged").tolerance, 0.0005);
  const auto brain = anchors::baselineSettings("glcm", "brain1");
  EXPECT_EQ(brain.voxelArrayShift, 2000);
  EXPECT_EQ(brain.minimumRoiDimensions, 1);
  EXPECT_EQ(*anchors::baselineSettings("glcm", "brain1_FBN").binCount, 64);
  EXPECT_EQ(anchors::baselineRoi("brain1", brain).voxelCount, 4137);
  EXPECT_NEAR(*anchors::baselineValue("firstorder", "brain1", "Mean"), 825.2354363065023, 1e-9);
}

}  // namespace
}  // namespace ren::radiomics
