// The ViT expert (METHOD.md section 5): Conv3d patch embedding, learned CLS token and positions,
// pre-LN transformer blocks, final LayerNorm, Linear head on the CLS token.
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "Initialisers.h"
#include "Networks.h"
#include "SpecChecks.h"
#include "ren/core/Error.h"

namespace ren::models {

namespace {

std::int64_t mlpWidth(const VitSize& size) {
  return static_cast<std::int64_t>(std::llround(static_cast<double>(size.dim) * size.mlpRatio));
}

/// Multi-head self-attention with a fused qkv projection (with bias) and an output projection.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(std::int64_t dim, std::int64_t heads, double dropout)
      : heads_(heads),
        scale_(1.0 / std::sqrt(static_cast<double>(dim / heads))),
        qkv_(register_module("qkv", torch::nn::Linear(dim, 3 * dim))),
        attnDrop_(register_module("attn_drop", torch::nn::Dropout(dropout))),
        proj_(register_module("proj", torch::nn::Linear(dim, dim))) {}

  /// x [B, S, dim] -> [B, S, dim] (before the residual's dropout).
  torch::Tensor forward(const torch::Tensor& x) {
    const auto batch = x.size(0), length = x.size(1), dim = x.size(2);
    // [B, S, 3, heads, dim/heads] -> [3, B, heads, S, dim/heads]
    const auto qkv = qkv_->forward(x).reshape({batch, length, 3, heads_, dim / heads_}).permute({2, 0, 3, 1, 4});
    const auto q = qkv[0], k = qkv[1], v = qkv[2];
    auto attention = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * scale_, -1);
    attention = attnDrop_->forward(attention);
    const auto mixed = torch::matmul(attention, v).transpose(1, 2).reshape({batch, length, dim});
    return proj_->forward(mixed);
  }

 private:
  std::int64_t heads_;
  double scale_;
  torch::nn::Linear qkv_;
  torch::nn::Dropout attnDrop_;
  torch::nn::Linear proj_;
};
TORCH_MODULE(SelfAttention);

/// Linear -> GELU -> Dropout -> Linear -> Dropout.
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(std::int64_t dim, std::int64_t hidden, double dropout)
      : fc1_(register_module("fc1", torch::nn::Linear(dim, hidden))),
        fc2_(register_module("fc2", torch::nn::Linear(hidden, dim))),
        drop_(register_module("drop", torch::nn::Dropout(dropout))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    return drop_->forward(fc2_->forward(drop_->forward(torch::gelu(fc1_->forward(x)))));
  }

 private:
  torch::nn::Linear fc1_;
  torch::nn::Linear fc2_;
  torch::nn::Dropout drop_;
};
TORCH_MODULE(Mlp);

/// Pre-LN block: x + Drop(Attn(LN(x))), then x + MLP(LN(x)).
class VitBlockImpl : public torch::nn::Module {
 public:
  explicit VitBlockImpl(const VitSize& size)
      : norm1_(register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({size.dim})))),
        attn_(register_module("attn", SelfAttention(size.dim, size.heads, size.dropout))),
        drop_(register_module("drop", torch::nn::Dropout(size.dropout))),
        norm2_(register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({size.dim})))),
        mlp_(register_module("mlp", Mlp(size.dim, mlpWidth(size), size.dropout))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = x + drop_->forward(attn_->forward(norm1_->forward(x)));
    return x + mlp_->forward(norm2_->forward(x));
  }

 private:
  torch::nn::LayerNorm norm1_;
  SelfAttention attn_;
  torch::nn::Dropout drop_;
  torch::nn::LayerNorm norm2_;
  Mlp mlp_;
};
TORCH_MODULE(VitBlock);

class VitNetworkImpl : public ExpertNetworkImpl {
 public:
  explicit VitNetworkImpl(const NetworkSpec& spec) : dim_(spec.vit.dim) {
    const auto& size = spec.vit;
    const auto side = spec.grid / size.patch;
    const auto tokens = side * side * side;
    patchEmbed_ = register_module(
        "patch_embed",
        torch::nn::Conv3d(torch::nn::Conv3dOptions(spec.inChannels, size.dim, size.patch).stride(size.patch)));
    clsToken_ = register_parameter("cls_token", torch::zeros({1, 1, size.dim}));
    posEmbed_ = register_parameter("pos_embed", torch::zeros({1, 1 + tokens, size.dim}));
    dropout_ = register_module("pos_drop", torch::nn::Dropout(size.dropout));
    blocks_ = register_module("blocks", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < size.depth; ++i) {
      VitBlock block(size);
      blocks_->push_back(block);
      blockList_.push_back(block);
    }
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({size.dim})));
    head_ = register_module("head", torch::nn::Linear(size.dim, spec.classes));

    // Init as the reference: CLS, positions and every Linear weight truncated normal 0.02, zero
    // Linear biases; LayerNorms are already weight 1 / bias 0; the patch convolution keeps its default.
    torch::NoGradGuard noGrad;
    truncatedNormal(clsToken_, 0.02);
    truncatedNormal(posEmbed_, 0.02);
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* linear = module->as<torch::nn::LinearImpl>()) {
        truncatedNormal(linear->weight, 0.02);
        linear->bias.zero_();
      }
    }
  }

  torch::Tensor forward(const torch::Tensor& x) override { return head_->forward(features(x)); }

  torch::Tensor features(const torch::Tensor& x) override {
    // [B, C, g, g, g] -> [B, dim, g/p, g/p, g/p] -> tokens in raster order d*(g*g) + h*g + w.
    auto tokens = patchEmbed_->forward(x).flatten(2).transpose(1, 2);
    tokens = torch::cat({clsToken_.expand({tokens.size(0), 1, dim_}).to(tokens.scalar_type()), tokens}, 1);
    tokens = dropout_->forward(tokens + posEmbed_);
    for (auto& block : blockList_) tokens = block->forward(tokens);
    return norm_->forward(tokens).select(1, 0);
  }

  std::int64_t featureDim() const override { return dim_; }

 private:
  std::int64_t dim_;
  torch::nn::Conv3d patchEmbed_{nullptr};
  torch::Tensor clsToken_;
  torch::Tensor posEmbed_;
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  std::vector<VitBlock> blockList_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};

void validateVit(const NetworkSpec& spec) {
  const auto& v = spec.vit;
  checkSpecBasics(spec);
  checkPatchTilesGrid(spec, v.patch, "vit.patch");
  requirePositive(v.dim, "vit.dim");
  requirePositive(v.depth, "vit.depth");
  requirePositive(v.heads, "vit.heads");
  if (v.dim % v.heads != 0)
    throw ConfigError("vit.dim " + std::to_string(v.dim) + " is not divisible by vit.heads " + std::to_string(v.heads));
  if (!(v.mlpRatio > 0.0) || mlpWidth(v) < 1)
    throw ConfigError("vit.mlp_ratio " + std::to_string(v.mlpRatio) + " must give an MLP width >= 1");
  if (!(v.dropout >= 0.0 && v.dropout < 1.0))
    throw ConfigError("vit.dropout " + std::to_string(v.dropout) + " must be in [0, 1)");
}

double vitFlops(const NetworkSpec& spec) {
  const auto& v = spec.vit;
  const double side = static_cast<double>(spec.grid / v.patch);
  const double tokens = side * side * side;
  const double s = tokens + 1.0;  // with CLS
  const double d = static_cast<double>(v.dim), hidden = static_cast<double>(mlpWidth(v));
  const double patchVolume = static_cast<double>(v.patch * v.patch * v.patch);
  const double embed = 2.0 * tokens * patchVolume * static_cast<double>(spec.inChannels) * d;
  // Per block (2 FLOPs per multiply-add): qkv S*D*3D, QK^T S*S*D, AV S*S*D, out proj S*D*D, MLP 2*S*D*H.
  const double block = 2.0 * (s * d * 3.0 * d + 2.0 * s * s * d + s * d * d + 2.0 * s * d * hidden);
  const double head = 2.0 * d * static_cast<double>(spec.classes);
  return embed + static_cast<double>(v.depth) * block + head;
}

}  // namespace

NetworkDefinition vitNetwork() {
  NetworkDefinition def;
  def.name = "vit";
  def.description = "3D ViT: Conv3d patch embedding, CLS token, learned positions, pre-LN transformer, head on CLS";
  def.validate = validateVit;
  def.build = [](const NetworkSpec& spec) -> ExpertNetwork {
    validateVit(spec);
    return std::make_shared<VitNetworkImpl>(spec);
  };
  def.flopsPerVolume = [](const NetworkSpec& spec) {
    validateVit(spec);
    return vitFlops(spec);
  };
  return def;
}

}  // namespace ren::models
