#pragma once
// The networks of METHOD.md section 5 (experts cnn, vit, mamba; baseline backbone swinunetr) behind
// one interface, built by name from a registry. Every network maps a batch of volumes
// [B, inChannels, D, H, W] (D = H = W = grid) to logits [B, classes], and exposes its penultimate
// feature vector (what the fusion stage projects). Sizes are plain structs; the defaults are the
// paper's and give the exact parameter counts of METHOD.md section 5.
#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ren::models {

/// cnn: 3 x [Conv3d k3 p1 -> BN3d -> ReLU -> MaxPool 2 -> Dropout3d] then an MLP head.
struct CnnSize {
  std::vector<std::int64_t> channels{24, 48, 96};  ///< output channels of the conv stages (one per stage)
  std::vector<std::int64_t> hidden{256, 64};       ///< hidden widths of the MLP head (Linear->BN1d->ReLU->Dropout each)
  double dropout = 0.5;
};

/// vit: Conv3d patch embedding, CLS token, learned positions, pre-LN blocks, head on CLS.
struct VitSize {
  std::int64_t patch = 8;
  std::int64_t dim = 128;
  std::int64_t depth = 3;
  std::int64_t heads = 4;
  double mlpRatio = 1.5;
  double dropout = 0.2;
};

/// mamba: Conv3d patch embedding, learned positions (no CLS), residual x + Mamba(LN(x)) blocks,
/// final LN, mean over tokens, Linear.
struct MambaSize {
  std::int64_t patch = 8;
  std::int64_t dModel = 128;
  std::int64_t depth = 3;
  std::int64_t dState = 32;
  std::int64_t dConv = 4;
  std::int64_t expand = 2;
  std::int64_t dtRank = 0;        ///< 0 = ceil(dModel / 16)
  double dropout = 0.2;
  std::string scan = "auto";  ///< selective scan: "auto" (parallel on CUDA, sequential on CPU), "sequential", "parallel"
};

/// swinunetr: MONAI-equivalent SwinUNETR (v1) with a classification head.
struct SwinUnetrSize {
  std::int64_t featureSize = 48;  ///< multiple of 12
  std::int64_t patch = 2;
  std::int64_t window = 7;
  std::vector<std::int64_t> depths{2, 2, 2, 2};
  std::vector<std::int64_t> heads{3, 6, 12, 24};
  bool normalize = true;            ///< parameter-free layer norm on every hidden state
  std::string headPool = "decoder"; ///< "decoder": GAP of the full-resolution decoder output (reference);
                                    ///< "bottleneck": GAP of the 16*featureSize bottleneck (skips the decoder)
};

/// Everything a network needs to be built.
struct NetworkSpec {
  std::int64_t grid = 96;        ///< input edge (cubic volumes)
  std::int64_t inChannels = 1;
  std::int64_t classes = 2;
  CnnSize cnn;
  VitSize vit;
  MambaSize mamba;
  SwinUnetrSize swinunetr;
};

/// Base class of every network. Input [B, inChannels, grid, grid, grid] float; output logits [B, classes].
class ExpertNetworkImpl : public torch::nn::Module {
 public:
  ~ExpertNetworkImpl() override = default;
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  /// The penultimate representation [B, featureDim()] (input of the last Linear).
  virtual torch::Tensor features(const torch::Tensor& x) = 0;
  virtual std::int64_t featureDim() const = 0;
};
using ExpertNetwork = std::shared_ptr<ExpertNetworkImpl>;

struct NetworkDefinition {
  std::string name;         ///< cnn, vit, mamba, swinunetr
  std::string description;  ///< one line for --help and docs
  /// Throws ren::ConfigError naming the offending size (e.g. "grid 40 is not divisible by vit patch 8").
  std::function<void(const NetworkSpec&)> validate;
  /// Builds a freshly initialised network (initialisation from the current torch generator state,
  /// so seed it first with torch::manual_seed for reproducible weights). Calls validate first.
  std::function<ExpertNetwork(const NetworkSpec&)> build;
  /// Analytic forward FLOPs for ONE volume (multiply-add = 2 FLOPs; convolutions, linear layers,
  /// attention matmuls and the selective scan; norms/activations ignored).
  std::function<double(const NetworkSpec&)> flopsPerVolume;
};

/// Networks by name. The registry lists cnn, vit, mamba and swinunetr.
class NetworkRegistry {
 public:
  static NetworkRegistry& instance();
  /// Throws UsageError when the name is taken.
  void add(NetworkDefinition definition);
  /// Throws ConfigError listing the registered names when unknown.
  const NetworkDefinition& get(const std::string& name) const;
  bool contains(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  NetworkRegistry();
  std::vector<NetworkDefinition> definitions_;
};

/// Convenience: NetworkRegistry::instance().get(name).build(spec).
ExpertNetwork buildNetwork(const std::string& name, const NetworkSpec& spec);

/// Number of trainable parameters (requires_grad) of a module and its children.
std::int64_t parameterCount(const torch::nn::Module& module);

}  // namespace ren::models
