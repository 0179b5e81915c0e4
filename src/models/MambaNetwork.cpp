// The Mamba expert (METHOD.md section 5): Conv3d patch embedding, learned positions (no CLS token),
// residual blocks x + Mamba(LN(x)) over the raster-ordered tokens, final LayerNorm, mean over tokens,
// Linear head.
#include <torch/torch.h>

#include <string>

#include "Initialisers.h"
#include "MambaBlock.h"
#include "Networks.h"
#include "SpecChecks.h"
#include "ren/core/Error.h"

namespace ren::models {

namespace {

/// One residual block: x + Mamba(LayerNorm(x)).
class MambaResidualBlockImpl : public torch::nn::Module {
 public:
  explicit MambaResidualBlockImpl(const MambaBlockSize& size)
      : norm_(register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({size.dModel})))),
        mixer_(register_module("mixer", MambaBlock(size))) {}

  torch::Tensor forward(const torch::Tensor& x) { return x + mixer_->forward(norm_->forward(x)); }

 private:
  torch::nn::LayerNorm norm_;
  MambaBlock mixer_;
};
TORCH_MODULE(MambaResidualBlock);

class MambaNetworkImpl : public ExpertNetworkImpl {
 public:
  explicit MambaNetworkImpl(const NetworkSpec& spec) : dModel_(spec.mamba.dModel) {
    const auto& size = spec.mamba;
    const auto tokens = (spec.grid / size.patch) * (spec.grid / size.patch) * (spec.grid / size.patch);
    patchEmbed_ = register_module(
        "patch_embed",
        torch::nn::Conv3d(torch::nn::Conv3dOptions(spec.inChannels, size.dModel, size.patch).stride(size.patch)));
    posEmbed_ = register_parameter("pos_embed", torch::zeros({1, tokens, size.dModel}));
    dropout_ = register_module("pos_drop", torch::nn::Dropout(size.dropout));
    blocks_ = register_module("blocks", torch::nn::ModuleList());
    const auto blockSize = MambaBlockSize::from(size);
    for (std::int64_t i = 0; i < size.depth; ++i) {
      MambaResidualBlock block(blockSize);
      blocks_->push_back(block);
      blockList_.push_back(block);
    }
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({size.dModel})));
    head_ = register_module("head", torch::nn::Linear(size.dModel, spec.classes));

    torch::NoGradGuard noGrad;
    truncatedNormal(posEmbed_, 0.02);
    truncatedNormal(head_->weight, 0.02);
    head_->bias.zero_();
  }

  torch::Tensor forward(const torch::Tensor& x) override { return head_->forward(features(x)); }

  torch::Tensor features(const torch::Tensor& x) override {
    // [B, C, g, g, g] -> [B, dModel, g/p, g/p, g/p] -> tokens in raster order d*(g*g) + h*g + w.
    auto tokens = patchEmbed_->forward(x).flatten(2).transpose(1, 2);
    tokens = dropout_->forward(tokens + posEmbed_);
    for (auto& block : blockList_) tokens = block->forward(tokens);
    return norm_->forward(tokens).mean(1);
  }

  std::int64_t featureDim() const override { return dModel_; }

 private:
  std::int64_t dModel_;
  torch::nn::Conv3d patchEmbed_{nullptr};
  torch::Tensor posEmbed_;
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  std::vector<MambaResidualBlock> blockList_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};

void validateMamba(const NetworkSpec& spec) {
  const auto& m = spec.mamba;
  checkSpecBasics(spec);
  checkPatchTilesGrid(spec, m.patch, "mamba.patch");
  requirePositive(m.dModel, "mamba.d_model");
  requirePositive(m.depth, "mamba.depth");
  requirePositive(m.dState, "mamba.d_state");
  requirePositive(m.dConv, "mamba.d_conv");
  requirePositive(m.expand, "mamba.expand");
  if (m.dtRank < 0)
    throw ConfigError("mamba.dt_rank " + std::to_string(m.dtRank) + " must be >= 0 (0 = ceil(d_model / 16))");
  if (!(m.dropout >= 0.0 && m.dropout < 1.0))
    throw ConfigError("mamba.dropout " + std::to_string(m.dropout) + " must be in [0, 1)");
  if (m.scan != "auto" && m.scan != "sequential" && m.scan != "parallel")
    throw ConfigError("mamba.scan '" + m.scan + "' is not a selective scan; allowed: auto, sequential, parallel");
}

double mambaFlops(const NetworkSpec& spec) {
  const auto& m = spec.mamba;
  const auto block = MambaBlockSize::from(m);
  const double side = static_cast<double>(spec.grid / m.patch);
  const double tokens = side * side * side;
  const double d = static_cast<double>(block.dModel), e = static_cast<double>(block.inner());
  const double n = static_cast<double>(block.dState), r = static_cast<double>(block.dtRank);
  const double k = static_cast<double>(block.dConv);
  const double patchVolume = static_cast<double>(m.patch * m.patch * m.patch);
  const double embed = 2.0 * tokens * patchVolume * static_cast<double>(spec.inChannels) * d;
  // Per token of one block: in_proj D->2E, depthwise conv (K taps per channel), x_proj E->R+2N,
  // dt_proj R->E, out_proj E->D (2 FLOPs per multiply-add), and the selective scan estimated as
  // 9 E N per token: exp(delta A) [2], delta B u [2], h = a h + b [2], sum_n h C [2], + D u [~1].
  const double perToken = 2.0 * d * 2.0 * e + 2.0 * e * k + 2.0 * e * (r + 2.0 * n) + 2.0 * r * e + 9.0 * e * n +
                          2.0 * e * d;
  const double head = 2.0 * d * static_cast<double>(spec.classes);
  return embed + static_cast<double>(m.depth) * tokens * perToken + head;
}

}  // namespace

NetworkDefinition mambaNetwork() {
  NetworkDefinition def;
  def.name = "mamba";
  def.description =
      "3D Mamba: Conv3d patch embedding, learned positions, residual selective-SSM blocks, mean-pooled head";
  def.validate = validateMamba;
  def.build = [](const NetworkSpec& spec) -> ExpertNetwork {
    validateMamba(spec);
    return std::make_shared<MambaNetworkImpl>(spec);
  };
  def.flopsPerVolume = [](const NetworkSpec& spec) {
    validateMamba(spec);
    return mambaFlops(spec);
  };
  return def;
}

}  // namespace ren::models
