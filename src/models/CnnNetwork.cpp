// The CNN expert (METHOD.md section 5): conv stages [Conv3d k3 p1 -> BatchNorm3d -> ReLU -> MaxPool3d 2
// -> Dropout3d], flatten, hidden blocks [Linear -> BatchNorm1d -> ReLU -> Dropout], Linear head.
// Module names: conv1.., bn1.. (stages), fc1.., fc_bn1.. (hidden blocks), head.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "Networks.h"
#include "SpecChecks.h"
#include "ren/core/Error.h"

namespace ren::models {

namespace {

std::int64_t pooledSide(const NetworkSpec& spec) {
  return spec.grid >> static_cast<std::int64_t>(spec.cnn.channels.size());
}

std::int64_t flattenedWidth(const NetworkSpec& spec) {
  const auto side = pooledSide(spec);
  return spec.cnn.channels.back() * side * side * side;
}

class CnnNetworkImpl : public ExpertNetworkImpl {
 public:
  explicit CnnNetworkImpl(const NetworkSpec& spec) {
    const auto& size = spec.cnn;
    auto in = spec.inChannels;
    for (std::size_t i = 0; i < size.channels.size(); ++i) {
      const auto out = size.channels[i];
      const auto index = std::to_string(i + 1);
      convs_.push_back(register_module(
          "conv" + index, torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 3).padding(1).bias(true))));
      convNorms_.push_back(register_module("bn" + index, torch::nn::BatchNorm3d(out)));
      in = out;
    }
    convDropout_ = register_module("conv_drop", torch::nn::Dropout3d(size.dropout));
    auto width = flattenedWidth(spec);
    for (std::size_t i = 0; i < size.hidden.size(); ++i) {
      const auto out = size.hidden[i];
      const auto index = std::to_string(i + 1);
      fcs_.push_back(register_module("fc" + index, torch::nn::Linear(width, out)));
      fcNorms_.push_back(register_module("fc_bn" + index, torch::nn::BatchNorm1d(out)));
      width = out;
    }
    fcDropout_ = register_module("fc_drop", torch::nn::Dropout(size.dropout));
    featureDim_ = width;
    head_ = register_module("head", torch::nn::Linear(width, spec.classes));
  }

  torch::Tensor forward(const torch::Tensor& x) override { return head_->forward(features(x)); }

  torch::Tensor features(const torch::Tensor& x) override {
    auto h = x;
    for (std::size_t i = 0; i < convs_.size(); ++i)
      h = convDropout_->forward(torch::max_pool3d(torch::relu(convNorms_[i]->forward(convs_[i]->forward(h))), 2));
    h = h.flatten(1);
    for (std::size_t i = 0; i < fcs_.size(); ++i)
      h = fcDropout_->forward(torch::relu(fcNorms_[i]->forward(fcs_[i]->forward(h))));
    return h;
  }

  std::int64_t featureDim() const override { return featureDim_; }

 private:
  std::vector<torch::nn::Conv3d> convs_;
  std::vector<torch::nn::BatchNorm3d> convNorms_;
  torch::nn::Dropout3d convDropout_{nullptr};
  std::vector<torch::nn::Linear> fcs_;
  std::vector<torch::nn::BatchNorm1d> fcNorms_;
  torch::nn::Dropout fcDropout_{nullptr};
  torch::nn::Linear head_{nullptr};
  std::int64_t featureDim_ = 0;
};

std::string joined(const std::vector<std::int64_t>& values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

void validateCnn(const NetworkSpec& spec) {
  const auto& c = spec.cnn;
  checkSpecBasics(spec);
  if (c.channels.empty()) throw ConfigError("cnn.channels is empty; give at least one conv stage (e.g. 24,48,96)");
  for (auto v : c.channels)
    if (v < 1) throw ConfigError("cnn.channels '" + joined(c.channels) + "' must all be >= 1");
  for (auto v : c.hidden)
    if (v < 1) throw ConfigError("cnn.hidden '" + joined(c.hidden) + "' must all be >= 1");
  const auto stages = static_cast<std::int64_t>(c.channels.size());
  if (stages > 30 || spec.grid % (std::int64_t{1} << stages) != 0)
    throw ConfigError("grid " + std::to_string(spec.grid) + " (preprocess.grid) is not divisible by 2^" +
                      std::to_string(stages) + " (one max-pool per entry of cnn.channels '" + joined(c.channels) +
                      "')");
  if (!(c.dropout >= 0.0 && c.dropout < 1.0))
    throw ConfigError("cnn.dropout " + std::to_string(c.dropout) + " must be in [0, 1)");
}

double cnnFlops(const NetworkSpec& spec) {
  const auto& c = spec.cnn;
  double flops = 0.0;
  // Convolutions (2 FLOPs per multiply-add): 27 * Cin * Cout per output voxel; the stage runs at
  // the side before its max-pool.
  auto side = static_cast<double>(spec.grid);
  auto in = static_cast<double>(spec.inChannels);
  for (auto out : c.channels) {
    flops += 2.0 * 27.0 * in * static_cast<double>(out) * side * side * side;
    in = static_cast<double>(out);
    side /= 2.0;
  }
  auto width = static_cast<double>(flattenedWidth(spec));
  for (auto out : c.hidden) {
    flops += 2.0 * width * static_cast<double>(out);
    width = static_cast<double>(out);
  }
  return flops + 2.0 * width * static_cast<double>(spec.classes);
}

}  // namespace

NetworkDefinition cnnNetwork() {
  NetworkDefinition def;
  def.name = "cnn";
  def.description = "3D CNN: Conv3d-BN-ReLU-MaxPool-Dropout3d stages, then an MLP head with BatchNorm and dropout";
  def.validate = validateCnn;
  def.build = [](const NetworkSpec& spec) -> ExpertNetwork {
    validateCnn(spec);
    return std::make_shared<CnnNetworkImpl>(spec);
  };
  def.flopsPerVolume = [](const NetworkSpec& spec) {
    validateCnn(spec);
    return cnnFlops(spec);
  };
  return def;
}

}  // namespace ren::models
