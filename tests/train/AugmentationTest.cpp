// Training-time augmentation (ren/train/Augmentation.h): the presets of METHOD.md section 5, the affine
// matrix, and augmentBatch's guarantees (untouched samples bit-identical, labels nearest-neighbour,
// noise on the image only, reproducible from the seeds).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/train/Augmentation.h"

using namespace ren;
using train::AugmentSettings;

namespace {

/// A [B,1,g,g,g] float image with distinct, smoothly varying values (so any resampling shows).
at::Tensor rampImage(std::int64_t batch, std::int64_t grid) {
  auto r = torch::arange(grid, torch::kFloat) / static_cast<float>(grid);
  auto z = r.view({grid, 1, 1}), y = r.view({1, grid, 1}), x = r.view({1, 1, grid});
  auto one = (0.5f * z + 0.3f * y * y + 0.2f * torch::sin(6.0f * x)).expand({grid, grid, grid});
  return one.unsqueeze(0).unsqueeze(0).repeat({batch, 1, 1, 1, 1}).contiguous();
}

/// A [B,1,g,g,g] uint8 label map of three blocks: 0 (background), 2 (a slab) and 4 (a central cube).
at::Tensor blockLabels(std::int64_t batch, std::int64_t grid) {
  auto l = torch::zeros({batch, 1, grid, grid, grid}, torch::kUInt8);
  l.narrow(2, 0, grid / 4).fill_(2);
  l.narrow(2, grid / 4, grid / 2).narrow(3, grid / 4, grid / 2).narrow(4, grid / 4, grid / 2).fill_(4);
  return l;
}

AugmentSettings spatialOnly() {
  AugmentSettings s;
  s.rotateProbability = 1;
  s.maxRotation = 0.1;
  s.affineProbability = 1;
  s.maxTranslation = 5;
  s.maxScale = 0.1;
  return s;
}

double det3(const at::Tensor& m) {
  auto a = m.to(torch::kDouble).contiguous();
  auto v = a.accessor<double, 2>();
  return v[0][0] * (v[1][1] * v[2][2] - v[1][2] * v[2][1]) - v[0][1] * (v[1][0] * v[2][2] - v[1][2] * v[2][0]) +
         v[0][2] * (v[1][0] * v[2][1] - v[1][1] * v[2][0]);
}

}  // namespace

TEST(AugmentPreset, StrongIsTheCnnRecipe) {
  const AugmentSettings s = train::augmentPreset("strong");
  EXPECT_DOUBLE_EQ(s.maxRotation, 0.1);
  EXPECT_DOUBLE_EQ(s.rotateProbability, 0.3);
  EXPECT_DOUBLE_EQ(s.noiseSigma, 0.01);
  EXPECT_DOUBLE_EQ(s.noiseProbability, 0.2);
  EXPECT_DOUBLE_EQ(s.affineProbability, 0.2);
  EXPECT_DOUBLE_EQ(s.maxTranslation, 5);
  EXPECT_DOUBLE_EQ(s.maxScale, 0.1);
  EXPECT_TRUE(s.enabled());
}

TEST(AugmentPreset, LightIsTheVitMambaRecipe) {
  const AugmentSettings s = train::augmentPreset("light");
  EXPECT_DOUBLE_EQ(s.maxRotation, 0.05);
  EXPECT_DOUBLE_EQ(s.rotateProbability, 0.2);
  EXPECT_DOUBLE_EQ(s.noiseSigma, 0.005);
  EXPECT_DOUBLE_EQ(s.noiseProbability, 0.1);
  EXPECT_DOUBLE_EQ(s.affineProbability, 0.1);
  EXPECT_DOUBLE_EQ(s.maxTranslation, 3);
  EXPECT_DOUBLE_EQ(s.maxScale, 0.05);
  EXPECT_TRUE(s.enabled());
}

TEST(AugmentPreset, NoneIsDisabled) {
  const AugmentSettings s = train::augmentPreset("none");
  EXPECT_EQ(s.rotateProbability, 0);
  EXPECT_EQ(s.noiseProbability, 0);
  EXPECT_EQ(s.affineProbability, 0);
  EXPECT_FALSE(s.enabled());
}

TEST(AugmentPreset, UnknownNameIsAConfigErrorListingTheChoices) {
  try {
    train::augmentPreset("x");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'x'"), std::string::npos) << what;
    EXPECT_NE(what.find("strong, light, none"), std::string::npos) << what;
  }
}

TEST(AffineMatrix, IdentityWhenNothingIsApplied) {
  const at::Tensor m = train::affineMatrix(0, 0, 0, 1, 1, 1, 0, 0, 0, 96);
  ASSERT_EQ(m.sizes(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(m.scalar_type(), at::kFloat);
  auto expected = torch::cat({torch::eye(3, torch::kFloat), torch::zeros({3, 1}, torch::kFloat)}, 1);
  EXPECT_TRUE(torch::equal(m, expected)) << m;
}

TEST(AffineMatrix, PureRotationIsOrthonormalWithDeterminantOne) {
  const at::Tensor m = train::affineMatrix(0.3, -0.2, 0.5, 1, 1, 1, 0, 0, 0, 64);
  const at::Tensor r = m.narrow(1, 0, 3).to(torch::kDouble);
  EXPECT_TRUE(torch::allclose(r.matmul(r.t()), torch::eye(3, torch::kDouble), 0, 1e-6)) << r.matmul(r.t());
  EXPECT_NEAR(det3(r), 1.0, 1e-6);
  EXPECT_TRUE(torch::equal(m.select(1, 3), torch::zeros({3}, torch::kFloat)));
  EXPECT_FALSE(torch::allclose(r, torch::eye(3, torch::kDouble)));
}

TEST(AffineMatrix, SingleAxisRotationHasTheExpectedEntries) {
  // Rotation about the third (z) coordinate only: the x-y block is [[c, -s], [s, c]].
  const double a = 0.25;
  const at::Tensor m = train::affineMatrix(0, 0, a, 1, 1, 1, 0, 0, 0, 32);
  auto v = m.accessor<float, 2>();
  EXPECT_NEAR(v[0][0], std::cos(a), 1e-6);
  EXPECT_NEAR(v[0][1], -std::sin(a), 1e-6);
  EXPECT_NEAR(v[1][0], std::sin(a), 1e-6);
  EXPECT_NEAR(v[1][1], std::cos(a), 1e-6);
  EXPECT_FLOAT_EQ(v[2][2], 1.0f);
  EXPECT_FLOAT_EQ(v[0][2], 0.0f);
  EXPECT_FLOAT_EQ(v[2][0], 0.0f);
}

TEST(AffineMatrix, ScaleIsTheDiagonalWithoutRotation) {
  const at::Tensor m = train::affineMatrix(0, 0, 0, 0.9, 1.05, 1.1, 0, 0, 0, 32);
  auto v = m.accessor<float, 2>();
  EXPECT_FLOAT_EQ(v[0][0], 0.9f);
  EXPECT_FLOAT_EQ(v[1][1], 1.05f);
  EXPECT_FLOAT_EQ(v[2][2], 1.1f);
  EXPECT_FLOAT_EQ(v[0][1], 0.0f);
  EXPECT_FLOAT_EQ(v[1][2], 0.0f);
}

TEST(AffineMatrix, TranslationColumnIsTwiceTheShiftOverTheGrid) {
  const at::Tensor m = train::affineMatrix(0, 0, 0, 1, 1, 1, 3, -6, 12, 48);
  auto v = m.accessor<float, 2>();
  EXPECT_FLOAT_EQ(v[0][3], 2.0f * 3 / 48);
  EXPECT_FLOAT_EQ(v[1][3], 2.0f * -6 / 48);
  EXPECT_FLOAT_EQ(v[2][3], 2.0f * 12 / 48);
  // The translation is independent of the rotation/scale block.
  const at::Tensor rotated = train::affineMatrix(0.1, 0.05, -0.07, 1.1, 0.9, 1, 3, -6, 12, 48);
  EXPECT_TRUE(torch::equal(rotated.select(1, 3), m.select(1, 3)));
}

TEST(AffineMatrix, OneVoxelTranslationShiftsTheFirstCoordinateAlongWidth) {
  // grid_sample's first coordinate is W (the last tensor axis); the matrix maps output to input, so
  // out[..., x] = in[..., x + 1].
  const std::int64_t g = 8;
  auto img = torch::arange(g * g * g, torch::kFloat).view({1, 1, g, g, g});
  auto theta = train::affineMatrix(0, 0, 0, 1, 1, 1, 1, 0, 0, g).unsqueeze(0);
  namespace F = torch::nn::functional;
  auto coords = F::affine_grid(theta, {1, 1, g, g, g}, false);
  auto out = F::grid_sample(img, coords, F::GridSampleFuncOptions().mode(torch::kNearest).padding_mode(torch::kZeros).align_corners(false));
  EXPECT_TRUE(torch::equal(out.narrow(4, 0, g - 1), img.narrow(4, 1, g - 1)));
  EXPECT_EQ(out.narrow(4, g - 1, 1).abs().sum().item<float>(), 0.0f);  // shifted in from outside: zeros
}

TEST(AugmentBatch, ZeroProbabilitiesLeaveTheBatchBitIdentical) {
  AugmentSettings s;  // all zero: disabled
  s.maxRotation = 0.1;
  s.maxTranslation = 5;
  s.maxScale = 0.1;
  s.noiseSigma = 0.1;
  auto image = rampImage(2, 8), labels = blockLabels(2, 8);
  const auto image0 = image.clone(), labels0 = labels.clone();
  Rng rng(7);
  train::augmentBatch(image, labels, s, rng);
  EXPECT_TRUE(torch::equal(image, image0));
  EXPECT_TRUE(torch::equal(labels, labels0));
}

TEST(AugmentBatch, SamplesDrawingNoTransformStayBitIdentical) {
  // Enabled, but with probabilities so small no sample draws anything: the per-sample path must not
  // resample either.
  AugmentSettings s = spatialOnly();
  s.rotateProbability = 1e-15;
  s.affineProbability = 1e-15;
  s.noiseProbability = 1e-15;
  s.noiseSigma = 0.1;
  ASSERT_TRUE(s.enabled());
  auto image = rampImage(3, 8), labels = blockLabels(3, 8);
  const auto image0 = image.clone(), labels0 = labels.clone();
  Rng rng(11);
  train::augmentBatch(image, labels, s, rng);
  EXPECT_TRUE(torch::equal(image, image0));
  EXPECT_TRUE(torch::equal(labels, labels0));
}

TEST(AugmentBatch, SpatialTransformKeepsLabelValuesAndChangesTheImage) {
  const std::int64_t g = 16;
  auto image = rampImage(2, g), labels = blockLabels(2, g);
  const auto image0 = image.clone(), labels0 = labels.clone();
  Rng rng(3);
  train::augmentBatch(image, labels, spatialOnly(), rng);
  EXPECT_EQ(labels.scalar_type(), at::kByte);
  EXPECT_EQ(labels.sizes(), labels0.sizes());
  EXPECT_EQ(image.sizes(), image0.sizes());

  // Nearest neighbour: only values of the input, never an interpolated 3 between 2 and 4 or a 1.
  const auto counts = labels.flatten().to(torch::kLong).bincount();
  for (std::int64_t v = 0; v < counts.numel(); ++v)
    if (counts[v].item<std::int64_t>() > 0) EXPECT_TRUE(v == 0 || v == 2 || v == 4) << "new label value " << v;

  for (std::int64_t b = 0; b < 2; ++b) {
    const auto diff = (image[b] - image0[b]).abs().max().item<float>();
    EXPECT_GT(diff, 1e-3f) << "sample " << b << " not transformed";
    // The core of the central cube (value 4) mostly keeps its value under a small transform.
    const auto core = labels[b].narrow(1, 5, 6).narrow(2, 5, 6).narrow(3, 5, 6);
    const double kept = core.eq(4).sum().item<double>() / static_cast<double>(core.numel());
    EXPECT_GT(kept, 0.9) << "sample " << b;
    // The slab (value 2) survives too.
    EXPECT_GT(labels[b].eq(2).sum().item<double>(), 0.5 * labels0[b].eq(2).sum().item<double>());
  }
}

TEST(AugmentBatch, SamplesOfABatchDrawIndependentTransforms) {
  const std::int64_t g = 12;
  auto image = rampImage(2, g), labels = blockLabels(2, g);
  Rng rng(5);
  train::augmentBatch(image, labels, spatialOnly(), rng);
  EXPECT_FALSE(torch::equal(image[0], image[1]));
}

TEST(AugmentBatch, NoiseOnlyChangesTheImageByTheSigma) {
  AugmentSettings s;
  s.noiseProbability = 1;
  s.noiseSigma = 0.1;
  const std::int64_t g = 16;
  auto image = rampImage(2, g), labels = blockLabels(2, g);
  const auto image0 = image.clone(), labels0 = labels.clone();
  torch::manual_seed(1234);
  Rng rng(9);
  train::augmentBatch(image, labels, s, rng);
  EXPECT_TRUE(torch::equal(labels, labels0));
  const auto diff = (image - image0).to(torch::kDouble);
  EXPECT_NEAR(diff.std().item<double>(), 0.1, 0.005);
  EXPECT_NEAR(diff.mean().item<double>(), 0.0, 0.005);
  for (std::int64_t b = 0; b < 2; ++b) EXPECT_NEAR(diff[b].std().item<double>(), 0.1, 0.008) << b;
}

TEST(AugmentBatch, SameSeedsGiveIdenticalOutput) {
  AugmentSettings s = spatialOnly();
  s.noiseProbability = 1;
  s.noiseSigma = 0.05;
  const std::int64_t g = 10;
  auto run = [&](std::uint64_t seed) {
    auto image = rampImage(3, g), labels = blockLabels(3, g);
    torch::manual_seed(static_cast<std::uint64_t>(seed));
    Rng rng(seed);
    train::augmentBatch(image, labels, s, rng);
    return std::make_pair(image, labels);
  };
  const auto a = run(21), b = run(21), c = run(22);
  EXPECT_TRUE(torch::equal(a.first, b.first));
  EXPECT_TRUE(torch::equal(a.second, b.second));
  EXPECT_FALSE(torch::equal(a.first, c.first));
}

TEST(AugmentBatch, SmallRotationKeepsACentredSphereVolume) {
  const std::int64_t g = 32;
  const double radius = 9.0, centre = (g - 1) / 2.0;  // the centre of an align_corners=false grid
  auto idx = torch::arange(g, torch::kDouble) - centre;
  auto r2 = idx.view({g, 1, 1}).pow(2) + idx.view({1, g, 1}).pow(2) + idx.view({1, 1, g}).pow(2);
  auto labels = r2.le(radius * radius).to(torch::kUInt8).view({1, 1, g, g, g}).contiguous();
  auto image = labels.to(torch::kFloat);
  const double before = labels.sum().item<double>();
  ASSERT_GT(before, 2000);

  AugmentSettings s;
  s.rotateProbability = 1;
  s.maxRotation = 0.1;
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    auto lab = labels.clone(), img = image.clone();
    Rng rng(seed);
    train::augmentBatch(img, lab, s, rng);
    const double after = lab.sum().item<double>();
    EXPECT_NEAR(after / before, 1.0, 0.05) << "seed " << seed;
    EXPECT_LE(lab.max().item<int>(), 1);
    // The trilinear image keeps the volume too.
    EXPECT_NEAR(img.sum().item<double>() / before, 1.0, 0.05) << "seed " << seed;
  }
}
