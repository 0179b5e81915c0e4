#include "ren/train/Augmentation.h"

#include <torch/torch.h>

#include <cmath>

#include "ren/core/Error.h"

namespace ren::train {

AugmentSettings augmentPreset(const std::string& name) {
  AugmentSettings s;
  if (name == "strong") {
    s.rotateProbability = 0.3;
    s.maxRotation = 0.1;
    s.noiseProbability = 0.2;
    s.noiseSigma = 0.01;
    s.affineProbability = 0.2;
    s.maxTranslation = 5;
    s.maxScale = 0.1;
  } else if (name == "light") {
    s.rotateProbability = 0.2;
    s.maxRotation = 0.05;
    s.noiseProbability = 0.1;
    s.noiseSigma = 0.005;
    s.affineProbability = 0.1;
    s.maxTranslation = 3;
    s.maxScale = 0.05;
  } else if (name != "none") {
    throw ConfigError("augment = '" + name + "'; allowed values are strong, light, none");
  }
  return s;
}

at::Tensor affineMatrix(double ax, double ay, double az, double sx, double sy, double sz, double tx, double ty, double tz,
                        std::int64_t grid) {
  // grid_sample's coordinates are (x, y, z) = (W, H, D) in [-1, 1]; the matrix maps output to input.
  const double cx = std::cos(ax), sxr = std::sin(ax), cy = std::cos(ay), syr = std::sin(ay), cz = std::cos(az),
               szr = std::sin(az);
  const double rx[3][3] = {{1, 0, 0}, {0, cx, -sxr}, {0, sxr, cx}};
  const double ry[3][3] = {{cy, 0, syr}, {0, 1, 0}, {-syr, 0, cy}};
  const double rz[3][3] = {{cz, -szr, 0}, {szr, cz, 0}, {0, 0, 1}};
  double rzy[3][3] = {}, r[3][3] = {};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) rzy[i][j] += rz[i][k] * ry[k][j];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) r[i][j] += rzy[i][k] * rx[k][j];
  const double scale[3] = {sx, sy, sz};
  const double shift[3] = {tx, ty, tz};
  auto m = torch::zeros({3, 4}, torch::kFloat);
  auto a = m.accessor<float, 2>();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) a[i][j] = static_cast<float>(r[i][j] * scale[j]);
    a[i][3] = static_cast<float>(2.0 * shift[i] / static_cast<double>(grid));
  }
  return m;
}

void augmentBatch(at::Tensor& image, at::Tensor& labels, const AugmentSettings& settings, Rng& rng) {
  if (!settings.enabled()) return;
  const std::int64_t batch = image.size(0), grid = image.size(-1);
  const double voxelScale = static_cast<double>(grid) / 96.0;
  for (std::int64_t b = 0; b < batch; ++b) {
    const bool rotate = rng.bernoulli(settings.rotateProbability);
    double ax = 0, ay = 0, az = 0;
    if (rotate) {
      ax = rng.uniform(-settings.maxRotation, settings.maxRotation);
      ay = rng.uniform(-settings.maxRotation, settings.maxRotation);
      az = rng.uniform(-settings.maxRotation, settings.maxRotation);
    }
    const bool affine = rng.bernoulli(settings.affineProbability);
    double s[3] = {1, 1, 1}, t[3] = {0, 0, 0};
    if (affine) {
      for (double& v : s) v = rng.uniform(1 - settings.maxScale, 1 + settings.maxScale);
      for (double& v : t) v = rng.uniform(-settings.maxTranslation, settings.maxTranslation) * voxelScale;
    }
    const bool noise = rng.bernoulli(settings.noiseProbability);
    if (rotate || affine) {
      auto theta = affineMatrix(ax, ay, az, s[0], s[1], s[2], t[0], t[1], t[2], grid).unsqueeze(0).to(image.device());
      auto coords = torch::nn::functional::affine_grid(theta, {1, 1, grid, grid, grid}, /*align_corners=*/false);
      namespace F = torch::nn::functional;
      auto img = image.narrow(0, b, 1);
      auto warped = F::grid_sample(img, coords.to(img.dtype()),
                                   F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
      img.copy_(warped);
      auto lab = labels.narrow(0, b, 1);
      auto warpedLabels = F::grid_sample(lab.to(torch::kFloat), coords,
                                         F::GridSampleFuncOptions().mode(torch::kNearest).padding_mode(torch::kZeros).align_corners(false));
      lab.copy_(warpedLabels.round().to(torch::kUInt8));
    }
    if (noise) {
      auto img = image.narrow(0, b, 1);
      img.add_(torch::randn(img.sizes(), img.options()) * settings.noiseSigma);
    }
  }
}

}  // namespace ren::train
