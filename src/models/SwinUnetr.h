#pragma once
// Internal: the SwinUNETR (v1) backbone, MONAI 1.5 semantics and submodule names
// (swinViT, encoder1..4, encoder10, decoder5..1, out). The registered "swinunetr" classification
// network (SwinUnetr.cpp) wraps it; tests build it directly to count MONAI's parameters.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "SwinTransformer.h"
#include "UnetrBlocks.h"
#include "ren/models/ExpertNetwork.h"

namespace ren::models {

/// Throws ConfigError naming the swinunetr.* key and the rule: feature size a positive multiple of 12,
/// patch >= 1, window >= 1, four stages of depths >= 1 and heads dividing each stage's channels,
/// head_pool in {decoder, bottleneck}.
void validateSwinUnetrSize(const SwinUnetrSize& size);

/// validateSwinUnetrSize plus the input: inChannels >= 1, classes >= 2 and preprocess.grid a positive
/// multiple of patch * 2^4 (32 for patch 2).
void validateSwinUnetrSpec(const NetworkSpec& spec);

/// Analytic forward FLOPs of one volume of the registered network (see SwinUnetr.cpp).
double swinUnetrFlopsPerVolume(const NetworkSpec& spec);

/// SwinUNETR: Swin encoder (5 hidden states) + UNETR residual conv encoders/decoder + 1x1x1 output conv.
/// Input [B, inChannels, D, H, W] with every side a multiple of patch * 16.
class SwinUnetrBackboneImpl : public torch::nn::Module {
 public:
  /// withDecoder = false builds only swinViT and encoder10 (what the bottleneck head uses).
  SwinUnetrBackboneImpl(const SwinUnetrSize& size, std::int64_t inChannels, std::int64_t outChannels,
                        bool withDecoder = true);

  /// Every intermediate of one forward (MONAI's names); the decoder ones are undefined without decoder.
  struct Activations {
    std::vector<torch::Tensor> hidden;  ///< x0..x4 of swinViT (normalised when size.normalize)
    torch::Tensor enc0, enc1, enc2, enc3;
    torch::Tensor dec4;  ///< encoder10(x4), the bottleneck
    torch::Tensor dec3, dec2, dec1, dec0, out;
    torch::Tensor logits;  ///< out block: [B, outChannels, D, H, W]
  };
  Activations run(const torch::Tensor& x);

  /// Segmentation logits [B, outChannels, D, H, W] (requires the decoder).
  torch::Tensor forward(const torch::Tensor& x);
  /// encoder10 output [B, 16 * featureSize, D / (16 patch), ...] (the decoder is not run).
  torch::Tensor bottleneck(const torch::Tensor& x);

  bool hasDecoder() const { return withDecoder_; }
  const SwinUnetrSize& size() const { return size_; }

  swin::SwinTransformer swinViT{nullptr};
  unetr::UnetrBasicBlock encoder1{nullptr}, encoder2{nullptr}, encoder3{nullptr}, encoder4{nullptr};
  unetr::UnetrBasicBlock encoder10{nullptr};
  unetr::UnetrUpBlock decoder5{nullptr}, decoder4{nullptr}, decoder3{nullptr}, decoder2{nullptr}, decoder1{nullptr};
  unetr::UnetOutBlock out{nullptr};

 private:
  void checkInput(const torch::Tensor& x) const;

  SwinUnetrSize size_;
  std::int64_t inChannels_;
  bool withDecoder_;
};
TORCH_MODULE(SwinUnetrBackbone);

}  // namespace ren::models
