#pragma once
// Internal: the Swin Transformer encoder of SwinUNETR (v1), with MONAI 1.5 semantics and MONAI's
// submodule names (so saved weights line up name for name):
//   patch_embed.proj                          Conv3d(in, C, k = s = patch, bias)
//   layers{1..4}.0.blocks.{j}.norm1 / attn.{qkv, proj, relative_position_bias_table,
//                            relative_position_index} / norm2 / mlp.{linear1, linear2}
//   layers{1..4}.0.downsample.{reduction, norm}   PatchMerging (v1, "merging")
// Feature maps inside a stage are channels-last [B, D, H, W, C]; the stages exchange [B, C, D, H, W].
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <array>
#include <cstdint>
#include <vector>

namespace ren::models::swin {

using Triple = std::array<std::int64_t, 3>;

/// Window and shift actually used on a feature map (MONAI get_window_size): on an axis whose side is
/// <= the window, the window shrinks to the side and the shift of that axis becomes 0.
struct WindowGeometry {
  Triple window;
  Triple shift;
};
WindowGeometry effectiveWindow(const Triple& side, const Triple& window, const Triple& shift);

/// Smallest multiple of the window >= side, per axis (the zero-padded feature map).
Triple paddedSide(const Triple& side, const Triple& window);

/// [B, D, H, W, C] (sides multiples of the window) -> [B * nWindows, wd * wh * ww, C], windows in
/// (d, h, w) raster order, tokens in raster order inside a window.
torch::Tensor windowPartition(const torch::Tensor& x, const Triple& window);

/// Inverse of windowPartition: [B * nWindows, n, C] -> [batch, side[0], side[1], side[2], C].
torch::Tensor windowReverse(const torch::Tensor& windows, const Triple& window, std::int64_t batch, const Triple& side);

/// The 27-region labelling of a padded map for the shifted-window mask (MONAI compute_mask): per axis
/// the slices [0, n - w), [n - w, n - s), [n - s, n) get labels 0, 1, 2 (with Python slice semantics,
/// so a zero shift labels the whole axis 2); region id = 9 * l_d + 3 * l_h + l_w. Int64 [D, H, W].
torch::Tensor shiftRegionIds(const Triple& paddedSide, const Triple& window, const Triple& shift);

/// Additive attention mask of the shifted windows: [nWindows, n, n] float, 0 between tokens of the
/// same region, -100 between tokens of different regions.
torch::Tensor shiftedWindowMask(const Triple& paddedSide, const Triple& window, const Triple& shift,
                                const torch::Device& device);

/// Relative position index of a window (Liu et al.): [n, n] int64 with n = wd * wh * ww and
/// index(i, j) = (dd + wd - 1) (2wh - 1)(2ww - 1) + (dh + wh - 1)(2ww - 1) + (dw + ww - 1),
/// (dd, dh, dw) = coords(i) - coords(j).
torch::Tensor relativePositionIndex(const Triple& window);

/// Window multi-head self-attention with a learned relative position bias (MONAI WindowAttention):
/// softmax(q k^T / sqrt(head_dim) + bias[index] (+ mask)) v, then proj.
/// The bias table and index are sized for the configured window; on a shrunk window of n tokens the
/// top-left n x n block of the index is used, exactly as MONAI does.
class WindowAttentionImpl : public torch::nn::Module {
 public:
  WindowAttentionImpl(std::int64_t dim, std::int64_t heads, const Triple& window);
  /// x: [B * nWindows, n, C]; mask: [nWindows, n, n] or undefined. On CPU the windows are processed
  /// in chunks of at most maxChunkElements attention scores (the same arithmetic per window, but the
  /// [windows, heads, n, n] temporaries stay small: 7^3 windows at 48^3 would need 0.5 GB each).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  /// The attention of a set of windows in one go (mask rows match x's windows modulo mask.size(0)).
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& mask);

  std::int64_t maxChunkElements = std::int64_t{1} << 22;

  std::int64_t dim;
  std::int64_t heads;
  Triple window;
  double scale;
  torch::Tensor relative_position_bias_table;  ///< parameter [(2wd-1)(2wh-1)(2ww-1), heads]
  torch::Tensor relative_position_index;       ///< buffer [n, n] int64
  torch::nn::Linear qkv{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(WindowAttention);

/// Transformer MLP: Linear(C, hidden) -> GELU (exact) -> Linear(hidden, C) (MONAI MLPBlock names).
class SwinMlpImpl : public torch::nn::Module {
 public:
  SwinMlpImpl(std::int64_t dim, std::int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear linear1{nullptr};
  torch::nn::Linear linear2{nullptr};
};
TORCH_MODULE(SwinMlp);

/// Pre-LN Swin block on a channels-last map [B, D, H, W, C]:
///   x = x + crop(reverse(W-MSA(partition(roll(pad(LN(x)), -shift)), mask)), +shift)
///   x = x + MLP(LN(x))
/// `shift` is the configured shift (0 on even blocks, window / 2 on odd ones); it is reduced per
/// feature map by effectiveWindow.
class SwinTransformerBlockImpl : public torch::nn::Module {
 public:
  SwinTransformerBlockImpl(std::int64_t dim, std::int64_t heads, const Triple& window, const Triple& shift,
                           double mlpRatio = 4.0);
  /// mask: the stage's shifted-window mask (used only when this block shifts on some axis).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

  Triple window;
  Triple shift;
  torch::nn::LayerNorm norm1{nullptr};
  WindowAttention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  SwinMlp mlp{nullptr};
};
TORCH_MODULE(SwinTransformerBlock);

/// PatchMerging v1 (MONAI "merging"): pad odd sides, concatenate the 2x2x2 neighbours in MONAI's
/// historical order x0..x7 = offsets (0,0,0) (1,0,0) (0,1,0) (0,0,1) (1,0,1) (0,1,0) (0,0,1) (1,1,1)
/// (x5, x6 repeat x2, x3; (1,1,0) and (0,1,1) are not used), LayerNorm(8C), Linear(8C, 2C, no bias).
/// [B, D, H, W, C] -> [B, ceil(D/2), ceil(H/2), ceil(W/2), 2C].
class PatchMergingImpl : public torch::nn::Module {
 public:
  explicit PatchMergingImpl(std::int64_t dim);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear reduction{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(PatchMerging);

/// One stage: `depth` Swin blocks (shift on odd blocks) then PatchMerging. [B, C, D, H, W] -> [B, 2C, D/2, ...].
class BasicLayerImpl : public torch::nn::Module {
 public:
  BasicLayerImpl(std::int64_t dim, std::int64_t depth, std::int64_t heads, const Triple& window);
  torch::Tensor forward(const torch::Tensor& x);

  Triple window;
  Triple shift;  ///< window / 2 per axis (the odd blocks' configured shift)
  torch::nn::ModuleList blocks{nullptr};
  PatchMerging downsample{nullptr};

 private:
  // The mask depends only on the padded side (window and shift follow from it), so the last one is
  // kept between forwards (not a buffer: it is derived, never saved).
  torch::Tensor maskCache_;
  Triple maskCacheSide_{};
};
TORCH_MODULE(BasicLayer);

/// Patch embedding: Conv3d(in, C, kernel = stride = patch, bias) (no patch norm).
class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(std::int64_t inChannels, std::int64_t embedDim, std::int64_t patch);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv3d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

/// The encoder: patch embedding then four stages; forward gives the five hidden states
/// [x0 (after the patch embedding), x1..x4 (after each stage's merging)], each [B, C_i, ...] and,
/// when normalize, layer-normed over channels without affine parameters.
class SwinTransformerImpl : public torch::nn::Module {
 public:
  SwinTransformerImpl(std::int64_t inChannels, std::int64_t embedDim, std::int64_t patch, std::int64_t window,
                      const std::vector<std::int64_t>& depths, const std::vector<std::int64_t>& heads);
  std::vector<torch::Tensor> forward(const torch::Tensor& x, bool normalize);

  PatchEmbed patch_embed{nullptr};
  std::vector<BasicLayer> stages;  ///< layers1[0] .. layers4[0]
};
TORCH_MODULE(SwinTransformer);

}  // namespace ren::models::swin
