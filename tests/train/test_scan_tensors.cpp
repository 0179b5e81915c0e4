#include <gtest/gtest.h>

#include "ren/core/Error.h"
#include "ren/train/ScanTensors.h"

using namespace ren;

namespace {
preprocess::PreprocessedScan smallScan() {
  preprocess::PreprocessedScan s;
  s.scanId = "S1";
  s.grid = {4, 3, 2};
  for (int i = 0; i < 24; ++i) {
    s.image.push_back(static_cast<float>(i) / 24.0f);
    s.lobes.push_back(static_cast<std::uint8_t>(i % 8));
  }
  return s;
}
}  // namespace

TEST(ScanTensors, LayoutIsChannelZYX) {
  const auto s = smallScan();
  const at::Tensor t = train::imageTensor(s);
  EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(t.scalar_type(), at::kFloat);
  // voxel (x=3, y=1, z=1) is index 3 + 4 * (1 + 3 * 1) = 19
  EXPECT_FLOAT_EQ(t[0][1][1][3].item<float>(), 19.0f / 24.0f);
}

TEST(ScanTensors, RegionMaskAndMaskedImage) {
  const auto s = smallScan();
  const Region lll = kRegions[1];   // canonical label 2
  const Region left = kRegions[5];  // labels 1, 2 and 6
  const at::Tensor mask = train::regionMaskTensor(s, left);
  EXPECT_EQ(mask.sum().item<float>(), 9.0f);  // i % 8 in {1,2,6} for i < 24: 3 per 8 voxels
  const at::Tensor masked = train::maskedImageTensor(s, lll);
  for (int i = 0; i < 24; ++i) {
    const std::int64_t x = i % 4, y = (i / 4) % 3, z = i / 12;
    const float expected = (i % 8 == 2) ? static_cast<float>(i) / 24.0f : 0.0f;
    EXPECT_FLOAT_EQ(masked[0][z][y][x].item<float>(), expected) << i;
  }
}

TEST(ScanTensors, WrongSizeIsAnError) {
  auto s = smallScan();
  s.image.pop_back();
  EXPECT_THROW(train::imageTensor(s), InputError);
}
